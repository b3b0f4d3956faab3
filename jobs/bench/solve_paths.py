"""Do the two ways to HiGHS reach the same optimum? The matrix path (jobs/dispatch/solve.py:
Pyomo's standard-form compiler and one highspy call) against Pyomo's own persistent HiGHS
interface (the path before it, kept here only as the reference), on the same intraday
re-solve models: the demo park's bench day joined with the next (the mpc's "rest of today
and tomorrow"), re-solved from every third hour with three battery states. Each model is
solved at the production tolerance (the park's rel_gap, 10 s) and at a tight one
(TIGHT_GAP, no time limit that binds): if the tight objectives agree and the production
ones spread, the spread is the gap's, not the path's.

    python -m jobs.bench.solve_paths

`python -m jobs.bench.solve_paths blocking`: the same re-solves (without the bench day's DR
event, which keeps its window fine) with and without move blocking (jobs/dispatch/
blocking.py), at the tight tolerance: CPU seconds of build + solve + extraction, the
objective, and the first interval's decisions (what the writer sends).
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import pandas as pd
import yaml
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import TerminationCondition
from rich.console import Console

from jobs.bench import dispatch_bench
from jobs.bench.common import machine, save_result
from jobs.common.park_config import ParkConfig
from jobs.common.settings import DEFAULT_CONFIG_DIR
from jobs.dispatch.blocking import MoveBlocking, block_inputs
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.intraday import Measured, intraday_inputs
from jobs.dispatch.isolated import attempt
from jobs.dispatch.model import build_model
from jobs.dispatch.park_assets import battery_table
from jobs.dispatch.solve import SolveOptions, solve

console = Console(width=150)
TIGHT_GAP = 1e-7
NO_LIMIT_S = 600.0
SOC_PCT = (30.0, 55.0, 80.0)


def _days(park: ParkConfig):
    day = dispatch_bench.DAY
    days = []
    for offset in (0, 1):
        dispatch_bench.DAY = day + pd.Timedelta(days=offset)
        index = local_day_intervals(dispatch_bench.DAY, park.park.timezone)
        sessions = dispatch_bench._ev_sessions(int(1.6 * len(park.assets.ev_chargers)), index)
        days.append(dispatch_bench._inputs(park, battery_table(park),
                                           dispatch_bench._ev_groups(sessions, 10), 3000.0,
                                           len(park.assets.hvac_zones)))
    dispatch_bench.DAY = day
    # the second day's DR event is the first day's again: one event id, one window
    days[1] = dataclasses.replace(days[1], dr_events=days[1].dr_events.iloc[0:0])
    return days


def _demo_park() -> ParkConfig:
    return ParkConfig.model_validate(yaml.safe_load(
        (DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")))


def _re_solves(park: ParkConfig, days):
    """The recorded re-solves: every third hour of the first day, from a measured state whose
    battery SOC cycles through SOC_PCT; yields (start, soc_pct, intraday inputs)."""
    for position, now in enumerate(days[0].interval_start_utc[::12]):
        soc = SOC_PCT[position % len(SOC_PCT)]
        measured = Measured(now_utc=pd.Timestamp(now),
                            soc_pct={b: soc for b in days[0].batteries.index},
                            zone_temp_c={}, stored_heat_kwh_th={}, month_peak_kw=0.0,
                            ev_plugged_kw=0.0)
        inputs, _ = intraday_inputs(days, measured, park.dispatch.peak_margin_pct)
        yield now, soc, inputs


def _pyomo_persistent(model, options: SolveOptions) -> tuple[float | None, str]:
    results = SolverFactory("highs").solve(
        model, time_limit=options.time_limit_s, rel_gap=options.rel_gap, load_solutions=False,
        raise_exception_on_nonoptimal_result=False)
    optimal = results.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
    return results.incumbent_objective, "optimal" if optimal else str(
        results.termination_condition)


def run() -> dict:
    park = _demo_park()
    days = _days(park)
    production = SolveOptions(rel_gap=park.dispatch.rel_gap,
                              time_limit_s=min(park.dispatch.time_limit_s, 10.0))
    tight = SolveOptions(rel_gap=TIGHT_GAP, time_limit_s=NO_LIMIT_S)
    rows = []
    for now, soc, inputs in _re_solves(park, days):
        row = {"from_utc": str(now), "intervals": len(inputs.interval_start_utc),
               "soc_pct": soc}
        for label, options in (("production", production), ("tight", tight)):
            for path in ("matrix", "pyomo"):
                model = build_model(inputs)
                started = time.process_time()
                if path == "matrix":
                    result = solve(model, options)
                    objective, status = result.objective_cny, result.status
                else:
                    objective, status = _pyomo_persistent(model, options)
                row[f"{label}_{path}_cny"] = objective
                row[f"{label}_{path}_status"] = status
                row[f"{label}_{path}_cpu_s"] = round(time.process_time() - started, 3)
        rows.append(row)
        console.print(row)
    frame = pd.DataFrame(rows)
    summary = {}
    for label in ("production", "tight"):
        difference = (frame[f"{label}_matrix_cny"] - frame[f"{label}_pyomo_cny"]).abs()
        relative = difference / frame[f"{label}_pyomo_cny"].abs()
        summary[label] = {"max_abs_difference_cny": round(float(difference.max()), 4),
                          "max_relative_difference": float(relative.max()),
                          "matrix_cpu_s_median": float(frame[f"{label}_matrix_cpu_s"].median()),
                          "pyomo_cpu_s_median": float(frame[f"{label}_pyomo_cpu_s"].median())}
    console.print(summary)
    result = {"machine": machine(), "tight_gap": TIGHT_GAP, "models": rows, "summary": summary}
    save_result("solve_paths", result)
    return result


def _first_interval(flows) -> dict[str, float]:
    return {"import_kw": round(float(flows.grid_import_kw[0]), 1),
            "battery_kw": round(float((flows.battery_discharge_kw.iloc[0]
                                       - flows.battery_charge_kw.iloc[0]).sum()), 1),
            "hvac_kw": round(float(flows.hvac_kw.iloc[0].sum()), 1)
            if len(flows.hvac_kw.columns) else 0.0}


def blocking(move: MoveBlocking | None = None) -> dict:
    move = move or MoveBlocking()
    park = _demo_park()
    days = [dataclasses.replace(d, dr_events=d.dr_events.iloc[0:0]) for d in _days(park)]
    tight = SolveOptions(rel_gap=TIGHT_GAP, time_limit_s=NO_LIMIT_S)
    rows = []
    for now, soc, inputs in _re_solves(park, days):
        row = {"from_utc": str(now), "soc_pct": soc}
        for label, case in (("full", inputs), ("blocked", block_inputs(inputs, move))):
            started = time.process_time()
            answer = attempt(case, tight)
            row[f"{label}_steps"] = len(case.interval_start_utc)
            row[f"{label}_cpu_s"] = round(time.process_time() - started, 3)
            row[f"{label}_cny"] = round(answer.solve.objective_cny, 1)
            row[f"{label}_first"] = _first_interval(answer.flows)
        rows.append(row)
        console.print(row)
    summary = {label: {"cpu_s_median": statistics.median(r[f"{label}_cpu_s"] for r in rows),
                       "steps_median": statistics.median(r[f"{label}_steps"] for r in rows)}
               for label in ("full", "blocked")}
    console.print(summary)
    result = {"machine": machine(), "blocking": dataclasses.asdict(move), "models": rows,
              "summary": summary}
    save_result("solve_blocking", result)
    return result


if __name__ == "__main__":
    blocking() if sys.argv[1:] == ["blocking"] else run()
