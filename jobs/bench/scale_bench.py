"""Scale benchmark (issue 19, item 6): a group of generated parks on one real Prefect server with
two process workers on this machine, each park's simulator on loopback; one simulated hour of
harvest, each park's hourly build and the group rollup, at several group sizes (5, 10, 20 parks
by default) to show how the cost grows with the parks.

Time is compressed, and only the harvest's: one simulated hour is `cycles` (60) poll cycles,
each standing for one 60 s interval, run `interval_s` (2 s) apart instead of 60 s. Every device
is polled every cycle (its poll interval set to `interval_s`), so the work of the hour is all
there, only the idle time between cycles is cut. One long-running harvest run per park covers
all its poll groups (the per-group split multiplies the runs by the groups, not the polls).
Then each park's warehouse flow runs once (its hourly build: here the first build of a fresh
warehouse holding that hour), and last the group rollup over the parks' published marts.

CPU is user + system from /proc: the server's processes, and each worker with the flow-run
processes it started and reaped (the simulators are not counted: they stand for the devices).
Cost against parks is fitted as a + b * parks by least squares, with its residuals.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.bench import scale_rollup
from jobs.bench.common import in_work_folder, machine, save_result
from jobs.bench.prefect_stack import PrefectStack
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import DEFAULT_CONFIG_DIR

console = Console()
WORKERS = ["scale-a", "scale-b"]
QUEUES = ["harvest-meters", "default"]  # the harvest runs from harvest-meters' queue


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _park(root: Path, index: int, devices: int, interval_s: int) -> str:
    """Generate park `index` on ports free now (its simulator starts next, holding them)."""
    park_id = f"park-{index:02d}"
    folder = root / "parks" / park_id
    folder.mkdir(parents=True)
    park = relocate_to_free_ports(generate_park(devices, seed=100 + index))
    park["park"]["id"] = park_id
    park["devices"] = [{**d, "poll_interval_s": interval_s} for d in park["devices"]]
    write_park_yaml(park, folder / "park.yaml")
    (folder / "register_maps").symlink_to(DEFAULT_CONFIG_DIR / "register_maps")
    return park_id


def _write_registry(root: Path, park_ids: list[str], phase: str) -> Path:
    registry = root / "parks.yaml"
    registry.write_text(yaml.safe_dump({"parks": [
        {"id": p, "config_dir": f"parks/{p}", "data_root": f"data/{phase}/{p}"}
        for p in park_ids]}))
    return registry


def _device_polls(data_root: Path) -> tuple[int, int]:
    """(device polls, readings) landed: one poll = one device in one cycle."""
    table = landing.read_dataset(str(data_root / "landing"), "readings")
    pairs = set(zip(table["device_id"].to_pylist(), table["cycle_id"].to_pylist(), strict=True))
    return len(pairs), table.num_rows


def _step(stack: PrefectStack, deployment: str, runs_parameters: dict[str, dict],
          timeout_s: float) -> dict[str, Any]:
    """Start one run per park at once and wait for all; wall time, CPU, states, who ran what."""
    stack.wait_runs_reaped()
    cpu0, t0 = stack.cpu(), time.monotonic()
    run_ids = {park: stack.run_deployment(deployment, params)
               for park, params in runs_parameters.items()}
    states = stack.wait_final(list(run_ids.values()), timeout_s)
    wall_s = time.monotonic() - t0
    stack.wait_runs_reaped()
    cpu1 = stack.cpu()
    by_worker = {park: stack.submitted_by(run_id) for park, run_id in run_ids.items()}
    return {"wall_s": round(wall_s, 1),
            "cpu_s": {k: round(cpu1[k] - cpu0[k], 1) for k in cpu1},
            "states": dict(Counter(states.values())),
            "runs_per_worker": dict(Counter(by_worker.values())),
            "worker_of_park": by_worker}


def _phase(stack: PrefectStack, root: Path, park_ids: list[str], cycles: int,
           interval_s: int) -> dict[str, Any]:
    phase = f"parks-{len(park_ids)}"
    _write_registry(root, park_ids, phase)
    load_before = _load()
    harvest = _step(stack, "harvest/harvest-meters", {p: {
        "poll_groups": None, "cycles": cycles, "interval_s": float(interval_s),
        "run_minutes": None, "park": p} for p in park_ids}, timeout_s=cycles * interval_s + 900)
    polls: dict[str, int] = {}
    readings = 0
    for p in park_ids:
        polls[p], landed = _device_polls(root / "data" / phase / p)
        readings += landed
    harvest["device_polls"] = sum(polls.values())
    harvest["readings"] = readings
    harvest["device_polls_per_worker"] = {
        w: sum(polls[p] for p, pw in harvest["worker_of_park"].items() if pw == w)
        for w in WORKERS}
    build = _step(stack, "warehouse/warehouse", {p: {"park": p} for p in park_ids},
                  timeout_s=3600)
    rollup = scale_rollup.run(root / "data" / phase, park_ids, root / "group" / phase)
    return {"parks": len(park_ids), "load_before": load_before, "load_after": _load(),
            "harvest": harvest, "build": build, "rollup": rollup}


def fit_linear(xs: list[float], ys: list[float]) -> dict[str, Any]:
    """Least squares y = a + b x; the residuals and the largest relative to y."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    residuals = [y - (a + b * x) for x, y in zip(xs, ys, strict=True)]
    ss_tot = sum((y - my) ** 2 for y in ys)
    return {"intercept": round(a, 2), "per_park": round(b, 3),
            "residuals": [round(r, 2) for r in residuals],
            "max_residual_of_value": round(max(abs(r) / y for r, y in
                                               zip(residuals, ys, strict=True) if y), 3),
            "r2": round(1 - sum(r * r for r in residuals) / ss_tot, 4) if ss_tot else None}


def _totals(phase: dict[str, Any], step: str) -> float:
    return sum(v for k, v in phase[step]["cpu_s"].items() if k != "server")


def run(steps: tuple[int, ...] = (5, 10, 20), devices: int = 200, cycles: int = 60,
        interval_s: int = 2, keep: bool = False) -> dict[str, Any]:
    def measure(root: Path) -> dict[str, Any]:
        stack = PrefectStack(root)
        phases = []
        try:
            with contextlib.ExitStack() as simulators:
                stack.wait_healthy()
                stack.deploy()
                stack.start_workers(WORKERS, QUEUES, PARK_REGISTRY=str(root / "parks.yaml"))
                park_ids: list[str] = []
                for count in sorted(steps):
                    while len(park_ids) < count:  # more simulators, each on its free ports
                        park_id = _park(root, len(park_ids), devices, interval_s)
                        simulators.enter_context(simulator_process(
                            DEFAULT_CONFIG_DIR, str(root / "parks" / park_id / "park.yaml")))
                        park_ids.append(park_id)
                    console.print(f"scale: {count} parks, load {_load()}")
                    phases.append(_phase(stack, root, park_ids[:count], cycles, interval_s))
                    console.print(phases[-1])
        finally:
            stack.close()
        return _result(phases, devices, cycles, interval_s)

    result = in_work_folder("scale-", keep, measure,
                            lambda p: console.print(f"work folder kept: {p}"))
    _print(result)
    save_result("scale", result)
    return result


def _completed(phase: dict[str, Any], step: str) -> float:
    """Runs of the step that completed: a run the server failed to hand over (a 503 from an
    overloaded server) did no work, so cost is fitted against the runs that did."""
    return float(phase[step]["states"].get("Completed", 0))


def _result(phases: list[dict], devices: int, cycles: int, interval_s: int) -> dict[str, Any]:
    return {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(), "devices_per_park": devices,
            "simulated_hour": f"{cycles} poll cycles (one per 60 s interval) run {interval_s} s "
                              "apart; one hourly build per park; one group rollup",
            "workers": len(WORKERS), "phases": phases, "linear_fits": fits_of(phases)}


def fits_of(phases: list[dict]) -> dict[str, Any]:
    """Per phase, the per-worker figures; over the phases, cost against completed runs."""
    for p in phases:
        h, b = p["harvest"], p["build"]
        p["per_worker"] = {w: {
            "device_polls_per_s": round(h["device_polls_per_worker"].get(w, 0) / h["wall_s"], 1),
            "builds_per_h": round(b["runs_per_worker"].get(w, 0) / b["wall_s"] * 3600, 1)}
            for w in WORKERS}
        p["harvest_cpu_ms_per_device_poll"] = round(_totals(p, "harvest") * 1000
                                                    / max(h["device_polls"], 1), 3)
        p["build_cpu_s_per_build"] = round(_totals(p, "build") / max(_completed(p, "build"), 1),
                                           1)
    if len(phases) < 2:
        return {}
    harvested = [_completed(p, "harvest") for p in phases]
    built = [_completed(p, "build") for p in phases]
    fits = {
        "harvest_worker_cpu_s": fit_linear(harvested, [_totals(p, "harvest") for p in phases]),
        "harvest_server_cpu_s": fit_linear(harvested, [p["harvest"]["cpu_s"]["server"]
                                                       for p in phases]),
        "build_worker_cpu_s": fit_linear(built, [_totals(p, "build") for p in phases]),
        "build_server_cpu_s": fit_linear(built, [p["build"]["cpu_s"]["server"]
                                                 for p in phases]),
        "build_wall_s": fit_linear(built, [p["build"]["wall_s"] for p in phases]),
    }
    rollups = [p["rollup"].get("seconds") for p in phases]
    if all(isinstance(s, float) for s in rollups):
        fits["rollup_s"] = fit_linear([float(p["parks"]) for p in phases], rollups)
    return fits


def _print(result: dict[str, Any]) -> None:
    table = Table(title=f"scale: {result['devices_per_park']} devices a park, "
                        f"{result['workers']} process workers, {result['machine']}")
    for column in ("parks", "load", "harvest wall s", "device polls", "harvest CPU s (srv)",
                   "polls/s per worker", "build wall s", "build CPU s (srv)",
                   "builds/h per worker", "rollup s"):
        table.add_column(column, justify="right")
    for p in result["phases"]:
        h, b = p["harvest"], p["build"]
        table.add_row(str(p["parks"]), f"{p['load_before'][0]}-{p['load_after'][0]}",
                      str(h["wall_s"]), str(h["device_polls"]),
                      f"{_totals(p, 'harvest'):.0f} ({h['cpu_s']['server']:.0f})",
                      " / ".join(str(v["device_polls_per_s"]) for v in p["per_worker"].values()),
                      str(b["wall_s"]), f"{_totals(p, 'build'):.0f} ({b['cpu_s']['server']:.0f})",
                      " / ".join(str(v["builds_per_h"]) for v in p["per_worker"].values()),
                      str(p["rollup"].get("seconds", p["rollup"].get("status"))))
    console.print(table)
    for name, fit in result["linear_fits"].items():
        console.print(f"{name}: {fit['intercept']} + {fit['per_park']} x parks, residuals "
                      f"{fit['residuals']}, R² {fit['r2']}")
