"""Closed-loop benchmark: three standard scenarios on the twin, each after its warm-up, with
every controller in the loop (`park twin`): the demo park in a summer week, in a winter week
(heating, short PV days), and with three times its PV in spring (PV well above daytime load,
the export cap binding). Prints the figures and checks the targets of issue 16; a chart per
scenario goes beside the results (data/bench/closed_loop_<scenario>.png)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from jobs.bench.common import RESULTS_DIR, machine, save_result
from jobs.bench.loop_chart import draw_scenario
from jobs.common.settings import DEFAULT_CONFIG_DIR, load_settings
from jobs.twin.compare import (
    apply_scenario,
    compare_controllers,
    ev_unserved_cny_per_kwh,
    served_cost_cny,
)
from jobs.twin.outcome import outcome
from jobs.twin.report import print_summary

console = Console(width=170)
# (name, first evaluated day (a Monday), scenario changes)
SCENARIOS = (("summer", dt.date(2026, 7, 6), ()),
             ("winter", dt.date(2026, 1, 12), ()),
             ("pv_surplus", dt.date(2026, 5, 4), ("pv=3",)))
CAPTURE_TARGET = 0.90  # of perfect's saving against none (and of its absorption gain)
RESOLVE_TARGET_S = 2.0  # median intraday re-solve, demo park
TOTAL_TARGET_S = 900.0  # all scenarios, all controllers


def _daily_costs(workdir: Path, controllers, first_day: dt.date, days: int
                 ) -> dict[str, list[float]]:
    """Each controller's cost day by day (the demand charge prorated to the day)."""
    costs = {}
    for controller in controllers:
        folder = workdir / controller
        settings = load_settings(DEFAULT_CONFIG_DIR, str(folder / "data"),
                                 str(folder / "park.yaml"))
        costs[controller] = [round(outcome(settings, controller,
                                           first_day + dt.timedelta(days=i), 1).total_cost_cny)
                             for i in range(days)]
    return costs


def targets(results: dict[str, dict[str, Any]], pv_surplus: bool,
            ev_cny_per_kwh: float = 0.0) -> dict[str, Any]:
    """Issue 16's targets on one scenario's results, each with its figure. The invariant
    compares the bill plus the EV energy the cars left without (at ev_cny_per_kwh): a
    controller may not beat perfect foresight by serving the cars less."""
    cost = {c: r["total_cost_cny"] for c, r in results.items()}
    served = {c: served_cost_cny(r, ev_cny_per_kwh) for c, r in results.items()}
    found: dict[str, Any] = {}
    best_other = min(v for c, v in served.items() if c != "perfect")
    found["perfect_never_beaten"] = {"pass": served["perfect"] <= best_other + 1e-6,
                                     "perfect": round(served["perfect"]),
                                     "best_other": round(best_other),
                                     "ev_unserved_cny_per_kwh": ev_cny_per_kwh}
    possible = cost["none"] - cost["perfect"]
    capture = (cost["none"] - cost["mpc"]) / possible if possible > 0 else float("nan")
    found["mpc_capture"] = {"pass": capture >= CAPTURE_TARGET, "value": round(capture, 3)}
    found["mpc_cheaper_than_rule_based"] = {"pass": cost["mpc"] < cost["rule_based"]}
    peaks = {c: results[c]["peak_import_kw"] for c in ("mpc", "rule_based")}
    found["mpc_peak_at_most_rule_based"] = {"pass": peaks["mpc"] <= peaks["rule_based"] + 1e-6,
                                            **{c: round(v) for c, v in peaks.items()}}
    if pv_surplus or any(r.get("pv_curtailed_by_protection_kwh", 0.0) > 0
                         for r in results.values()):
        absorption = {c: r["renewable_absorption_pct"] for c, r in results.items()}
        gain = absorption["perfect"] - absorption["none"]
        share = (absorption["mpc"] - absorption["none"]) / gain if gain > 0 else float("nan")
        found["mpc_absorption_gain"] = {"pass": share >= CAPTURE_TARGET if gain > 0 else None,
                                        "value": round(share, 3) if gain > 0 else None,
                                        "perfect_gain_pct": round(gain, 2)}
    return found


def _scenario(name: str, first_day: dt.date, changes: tuple[str, ...], days: int,
              warmup_days: int, keep: bool) -> dict[str, Any]:
    """One scenario, all controllers (run in its own process: the scenarios share nothing)."""
    park = yaml.safe_load((DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))
    for change in changes:
        park = apply_scenario(park, change)
    workdir = Path(tempfile.mkdtemp(prefix=f"park-bench-loop-{name}-"))
    console.print(f"[bold]closed loop, {name}[/]: {days} days from {first_day} after "
                  f"{warmup_days} days of warm-up " + ", ".join(changes))
    summary = compare_controllers(park, workdir, first_day, days, warmup_days=warmup_days,
                                  on_progress=lambda line: console.print(f"  {name}: {line}"))
    print_summary(console, summary, list(changes))
    results = summary["results"]
    summary["daily_cost_cny"] = _daily_costs(workdir, results, first_day, days)
    none_settings = load_settings(DEFAULT_CONFIG_DIR, str(workdir / "none" / "data"),
                                  str(workdir / "none" / "park.yaml"))
    summary["targets"] = targets(results, pv_surplus=name == "pv_surplus",
                                 ev_cny_per_kwh=ev_unserved_cny_per_kwh(none_settings,
                                                                        first_day, days))
    chart = RESULTS_DIR / f"closed_loop_{name}.png"
    draw_scenario(chart, name, summary)
    summary["chart"] = str(chart)
    _print_targets(name, summary)
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return summary


def run(days: int = 1, warmup_days: int = 7, keep: bool = False,
        only: str | None = None, processes: int = 2) -> dict:
    """only: one scenario by name (the others are skipped). processes: scenarios run at
    once, each in its own process (the machine's cores)."""
    started = time.perf_counter()
    chosen = [s for s in SCENARIOS if only is None or s[0] == only]
    with ProcessPoolExecutor(max_workers=max(1, min(processes, len(chosen))),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {name: pool.submit(_scenario, name, first_day, changes, days, warmup_days,
                                     keep) for name, first_day, changes in chosen}
        scenarios = {name: future.result() for name, future in futures.items()}
    total_s = time.perf_counter() - started
    first = next(iter(scenarios))
    resolve = scenarios[first]["results"]["mpc"]["intraday"]["median_solve_s"]
    console.print(f"median intraday re-solve on the demo park ({first}): {resolve} s "
                  f"(target {RESOLVE_TARGET_S:g} s): "
                  f"{'PASS' if resolve is not None and resolve <= RESOLVE_TARGET_S else 'MISS'}"
                  f"; the whole benchmark: {total_s:.0f} s for {days} days per scenario "
                  f"(target {TOTAL_TARGET_S:.0f} s): "
                  f"{'PASS' if total_s <= TOTAL_TARGET_S else 'MISS'}")
    result = {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": machine(), "days": days, "warmup_days": warmup_days,
              "total_s": round(total_s, 1), "median_resolve_s": resolve,
              "scenarios": scenarios}
    save_result("closed_loop" if only is None else f"closed_loop_{only}", result)
    return result


def _print_targets(name: str, summary: dict[str, Any]) -> None:
    daily = summary["daily_cost_cny"]
    console.print(f"{name}, cost by day (CNY): " + "; ".join(
        f"{c} {', '.join(f'{v:,}' for v in costs)}" for c, costs in daily.items()))
    for target, figures in summary["targets"].items():
        verdict = {True: "PASS", False: "MISS", None: "n/a"}[figures["pass"]]
        rest = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "pass")
        console.print(f"  {name}: {target}: {verdict}{' (' + rest + ')' if rest else ''}")
