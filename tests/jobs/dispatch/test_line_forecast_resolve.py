"""The mpc's re-solve with the line operator's forecast: per interval the fresher forecast
where it reaches, the day-ahead inputs' elsewhere, never for perfect foresight; and a
windy evening the operator sees keeps the battery off it, solved by HiGHS."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from jobs.dispatch.intraday import intraday_inputs
from jobs.dispatch.isolated import attempt
from jobs.dispatch.solve import SolveOptions
from tests.jobs.dispatch.test_intraday import START, _day, _measured


def _evening_day():
    """Four hours, 1,000 kW load, valley 0.3 then peak 1.0; the day-ahead's flat line level
    0 kW (the line was held back all week)."""
    day = _day([1000.0] * 4)
    index = day.interval_start_utc
    grid = dataclasses.replace(day.grid, import_price_cny_per_kwh=pd.Series(
        [0.3, 0.3, 1.0, 1.0], index=index))
    return dataclasses.replace(day, grid=grid, direct_green_kw=pd.Series(0.0, index=index))


def _with_operator(measured, kw):
    index = pd.date_range(START, periods=len(kw), freq="1h")
    return dataclasses.replace(measured, green_forecast_kw=pd.Series(kw, index=index),
                               green_as_issued_kw=None)


def test_the_fresher_forecast_is_used_where_it_reaches_and_not_for_perfect():
    measured = _with_operator(_measured(START), [3000.0, 3000.0, np.nan, np.nan])
    inputs, corrections = intraday_inputs([_evening_day()], measured)
    assert inputs.direct_green_kw.tolist() == [3000.0, 3000.0, 0.0, 0.0]
    assert "direct green lines: the operator's latest forecast for 2 of 4 intervals, the " \
        "day-ahead's for the rest" in corrections.notes
    truth, _ = intraday_inputs([_evening_day()], measured, correct_forecasts=False)
    assert truth.direct_green_kw.tolist() == [0.0] * 4


def test_a_windy_evening_the_operator_sees_keeps_the_battery_off_it():
    """The battery holds 150 kWh (50 % of 300; wear 0.01). Blind (flat 0 kW), it fills up in
    the valley and serves the peak with all 300 kWh (0.7 spread). The operator forecasts
    1,200 kW over the peak hours, more than the load: the line serves the peak for nothing,
    so the battery discharges in the valley instead (150 kWh x 0.3), and nothing at peak."""
    blind, _ = intraday_inputs([_evening_day()], _measured(START))
    seen, _ = intraday_inputs([_evening_day()], _with_operator(
        _measured(START), [0.0, 0.0, 1200.0, 1200.0]))
    options = SolveOptions(rel_gap=1e-6)
    blind_out = attempt(blind, options).flows.battery_discharge_kw["bess-1"]
    seen_out = attempt(seen, options).flows.battery_discharge_kw["bess-1"]
    assert blind_out.iloc[2:].sum() == pytest.approx(300.0, abs=1e-4)
    assert seen_out.iloc[2:].sum() == pytest.approx(0.0, abs=1e-4)
    assert seen_out.iloc[:2].sum() == pytest.approx(150.0, abs=1e-4)
