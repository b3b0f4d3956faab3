"""Move blocking (jobs/dispatch/blocking.py): quarter-hours merged into hourly steps after the
fine window, and the builders' arithmetic on steps of unequal length, worked out by hand and
solved for real by HiGHS."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from jobs.dispatch.blocking import MoveBlocking, block_inputs
from jobs.dispatch.extract import extract
from jobs.dispatch.inputs import DispatchInputError, DispatchInputs, GridTerms
from jobs.dispatch.model import build_model
from jobs.dispatch.solve import SolveOptions, solve

START = pd.Timestamp("2026-07-01 00:00", tz="UTC")
# two hours of quarter-hours: a cheap first hour at a flat 100 kW, a dear second hour whose
# load varies (80, 120, 100, 140 kW: 110 kWh in the hour)
PRICES = [0.1] * 4 + [1.0] * 4
LOAD_KW = [100.0] * 4 + [80.0, 120.0, 100.0, 140.0]


def _quarter_hours() -> DispatchInputs:
    index = pd.date_range(START, periods=len(PRICES), freq="15min")
    battery = {"capacity_kwh": 200.0, "power_kw": 400.0, "charge_efficiency": 1.0,
               "discharge_efficiency": 1.0, "soc_min_kwh": 0.0, "soc_max_kwh": 200.0,
               "soc_initial_kwh": 0.0, "soc_final_min_kwh": 0.0,
               "degradation_cny_per_kwh": 0.0}
    return DispatchInputs(
        interval_start_utc=index, interval_h=0.25,
        base_load_kw=pd.Series(LOAD_KW, index=index),
        pv_potential_kw=pd.DataFrame(index=index, dtype=float),
        batteries=pd.DataFrame.from_dict({"bess-1": battery}, orient="index"),
        ev_groups=pd.DataFrame(columns=["arrival_utc", "departure_utc", "energy_kwh",
                                        "max_kw"]),
        grid=GridTerms(import_limit_kw=10_000, export_limit_kw=0.0,
                       import_price_cny_per_kwh=pd.Series(PRICES, index=index),
                       export_price_cny_per_kwh=pd.Series(0.0, index=index),
                       tou_period=pd.Series(["valley"] * 4 + ["peak"] * 4, index=index)))


def test_the_hour_after_the_fine_window_becomes_one_step_of_its_means():
    blocked = block_inputs(_quarter_hours(), MoveBlocking(fine_h=0.5, block_h=1.0))
    # the fine window (30 minutes) ends on the next whole hour: four quarter-hours, then one hour
    assert list(blocked.hours) == [0.25, 0.25, 0.25, 0.25, 1.0]
    assert list(blocked.interval_start_utc) == [START + pd.Timedelta(minutes=m)
                                                for m in (0, 15, 30, 45, 60)]
    assert blocked.base_load_kw.iloc[-1] == pytest.approx(110.0)  # (80+120+100+140)/4
    assert blocked.grid.import_price_cny_per_kwh.iloc[-1] == pytest.approx(1.0)
    assert blocked.grid.tou_period.iloc[-1] == "peak"
    assert blocked.interval_end_utc[-1] == START + pd.Timedelta(hours=2)


def test_the_direct_green_lines_offer_is_blocked_to_its_mean():
    """The line's offer (kW) is a power like the load: the dear hour's 0, 40, 80, 0 kW is one
    hourly step of 30 kW, and the fine quarter-hours keep theirs."""
    inputs = _quarter_hours()
    offer = [10.0, 20.0, 30.0, 40.0, 0.0, 40.0, 80.0, 0.0]
    inputs = dataclasses.replace(inputs, direct_green_kw=pd.Series(
        offer, index=inputs.interval_start_utc))
    blocked = block_inputs(inputs, MoveBlocking(fine_h=0.5, block_h=1.0))
    assert blocked.direct_green_kw is not None
    assert blocked.direct_green_kw.to_list() == pytest.approx([10.0, 20.0, 30.0, 40.0, 30.0])
    assert list(blocked.direct_green_kw.index) == list(blocked.interval_start_utc)


def test_energy_soc_and_cost_follow_each_steps_length():
    """By hand: the battery carries the dear hour's 110 kWh, charged in the cheap hour (at
    most 400 kW x 0.25 h = 100 kWh a quarter-hour), so the dear hour imports nothing. The bill
    is the cheap hour's 100 kWh of load and 110 kWh of charge at 0.1 CNY: 21 CNY. A builder
    that took the hourly step as a quarter-hour would store a quarter of that and import in
    the dear hour."""
    blocked = block_inputs(_quarter_hours(), MoveBlocking(fine_h=0.5, block_h=1.0))
    model = build_model(blocked)
    result = solve(model, SolveOptions(rel_gap=1e-9, time_limit_s=30.0))
    assert result.status == "optimal"
    plan, summary = extract(model, blocked)
    assert result.objective_cny == pytest.approx(21.0, abs=1e-6)
    assert summary.energy_cost_cny == pytest.approx(21.0, abs=1e-6)
    assert summary.grid_import_kwh == pytest.approx(210.0, abs=1e-6)

    def series(quantity):
        return plan[plan.quantity == quantity].value.to_list()

    assert series("soc_kwh")[3] == pytest.approx(110.0, abs=1e-6)  # before the dear hour
    assert series("soc_kwh")[4] == pytest.approx(0.0, abs=1e-6)
    assert series("setpoint_kw")[4] == pytest.approx(110.0, abs=1e-6)  # kW for a whole hour
    assert series("import_kw")[4] == pytest.approx(0.0, abs=1e-6)


def test_step_lengths_that_do_not_fit_the_intervals_are_refused():
    inputs = _quarter_hours()
    with pytest.raises(DispatchInputError, match="step_h"):
        dataclasses.replace(inputs, step_h=(0.25,) * 3)
    with pytest.raises(DispatchInputError, match="step_h"):
        dataclasses.replace(inputs, step_h=(0.25,) * 7 + (float("nan"),))
    with pytest.raises(ValueError, match="block_h"):
        MoveBlocking(block_h=float("inf"))
    with pytest.raises(ValueError, match="whole number"):
        block_inputs(inputs, MoveBlocking(fine_h=0.0, block_h=0.3))
