"""The demo park's batteries and grid terms as dispatch inputs, checked against park.yaml by
hand, and a whole day of the demo park's batteries planned against its tariff."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.common.park_config import ParkConfig
from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.extract import extract, plan_rows, summarise
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.model import build_model
from jobs.dispatch.park_assets import battery_table, grid_terms
from jobs.dispatch.solve import SolveOptions, solve
from jobs.dispatch.tariff import interval_prices


@pytest.fixture
def park(demo_park_dict) -> ParkConfig:
    return ParkConfig.model_validate(demo_park_dict)


def test_batteries_start_from_the_measured_soc_and_end_no_lower(park):
    table = battery_table(park, {"bess-01": 80.0, "bess-02": 99.0})
    # bess-01: 2,000 kWh, 10-95 %: 200-1,900 kWh, starts at 80 % = 1,600 kWh
    assert table.loc["bess-01"].to_dict() == pytest.approx({
        "capacity_kwh": 2000, "power_kw": 1000, "charge_efficiency": 0.95,
        "discharge_efficiency": 0.95, "soc_min_kwh": 200, "soc_max_kwh": 1900,
        "soc_initial_kwh": 1600, "soc_final_min_kwh": 1600, "degradation_cny_per_kwh": 0.08})
    # bess-02 reads 99 %, above its 95 % ceiling: the plan starts at the ceiling (950 kWh)
    assert table.loc["bess-02", "soc_initial_kwh"] == pytest.approx(950)
    # nothing measured: the configured 50 %
    assert battery_table(park).loc["bess-02", "soc_initial_kwh"] == pytest.approx(500)


def test_a_day_of_the_demo_parks_batteries_beats_the_baseline(park):
    day = dt.date(2026, 7, 15)
    index = local_day_intervals(day, park.park.timezone)
    prices = interval_prices(park.tariffs, index, park.park.timezone)
    grid = grid_terms(park, prices, month_peak_so_far_kw=3000.0, grid_kgco2_per_kwh=0.5366)
    assert grid.export_limit_kw == 1500 and grid.demand_charge_cny_per_kw_month == 40.0
    inputs = DispatchInputs(
        interval_start_utc=index, interval_h=0.25,
        base_load_kw=pd.Series(2500.0, index=index),
        pv_potential_kw=pd.DataFrame(index=index),
        batteries=battery_table(park), ev_groups=pd.DataFrame(
            columns=["arrival_utc", "departure_utc", "energy_kwh", "max_kw"]),
        grid=grid)
    model = build_model(inputs)
    result = solve(model, SolveOptions())
    assert result.status == "optimal"
    plan, summary = extract(model, inputs)
    baseline = summarise(inputs, rule_based_flows(inputs))
    # the baseline cannot charge from the grid: it only empties the batteries at peak
    assert summary.total_cost_cny < baseline.total_cost_cny
    assert summary.demand_cost_cny == pytest.approx(0.0, abs=1e-6)  # 2,500 kW < 3,000 so far
    soc = plan[(plan.asset_id == "bess-01") & (plan.quantity == "soc_kwh")].value
    assert soc.iloc[-1] >= 1000 - 1e-6  # ends no lower than its 50 % start
    assert len(plan_rows(inputs, rule_based_flows(inputs))) == len(plan)
