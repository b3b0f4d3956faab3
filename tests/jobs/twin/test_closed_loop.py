"""The closed loop on the twin over two simulated days: the day-ahead plan written to the
devices through the setpoint writer costs less than leaving them alone, on the same weather,
loads and cars; and what the writer commanded is what the twin's batteries then did."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.common.settings import load_settings
from jobs.twin.compare import apply_scenario, compare_controllers
from jobs.twin.outcome import outcome
from tests.conftest import relocate_endpoints

pytestmark = pytest.mark.integration
FIRST_DAY = dt.date(2026, 7, 8)  # a Wednesday


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    park = relocate_endpoints(generate_park(40, seed=3))
    workdir = tmp_path_factory.mktemp("twin")
    summary = compare_controllers(park, workdir, FIRST_DAY, 2, warmup_days=3, sample_s=300,
                                  controllers=("none", "plan"), on_progress=lambda _: None)
    return summary, workdir


def test_the_plan_in_the_loop_costs_less_than_no_control(compared):
    summary, _ = compared
    none, plan = summary["results"]["none"], summary["results"]["plan"]
    assert plan["total_cost_cny"] < none["total_cost_cny"]
    assert none["battery_throughput_kwh"] == 0.0  # left alone, the PCS idles in local mode
    assert plan["battery_throughput_kwh"] > 100.0
    assert plan["timings"]["plans"] == 3 and plan["timings"]["cycles"] == 2 * 96


def test_the_batteries_did_what_the_writer_commanded(compared):
    """Per interval, the metered PCS power follows the last written setpoint (the PCS clamps
    only at its rating and SOC window, which the writer already respects)."""
    _, workdir = compared
    warehouse = workdir / "plan" / "data" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select commanded_value, measured_value from fct_asset_control "
            "where asset_kind = 'battery' and quantity = 'setpoint_kw' "
            "and commanded_value is not null and measured_value is not null").fetchall()
    assert len(rows) > 100
    close = sum(abs(commanded - measured) <= 0.05 * max(abs(commanded), 20.0)
                for commanded, measured in rows)
    assert close / len(rows) >= 0.9


def test_the_outcome_is_recomputed_from_the_run_folder_alone(compared):
    """The twin's truth at the connection is saved beside the warehouse, so an outcome made
    later from the folder (the valuation does) equals the comparison's; energy balances."""
    summary, workdir = compared
    for controller in ("none", "plan"):
        root = workdir / controller
        settings = load_settings(data_root=str(root / "data"), park_file=str(root / "park.yaml"))
        again = outcome(settings, controller, FIRST_DAY, 2).as_dict()
        result = summary["results"][controller]
        assert again == {key: result[key] for key in again}
        offered = result["pv_generation_kwh"] + result["pv_curtailed_by_plan_kwh"] \
            + result["pv_curtailed_by_protection_kwh"]
        assert result["renewable_absorption_pct"] == pytest.approx(
            100.0 * result["pv_generation_kwh"] / offered, rel=0.02)


def test_scenarios_change_the_park_as_asked(tmp_path):
    park = relocate_endpoints(generate_park(40, seed=3))
    bigger = apply_scenario(park, "pv=1.5")
    assert [p["kwp"] for p in bigger["assets"]["pv"]] == [1.5 * p["kwp"]
                                                           for p in park["assets"]["pv"]]
    more = apply_scenario(park, "battery=4000/1000")
    assert more["assets"]["batteries"][-1] == {"id": "bess-scenario", "capacity_kwh": 4000.0,
                                               "power_kw": 1000.0}
    assert more["devices"][-1]["asset"] == "bess-scenario"
    with pytest.raises(ValueError, match="unknown scenario change"):
        apply_scenario(park, "wind=2")
