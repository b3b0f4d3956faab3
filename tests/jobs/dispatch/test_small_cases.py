"""Small dispatch instances whose optimum is worked out by hand, solved for real by HiGHS."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.extract import extract, plan_rows, solved_flows, summarise
from jobs.dispatch.inputs import BATTERY_COLUMNS, DispatchInputError, DispatchInputs, GridTerms
from jobs.dispatch.model import build_model
from jobs.dispatch.solve import SolveOptions, solve

START = pd.Timestamp("2026-07-01 00:00", tz="UTC")


def _inputs(prices, load_kw, *, pv=None, batteries=None, ev_groups=None, export_limit_kw=0.0,
            demand_charge=0.0, month_peak_kw=0.0) -> DispatchInputs:
    index = pd.date_range(START, periods=len(prices), freq="1h")
    return DispatchInputs(
        interval_start_utc=index, interval_h=1.0,
        base_load_kw=pd.Series(load_kw, index=index, dtype=float),
        pv_potential_kw=pd.DataFrame(pv or {}, index=index, dtype=float),
        batteries=(pd.DataFrame.from_dict(batteries, orient="index") if batteries
                   else pd.DataFrame(columns=list(BATTERY_COLUMNS))),
        ev_groups=(pd.DataFrame.from_dict(ev_groups, orient="index") if ev_groups
                   else pd.DataFrame(columns=["arrival_utc", "departure_utc", "energy_kwh",
                                              "max_kw"])),
        grid=GridTerms(import_limit_kw=10_000, export_limit_kw=export_limit_kw,
                       import_price_cny_per_kwh=pd.Series(prices, index=index, dtype=float),
                       export_price_cny_per_kwh=pd.Series(0.0, index=index),
                       tou_period=pd.Series("flat", index=index),
                       demand_charge_cny_per_kw_month=demand_charge,
                       month_peak_so_far_kw=month_peak_kw))


def _battery(capacity_kwh, power_kw, efficiency, degradation=0.0, initial=0.0):
    return {"capacity_kwh": capacity_kwh, "power_kw": power_kw, "charge_efficiency": efficiency,
            "discharge_efficiency": efficiency, "soc_min_kwh": 0.0, "soc_max_kwh": capacity_kwh,
            "soc_initial_kwh": initial, "soc_final_min_kwh": 0.0,
            "degradation_cny_per_kwh": degradation}


def _solve(inputs):
    model = build_model(inputs)
    result = solve(model, SolveOptions(rel_gap=1e-6))
    assert result.status == "optimal", result.message
    plan, summary = extract(model, inputs)
    return result, plan, summary


def _series(plan, asset, quantity):
    rows = plan[(plan.asset_id == asset) & (plan.quantity == quantity)]
    return rows.value.to_list()


def test_battery_arbitrage_under_a_two_price_tariff():
    """Valley 0.3, peak 1.0 CNY/kWh, 100 kW load, 200 kWh / 100 kW battery at 90 % each way.
    Fill it in the valley (222.2 kWh bought for 200 stored), deliver 180 kWh at peak:
    energy 622.2 x 0.3 + 220 x 1.0 = 406.67 CNY, wear 180 x 0.01 = 1.80: 408.47 CNY
    against 520 CNY without the battery."""
    inputs = _inputs([0.3] * 4 + [1.0] * 4, [100.0] * 8,
                     batteries={"bess-1": _battery(200, 100, 0.9, degradation=0.01)})
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(408.4667, abs=1e-3)
    assert summary.energy_cost_cny == pytest.approx(406.6667, abs=1e-3)
    assert summary.degradation_cost_cny == pytest.approx(1.8, abs=1e-6)
    setpoints = _series(plan, "bess-1", "setpoint_kw")
    assert sum(-s for s in setpoints[:4]) == pytest.approx(222.222, abs=1e-2)  # charged
    assert sum(setpoints[4:]) == pytest.approx(180.0, abs=1e-4)  # discharged at peak
    assert max(_series(plan, "bess-1", "soc_kwh")) == pytest.approx(200.0, abs=1e-4)


def test_pv_surplus_is_stored_not_curtailed():
    """300 kW of PV against 100 kW of load for two hours, no export allowed, then two dark
    hours of 200 kW: the 400 kWh surplus fills the (lossless) battery and covers the evening,
    so nothing is curtailed or bought. Without the battery 400 of the 600 kWh would be lost
    (absorption 200 / 600 = 33.3 %)."""
    inputs = _inputs([1.0] * 4, [100.0, 100.0, 200.0, 200.0],
                     pv={"pv-1": [300.0, 300.0, 0.0, 0.0]},
                     batteries={"bess-1": _battery(400, 200, 1.0)})
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(0.0, abs=1e-6)
    assert sum(_series(plan, "pv-1", "curtailed_kw")) == pytest.approx(0.0, abs=1e-6)
    assert summary.renewable_absorption_pct == pytest.approx(100.0)

    without = _inputs([1.0] * 4, [100.0, 100.0, 200.0, 200.0], pv={"pv-1": [300.0, 300.0, 0, 0]})
    _, plan, summary = _solve(without)
    assert sum(_series(plan, "pv-1", "curtailed_kw")) == pytest.approx(400.0, abs=1e-6)
    assert summary.renewable_absorption_pct == pytest.approx(100.0 * 200 / 600)


def test_an_ev_is_full_by_departure_and_charges_when_cheapest():
    """Plugged in from 01:00 to 05:00, 120 kWh, 50 kW: 100 kWh in the two 0.4 CNY hours and
    the remaining 20 kWh at 1.0 CNY: 60 CNY; nothing while unplugged."""
    ev = {"arrival_utc": START + pd.Timedelta(hours=1),
          "departure_utc": START + pd.Timedelta(hours=5), "energy_kwh": 120.0, "max_kw": 50.0}
    inputs = _inputs([0.1, 1.0, 1.0, 0.4, 0.4, 0.1], [0.0] * 6, ev_groups={"ev-am": ev})
    result, plan, summary = _solve(inputs)
    power = _series(plan, "ev-am", "power_kw")
    assert result.objective_cny == pytest.approx(60.0, abs=1e-6)
    assert summary.ev_unserved_kwh == pytest.approx(0.0, abs=1e-9)
    assert power[0] == power[5] == 0.0
    assert power[3] == power[4] == pytest.approx(50.0)
    assert sum(power) == pytest.approx(120.0)


def test_the_demand_charge_keeps_charging_under_the_months_peak():
    """The month has peaked at 150 kW; base load 100 kW; an EV needs 200 kWh within four hours
    and the first hour is cheap (0.3 vs 1.0). Pulling it all in the cheap hour saves 0.7 per
    kWh but adds 40 CNY per kW of new peak: the optimum keeps import at 150 kW throughout
    (50 kWh cheap, 150 kWh dear): 330 + 165 = 495 CNY and no demand charge."""
    ev = {"arrival_utc": START, "departure_utc": START + pd.Timedelta(hours=4),
          "energy_kwh": 200.0, "max_kw": 200.0}
    inputs = _inputs([0.3, 1.0, 1.0, 1.0], [100.0] * 4, ev_groups={"ev": ev},
                     demand_charge=40.0, month_peak_kw=150.0)
    result, plan, summary = _solve(inputs)
    assert result.objective_cny == pytest.approx(495.0, abs=1e-6)
    assert summary.demand_cost_cny == pytest.approx(0.0, abs=1e-6)
    assert max(_series(plan, "grid", "import_kw")) == pytest.approx(150.0, abs=1e-6)


def test_an_ev_that_cannot_be_filled_is_reported_not_infeasible():
    ev = {"arrival_utc": START, "departure_utc": START + pd.Timedelta(hours=1),
          "energy_kwh": 80.0, "max_kw": 50.0}
    _, _, summary = _solve(_inputs([1.0, 1.0], [0.0, 0.0], ev_groups={"ev": ev}))
    assert summary.ev_unserved_kwh == pytest.approx(30.0)


@pytest.mark.parametrize(("day", "intervals"), [(dt.date(2026, 3, 29), 92),
                                                 (dt.date(2026, 10, 25), 100),
                                                 (dt.date(2026, 7, 1), 96)])
def test_daylight_saving_days_plan_their_true_number_of_intervals(day, intervals):
    index = local_day_intervals(day, "Europe/Berlin")
    assert len(index) == intervals
    inputs = DispatchInputs(
        interval_start_utc=index, interval_h=0.25,
        base_load_kw=pd.Series(100.0, index=index),
        pv_potential_kw=pd.DataFrame(index=index),
        batteries=pd.DataFrame({"b": _battery(100, 50, 0.95)}).T,
        ev_groups=pd.DataFrame(columns=["arrival_utc", "departure_utc", "energy_kwh", "max_kw"]),
        grid=GridTerms(import_limit_kw=1000, export_limit_kw=0,
                       import_price_cny_per_kwh=pd.Series(
                           [0.3 if i < len(index) // 2 else 1.0 for i in range(len(index))],
                           index=index),
                       export_price_cny_per_kwh=pd.Series(0.0, index=index),
                       tou_period=pd.Series("flat", index=index)))
    _, plan, _ = _solve(inputs)
    assert plan.interval_start_utc.nunique() == intervals


def test_inputs_that_cannot_make_a_plan_are_rejected_with_reasons():
    bad = _battery(100, 50, 1.2)
    bad["soc_initial_kwh"] = 150.0
    with pytest.raises(DispatchInputError) as error:
        _inputs([1.0, float("nan")], [0.0, 0.0], batteries={"b": bad})
    message = str(error.value)
    assert "grid.import_price_cny_per_kwh has gaps" in message
    assert "battery b: need 0 <= soc_min" in message
    assert "charge_efficiency must be in (0, 1]" in message


def _baseline(inputs):
    flows = rule_based_flows(inputs)
    return plan_rows(inputs, flows), summarise(inputs, flows)


def test_the_baseline_is_costed_like_the_plan_and_the_plan_saves_against_it():
    """Two-price arbitrage: the baseline never charges from the grid, so it pays the 520 CNY
    of no battery at all; the optimised plan 408.47 CNY (saving 111.53)."""
    peak_valley = _inputs([0.3] * 4 + [1.0] * 4, [100.0] * 8,
                          batteries={"b": _battery(200, 100, 0.9, degradation=0.01)})
    peak_valley = DispatchInputs(**{**peak_valley.__dict__, "grid": GridTerms(**{
        **peak_valley.grid.__dict__,
        "tou_period": pd.Series(["valley"] * 4 + ["peak"] * 4,
                                index=peak_valley.interval_start_utc)})})
    _, baseline = _baseline(peak_valley)
    result, _, optimised = _solve(peak_valley)
    assert baseline.total_cost_cny == pytest.approx(520.0)
    assert optimised.total_cost_cny == pytest.approx(result.objective_cny, abs=1e-6)
    assert baseline.total_cost_cny - optimised.total_cost_cny == pytest.approx(111.5333, abs=1e-3)


def test_the_baseline_stores_pv_surplus_and_charges_evs_on_arrival():
    """PV surplus (no export): the baseline stores all 400 kWh like the plan, but never
    discharges outside peak periods (all flat here), so it buys the evening's 400 kWh and
    curtails nothing. The EV (120 kWh, 50 kW, from 01:00) charges 50 + 50 + 20 kWh at once:
    1.0 + 1.0 + 0.4 x 20 = 108 CNY against the plan's 60."""
    surplus = _inputs([1.0] * 4, [100.0, 100.0, 200.0, 200.0],
                      pv={"pv-1": [300.0, 300.0, 0.0, 0.0]},
                      batteries={"b": _battery(400, 200, 1.0)})
    rows, summary = _baseline(surplus)
    assert summary.total_cost_cny == pytest.approx(400.0)
    assert summary.renewable_absorption_pct == pytest.approx(100.0)
    assert max(_series(rows, "b", "soc_kwh")) == pytest.approx(400.0)

    ev = {"arrival_utc": START + pd.Timedelta(hours=1),
          "departure_utc": START + pd.Timedelta(hours=5), "energy_kwh": 120.0, "max_kw": 50.0}
    rows, summary = _baseline(_inputs([0.1, 1.0, 1.0, 0.4, 0.4, 0.1], [0.0] * 6,
                                      ev_groups={"ev-am": ev}))
    assert _series(rows, "ev-am", "power_kw") == [0.0, 50.0, 50.0, 20.0, 0.0, 0.0]
    assert summary.total_cost_cny == pytest.approx(108.0)


def test_the_meter_never_imports_and_exports_at_once_even_when_export_pays_more():
    """Export pays 0.4, import costs 0.3 (a valley hour under a flat feed-in price), 100 kW of
    load, no PV: trading through the meter (import 600, export 500) would 'earn' 50 CNY, but
    one meter carries one net flow: the plan imports the 100 kW and exports nothing: 30 CNY.
    At noon 300 kW of PV against the same load exports the 200 kW surplus: -80 + 0 = -80."""
    index = pd.date_range(START, periods=2, freq="1h")
    inputs = _inputs([0.3, 0.3], [100.0, 100.0], pv={"pv-1": [0.0, 300.0]},
                     export_limit_kw=500.0)
    inputs = DispatchInputs(**{**inputs.__dict__, "grid": GridTerms(**{
        **inputs.grid.__dict__, "export_price_cny_per_kwh": pd.Series(0.4, index=index)})})
    result, plan, _ = _solve(inputs)
    assert _series(plan, "grid", "import_kw") == pytest.approx([100.0, 0.0], abs=1e-6)
    assert _series(plan, "grid", "export_kw") == pytest.approx([0.0, 200.0], abs=1e-6)
    assert result.objective_cny == pytest.approx(30.0 - 80.0, abs=1e-6)


def test_a_plan_realised_on_another_day_follows_it_but_guards_the_planned_peak():
    """Planned: 100 kW of load and 300 kW of PV in hour 0 (the lossless battery stores the
    200 kW surplus), 300 kW of load in hour 1 (the battery gives the 200 back): the plan's peak
    import is 100 kW. The day brings 150 kW of load and only 100 kW of PV in hour 0: charging
    200 kW would import 250 kW, above the planned peak, so charging is cut to 50 kW (import
    100); in hour 1 the battery holds only 50 kWh, so it gives 50 and the grid 250. Energy
    350 kWh at 1 CNY either way; nothing curtailed."""
    from jobs.dispatch.extract import solved_flows
    from jobs.dispatch.realise import realise

    forecast = _inputs([1.0, 1.0], [100.0, 300.0], pv={"pv-1": [300.0, 0.0]},
                       batteries={"b": _battery(200, 200, 1.0)})
    model = build_model(forecast)
    solve(model, SolveOptions(rel_gap=1e-6))
    planned = solved_flows(model, forecast)
    assert planned.battery_charge_kw["b"].iloc[0] == pytest.approx(200.0)
    actual = _inputs([1.0, 1.0], [150.0, 300.0], pv={"pv-1": [100.0, 0.0]},
                     batteries={"b": _battery(200, 200, 1.0)})
    realised = realise(planned, actual)
    assert realised.grid_import_kw == pytest.approx([100.0, 250.0], abs=1e-6)
    assert realised.battery_charge_kw["b"].to_list() == pytest.approx([50.0, 0.0], abs=1e-6)
    assert realised.soc_kwh["b"].to_list() == pytest.approx([50.0, 0.0], abs=1e-6)
    assert realised.pv_kw["pv-1"].to_list() == pytest.approx([100.0, 0.0])
    assert summarise(actual, realised).energy_cost_cny == pytest.approx(350.0, abs=1e-6)


def test_the_plan_reports_its_emissions_and_self_sufficiency():
    """100 kW of load for two hours, 50 kW of PV in the first: 150 kWh bought at 0.6
    kgCO2/kWh is 0.09 tCO2, and 50 of the 200 kWh used came from PV: 25 % self-sufficient."""
    inputs = _inputs([1.0, 1.0], [100.0, 100.0], pv={"pv-1": [50.0, 0.0]})
    inputs = DispatchInputs(**{**inputs.__dict__, "grid": GridTerms(**{
        **inputs.grid.__dict__, "grid_kgco2_per_kwh": 0.6})})
    _, _, summary = _solve(inputs)
    assert summary.emissions_tco2 == pytest.approx(0.09, abs=1e-9)
    assert summary.consumption_kwh == pytest.approx(200.0, abs=1e-6)
    assert summary.self_sufficiency_pct == pytest.approx(25.0, abs=1e-6)


def test_pv_limit_written_only_where_curtailment_is_wanted():
    """500 kW of PV on a 500 kW inverter against 100 kW of load, export capped at 200 kW:
    the plan curtails 200 kW in the first hour and 400 in the second. In the first export
    pays 0.1 CNY/kWh and the plan exports at the cap: that curtailment is the export
    protection's to make as the load comes, and the inverter is left at 100 %. In the second
    export costs 0.1 CNY/kWh, the plan exports nothing and holds the inverter at its own
    output, 100 / 500 = 20 %."""
    inputs = _inputs([1.0, 1.0], [100.0, 100.0], pv={"pv-1": [500.0, 500.0]},
                     export_limit_kw=200.0)
    inputs = dataclasses.replace(
        inputs, pv_rated_kw=pd.Series({"pv-1": 500.0}),
        grid=dataclasses.replace(inputs.grid, export_price_cny_per_kwh=pd.Series(
            [0.1, -0.1], index=inputs.interval_start_utc)))
    _, plan, _ = _solve(inputs)
    assert _series(plan, "pv-1", "curtailed_kw") == pytest.approx([200.0, 400.0], abs=1e-6)
    assert _series(plan, "pv-1", "power_limit_pct") == pytest.approx([100.0, 20.0], abs=1e-6)


def test_pv_the_cap_would_curtail_is_used_where_it_costs_nothing_else():
    """Hour 0: 600 kW of PV against 100 kW of load, export capped at 200 kW: 300 kW above the
    cap. Hour 1: dark, 100 kW of load at 0.3 CNY/kWh. A lossless 1000 kWh / 250 kW battery
    holding 500 kWh, no wear, no SOC target. Whatever it does, the bill is 0.3 x 0 = 0 CNY:
    its 500 kWh cover hour 1 either way. The park still has a best answer: charge the 250 kW
    it can from the surplus in hour 0 (curtail 50, not 300) and never discharge while PV is
    being curtailed (that energy would only push PV out): absorption (600 + 0 - 50) / 600."""
    inputs = _inputs([0.3, 0.3], [100.0, 100.0], pv={"pv-1": [600.0, 0.0]},
                     batteries={"bess-1": _battery(1000, 250, 1.0, initial=500.0)},
                     export_limit_kw=200.0)
    _, plan, summary = _solve(inputs)
    assert summary.energy_cost_cny == pytest.approx(0.0, abs=1e-6)
    assert _series(plan, "pv-1", "curtailed_kw") == pytest.approx([50.0, 0.0], abs=1e-6)
    assert _series(plan, "bess-1", "setpoint_kw") == pytest.approx([-250.0, 100.0], abs=1e-6)
    assert summary.renewable_absorption_pct == pytest.approx(100.0 * 550 / 600)


def test_the_first_intervals_rows_alone_are_those_of_the_whole_plan():
    """What the intraday loop sends (plan_rows(first_interval_only=True)), on the PV-surplus
    hour worked by hand: 300 kW of PV, 100 kW of load, no export, so the battery takes the
    other 200 kW (setpoint -200, positive = discharge) and holds 200 kWh after the hour."""
    inputs = _inputs([1.0] * 4, [100.0, 100.0, 200.0, 200.0],
                     pv={"pv-1": [300.0, 300.0, 0.0, 0.0]},
                     batteries={"bess-1": _battery(400, 200, 1.0)})
    model = build_model(inputs)
    assert solve(model, SolveOptions(rel_gap=1e-6)).status == "optimal"
    flows = solved_flows(model, inputs)
    first = plan_rows(inputs, flows, first_interval_only=True)
    assert set(first["interval_start_utc"]) == {inputs.interval_start_utc[0]}
    got = {(row.asset_id, row.quantity): row.value for row in first.itertuples()}
    assert got == pytest.approx({("grid", "import_kw"): 0.0, ("grid", "export_kw"): 0.0,
                                 ("pv-1", "output_kw"): 300.0, ("pv-1", "curtailed_kw"): 0.0,
                                 ("bess-1", "setpoint_kw"): -200.0,
                                 ("bess-1", "soc_kwh"): 200.0}, abs=1e-6)
    whole = plan_rows(inputs, flows)
    pd.testing.assert_frame_equal(
        first, whole[whole["interval_start_utc"] == inputs.interval_start_utc[0]]
        .reset_index(drop=True))
