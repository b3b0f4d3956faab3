"""A simulated week of the demo park: what the day-ahead plan is worth, and how good the
forecasts behind it are.

The digital twin runs the demo park for a warm-up week and the evaluated week (5-minute
readings); the warehouse is built from them. Each evaluated day is planned the way the flow
plans it (issued at 20:00 local the evening before, from what the warehouse knew then), and
then compared on the actual day, as the twin recorded it:

- the plan, run open loop on the actual day (jobs/dispatch/realise.py: its battery schedule and
  HVAC power as planned; the grid takes the difference);
- the rule-based baseline on the actual day (it reacts to actual load and PV as they come);
- a plan made in perfect foresight of the actual day: the upper bound of what planning can do.

Forecast skill on the same days: each consumer's load (MAE, kW) for the landed forecast (the
like-day profile of whole consumption), for the optimiser's rebuilt view (base-load profile +
1R1C thermostats on the outdoor-temperature stand-in + expected EV groups on arrival), and for
persistence (yesterday = tomorrow); PV potential per system against persistence.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from device_io.simulator.history import generate_history
from jobs.bench.common import machine, save_result
from jobs.common.settings import DEFAULT_CONFIG_DIR, Settings, load_settings
from jobs.dispatch.actuals import actual_inputs
from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.day_ahead import prepare_inputs
from jobs.dispatch.extract import PlanSummary, summarise
from jobs.dispatch.isolated import attempt
from jobs.dispatch.realise import realise
from jobs.dispatch.solve import SolveOptions
from jobs.forecast.calibration import measured_potential_kw
from jobs.forecast.load import (
    consumption_history_kw,
    mean_absolute_error_kw,
    persistence_forecast,
)
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.build import build_warehouse

console = Console(width=150)
FIRST_DAY = dt.date(2026, 7, 6)  # a Monday in a hot month
WARMUP_DAYS = 7
ISSUED_BEFORE = pd.Timedelta(hours=4)  # 20:00 local the evening before
SAMPLE_S = 300


def _figures(summary: PlanSummary) -> dict:
    return {"cost_cny": round(summary.total_cost_cny, 1),
            "grid_import_kwh": round(summary.grid_import_kwh, 1),
            "absorption_pct": round(summary.renewable_absorption_pct, 2),
            "self_sufficiency_pct": round(summary.self_sufficiency_pct, 2),
            "emissions_tco2": round(summary.emissions_tco2, 2),
            "comfort_cny": round(summary.comfort_cost_cny, 1)}


def _skill(settings: Settings, prepared, index: pd.DatetimeIndex, issued: pd.Timestamp) -> dict:
    path = settings.warehouse_path
    zone = settings.park.park.timezone
    minutes = settings.park.dispatch.interval_minutes
    since = (index[0] - pd.Timedelta(days=28)).to_pydatetime()
    consumption = consumption_history_kw(path, since, minutes)
    known, actual = consumption[consumption.index < issued], consumption.reindex(index)
    pv_history = measured_potential_kw(path, since, (index[-1] + pd.Timedelta(minutes=minutes))
                                       .to_pydatetime(), minutes)
    pv_known, pv_actual = pv_history[pv_history.index < issued], pv_history.reindex(index)
    return {
        "load_parts_mae_kw": mean_absolute_error_kw(prepared.consumer_no_control_kw, actual),
        "load_profile_mae_kw": mean_absolute_error_kw(prepared.consumer_load_kw, actual),
        "load_persistence_mae_kw": mean_absolute_error_kw(
            persistence_forecast(known, index, zone), actual),
        "pv_plan_mae_kw": mean_absolute_error_kw(prepared.pv_kw, pv_actual),
        "pv_persistence_mae_kw": mean_absolute_error_kw(
            persistence_forecast(pv_known, index, zone), pv_actual),
    }


def run(days: int = 7) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="park-bench-week-"))
    settings = load_settings(DEFAULT_CONFIG_DIR, str(workdir / "data"))
    zone = settings.park.park.timezone
    start = local_day_intervals(FIRST_DAY - dt.timedelta(days=WARMUP_DAYS), zone)[0]
    end = local_day_intervals(FIRST_DAY + dt.timedelta(days=days), zone)[0]
    console.print(f"[bold]week[/]: twin history {start:%Y-%m-%d} .. {end:%Y-%m-%d} UTC "
                  f"({SAMPLE_S} s readings), work folder {workdir}")
    started = time.perf_counter()
    generate_history(settings, start.to_pydatetime(), end.to_pydatetime(), sample_s=SAMPLE_S)
    generated = time.perf_counter()
    if not build_warehouse(settings, unit_tests=False, quiet=True).success:
        raise RuntimeError(f"the week's warehouse did not build; see {workdir}")
    built = time.perf_counter()
    options = SolveOptions(rel_gap=settings.park.dispatch.rel_gap, time_limit_s=120)
    rows = []
    for offset in range(days):
        day = FIRST_DAY + dt.timedelta(days=offset)
        index = local_day_intervals(day, zone, settings.park.dispatch.interval_minutes)
        issued = index[0] - ISSUED_BEFORE
        prepare_started = time.perf_counter()
        prepared = prepare_inputs(settings, day, ClearSkyClimatology(), issued.to_pydatetime())
        prepare_s = time.perf_counter() - prepare_started
        actual = actual_inputs(settings, prepared.inputs)
        plan = attempt(prepared.inputs, options)
        perfect = attempt(actual, options)
        if plan.flows is None or perfect.flows is None:
            raise RuntimeError(f"{day}: no plan ({plan.solve.message}; {perfect.solve.message})")
        rows.append({"day": day.isoformat(), "prepare_s": round(prepare_s, 2),
                     "build_s": round(plan.solve.build_s, 2),
                     "highs_s": round(plan.solve.solve_s, 2),
                     "plan": _figures(summarise(actual, realise(plan.flows, actual))),
                     "baseline": _figures(summarise(actual, rule_based_flows(actual))),
                     "perfect": _figures(summarise(actual, perfect.flows)),
                     **{k: round(v, 1) for k, v in _skill(settings, prepared, index,
                                                           issued).items()}})
    totals = {who: {"cost_cny": round(sum(r[who]["cost_cny"] for r in rows), 0),
                    "emissions_tco2": round(sum(r[who]["emissions_tco2"] for r in rows), 1),
                    **{k: round(float(np.mean([r[who][k] for r in rows])), 2)
                       for k in ("absorption_pct", "self_sufficiency_pct")}}
              for who in ("baseline", "plan", "perfect")}
    skill = {k: round(float(np.mean([r[k] for r in rows])), 1) for k in rows[0]
             if k.endswith("_mae_kw")}
    result = {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": machine(), "first_day": FIRST_DAY.isoformat(), "days": days,
              "history_s": round(generated - started, 1), "build_s": round(built - generated, 1),
              "evaluate_s": round(time.perf_counter() - built, 1),
              "days_detail": rows, "totals": totals, "forecast_skill": skill}
    _print(result)
    save_result("dispatch_week", result)
    return result


def _print(result: dict) -> None:
    table = Table(title=f"simulated week of the demo park from {result['first_day']}: "
                        "cost (CNY) and renewable absorption (%) on the actual days")
    for column in ("day", "baseline", "plan", "perfect foresight"):
        table.add_column(column, justify="right")
    for row in result["days_detail"]:
        table.add_row(row["day"], *(f"{row[w]['cost_cny']:,.0f} / {row[w]['absorption_pct']:.1f}"
                                    for w in ("baseline", "plan", "perfect")))
    totals = result["totals"]
    table.add_row("week", *(f"{totals[w]['cost_cny']:,.0f} / {totals[w]['absorption_pct']:.1f}"
                            for w in ("baseline", "plan", "perfect")))
    console.print(table)
    baseline, plan, perfect = (totals[w]["cost_cny"] for w in ("baseline", "plan", "perfect"))
    console.print(f"plan saves {baseline - plan:,.0f} CNY against the baseline; perfect "
                  f"foresight would save {baseline - perfect:,.0f} CNY; emissions (tCO2) "
                  + ", ".join(f"{w} {totals[w]['emissions_tco2']:,.1f}"
                              for w in ("baseline", "plan", "perfect"))
                  + "; self-sufficiency (%) " + ", ".join(
                      f"{w} {totals[w]['self_sufficiency_pct']:.1f}"
                      for w in ("baseline", "plan", "perfect")))
    days = result["days_detail"]
    console.print("the day-ahead run on the demo park's warehouse (median of the days): "
                  + ", ".join(f"{k.removesuffix('_s')} {np.median([d[k] for d in days]):.2f} s"
                              for k in ("prepare_s", "build_s", "highs_s")))
    skill = result["forecast_skill"]
    console.print(
        f"load MAE per consumer (kW): like-day profile (landed) {skill['load_profile_mae_kw']}, "
        f"base profile + HVAC thermostats on the temperature + EVs "
        f"{skill['load_parts_mae_kw']}, persistence {skill['load_persistence_mae_kw']}"
        f"; PV MAE per system (kW): forecast {skill['pv_plan_mae_kw']}, persistence "
        f"{skill['pv_persistence_mae_kw']}")
