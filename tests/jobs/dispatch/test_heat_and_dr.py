"""Waste-heat storage, demand response and the solver's hygiene (relaxation, watchdog), on
small instances whose answers are worked out by hand, solved for real by HiGHS."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.extract import plan_rows, summarise
from jobs.dispatch.inputs import DispatchInputError, DispatchInputs
from jobs.dispatch.isolated import attempt_isolated
from jobs.dispatch.optimise import optimise
from jobs.dispatch.solve import SolveOptions
from tests.jobs.dispatch.test_small_cases import START, _battery, _inputs, _series, _solve

HOURS = [START + pd.Timedelta(hours=h) for h in range(5)]


def _with(inputs: DispatchInputs, **changes) -> DispatchInputs:
    return dataclasses.replace(inputs, **changes)


def _tank(inputs, waste, demand, *, loss_per_h=0.1, initial=0.0, price=0.5):
    index = inputs.interval_start_utc
    return _with(inputs,
                 thermal_stores=pd.DataFrame({"ts-1": {
                     "capacity_kwh_th": 100.0, "max_charge_kw_th": 100.0,
                     "max_discharge_kw_th": 100.0, "loss_per_h": loss_per_h,
                     "stored_initial_kwh_th": initial}}).T,
                 waste_heat_kw_th=pd.DataFrame({"ts-1": waste}, index=index, dtype=float),
                 heat_demand_kw_th=pd.DataFrame({"ts-1": demand}, index=index, dtype=float),
                 backup_heat_cny_per_kwh_th=price)


def test_waste_heat_is_stored_for_the_morning_demand_less_its_standing_losses():
    """100 kWh_th of waste heat in hour 0, 80 kWh_th wanted in hour 3, 10 %/h losses: the
    tank holds 100 -> 90 -> 81 -> 72.9 and gives it all; the boiler makes the other 7.1 kWh_th
    at 0.5 CNY: 3.55 CNY, against 40 CNY without the tank. The tank's own controller (the
    baseline) does the same here."""
    inputs = _tank(_inputs([1.0] * 4, [0.0] * 4), [100, 0, 0, 0], [0, 0, 0, 80])
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(3.55, abs=1e-6)
    assert summary.backup_heat_cost_cny == pytest.approx(3.55, abs=1e-6)
    assert _series(plan, "ts-1", "stored_kwh_th") == pytest.approx([100, 90, 81, 0], abs=1e-6)
    assert _series(plan, "ts-1", "setpoint_kw_th") == pytest.approx([-100, 0, 0, 72.9],
                                                                    abs=1e-6)
    baseline = summarise(inputs, rule_based_flows(inputs))
    assert baseline.backup_heat_cost_cny == pytest.approx(3.55, abs=1e-6)


def test_the_tank_never_ends_the_day_emptier_than_if_left_alone():
    """100 kWh_th stored, 5 %/h loss, 50 kWh_th wanted in hour 0 and no waste heat offered:
    left alone the tank keeps 100 x 0.95^2 = 90.25 kWh_th at the end, and the plan may not end
    lower ((95 - d) x 0.95 >= 90.25 gives d = 0), so the boiler makes all 50 kWh_th: 25 CNY."""
    inputs = _tank(_inputs([1.0] * 2, [0.0] * 2), [0, 0], [50, 0], loss_per_h=0.05,
                   initial=100.0)
    _, plan, summary = _solve(inputs)
    assert _series(plan, "ts-1", "stored_kwh_th")[-1] == pytest.approx(90.25, abs=1e-6)
    assert summary.backup_heat_cost_cny == pytest.approx(25.0, abs=1e-6)


def _dr(enterprise=None, start_h=2, end_h=3, requested=80.0, compensation=3.0):
    return pd.DataFrame({"DR-1": {"start_utc": HOURS[start_h], "end_utc": HOURS[end_h],
                                  "requested_reduction_kw": requested,
                                  "compensation_cny_per_kwh": compensation,
                                  "enterprise_id": enterprise}}).T


def test_a_park_dr_event_is_met_from_the_battery_and_paid():
    """Flat 0.5 CNY/kWh, 100 kW load, a lossless 100 kWh / 100 kW battery at 50 kWh that must
    end at 50 kWh. Event 02:00-03:00, 80 kW requested at 3 CNY/kWh, baseline 100 kW: the
    battery gives 80 kW in the window (and takes 80 kWh back at the same price elsewhere):
    energy 400 x 0.5 = 200, revenue 240, objective -40; without the battery 200."""
    battery = _battery(100, 100, 1.0, initial=50.0)
    battery["soc_final_min_kwh"] = 50.0
    inputs = _with(_inputs([0.5] * 4, [100.0] * 4, batteries={"b": battery}), dr_events=_dr())
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(-40.0, abs=1e-6)
    assert summary.dr_revenue_cny == pytest.approx(240.0, abs=1e-6)
    assert summary.total_cost_cny == pytest.approx(-40.0, abs=1e-6)
    assert _series(plan, "DR-1", "committed_reduction_kw") == pytest.approx([80.0])
    assert _series(plan, "DR-1", "baseline_kw") == pytest.approx([100.0])
    assert _series(plan, "DR-1", "expected_load_kw") == pytest.approx([20.0], abs=1e-6)
    assert _series(plan, "b", "setpoint_kw")[2] == pytest.approx(80.0, abs=1e-6)

    no_battery = _with(_inputs([0.5] * 4, [100.0] * 4), dr_events=_dr())
    result, _, summary = _solve(no_battery)
    assert result.objective_cny == pytest.approx(200.0, abs=1e-6)
    assert summary.dr_revenue_cny == pytest.approx(0.0, abs=1e-6)


def test_an_enterprise_event_is_measured_on_that_enterprise_not_the_park_battery():
    """The same event for enterprise e1 (a flat 100 kW, nothing flexible): the park battery
    cannot earn it, so it stays idle and the plan costs the 200 CNY of energy."""
    battery = _battery(100, 100, 1.0, initial=50.0)
    battery["soc_final_min_kwh"] = 50.0
    base = _inputs([0.5] * 4, [100.0] * 4, batteries={"b": battery})
    inputs = _with(base, dr_events=_dr(enterprise="e1"),
                   consumer_base_load_kw=pd.DataFrame({"e1": 100.0},
                                                      index=base.interval_start_utc))
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(200.0, abs=1e-6)
    assert _series(plan, "DR-1", "committed_reduction_kw") == pytest.approx([0.0], abs=1e-6)

    with pytest.raises(DispatchInputError, match="enterprise e9 has no base-load forecast"):
        _with(base, dr_events=_dr(enterprise="e9"))


def test_an_infeasible_plan_is_relaxed_and_says_which_bound_it_breaks():
    """12 MW of load behind a 10 MW connection in hour 1: no plan keeps the limit, so the
    relaxed plan imports 12 MW there and reports the 2 MW breach; never an exception."""
    inputs = _inputs([1.0] * 3, [5_000.0, 12_000.0, 5_000.0])
    outcome = optimise(inputs, SolveOptions())
    assert outcome.attempts[0].status == "infeasible"
    assert outcome.status == "relaxed" and not outcome.is_fallback
    assert outcome.flows.grid_import_kw == pytest.approx([5_000, 12_000, 5_000], abs=1e-6)
    assert len(outcome.breaches) == 1
    assert "above its 10000 kW limit by up to 2000.0 kW in 1 intervals" in outcome.breaches[0]


def test_a_solver_that_outruns_the_watchdog_gives_the_flagged_fallback():
    """A wall limit too short for any solve: the child is killed, no exception escapes, and
    the plan is the rule-based baseline flagged as the fallback."""
    inputs = _inputs([0.3] * 4 + [1.0] * 4, [100.0] * 8, batteries={"b": _battery(200, 100, 0.9)})
    killed = attempt_isolated(inputs, SolveOptions(), wall_limit_s=0.001)
    assert killed.flows is None and killed.solve.status == "time_limit"
    assert "watchdog" in killed.solve.message
    outcome = optimise(inputs, SolveOptions(), wall_limit_s=0.001)
    assert outcome.is_fallback
    fallback = plan_rows(inputs, outcome.flows)
    assert _series(fallback, "grid", "import_kw") == pytest.approx([100.0] * 8)


def test_the_isolated_solve_matches_the_in_process_one():
    inputs = _inputs([0.3] * 4 + [1.0] * 4, [100.0] * 8,
                     batteries={"bess-1": _battery(200, 100, 0.9, degradation=0.01)})
    isolated = attempt_isolated(inputs, SolveOptions(rel_gap=1e-6))
    assert isolated.solve.status == "optimal"
    assert isolated.solve.objective_cny == pytest.approx(408.4667, abs=1e-3)
    assert isolated.solve.build_s > 0
