"""The direct green supply line (绿电直连) in the dispatch model, on hand-worked cases solved by
HiGHS: it serves load off the grid bill and is never exported."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from jobs.dispatch import green_line
from jobs.dispatch.inputs import DispatchInputError
from tests.jobs.dispatch.test_small_cases import _battery, _inputs, _series, _solve


def _with_line(inputs, offered_kw):
    return dataclasses.replace(inputs, direct_green_kw=pd.Series(
        offered_kw, index=inputs.interval_start_utc, dtype=float))


def test_battery_is_not_spent_on_load_the_line_serves():
    """Valley 0.3 for two hours, peak 1.0 for two, 1,000 kW load throughout; the line offers
    1,200 kW in the peak hours (more than the load) and nothing before. A full 200 kWh
    lossless battery (wear 0.01): discharging at peak saves nothing (the line serves it), so
    it discharges in the valley: import 2,000 - 200 = 1,800 kWh x 0.3 = 540 CNY + 2 CNY wear,
    and no import at peak. Without the line the model spends it at peak: 0.3 x 2,000 + 1.0 x
    1,800 = 2,400 CNY + 2."""
    base = _inputs([0.3, 0.3, 1.0, 1.0], [1000.0] * 4,
                   batteries={"bess-1": _battery(200, 200, 1.0, degradation=0.01, initial=200)})
    result, plan, summary = _solve(_with_line(base, [0.0, 0.0, 1200.0, 1200.0]))
    assert result.objective_cny == pytest.approx(542.0, abs=1e-3)
    assert summary.energy_cost_cny == pytest.approx(540.0, abs=1e-3)
    setpoints = _series(plan, "bess-1", "setpoint_kw")
    assert sum(setpoints[:2]) == pytest.approx(200.0, abs=1e-4)  # discharged in the valley
    assert setpoints[2:] == pytest.approx([0.0, 0.0], abs=1e-4)
    blind, _, _ = _solve(base)
    assert blind.objective_cny == pytest.approx(2402.0, abs=1e-3)


def test_the_line_is_not_exported():
    """One hour: 2,000 kW of PV against 1,000 kW of load, export cap 1,500 kW at 0.391
    CNY/kWh, the line offering 1,000 kW. The line gives nothing while the park exports, so the
    park exports its 1,000 kW of surplus PV: -391 CNY. Taking 200 kW of the line and exporting
    1,200 (what a linear blend of the two would allow) is not a plan."""
    base = _inputs([1.0], [1000.0], pv={"pv-1": [2000.0]}, export_limit_kw=1500.0)
    base = dataclasses.replace(base, grid=dataclasses.replace(
        base.grid, export_price_cny_per_kwh=pd.Series(0.391, index=base.interval_start_utc)))
    result, _, summary = _solve(_with_line(base, [1000.0]))
    assert summary.energy_cost_cny == pytest.approx(-391.0, abs=1e-3)


def test_a_line_offering_a_negative_or_missing_value_is_refused():
    base = _inputs([1.0, 1.0], [100.0, 100.0])
    with pytest.raises(DispatchInputError, match="direct_green_kw"):
        _with_line(base, [50.0, -1.0])
    with pytest.raises(DispatchInputError, match="direct_green_kw"):
        _with_line(base, [50.0, float("nan")])


def _recent(green_kw, import_kw):
    index = pd.date_range("2026-05-04 10:00", periods=len(green_kw), freq="15min", tz="UTC")
    return pd.DataFrame({"green_kw": green_kw, "import_kw": import_kw}, index=index)


def test_the_nowcast_takes_the_lines_level_where_the_grid_still_imported():
    """The last hour: the grid imported 500 kW and the line delivered 800 kW (all it offered)
    against a forecast of 300 kW: +500 kW now, fading as the fade weights say."""
    now = pd.Timestamp("2026-05-04 11:00", tz="UTC")
    forecast = pd.Series(300.0, index=pd.date_range(now, periods=3, freq="15min"))
    fade = np.array([1.0, 0.5, 0.0])
    corrected, error = green_line.nowcast_kw(_recent([800.0] * 4, [500.0] * 4), forecast, now,
                                             fade)
    assert error == pytest.approx(500.0)
    assert corrected.to_list() == pytest.approx([800.0, 550.0, 300.0])


def test_a_line_held_back_by_the_parks_demand_is_only_a_floor():
    """The grid imported nothing: the park's demand set what the line delivered. 600 kW
    delivered against a forecast of 300 raises it to 600; 200 kW delivered says nothing."""
    now = pd.Timestamp("2026-05-04 11:00", tz="UTC")
    forecast = pd.Series(300.0, index=pd.date_range(now, periods=2, freq="15min"))
    fade = np.array([1.0, 1.0])
    raised, _ = green_line.nowcast_kw(_recent([600.0] * 4, [0.0] * 4), forecast, now, fade)
    assert raised.to_list() == pytest.approx([600.0, 600.0])
    kept, error = green_line.nowcast_kw(_recent([200.0] * 4, [0.0] * 4), forecast, now, fade)
    assert kept.to_list() == pytest.approx([300.0, 300.0]) and error == 0.0


def test_no_export_where_pv_cannot_exceed_the_load():
    """One hour: 500 kW of PV against 1,000 kW of load, the line offering 2,000 kW, export
    paid 0.391. The park's net demand is 500 kW, the line serves it, nothing is exported: 0
    CNY (a model that let the line serve the whole load would export the 500 kW of PV:
    -195.5 CNY)."""
    base = _inputs([1.0], [1000.0], pv={"pv-1": [500.0]}, export_limit_kw=1500.0)
    base = dataclasses.replace(base, grid=dataclasses.replace(
        base.grid, export_price_cny_per_kwh=pd.Series(0.391, index=base.interval_start_utc)))
    _, _, summary = _solve(_with_line(base, [2000.0]))
    assert summary.energy_cost_cny == pytest.approx(0.0, abs=1e-3)


def test_a_held_line_counts_what_the_batteries_took_off_it():
    """No grid import for the last hour: the line delivered 2,000 kW while the batteries
    discharged 1,000 kW into the same load. The line served all it was asked, and persistence
    of that state says it would have served the batteries' share too: 3,000 kW now (against
    a 1,200 kW forecast), not the 2,000 the discharge left it."""
    now = pd.Timestamp("2026-05-04 11:00", tz="UTC")
    forecast = pd.Series(1200.0, index=pd.date_range(now, periods=1, freq="15min"))
    recent = _recent([2000.0] * 4, [0.0] * 4).assign(storage_kw=1000.0)
    corrected, error = green_line.nowcast_kw(recent, forecast, now, np.array([1.0]))
    assert corrected.to_list() == pytest.approx([3000.0]) and error == pytest.approx(1800.0)
