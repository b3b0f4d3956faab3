"""The data-quality mart against a hand-made day of readings with known faults: one query says
which meters had problems and when.

Three meters (hand_park.py) read every 5 minutes (poll_interval_s 300: 288 polls a day) over
the local day 10 October 2026 (Asia/Shanghai; 9 Oct 16:00 to 10 Oct 16:00 UTC), each landing
its import counter, active power and clock (its heartbeat point). Faults written in, local
times:
  grid-main    timeouts at 08:00, 08:05, 08:10 (all 3 points: 9 readings, 3 polls not good);
               its clock stands still 12:00-13:40 (21 polls), which the landing checkpoint
               calls frozen (the counters keep counting, so the balance still closes)
  meter-alpha  its u32 counter (0.01 kWh: wraps at 42,949,672.96) wraps between 10:00 and
               10:05 (a rollover); stale at 16:00 and 16:05 (4 readings); one power reading
               stamped 06:02:30 lands hours later, after readings stamped later (a clock jump)
  meter-beta   replaced at 14:00 by a new meter starting near zero (a reset); one power
               reading at 09:00 is a sentinel (invalid)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from jobs.common import landing
from jobs.quality.landing_checkpoint import run_landing_checkpoint
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.published import connect_published
from tests.conftest import settings_for
from tests.jobs.warehouse.hand_park import ENTERPRISES, alpha_beta_devices, park_section

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 10, 10)
MIDNIGHT_UTC = dt.datetime(2026, 10, 9, 16, 0, tzinfo=dt.UTC)  # 10 October 00:00 in Shanghai
STEP = dt.timedelta(minutes=5)
WRAP_KWH = 2**32 * 0.01
RATE_KW = {"grid-main": 1000.0, "meter-alpha": 600.0, "meter-beta": 385.0}


def _local(hours: float) -> dt.datetime:
    return MIDNIGHT_UTC + dt.timedelta(hours=hours)


def _counter(device: str, at: dt.datetime) -> float:
    hours = (at - MIDNIGHT_UTC) / dt.timedelta(hours=1)
    rate = RATE_KW[device]
    if device == "meter-alpha":  # wraps 10 h and a little into the day
        return round((WRAP_KWH - rate * 10 + 1 + rate * hours) % WRAP_KWH, 2)
    if device == "meter-beta" and hours >= 14:  # the new meter
        return round(0.5 + rate * (hours - 14), 2)
    return round(1000.0 + rate * hours, 2)


def _clock(device: str, at: dt.datetime) -> float:
    if device == "grid-main" and _local(12) <= at <= _local(13 + 40 / 60):
        at = _local(12)  # frozen at its 12:00 value
    return at.timestamp()


def _quality(device: str, point: str, at: dt.datetime) -> str:
    if device == "grid-main" and at in (_local(8), _local(8 + 5 / 60), _local(8 + 10 / 60)):
        return "timeout"
    if device == "meter-alpha" and at in (_local(16), _local(16 + 5 / 60)):
        return "stale"
    if device == "meter-beta" and point == "active_power_kw" and at == _local(9):
        return "invalid"
    return "good"


def _readings() -> pa.Table:
    rows = []
    at = MIDNIGHT_UTC
    while at < MIDNIGHT_UTC + dt.timedelta(days=1):
        for device, rate in RATE_KW.items():
            for point, value in (("energy_import_kwh", _counter(device, at)),
                                 ("active_power_kw", rate),
                                 ("device_time_unix_s", _clock(device, at))):
                quality = _quality(device, point, at)
                rows.append({"ts_utc": at, "device_id": device, "point": point,
                             "value": value if quality in ("good", "stale") else None,
                             "quality": quality, "cycle_id": f"hand-{at:%Y%m%dT%H%M}",
                             "detail": None})
        at += STEP
    return pa.Table.from_pylist(rows, schema=landing.READINGS_SCHEMA)


def _late_reading() -> pa.Table:
    """meter-alpha's power stamped 06:02:30, landed by the cycle of 13:00 (05:00 UTC)."""
    return pa.Table.from_pylist([{
        "ts_utc": _local(6 + 2.5 / 60), "device_id": "meter-alpha", "point": "active_power_kw",
        "value": 600.0, "quality": "good", "cycle_id": "history-20261010T050000",
        "detail": None}], schema=landing.READINGS_SCHEMA)


def _mart(settings) -> list[tuple]:
    with connect_published(settings) as connection:
        return connection.execute(
            "select device_id, local_date, expected_polls, polls, good_polls, readings, "
            "good_readings, invalid_readings, timeout_readings, stale_readings, rollovers, "
            "resets, rebases, clock_jumps, frozen_findings, estimated_intervals, faults, "
            "has_problems from fct_device_daily_quality order by device_id").fetchall()


def test_one_query_says_which_meters_had_problems_and_when(tmp_path: Path):
    devices = [{**device, "poll_interval_s": 300} for device in alpha_beta_devices()
               if device["id"] in RATE_KW]
    settings = settings_for({"park": park_section("dq-park", "质量园", "Quality Park"),
                             "enterprises": ENTERPRISES, "devices": devices},
                            tmp_path / "data")
    landing.write_partitioned(settings.landing_root, "readings", _readings(), "hand-made")
    landing.write_partitioned(settings.landing_root, "readings", _late_reading(), "z-late")
    run_landing_checkpoint(settings, [DAY - dt.timedelta(days=1), DAY],
                           now_utc=dt.datetime(2026, 10, 11, tzinfo=dt.UTC))
    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()

    rows = _mart(settings)
    # the next (incremental) build derives the last local day again, whole: the same rows.
    # A build runs the readings' models only when a readings file changed, so a file with no
    # rows lands first (as a poll cycle that read nothing would)
    empty = _late_reading().slice(0, 0)
    landing.write_atomically(
        f"{landing.partition_dir(settings.landing_root, 'readings', DAY)}/z-empty.parquet",
        landing.serialise_parquet(empty))
    again = build_warehouse(settings, unit_tests=False, quiet=True)
    assert again.success, again.summary_markdown()
    assert again.changed_inputs == ["source:landing.readings"], again.changed_inputs
    assert any(n.unique_id.endswith(".fct_device_daily_quality") for n in again.nodes)
    assert _mart(settings) == rows
    columns = ["device_id", "local_date", "expected_polls", "polls", "good_polls", "readings",
               "good_readings", "invalid_readings", "timeout_readings", "stale_readings",
               "rollovers", "resets", "rebases", "clock_jumps", "frozen_findings",
               "estimated_intervals", "faults", "has_problems"]
    found = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    assert set(found) == set(RATE_KW)  # one local day, every device
    assert {row["local_date"] for row in found.values()} == {DAY}
    assert all(row["expected_polls"] == 288 for row in found.values())

    grid, alpha, beta = found["grid-main"], found["meter-alpha"], found["meter-beta"]
    assert (grid["polls"], grid["good_polls"], grid["readings"], grid["good_readings"],
            grid["timeout_readings"]) == (288, 285, 864, 855, 9)
    assert (grid["rollovers"], grid["resets"], grid["rebases"]) == (0, 0, 0)
    assert grid["frozen_findings"] == 1 and grid["clock_jumps"] == 0
    assert grid["estimated_intervals"] > 0  # the timeouts' gap is bridged
    assert grid["faults"] == "frozen, not_answering"

    # the late reading is one more (good) poll; the stale ones are not good
    assert (alpha["polls"], alpha["good_polls"], alpha["readings"], alpha["good_readings"],
            alpha["stale_readings"]) == (289, 287, 865, 859, 6)
    assert (alpha["rollovers"], alpha["resets"], alpha["rebases"]) == (1, 0, 0)
    assert alpha["clock_jumps"] == 1
    assert alpha["faults"] == "rollover, clock_jump, frozen"

    assert (beta["polls"], beta["good_polls"], beta["readings"], beta["good_readings"],
            beta["invalid_readings"]) == (288, 287, 864, 863, 1)
    assert (beta["rollovers"], beta["resets"], beta["rebases"]) == (0, 1, 0)
    assert beta["faults"] == "reset, invalid"
    assert all(row["has_problems"] for row in found.values())
