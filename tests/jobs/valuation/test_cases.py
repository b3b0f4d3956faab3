"""An investment case valued from two real twin runs (the park as it is and with one more
battery, at once in two processes), checked against what the runs' own warehouses hold; and
the pieces a case is made of, checked by hand.

The park is a small generated one with its PV scaled up tenfold, so that on July middays it
exports: the rule-based controller charges batteries only from a surplus, and a battery with
nothing to charge from would be worth nothing, leaving nothing to check."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.common.generated_park import park_settings
from jobs.common.park_config import InvestmentCase
from jobs.common.settings import load_settings
from jobs.twin.compare import apply_scenario
from jobs.twin.outcome import outcome
from jobs.valuation.assumptions import assumptions_for
from jobs.valuation.cases import (
    annualise_factor,
    run_case,
    scenario_change,
    with_empty_new_batteries,
)
from jobs.valuation.sensitivity import sensitivity, tornado

pytestmark = pytest.mark.integration
MONTH = dt.date(2026, 7, 1)
DAYS = 2
CASE = InvestmentCase(id="bess-new", title_zh="新增储能", title_en="New battery",
                      add_battery_kwh=2000, add_battery_kw=1000)


@pytest.fixture(scope="module")
def case_run(tmp_path_factory):
    park = apply_scenario(generate_park(40, seed=3), "pv=10")
    park["valuation"] = {"case_days": DAYS, "case_controller": "rule_based"}
    settings = park_settings(park, tmp_path_factory.mktemp("park"))
    assumptions = assumptions_for(settings.park.valuation)
    workdir = tmp_path_factory.mktemp("cases")
    return run_case(settings, CASE, assumptions, MONTH, workdir), assumptions, workdir / CASE.id


def warehouse(case_dir, run_name: str) -> str:
    return str(case_dir / run_name / "rule_based" / "data" / "warehouse.duckdb")


def test_the_case_runs_on_the_10th_for_the_configured_days_in_parallel(case_run):
    run, _, case_dir = case_run
    assert (run.first_day, run.days, run.controller) == (dt.date(2026, 7, 10), DAYS, "rule_based")
    assert run.scenario == "battery=2000.0/1000.0"
    own_seconds = [json.loads((case_dir / name / "summary.json").read_text())["total_s"]
                   for name in ("baseline", "changed")]
    # at once: the pair took less than the two runs one after the other
    assert run.twin_seconds < sum(own_seconds)


def test_both_runs_saw_the_same_loads_and_the_new_battery_started_empty(case_run):
    _, _, case_dir = case_run
    loads = []
    for name in ("baseline", "changed"):
        with duckdb.connect(warehouse(case_dir, name), read_only=True) as connection:
            loads.append(connection.execute(
                "select enterprise_load_kwh from fct_energy_balance "
                "where local_date between '2026-07-10' and '2026-07-11' "
                "order by interval_start_utc").fetchnumpy()["enterprise_load_kwh"])
    # the days' last interval has no reading after it to close it, in either run
    assert len(loads[0]) >= DAYS * 96 - 1
    np.testing.assert_array_equal(loads[0], loads[1])
    with duckdb.connect(warehouse(case_dir, "changed"), read_only=True) as connection:
        first_soc = connection.execute(
            "select value from stg_landing__readings where device_id = 'bess-scenario-pcs' "
            "and point = 'soc_pct' and quality = 'good' order by ts_utc limit 1").fetchone()
    assert first_soc is not None and first_soc[0] == pytest.approx(10.0, abs=0.2)


def test_the_benefits_are_the_warehouses_differences_times_365_over_the_days(case_run):
    run, _, case_dir = case_run
    assert run.annualise_factor == 365.0 / DAYS
    again = {}
    for name in ("baseline", "changed"):
        root = case_dir / name / "rule_based"
        settings = load_settings(data_root=str(root / "data"), park_file=str(root / "park.yaml"))
        again[name] = outcome(settings, "rule_based", run.first_day, DAYS)
    assert (again["baseline"], again["changed"]) == (run.baseline, run.changed)
    saving = again["baseline"].total_cost_cny - again["changed"].total_cost_cny
    assert run.benefits.bill_savings_cny_per_year == pytest.approx(saving * 182.5)
    imports, factors = [], []
    for name in ("baseline", "changed"):
        with duckdb.connect(warehouse(case_dir, name), read_only=True) as connection:
            imports.append(connection.execute(
                "select sum(grid_import_kwh) from fct_energy_balance "
                "where local_date between '2026-07-10' and '2026-07-11'").fetchone()[0])
            factors.append(connection.execute(
                "select location_kgco2_per_kwh from int_accounting_factors_selected"
            ).fetchone()[0])
    assert factors[0] == factors[1]
    assert run.benefits.tco2_avoided_per_year == pytest.approx(
        (imports[0] - imports[1]) * factors[0] / 1000.0 * 182.5)
    extra_discharge = run.changed.battery_throughput_kwh - run.baseline.battery_throughput_kwh
    assert extra_discharge > 0.0
    assert run.benefits.energy_kwh_per_year == pytest.approx(extra_discharge * 182.5)
    assert run.benefits.export_revenue_cny_per_year == 0.0  # inside the energy cost
    assert run.benefits.certificates_per_year == 0.0  # a battery generates nothing


def test_the_costs_are_the_unit_price_times_the_size_with_the_year_10_cells(case_run):
    run, assumptions, _ = case_run
    capex = assumptions.value("bess_capex") * 2000 * 1000
    assert run.costs.capex_cny == pytest.approx(capex)
    assert run.flows.loc[0, "capex_cny"] == pytest.approx(-capex)
    replacement = run.flows["replacement_cny"].to_numpy()
    assert replacement.nonzero()[0].tolist() == [10]
    assert replacement[10] == pytest.approx(-0.4 * capex)
    assert len(run.flows) == 16  # years 0..15


def test_the_sensitivity_of_the_real_run(case_run):
    run, assumptions, _ = case_run
    table = sensitivity(run, assumptions)
    assert len(table) == 50
    # charging from a surplus that was exported and discharging at the peak imports less
    assert run.benefits.tco2_avoided_per_year > 0.0
    carbon = table.query("parameter == 'carbon_price'")["npv_cny"].to_numpy()
    capex = table.query("parameter == 'capex'")["npv_cny"].to_numpy()
    assert (np.diff(carbon) > 0).all() and (np.diff(capex) < 0).all()
    bars = tornado(table, run)
    assert bars["base_npv_cny"].iloc[0] == pytest.approx(run.valuation.npv_cny)


def test_added_pv_keeps_the_orientation_mix_and_adds_exactly_its_kwp(demo_park_dict):
    settings = load_settings()
    change = scenario_change(settings.park, InvestmentCase(
        id="pv-new", title_zh="新增光伏", title_en="New PV", add_pv_kwp=2000))
    configured = [system["kwp"] for system in demo_park_dict["assets"]["pv"]]
    scaled = [system["kwp"] for system in apply_scenario(demo_park_dict, change)["assets"]["pv"]]
    assert sum(scaled) == pytest.approx(sum(configured) + 2000)
    np.testing.assert_allclose(np.array(scaled) / np.array(configured), scaled[0] / configured[0])


def test_only_the_added_battery_starts_at_its_minimum(demo_park_dict):
    changed = with_empty_new_batteries(demo_park_dict,
                                       apply_scenario(demo_park_dict, "battery=4000/2000"))
    socs = {b["id"]: b["initial_soc_pct"] for b in changed["assets"]["batteries"]}
    assert socs == {"bess-01": 50.0, "bess-02": 50.0, "bess-scenario": 10.0}


def test_a_pv_case_in_november_counts_for_more_of_the_year_than_its_days():
    """Suzhou, 31 N: November days are short and the sun low, so three of them yield less
    than three average days, and their difference is scaled up by more than 365 / 3; three
    June days, near the longest day, by less. A battery's days: 365 / days exactly."""
    park = load_settings().park
    assert annualise_factor("pv", park, dt.date(2025, 11, 10), 3) > 365.0 / 3 * 1.1
    assert annualise_factor("pv", park, dt.date(2026, 6, 10), 3) < 365.0 / 3
    assert annualise_factor("battery", park, dt.date(2025, 11, 10), 3) == 365.0 / 3
