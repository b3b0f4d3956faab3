"""Curtailment and renewable absorption: one inverter of an array is limited to 30 % for two
sunny hours; the warehouse estimates what it could have made from the array's other
inverters, checked against the same twin run without the limit (the true potential)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from device_io.simulator.history import ScheduledWrite, generate_history
from device_io.simulator.park_generator import generate_park
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for
from tests.jobs.warehouse.twin_truth import true_interval_increases

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 7, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Suzhou
HOURS = 4
LIMIT_FROM, LIMIT_TO = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=3)


def test_a_curtailed_inverter_is_measured_against_its_array_peers(tmp_path):
    park = relocate_endpoints(generate_park(30, seed=5))
    park["simulation"]["cloudiness"] = 0.0  # a clear day: the limit bites all along
    inverter = "pv-roof-01-inv01"
    settings = settings_for(park, tmp_path / "data")
    writes = [ScheduledWrite(LIMIT_FROM, inverter, "power_limit_enabled", 1),
              ScheduledWrite(LIMIT_FROM, inverter, "power_limit_pct", 30),
              ScheduledWrite(LIMIT_TO, inverter, "power_limit_pct", 100)]
    generate_history(settings, T0, T0 + dt.timedelta(hours=HOURS, minutes=1), writes=writes)
    report = build_warehouse(settings)
    assert report.success, report.summary_markdown()

    truth = true_interval_increases(settings, inverter, "energy_total_kwh", T0, HOURS)
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        rows = connection.execute(
            "select interval_start_utc, generation_kwh, potential_kwh, curtailed_kwh, "
            "was_curtailed, potential_method from fct_pv_interval_generation "
            "where device_id = ? order by 1", [inverter]).fetchall()
        others_curtailed = connection.execute(
            "select count(*) from fct_pv_interval_generation "
            "where device_id != ? and was_curtailed", [inverter]).fetchone()
        [(day_generation, day_curtailed, absorption, measured)] = connection.execute(
            "select pv_generation_kwh, pv_curtailed_kwh, renewable_absorption_pct, "
            "curtailment_measured from fct_park_daily_kpis").fetchall()
    assert others_curtailed == (0,)
    curtailed = {start.astimezone(dt.UTC): row for start, *row in rows}
    limited = [start for start in curtailed if LIMIT_FROM <= start < LIMIT_TO]
    assert len(limited) == 8
    true_total = 0.0
    estimated_total = 0.0
    for start, (made, potential, lost, was_curtailed, method) in curtailed.items():
        if start in limited:
            assert was_curtailed and method == "array_peers", start
            assert potential == pytest.approx(truth[start], rel=0.03), start
            true_total += truth[start] - made
            estimated_total += lost
        elif start >= LIMIT_TO + dt.timedelta(minutes=15) or start < LIMIT_FROM:
            assert not was_curtailed and lost == 0.0, start
    assert true_total > 100  # two hours of a 125 kWp inverter held at 30 %
    assert estimated_total == pytest.approx(true_total, rel=0.03)
    assert measured
    # the park's day: this inverter's curtailment (plus the interval the limit is lifted in)
    assert day_curtailed == pytest.approx(estimated_total, rel=0.05)
    assert absorption == pytest.approx(
        100.0 * day_generation / (day_generation + day_curtailed), abs=1e-5)
    assert absorption < 100.0
