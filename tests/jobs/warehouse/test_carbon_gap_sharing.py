"""How a counter gap's energy is shared between quarter-hours, interval by interval, against the
twin. The README's rule (int_counter_intervals_interpolated): between two consecutive good
readings the counter rises linearly, so the increase across a gap is shared among the
quarter-hours it overlaps in proportion to the overlap. Outside the gap every quarter-hour is
the twin's exact energy (its counters are the exact integral of its power).

The twin's history at 1-minute samples; one feeder meter's readings are dropped from 09:07 to
10:38 UTC (the last reading before is at 09:07, the first after at 10:38: 91 minutes)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.compute as pc
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.runner import HISTORY_STEP_S
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)  # 16:00 in Suzhou: shifts change in the gap
HOURS = 4
LAST_BEFORE = T0 + dt.timedelta(hours=1, minutes=7)  # 09:07
FIRST_AFTER = T0 + dt.timedelta(hours=2, minutes=38)  # 10:38
QUARTER = dt.timedelta(minutes=15)
POINT, FLOW = "energy_import_kwh", "enterprise_load"


def _drop_readings(settings, device_id: str) -> None:
    """Rewrite the day's landed files without the device's rows strictly inside the gap."""
    for path in landing.list_partition_files(settings.landing_root, "readings", T0.date()):
        table = landing.read_files([path])
        inside = pc.and_(pc.and_(pc.equal(table["device_id"], device_id),
                                 pc.greater(table["ts_utc"], LAST_BEFORE)),
                         pc.less(table["ts_utc"], FIRST_AFTER))
        if pc.any(inside).as_py():
            landing.write_atomically(path, landing.serialise_parquet(
                table.filter(pc.invert(inside))))


def _true_counter(settings, device_id: str, times: list[dt.datetime]) -> dict:
    """The twin's own counter at each time (differences are energy; no register offset)."""
    twin = ParkTwin(settings.park, settings.register_maps, T0, step_s=HISTORY_STEP_S)
    values = {}
    for at in sorted(set(times)):
        twin.advance_to(at)
        values[at] = twin.point_values(device_id)[POINT]
    return values


def _shared_by_the_rule(counter: dict, start: dt.datetime) -> float:
    """A quarter-hour's energy by the documented rule, from the counters either side of the
    gap: the measured part before 09:07 and after 10:38 as read, the gap's increase shared
    in proportion to the minutes of the gap inside the quarter-hour."""
    end = start + QUARTER
    energy = 0.0
    if start < LAST_BEFORE:
        energy += counter[min(end, LAST_BEFORE)] - counter[start]
    if end > FIRST_AFTER:
        energy += counter[end] - counter[max(start, FIRST_AFTER)]
    overlap = min(end, FIRST_AFTER) - max(start, LAST_BEFORE)
    if overlap > dt.timedelta(0):
        energy += (counter[FIRST_AFTER] - counter[LAST_BEFORE]) * (
            overlap / (FIRST_AFTER - LAST_BEFORE))
    return energy


def test_a_gap_is_shared_between_quarter_hours_by_the_documented_rule(tmp_path):
    park = relocate_endpoints(generate_park(30, seed=7))
    settings = settings_for(park, tmp_path / "data")
    meter = max((d for d in settings.park.devices if d.kind.value == "sub_meter"),
                key=lambda d: d.rated_kw or 0)
    generate_history(settings, T0, T0 + dt.timedelta(hours=HOURS, minutes=1))
    _drop_readings(settings, meter.id)
    report = build_warehouse(settings, quiet=True, unit_tests=False)
    assert report.success, report.summary_markdown()
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        rows = connection.execute(
            "select interval_start_utc, energy_kwh, interval_quality from fct_interval_energy "
            "where device_id = ? and energy_flow = ? order by 1", [meter.id, FLOW]).fetchall()
    built = {start.astimezone(dt.UTC): (kwh, quality) for start, kwh, quality in rows}
    starts = [T0 + QUARTER * q for q in range(HOURS * 4)]
    assert list(built) == starts
    counter = _true_counter(settings, meter.id, [*starts, T0 + dt.timedelta(hours=HOURS),
                                                 LAST_BEFORE, FIRST_AFTER])

    touched = [s for s in starts if s < FIRST_AFTER and s + QUARTER > LAST_BEFORE]
    # 09:00 (7 minutes read, 8 of the gap) ... 10:30 (8 of the gap, 7 read): seven quarter-hours
    assert touched == [T0 + dt.timedelta(hours=1, minutes=15 * q) for q in range(7)]
    rule_differs_from_truth = 0.0
    for start in starts:
        kwh, quality = built[start]
        true_kwh = counter[start + QUARTER] - counter[start]
        if start in touched:
            assert quality == "estimated", start
            # the register's resolution (0.01 kWh, or a float32's at this counter) per end
            assert kwh == pytest.approx(_shared_by_the_rule(counter, start), abs=0.05), start
            rule_differs_from_truth = max(rule_differs_from_truth, abs(kwh - true_kwh))
        else:
            assert quality == "measured", start
            assert kwh == pytest.approx(true_kwh, abs=0.05), start
    # the gap's energy is conserved ...
    gap_true = counter[touched[-1] + QUARTER] - counter[touched[0]]
    assert sum(built[s][0] for s in touched) == pytest.approx(gap_true, abs=0.05)
    # ... but the load moved inside it, so the straight-line share is not the twin's truth:
    # this test tells the rule apart from any other way of sharing
    assert rule_differs_from_truth > 1.0
