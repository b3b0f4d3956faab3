"""An investment case valued from real twin runs (the park as it is and with one more
battery, over the simulated year's four season samples, two runs at a time), checked against
what the runs' own warehouses hold; and the pieces a case is made of, checked by hand.

The park is a small generated one with its PV scaled up tenfold, so that on sunny middays it
exports: the rule-based controller stores that surplus as well as charging in the valley, so
the case's battery has both to show."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.common.generated_park import park_settings
from jobs.common.park_config import InvestmentCase
from jobs.common.settings import load_settings
from jobs.twin.compare import apply_scenario
from jobs.twin.outcome import Outcome, outcome
from jobs.valuation.assumptions import assumptions_for
from jobs.valuation.cases import (
    run_case,
    scenario_change,
    summed_outcome,
    with_empty_new_batteries,
)
from jobs.valuation.sensitivity import sensitivity, tornado

pytestmark = pytest.mark.integration
MONTH = dt.date(2026, 7, 1)
TODAY = dt.date(2026, 7, 4)
DAYS = 1  # per season sample
# the latest 15th of January, April, July and October whose day has passed before July 2026
SAMPLES = [dt.date(2025, 7, 15), dt.date(2025, 10, 15), dt.date(2026, 1, 15),
           dt.date(2026, 4, 15)]
CASE = InvestmentCase(id="bess-new", title_zh="新增储能", title_en="New battery",
                      add_battery_kwh=2000, add_battery_kw=1000)


@pytest.fixture(scope="module")
def case_run(tmp_path_factory):
    park = apply_scenario(generate_park(40, seed=3), "pv=10")
    park["valuation"] = {"simulated_year": {"days_per_season": DAYS},
                         "case_controller": "rule_based"}
    settings = park_settings(park, tmp_path_factory.mktemp("park"))
    assumptions = assumptions_for(settings.park.valuation)
    workdir = tmp_path_factory.mktemp("cases")
    run = run_case(settings, CASE, assumptions, MONTH, workdir, today=TODAY)
    again = run_case(settings, CASE, assumptions, MONTH, workdir, today=TODAY)
    return run, assumptions, workdir / CASE.id, again


def warehouse(case_dir, run_name: str, first_day: dt.date) -> str:
    return str(case_dir / run_name / f"{first_day:%Y%m%d}" / "rule_based" / "data"
               / "warehouse.duckdb")


def test_the_case_runs_on_past_season_samples_never_after_the_valuation(case_run):
    run, _, case_dir, again = case_run
    assert [w.first_day for w in run.windows] == SAMPLES
    assert all(w.last_day < TODAY for w in run.windows)
    assert (run.first_day, run.days, run.controller) == (SAMPLES[0], 4 * DAYS, "rule_based")
    assert run.scenario == "battery=2000.0/1000.0"
    for day in SAMPLES:
        for name in ("baseline", "changed"):
            assert (case_dir / name / f"{day:%Y%m%d}" / "summary.json").exists()
    # the second valuation of the month reads the kept outcomes: no twin run, same figures
    assert again.twin_seconds == 0.0 and again.valuation == run.valuation


def test_both_runs_saw_the_same_loads_and_the_new_battery_started_empty(case_run):
    _, _, case_dir, _ = case_run
    day = SAMPLES[0]
    loads = []
    for name in ("baseline", "changed"):
        with duckdb.connect(warehouse(case_dir, name, day), read_only=True) as connection:
            loads.append(connection.execute(
                "select enterprise_load_kwh from fct_energy_balance where local_date = ? "
                "order by interval_start_utc", [day]).fetchnumpy()["enterprise_load_kwh"])
    # the day's last interval has no reading after it to close it, in either run
    assert len(loads[0]) >= DAYS * 96 - 1
    np.testing.assert_array_equal(loads[0], loads[1])
    with duckdb.connect(warehouse(case_dir, "changed", day), read_only=True) as connection:
        first_soc = connection.execute(
            "select value from staging.stg_landing__readings where device_id = 'bess-scenario-pcs' "
            "and point = 'soc_pct' and quality = 'good' order by ts_utc limit 1").fetchone()
    assert first_soc is not None and first_soc[0] == pytest.approx(10.0, abs=0.2)


def test_the_benefits_are_the_samples_differences_times_365_over_the_sampled_days(case_run):
    run, _, case_dir, _ = case_run
    scale = 365.0 / (4 * DAYS)  # each one-day sample stands for a quarter
    assert run.annualise_factor == scale
    saving = imports = discharge = 0.0
    for day in SAMPLES:
        sides = {}
        for name in ("baseline", "changed"):
            root = case_dir / name / f"{day:%Y%m%d}" / "rule_based"
            settings = load_settings(data_root=str(root / "data"),
                                     park_file=str(root / "park.yaml"))
            sides[name] = outcome(settings, "rule_based", day, DAYS)
            with duckdb.connect(warehouse(case_dir, name, day), read_only=True) as connection:
                imported = connection.execute(
                    "select sum(grid_import_kwh) from fct_energy_balance where local_date = ?",
                    [day]).fetchone()[0]
                factor = connection.execute(
                    "select location_kgco2_per_kwh "
                    "from intermediate.int_accounting_factors_selected").fetchone()[0]
            imports += (imported if name == "baseline" else -imported) * factor / 1000.0
        saving += sides["baseline"].total_cost_cny - sides["changed"].total_cost_cny
        discharge += sides["changed"].battery_throughput_kwh \
            - sides["baseline"].battery_throughput_kwh
    assert run.benefits.bill_savings_cny_per_year == pytest.approx(saving * scale)
    assert run.benefits.tco2_avoided_per_year == pytest.approx(imports * scale)
    assert discharge > 0.0
    assert run.benefits.energy_kwh_per_year == pytest.approx(discharge * scale)
    assert run.benefits.export_revenue_cny_per_year == 0.0  # inside the energy cost
    assert run.benefits.certificates_per_year == 0.0  # a battery generates nothing


def test_samples_add_amounts_keep_the_highest_peak_and_average_shares():
    def sample(cost: float, peak: float, share: float) -> Outcome:
        return Outcome(controller="none", days=7, energy_cost_cny=cost, demand_charge_cny=10.0,
                       grid_import_kwh=100.0, grid_export_kwh=0.0, peak_import_kw=peak,
                       scope2_location_tco2=1.0, scope2_market_tco2=1.0, scope1_tco2=0.5,
                       renewable_absorption_pct=100.0, self_sufficiency_pct=share,
                       battery_throughput_kwh=3.0, import_breaches=1)
    total = summed_outcome([sample(1000.0, 500.0, 20.0), sample(1500.0, 700.0, 40.0)])
    assert (total.days, total.energy_cost_cny, total.total_cost_cny) == (14, 2500.0, 2520.0)
    assert (total.peak_import_kw, total.self_sufficiency_pct) == (700.0, 30.0)
    assert (total.scope1_tco2, total.import_breaches) == (1.0, 2)


def test_the_costs_are_the_unit_price_times_the_size_with_the_year_10_cells(case_run):
    run, assumptions, _, _ = case_run
    capex = assumptions.value("bess_capex") * 2000 * 1000
    assert run.costs.capex_cny == pytest.approx(capex)
    assert run.flows.loc[0, "capex_cny"] == pytest.approx(-capex)
    replacement = run.flows["replacement_cny"].to_numpy()
    assert replacement.nonzero()[0].tolist() == [10]
    assert replacement[10] == pytest.approx(-0.4 * capex)
    assert len(run.flows) == 16  # years 0..15


def test_the_sensitivity_of_the_real_run(case_run):
    run, assumptions, _, _ = case_run
    table = sensitivity(run, assumptions)
    assert len(table) == 50
    # The rule-based controller stores exported surplus (avoiding at most the discharged
    # energy's emissions) and also charges from the grid in the valley (adding the round trip's
    # losses: under a quarter of the discharged energy at 0.95 x 0.95 plus standby), so the
    # sign depends on the mix; physics bounds it, at a grid factor below 1 kgCO2/kWh.
    discharged_mwh = run.benefits.energy_kwh_per_year / 1000.0
    assert discharged_mwh > 0.0
    assert -0.25 * discharged_mwh <= run.benefits.tco2_avoided_per_year <= discharged_mwh
    carbon = table.query("parameter == 'carbon_price'")["npv_cny"].to_numpy()
    capex = table.query("parameter == 'capex'")["npv_cny"].to_numpy()
    # a dearer tonne raises the NPV of an asset that avoids tonnes and lowers it of one that
    # adds them
    assert (np.sign(np.diff(carbon)) == np.sign(run.benefits.tco2_avoided_per_year)).all()
    assert (np.diff(capex) < 0).all()
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
