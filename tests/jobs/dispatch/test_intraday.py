"""The intraday re-solve's inputs, worked out by hand: the month's metered peak holds the
plan (with its margin), the PV nowcast and the load error fade in as stated, EV groups in
progress keep only what they still need, and a late solve is abandoned for a fallback."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from jobs.dispatch.inputs import BATTERY_COLUMNS, DispatchInputs, GridTerms
from jobs.dispatch.intraday import FADE_H, Measured, intraday_inputs
from jobs.dispatch.isolated import attempt
from jobs.dispatch.solve import SolveOptions
from jobs.dispatch.warm_solver import WarmSolver

START = pd.Timestamp("2026-07-01 00:00", tz="UTC")
EV_COLUMNS = ["arrival_utc", "departure_utc", "energy_kwh", "max_kw"]


def _day(load_kw, *, pv=None, ev_groups=None, demand_charge=0.0, soc_final_min_kwh=0.0
         ) -> DispatchInputs:
    index = pd.date_range(START, periods=len(load_kw), freq="1h")
    battery = {"capacity_kwh": 300.0, "power_kw": 300.0, "charge_efficiency": 1.0,
               "discharge_efficiency": 1.0, "soc_min_kwh": 0.0, "soc_max_kwh": 300.0,
               "soc_initial_kwh": 0.0, "soc_final_min_kwh": soc_final_min_kwh,
               "degradation_cny_per_kwh": 0.01}
    return DispatchInputs(
        interval_start_utc=index, interval_h=1.0,
        base_load_kw=pd.Series(load_kw, index=index, dtype=float),
        pv_potential_kw=pd.DataFrame(pv or {}, index=index, dtype=float),
        pv_rated_kw=pd.Series({name: 1000.0 for name in (pv or {})}, dtype=float),
        batteries=pd.DataFrame.from_dict({"bess-1": battery}, orient="index")[
            list(BATTERY_COLUMNS)],
        ev_groups=pd.DataFrame.from_dict(ev_groups, orient="index") if ev_groups
        else pd.DataFrame(columns=EV_COLUMNS),
        grid=GridTerms(import_limit_kw=10_000, export_limit_kw=0.0,
                       import_price_cny_per_kwh=pd.Series(0.5, index=index),
                       export_price_cny_per_kwh=pd.Series(0.0, index=index),
                       tou_period=pd.Series("flat", index=index),
                       demand_charge_cny_per_kw_month=demand_charge))


def _measured(now, *, soc_pct=50.0, month_peak_kw=0.0, plugged_kw=0.0, recent=None):
    return Measured(now_utc=now, soc_pct={"bess-1": soc_pct}, zone_temp_c={},
                    stored_heat_kwh_th={}, month_peak_kw=month_peak_kw,
                    ev_plugged_kw=plugged_kw,
                    recent=recent if recent is not None else pd.DataFrame())


@pytest.mark.parametrize(("margin_pct", "held_kw"), [(0.0, 800.0), (5.0, 760.0)])
def test_the_months_metered_peak_holds_the_resolve(margin_pct, held_kw):
    """Flat 0.5 CNY/kWh, 40 CNY/kW-month on a new monthly peak. The re-solve at 01:00 starts
    from the measured 50 % (150 kWh) and sees 500, 900, 500 kW to come; the month has metered
    800 kW already, the day-ahead knew of none. The battery must end where the day-ahead
    started it (150 kWh), so what it gives back is bought again at the same price: a new
    peak above the floor costs 40 per kW, a kWh through the battery 0.01. It discharges just
    enough at 02:00 to hold the floor, 800 kW (no margin: 100 kWh) or 800 x 0.95 = 760 kW
    (5 %: 140 kWh), and no more."""
    day = _day([500.0, 500.0, 900.0, 500.0], demand_charge=40.0, soc_final_min_kwh=150.0)
    now = START + pd.Timedelta(hours=1)
    inputs, corrections = intraday_inputs([day], _measured(now, month_peak_kw=800.0),
                                          margin_pct)
    assert list(inputs.interval_start_utc) == list(day.interval_start_utc[1:])
    assert inputs.batteries.loc["bess-1", "soc_initial_kwh"] == pytest.approx(150.0)
    assert corrections.peak_floor_kw == pytest.approx(held_kw)
    result = attempt(inputs, SolveOptions(rel_gap=1e-6))
    assert result.solve.status == "optimal"
    imported = result.flows.grid_import_kw
    assert imported[1] == pytest.approx(held_kw, abs=1e-4)
    assert result.flows.battery_discharge_kw["bess-1"].sum() == pytest.approx(900.0 - held_kw,
                                                                               abs=1e-4)


def test_the_pv_nowcast_and_the_load_error_fade_from_now():
    """The last two hours made half the forecast PV (an hour the inverters were held down does
    not count, nor the full hours before the window) and the load ran 100 kW above its
    forecast for the last hour: at now the PV is 0.5 x forecast, an hour on
    1 - 0.5 e^(-1/3) of it; the load +100 kW, an hour on +100 e^(-1/3)."""
    pv = {"pv-1": [400.0] * 8}
    day = _day([300.0] * 8, pv=pv)
    now = START + pd.Timedelta(hours=4)
    # 00:00 and 01:00 are outside the two hours; 02:00 was held down (NaN)
    recent = pd.DataFrame({"pv_kw:pv-1": [400.0, 400.0, np.nan, 200.0],
                           "base_load_kw": [300.0, 300.0, 300.0, 400.0]},
                          index=day.interval_start_utc[:4])
    inputs, corrections = intraday_inputs([day], _measured(now, recent=recent))
    assert corrections.pv_factor["pv-1"] == pytest.approx(0.5)
    fade = math.exp(-1.0 / FADE_H)
    assert inputs.pv_potential_kw["pv-1"].iloc[0] == pytest.approx(200.0)
    assert inputs.pv_potential_kw["pv-1"].iloc[1] == pytest.approx(400.0 * (1 - 0.5 * fade))
    assert corrections.load_error_kw == pytest.approx(100.0)
    assert inputs.base_load_kw.iloc[0] == pytest.approx(400.0)
    assert inputs.base_load_kw.iloc[1] == pytest.approx(300.0 + 100.0 * fade)


def test_pv_held_down_by_the_export_cap_still_raises_a_low_forecast():
    """A PV-surplus park at its export cap all morning: the protection held the inverters in
    every interval, so no interval is free to compare. The forecast said 400 kW; the arrays,
    held down, still gave 500 and 600 kW in the last two hours: the sun gave at least
    (500 + 600) / 800 = 1.375 x the forecast, and the re-solve sees that much now (a plan on
    the forecast would think it imports and discharge its battery into the curtailment).
    Held output below the forecast says nothing (the cap, not the sun): the forecast stands."""
    day = _day([300.0] * 8, pv={"pv-1": [400.0] * 8})
    now = START + pd.Timedelta(hours=4)
    held = pd.DataFrame({"pv_kw:pv-1": [np.nan] * 4,
                         "pv_held_kw:pv-1": [400.0, 400.0, 500.0, 600.0]},
                        index=day.interval_start_utc[:4])
    inputs, corrections = intraday_inputs([day], _measured(now, recent=held))
    assert corrections.pv_factor["pv-1"] == pytest.approx(1.375)
    assert inputs.pv_potential_kw["pv-1"].iloc[0] == pytest.approx(550.0)
    capped = held.assign(**{"pv_held_kw:pv-1": [400.0, 400.0, 250.0, 250.0]})
    _, corrections = intraday_inputs([day], _measured(now, recent=capped))
    assert corrections.pv_factor["pv-1"] == pytest.approx(1.0)


def test_ev_groups_in_progress_keep_only_what_they_still_need():
    """A group arrived at 01:00 wanting 100 kWh by 06:00; 30 kWh were charged since. With a
    car plugged in it needs 70 kWh from now; with none plugged in, nothing. A group still to
    come is kept as forecast."""
    groups = {"g-1": {"arrival_utc": START + pd.Timedelta(hours=1),
                      "departure_utc": START + pd.Timedelta(hours=6), "energy_kwh": 100.0,
                      "max_kw": 50.0},
              "g-2": {"arrival_utc": START + pd.Timedelta(hours=5),
                      "departure_utc": START + pd.Timedelta(hours=7), "energy_kwh": 40.0,
                      "max_kw": 22.0}}
    day = _day([300.0] * 8, ev_groups=groups)
    now = START + pd.Timedelta(hours=3)
    recent = pd.DataFrame({"ev_kw": [0.0, 10.0, 20.0]}, index=day.interval_start_utc[:3])
    plugged, _ = intraday_inputs([day], _measured(now, plugged_kw=22.0, recent=recent))
    assert plugged.ev_groups.loc["now-g-1", "energy_kwh"] == pytest.approx(70.0)
    assert plugged.ev_groups.loc["now-g-1", "arrival_utc"] == now
    assert plugged.ev_groups.loc["now-g-1", "max_kw"] == pytest.approx(22.0)
    assert plugged.ev_groups.loc["g-2", "energy_kwh"] == pytest.approx(40.0)
    gone, _ = intraday_inputs([day], _measured(now, plugged_kw=0.0, recent=recent))
    assert gone.ev_groups.loc["now-g-1", "energy_kwh"] == 0.0


def test_ev_energy_delivered_is_read_from_the_cars_plugged_in_now():
    """g-0's car came at 00:00 and left at 02:00; g-1's came at 01:00 and wants 100 kWh by
    06:00. The EV meter saw 30, 10 and 20 kWh in the last three hours, but the 10 between
    01:00 and 02:00 went to g-0's car: the charger of the car still plugged in says its
    session has 20 kWh. g-1 still needs 80 kWh, not the 70 the meter since its arrival
    would leave it (the shortfall a car would drive away without)."""
    groups = {"g-0": {"arrival_utc": START, "departure_utc": START + pd.Timedelta(hours=2),
                      "energy_kwh": 40.0, "max_kw": 22.0},
              "g-1": {"arrival_utc": START + pd.Timedelta(hours=1),
                      "departure_utc": START + pd.Timedelta(hours=6), "energy_kwh": 100.0,
                      "max_kw": 22.0}}
    day = _day([300.0] * 8, ev_groups=groups)
    now = START + pd.Timedelta(hours=3)
    recent = pd.DataFrame({"ev_kw": [30.0, 10.0, 20.0]}, index=day.interval_start_utc[:3])
    measured = Measured(now_utc=now, soc_pct={"bess-1": 50.0}, zone_temp_c={},
                        stored_heat_kwh_th={}, month_peak_kw=0.0, ev_plugged_kw=22.0,
                        recent=recent, ev_delivered_kwh=20.0)
    inputs, _ = intraday_inputs([day], measured)
    assert list(inputs.ev_groups.index) == ["now-g-1"]
    assert inputs.ev_groups.loc["now-g-1", "energy_kwh"] == pytest.approx(80.0)


def test_a_measured_state_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="soc_pct of bess-1 is not finite"):
        _measured(START, soc_pct=float("nan"))


def test_a_late_solve_is_abandoned_and_the_next_one_answers():
    day = _day([500.0, 500.0, 900.0, 500.0], demand_charge=40.0)
    options = SolveOptions(rel_gap=1e-6)
    with WarmSolver() as solver:
        late = solver.solve(day, options, wall_limit_s=1e-4)
        assert late.attempt.flows is None
        assert "abandoned" in late.attempt.solve.message
        answered = solver.solve(day, options, wall_limit_s=60.0)
        assert answered.attempt.solve.status == "optimal"
        again = solver.solve(day, options, wall_limit_s=60.0)  # the same process, warm
        assert again.attempt.solve.status == "optimal"
        assert solver.restarts == 1
        # the bench charges a run for its solver's CPU: the worker reports it with each answer
        spent_s = solver.worker_cpu_s
        assert spent_s > 0.0
    assert solver.worker_cpu_s == spent_s  # closing keeps what the ended worker spent


def test_the_measured_outdoor_temperature_corrects_the_forecast_and_holds_the_band():
    """A summer evening 3 K warmer than forecast: 30 C forecast, the zones' outdoor sensors
    read 33 C now. One zone at its band's top, 26 C (R 2 K/kW, C 10 kWh/K, COP 3, no gains),
    flat price. At 33 C (7 K / 2 =) 3.5 kW of heat leaks in, so the re-solve's first hour
    must cool 3.5 / 3 = 1.1667 kW to hold 26 C; the forecast alone gave 2 / 3 = 0.6667 kW,
    and the zone would have ended the hour at 26 + (3.5 - 2) / 10 = 26.15 C. The error
    fades: the next hour's outdoor is 30 + 3 e^(-1/3) C."""
    day = _day([0.0] * 4)
    index = day.interval_start_utc
    zone = {"rated_electric_kw": 10.0, "cop": 3.0, "thermal_resistance_k_per_kw": 2.0,
            "thermal_capacitance_kwh_per_k": 10.0, "comfort_min_c": 22.0,
            "comfort_max_c": 26.0, "initial_temp_c": 26.0, "internal_gain_kw": 0.0,
            "mode": "cool"}
    day = dataclasses.replace(day, hvac_zones=pd.DataFrame({"z1": zone}).T.astype(
        {"mode": str}), outdoor_temp_c=pd.Series(30.0, index=index),
        comfort_breach_cny_per_kh=50.0)
    now = START + pd.Timedelta(hours=1)
    measured = dataclasses.replace(_measured(now), zone_temp_c={"z1": 26.0},
                                   outdoor_temp_c=33.0)
    inputs, corrections = intraday_inputs([day], measured)
    assert corrections.outdoor_error_k == pytest.approx(3.0)
    assert inputs.outdoor_temp_c.iloc[0] == pytest.approx(33.0)
    assert inputs.outdoor_temp_c.iloc[1] == pytest.approx(30.0 + 3.0 * math.exp(-1.0 / FADE_H))
    result = attempt(inputs, SolveOptions(rel_gap=1e-7))
    assert result.solve.status == "optimal"
    assert result.flows.hvac_kw["z1"].iloc[0] == pytest.approx(3.5 / 3.0, abs=1e-6)
    with pytest.raises(ValueError, match="outdoor_temp_c is not finite"):
        dataclasses.replace(measured, outdoor_temp_c=float("nan"))


def test_ev_energy_delivered_is_shared_among_the_groups_as_the_writer_shares_it():
    """Two groups of alike cars plugged in since 00:00, each wanting 60 kWh, on chargers of
    the same rating (14 kW a group): g-early leaves at 04:00, g-late at 08:00. The writer
    shares the fleet's power by rating, so of the 40 kWh the cars' sessions hold at 02:00,
    20 went to each group: each still needs 40 kWh (before: all 40 counted as g-early's,
    which then needed 20, and its cars left 20 kWh short). A group's share never exceeds
    what it wanted: with 90 kWh delivered and g-small wanting 10, g-small is served (10)
    and g-big got the other 80 of its 100."""
    hours = pd.Timedelta(hours=1)
    groups = {"g-early": {"arrival_utc": START, "departure_utc": START + 4 * hours,
                          "energy_kwh": 60.0, "max_kw": 14.0},
              "g-late": {"arrival_utc": START, "departure_utc": START + 8 * hours,
                         "energy_kwh": 60.0, "max_kw": 14.0}}
    day = _day([300.0] * 8, ev_groups=groups)
    measured = dataclasses.replace(_measured(START + 2 * hours, plugged_kw=28.0),
                                   ev_delivered_kwh=40.0)
    inputs, _ = intraday_inputs([day], measured)
    assert inputs.ev_groups.loc["now-g-early", "energy_kwh"] == pytest.approx(40.0)
    assert inputs.ev_groups.loc["now-g-late", "energy_kwh"] == pytest.approx(40.0)
    groups = {"g-small": {**groups["g-early"], "energy_kwh": 10.0},
              "g-big": {**groups["g-late"], "energy_kwh": 100.0}}
    day = _day([300.0] * 8, ev_groups=groups)
    inputs, _ = intraday_inputs([day], dataclasses.replace(measured, ev_delivered_kwh=90.0))
    assert inputs.ev_groups.loc["now-g-small", "energy_kwh"] == pytest.approx(0.0)
    assert inputs.ev_groups.loc["now-g-big", "energy_kwh"] == pytest.approx(20.0)
