"""Warehouse benchmark: dbt on a month of 1-minute readings from a generated park.

The issue's two figures: (a) the hourly incremental `park build` after one new hour of readings
lands on a month already built (target 15 s wall, dbt start-up included) and (b) a full rebuild
of the month (target 120 s, peak memory shown). dbt's start-up (a fresh process that parses the
project, opens the adapter and runs one trivial query) is measured on its own so the figures
show where the time goes. Each build runs as `park build` in a child process, as a scheduled
job would, so its wall time and peak RSS are its own; per-node times come from dbt's
run_results.json.

The month (jobs/bench/readings_generator.py) lands as the platform leaves a past day, the extra
hours as the poller writes them (jobs/bench/readings_landing.py); the builds run and are read
by jobs/bench/build_runs.py and reported by jobs/bench/warehouse_report.py.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from device_io.simulator.park_generator import generate_park
from jobs.bench.build_runs import (
    LAUNCHER,
    ChildRun,
    build_figures,
    build_results,
    dbt_startup,
    log_tail,
    run_build,
)
from jobs.bench.common import RESULTS_DIR, machine, save_result
from jobs.bench.readings_generator import ReadingsGenerator
from jobs.bench.readings_landing import Landed, land_cycles, land_period
from jobs.bench.warehouse_report import (
    TARGET_FULL_S,
    TARGET_INCREMENTAL_S,
    print_result,
    verdict,
)
from jobs.bench.warm_build import warm_hourly_build
from jobs.common.generated_park import park_settings

console = Console()
# `park build` options, as the scheduled flow builds (flows/warehouse.py): no dbt unit tests
# (fixed fixtures: CI's job). The hourly build tests the recent rows of reading-grain models;
# the full rebuild tests every row (--full-checks), as the nightly build does.
FULL_REBUILD_OPTIONS = ("--full-refresh", "--full-checks", "--no-unit-tests")
INCREMENTAL_OPTIONS = ("--no-unit-tests",)


def run(devices: int = 1000, days: int = 30, *, counters_only: bool = False,
        keep: bool = False, seed: int = 11) -> dict[str, Any]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="warehouse-", dir=RESULTS_DIR))
    try:
        return _run(workdir, devices, days, counters_only, seed)
    finally:
        if keep:
            console.print(f"kept: {workdir} (park.yaml, data/, logs/, run_results-*.json)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(workdir: Path, devices: int, days: int, counters_only: bool,
         seed: int) -> dict[str, Any]:
    settings = park_settings(generate_park(devices, seed=seed), workdir)
    # the hourly runs just after the top of the hour: the two hours before the one just
    # finished are the new ones, of the cold-process build and of the warm builder's
    hour_start = (dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
                  - dt.timedelta(hours=2))
    loads = {"before": os.getloadavg()}
    month_start = hour_start - dt.timedelta(days=days)
    generator = ReadingsGenerator(settings, seed=seed, counters_only=counters_only)
    console.print(f"[bold]warehouse benchmark[/]: {devices} devices, "
                  f"{generator.points_per_minute} points a minute "
                  f"({'counters only' if counters_only else 'all landed points'}), "
                  f"{days} days from {month_start:%Y-%m-%d %H:%M} UTC; work folder {workdir}")

    def progress(day: dt.date, landed: Landed) -> None:
        console.print(f"  landed {day}: {landed.rows:,} rows so far, "
                      f"{landed.bytes / 2**20:,.0f} MiB, {landed.seconds:.1f} s", highlight=False)

    month = land_period(settings, generator, month_start, hour_start, on_day=progress)
    generation_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    console.print(f"full rebuild of the month (park build {' '.join(FULL_REBUILD_OPTIONS)}) …")
    loads["full_rebuild_start"] = os.getloadavg()
    full = run_build(settings, workdir, "full", FULL_REBUILD_OPTIONS)
    loads["full_rebuild_end"] = os.getloadavg()
    # Between the two builds: dbt parses only what changed since its last run with the same
    # vars, and --full-checks sets a var; so the first run after the full rebuild parses the
    # whole project (the cold figure) and the hourly build after it finds a warm parse, as it
    # does after the previous hourly build.
    console.print("dbt start-up, twice (the first parses from scratch) …")
    startups = [dbt_startup(settings, workdir, attempt) for attempt in (1, 2)]
    hour = land_cycles(settings, generator, hour_start, 60)
    console.print("one more hour landed as 60 cycle files; incremental build "
                  f"(park build {' '.join(INCREMENTAL_OPTIONS)}) …")
    loads["incremental_start"] = os.getloadavg()
    incremental = run_build(settings, workdir, "incremental", INCREMENTAL_OPTIONS)
    console.print("the next hour built by a warm builder process (dbt's start-up paid once) …")

    def land_next_hour() -> None:
        land_cycles(settings, generator, hour_start + dt.timedelta(hours=1), 60)
        loads["warm_hourly_start"] = os.getloadavg()

    warm = warm_hourly_build(settings, workdir, LAUNCHER, land_next_hour)
    warm_figures = build_results(settings, workdir, "warm", ChildRun(
        warm["hourly"].get("wall_s", 0.0), warm["peak_rss_mib"], warm["exit_code"] or 0,
        Path(warm["log"]), warm["hourly"].get("cpu_s")))
    loads["end"] = os.getloadavg()

    warm_run, warm_probe = startups[-1]
    result: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(), "devices": devices, "days": days,
        "points": "counters only" if counters_only else "all landed points",
        "points_per_minute": generator.points_per_minute,
        "month": {"from_utc": month_start.isoformat(), "to_utc": hour_start.isoformat(),
                  "rows": month.rows, "files": month.files,
                  "mib": round(month.bytes / 2**20, 1), "generation_s": round(month.seconds, 1),
                  "generator_peak_rss_mib": round(generation_rss)},
        "extra_hour": {"rows": hour.rows, "files": hour.files,
                       "generation_s": round(hour.seconds, 2)},
        "dbt_startup": {
            "verified": all(probe.get("ok") for _, probe in startups),
            "cold_process_s": round(startups[0][0].wall_s, 2),
            "warm_process_s": round(warm_run.wall_s, 2),
            "warm_breakdown_s": {k: v for k, v in warm_probe.items() if k.endswith("_s")},
            "warm_peak_rss_mib": round(warm_run.peak_rss_mib)},
        "full_rebuild": {"command": " ".join(["park build", *FULL_REBUILD_OPTIONS]),
                         **build_figures(full)},
        "incremental": {"command": " ".join(["park build", *INCREMENTAL_OPTIONS]),
                        **build_figures(incremental),
                        "wall_minus_startup_s": round(incremental.run.wall_s - warm_run.wall_s,
                                                      2)},
        "warm_incremental": {"command": "build_warehouse() in a process that built before",
                             "warm_up": warm["warm_up"], "hourly": warm["hourly"],
                             **build_figures(warm_figures)},
        "load_average_1_5_15": {k: [round(x, 2) for x in v] for k, v in loads.items()},
        "targets_s": {"incremental": TARGET_INCREMENTAL_S, "full_rebuild": TARGET_FULL_S},
    }
    result["verdict"] = {
        "incremental": verdict(incremental, TARGET_INCREMENTAL_S),
        "warm_incremental": verdict(warm_figures, TARGET_INCREMENTAL_S),
        "full_rebuild": verdict(full, TARGET_FULL_S)}
    print_result(result)
    for build in (full, incremental, warm_figures):
        if not build.success:
            log_tail(build)
    path = save_result("warehouse", result)
    console.print(f"figures: {path}")
    return result

