"""A sub-meter without energy registers: its energy is integrated from its power readings and
checked against the twin's true counter (the same physics behind a meter that has one)."""

from __future__ import annotations

import copy
import datetime as dt

import duckdb
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for
from tests.jobs.warehouse.twin_truth import true_interval_increases

T0 = dt.datetime(2026, 7, 2, 4, 0, tzinfo=dt.UTC)  # noon in Suzhou: loads and PV both move
HOURS = 3
pytestmark = pytest.mark.integration


def test_power_only_meter_energy_matches_the_true_counter(tmp_path):
    park = relocate_endpoints(generate_park(30, seed=11))
    meter = next(d for d in park["devices"] if d["kind"] == "sub_meter")
    truth_settings = settings_for(copy.deepcopy(park), tmp_path / "truth")
    meter["register_map"] = "power_transducer"
    settings = settings_for(park, tmp_path / "data")
    generate_history(settings, T0, T0 + dt.timedelta(hours=HOURS, minutes=1))
    report = build_warehouse(settings)
    assert report.success, report.summary_markdown()

    truth = true_interval_increases(truth_settings, meter["id"], "energy_import_kwh", T0, HOURS)
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        rows = connection.execute(
            "select interval_start_utc, energy_kwh, interval_quality, energy_source "
            "from fct_interval_energy where device_id = ? and energy_flow = 'enterprise_load' "
            "order by 1", [meter["id"]]).fetchall()
        flows = {flow for (flow,) in connection.execute(
            "select distinct energy_flow from fct_interval_energy where device_id = ?",
            [meter["id"]]).fetchall()}
    assert flows == {"enterprise_load", "enterprise_export"}
    assert len(rows) == HOURS * 4
    assert {source for _, _, _, source in rows} == {"power_integral"}
    assert {quality for _, _, quality, _ in rows} == {"measured"}
    for start, energy_kwh, _, _ in rows:
        expected = truth[start.astimezone(dt.UTC)]
        # 1-minute samples of a load that steps between samples: within 2 % or 0.5 kWh
        assert energy_kwh == pytest.approx(expected, rel=0.02, abs=0.5), start
    total = sum(energy for _, energy, _, _ in rows)
    assert total == pytest.approx(sum(truth.values()), rel=0.005)


def test_a_gap_in_power_readings_is_estimated_or_absent_never_invented(tmp_path):
    park = relocate_endpoints(generate_park(30, seed=11))
    meter = next(d for d in park["devices"] if d["kind"] == "sub_meter")
    meter["register_map"] = "power_transducer"
    gap_start, gap_end = T0 + dt.timedelta(minutes=40), T0 + dt.timedelta(minutes=80)
    park["simulation"]["faults"] = [{"device_id": meter["id"], "kind": "timeout",
                                     "start": gap_start.isoformat(), "end": gap_end.isoformat()}]
    park["harvest"] = {"backoff_initial_s": 60, "backoff_max_s": 60}
    settings = settings_for(park, tmp_path / "data")
    generate_history(settings, T0, T0 + dt.timedelta(hours=HOURS, minutes=1))
    assert build_warehouse(settings).success
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        rows = dict(connection.execute(
            "select interval_start_utc, interval_quality from fct_interval_energy "
            "where device_id = ? and energy_flow = 'enterprise_load'", [meter["id"]]).fetchall())
    by_start = {start.astimezone(dt.UTC): quality for start, quality in rows.items()}
    # the 40-minute gap (longer than power_max_gap_minutes) leaves 30:00-45:00 partly covered,
    # 45:00-60:00 and 60:00-75:00 uncovered, 75:00-90:00 partly covered
    assert by_start[T0 + dt.timedelta(minutes=30)] == "estimated"
    assert T0 + dt.timedelta(minutes=45) not in by_start
    assert T0 + dt.timedelta(minutes=60) not in by_start
    assert by_start[T0 + dt.timedelta(minutes=75)] == "estimated"
    assert by_start[T0] == "measured"
