"""HVAC zones in the plan: one 1R1C zone (R 2 K/kW, C 10 kWh/K, COP 3, 35 C outside, band
22-26 C), hourly intervals, costs worked out by hand."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.extract import extract, summarise
from jobs.dispatch.inputs import BATTERY_COLUMNS, EV_GROUP_COLUMNS, DispatchInputs, GridTerms
from jobs.dispatch.model import build_model
from jobs.dispatch.solve import SolveOptions, solve

START = pd.Timestamp("2026-07-15 04:00", tz="UTC")


def one_zone_inputs(start: pd.Timestamp, prices, zone: dict, outdoor_c: float,
                    occupied: list[bool] | None = None) -> DispatchInputs:
    """Hourly intervals at these prices with one 1R1C zone `z1` and nothing else (no export);
    occupied: None leaves the zone's occupancy to the inputs' default."""
    index = pd.date_range(start, periods=len(prices), freq="1h")
    return DispatchInputs(
        interval_start_utc=index, interval_h=1.0, base_load_kw=pd.Series(0.0, index=index),
        pv_potential_kw=pd.DataFrame(index=index),
        batteries=pd.DataFrame(columns=list(BATTERY_COLUMNS)),
        ev_groups=pd.DataFrame(columns=list(EV_GROUP_COLUMNS)),
        grid=GridTerms(import_limit_kw=1000, export_limit_kw=0,
                       import_price_cny_per_kwh=pd.Series(prices, index=index, dtype=float),
                       export_price_cny_per_kwh=pd.Series(0.0, index=index),
                       tou_period=pd.Series("flat", index=index)),
        hvac_zones=pd.DataFrame({"z1": zone}).T.astype({"mode": str}),
        hvac_occupied=(None if occupied is None
                       else pd.DataFrame({"z1": occupied}, index=index)),
        outdoor_temp_c=pd.Series(outdoor_c, index=index), comfort_breach_cny_per_kh=50.0)


def _inputs(prices, rated_kw=10.0) -> DispatchInputs:
    zone = {"rated_electric_kw": rated_kw, "cop": 3.0, "thermal_resistance_k_per_kw": 2.0,
            "thermal_capacitance_kwh_per_k": 10.0, "comfort_min_c": 22.0,
            "comfort_max_c": 26.0, "initial_temp_c": 26.0, "internal_gain_kw": 0.0,
            "mode": "cool"}
    return one_zone_inputs(START, prices, zone, 35.0)


def _solved(inputs):
    model = build_model(inputs)
    result = solve(model, SolveOptions(rel_gap=1e-7))
    assert result.status == "optimal", result.message
    plan, summary = extract(model, inputs)
    power = plan[plan.quantity == "electric_kw"].value.to_list()
    temps = plan[plan.quantity == "zone_temp_c"].value.to_list()
    return result, summary, power, temps


def _resimulate(power, start_c=26.0):
    """The zone's temperatures from the planned power, by the 1R1C equation, independently."""
    temps, temp = [], start_c
    for kw in power:
        temp = temp + 1.0 * ((35.0 - temp) / 2.0 - 3.0 * kw) / 10.0
        temps.append(temp)
    return temps


def test_at_a_flat_price_the_zone_is_held_at_its_upper_bound():
    """4.5 kW of heat leaks in at 26 C: 1.5 kW of electricity holds it, 6 kWh over 4 h."""
    result, summary, power, temps = _solved(_inputs([1.0] * 4))
    assert result.objective_cny == pytest.approx(6.0, abs=1e-6)
    assert power == pytest.approx([1.5] * 4, abs=1e-6)
    assert temps == pytest.approx([26.0] * 4, abs=1e-6)
    baseline = summarise(_inputs([1.0] * 4), rule_based_flows(_inputs([1.0] * 4)))
    assert baseline.total_cost_cny == pytest.approx(6.0, abs=1e-6)


def test_cheap_hours_pre_cool_the_zone_within_its_band():
    inputs = _inputs([0.2, 0.2, 1.0, 1.0])
    result, summary, power, temps = _solved(inputs)
    baseline = summarise(inputs, rule_based_flows(inputs))
    assert baseline.total_cost_cny == pytest.approx(0.2 * 3 + 1.0 * 3, abs=1e-6)
    assert summary.total_cost_cny < baseline.total_cost_cny - 0.5
    assert power[0] + power[1] > 3.0 and min(temps[:2]) < 26.0 - 0.5  # pre-cooled
    assert all(22.0 - 1e-6 <= t <= 26.0 + 1e-6 for t in temps)
    assert temps == pytest.approx(_resimulate(power), abs=1e-6)
    assert summary.comfort_cost_cny == pytest.approx(0.0, abs=1e-6)


def test_an_undersized_heat_pump_runs_flat_out_and_the_breach_is_priced():
    """1 kW cannot hold 26 C (1.5 needed): 26.15, 26.2925, 26.4279, 26.5565 C, i.e.
    1.4269 K h too warm at 50 CNY: 71.34 CNY, plus 4 kWh: 75.34 CNY."""
    result, summary, power, temps = _solved(_inputs([1.0] * 4, rated_kw=1.0))
    assert power == pytest.approx([1.0] * 4, abs=1e-6)
    assert temps == pytest.approx([26.15, 26.2925, 26.427875, 26.55648125], abs=1e-6)
    assert summary.comfort_cost_cny == pytest.approx(50 * 1.42685625, abs=1e-4)
    assert result.objective_cny == pytest.approx(4.0 + 50 * 1.42685625, abs=1e-4)


def test_an_empty_zone_is_not_cooled_past_its_band_to_use_a_surplus():
    """20 kW of PV with no load and no export: all of it is curtailed unless the heat pump
    uses it, and curtailed PV carries the model's tie-break price. The zone is empty all day,
    so its band does not bind comfort, but its controller never cools below the band's
    22 C: from 26 C, at 35 C outside (R 2 K/kW, C 10 kWh/K, COP 3, explicit hourly steps),
    hour 0 runs flat out to 26 + (4.5 - 30) / 10 = 23.45 C, hour 1 reaches 22 C with
    3 P = 5.775 + 14.5 (P = 6.758 kW), then it holds 22 C with 3 P = 6.5 (2.167 kW)."""
    inputs = _inputs([0.5] * 4)
    index = inputs.interval_start_utc
    inputs = dataclasses.replace(
        inputs, pv_potential_kw=pd.DataFrame({"pv-1": [20.0] * 4}, index=index),
        hvac_occupied=pd.DataFrame({"z1": [False] * 4}, index=index))
    _, _, power, temps = _solved(inputs)
    assert power == pytest.approx([10.0, 20.275 / 3, 6.5 / 3, 6.5 / 3], abs=1e-4)
    assert temps == pytest.approx([23.45, 22.0, 22.0, 22.0], abs=1e-4)


def test_a_zone_cooled_on_the_day_is_heated_on_a_cold_morning():
    """A spring morning: the zone's day mode is cool (its afternoon is warm) but it is 16 C
    outside now and the zone is at the band's bottom, 22 C: (16 - 22) / 2 = -3 kW of heat
    leaks out, so 1 kW of electricity at COP 3 holds 22 C (its controller in auto would
    heat). At 1 CNY/kWh plus the model's 0.02 CNY/kWh on running against the day's mode:
    4 x 1.02 = 4.08 CNY over 4 h, 0 K·h outside the band. Before, the model could only
    cool: the zone drifted to 21.7, 21.43, 21.187, 20.968 C (2.712 K·h, 135.6 CNY)."""
    inputs = dataclasses.replace(_inputs([1.0] * 4), outdoor_temp_c=pd.Series(
        16.0, index=pd.date_range(START, periods=4, freq="1h")))
    inputs.hvac_zones.loc["z1", "initial_temp_c"] = 22.0
    result, summary, power, temps = _solved(inputs)
    assert temps == pytest.approx([22.0] * 4, abs=1e-6)
    assert power == pytest.approx([1.0] * 4, abs=1e-6)
    assert summary.comfort_cost_cny == pytest.approx(0.0, abs=1e-6)
    assert result.objective_cny == pytest.approx(4.08, abs=1e-6)


def test_a_zone_never_runs_both_ways_at_once_to_use_a_surplus():
    """20 kW of PV with no load and no export, a zone held at 24 C by nothing (outdoor 24 C,
    no gains): heating and cooling at once would spend curtailed PV (0.005 CNY/kWh each way)
    and change nothing; the 0.02 CNY/kWh on the reverse direction makes it a loss, so the
    heat pump stays off."""
    inputs = _inputs([0.5] * 4)
    index = inputs.interval_start_utc
    inputs = dataclasses.replace(
        inputs, pv_potential_kw=pd.DataFrame({"pv-1": [20.0] * 4}, index=index),
        outdoor_temp_c=pd.Series(24.0, index=index))
    inputs.hvac_zones.loc["z1", "initial_temp_c"] = 24.0
    _, _, power, temps = _solved(inputs)
    # the net cooling each hour by the 1R1C (hourly explicit steps), from the planned
    # temperatures: what the heat pump must draw running one way only
    before = [24.0, *temps[:-1]]
    net_kw = [((24.0 - b) / 2.0 - 10.0 * (t - b)) / 3.0 for b, t in zip(before, temps, strict=True)]
    assert all(kw >= -1e-6 for kw in net_kw)
    assert power == pytest.approx(net_kw, abs=1e-6)
