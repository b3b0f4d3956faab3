"""Readings that land after the incremental lookback (a gateway's buffer, a recovered meter)
are taken in by the next scheduled build: the marts' quarter-hours then hold the twin's true
counter increases, not the gap's linear estimate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.published import connect_published
from tests.conftest import relocate_endpoints, settings_for
from tests.jobs.warehouse.twin_truth import true_interval_increases

T0 = dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 in Suzhou: the morning load ramp
HOURS = 9
LATE_FROM = T0 + dt.timedelta(hours=2)  # the hour the gateway buffered
LATE_TO = LATE_FROM + dt.timedelta(hours=1)
POINT = "energy_import_kwh"  # the grid_import flow
pytestmark = pytest.mark.integration


def _split_off_late_hour(day_files: list[str], device_id: str):
    """Take the meter's readings in [LATE_FROM, LATE_TO) out of the landed files; returns
    them, to land later as a file of their own."""
    late_parts = []
    for path in day_files:
        table = pq.read_table(path)
        ts = table.column("ts_utc")
        is_late = pc.and_(pc.equal(table.column("device_id"), device_id),
                          pc.and_(pc.greater_equal(ts, LATE_FROM), pc.less(ts, LATE_TO)))
        late_parts.append(table.filter(is_late))
        landing.write_atomically(path, landing.serialise_parquet(
            table.filter(pc.invert(is_late))))
    return late_parts


def _mart_energy(settings, device_id: str) -> dict[dt.datetime, float]:
    with connect_published(settings) as connection:
        rows = connection.execute(
            "select interval_start_utc, energy_kwh from fct_interval_energy "
            "where device_id = ? and energy_flow = 'grid_import'", [device_id]).fetchall()
    return {start.astimezone(dt.UTC): energy for start, energy in rows}


def test_an_hour_landing_late_is_recomputed_by_the_next_scheduled_build(tmp_path: Path):
    park = relocate_endpoints(generate_park(12, seed=3))
    meter = next(d["id"] for d in park["devices"] if d["kind"] == "grid_meter")
    settings = settings_for(park, tmp_path / "data")
    history = generate_history(settings, T0, T0 + dt.timedelta(hours=HOURS, minutes=1))
    late_parts = _split_off_late_hour(history.files, meter)
    late_times = {ts for part in late_parts for ts in part.column("ts_utc").to_pylist()}
    assert len(late_times) == 60  # a reading a minute

    first = build_warehouse(settings, unit_tests=False, quiet=True)
    assert first.success, first.summary_markdown()
    truth = true_interval_increases(settings, meter, POINT, T0, HOURS)
    gap = [start for start in truth if LATE_FROM - dt.timedelta(minutes=15) <= start < LATE_TO]
    bridged = _mart_energy(settings, meter)
    assert len(bridged) == HOURS * 4
    # the gap's linear estimate is off somewhere (else this test could not fail)
    assert max(abs(bridged[start] - truth[start]) for start in gap) > 0.5

    # the buffered hour lands the next day: a file of its own in its readings' partition
    late_path = (f"{landing.partition_dir(settings.landing_root, 'readings', LATE_FROM.date())}"
                 "/gateway-buffer-late.parquet")
    landing.write_atomically(late_path, landing.serialise_parquet(late_parts[0]))
    scheduled = build_warehouse(settings, unit_tests=False, quiet=True)
    assert scheduled.success, scheduled.summary_markdown()

    energy = _mart_energy(settings, meter)
    for start, true_kwh in truth.items():
        # register resolution: counters are read to 0.01 kWh at each end of the quarter-hour
        assert energy[start] == pytest.approx(true_kwh, abs=0.02), start
    assert scheduled.late is not None and scheduled.late.late_files == 1
    # the step before the late hour starts at its last reading (01:59): that quarter-hour on
    assert scheduled.late.recompute_from_utc == LATE_FROM - dt.timedelta(minutes=15)
    assert "Late landing files: 1 of 1 new file(s)" in scheduled.summary_markdown()
    assert "recomputed from 2026-07-01 01:45 UTC" in scheduled.summary_markdown()


def test_files_within_the_lookback_are_new_but_not_late(tmp_path: Path):
    park = relocate_endpoints(generate_park(12, seed=3))
    settings = settings_for(park, tmp_path / "data")
    generate_history(settings, T0, T0 + dt.timedelta(hours=4))
    assert build_warehouse(settings, unit_tests=False, quiet=True).success
    generate_history(settings, T0 + dt.timedelta(hours=4), T0 + dt.timedelta(hours=5))
    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()
    assert report.late is not None
    assert (report.late.new_files, report.late.late_files) == (1, 0)
    assert report.late.recompute_from_utc is None
    # a build with nothing new finds nothing new
    again = build_warehouse(settings, unit_tests=False, quiet=True)
    assert again.late is not None and again.late.new_files == 0
