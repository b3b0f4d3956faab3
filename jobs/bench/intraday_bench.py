"""Intraday re-solve benchmark: the demo park's day (dispatch_bench's inputs) re-solved from
every hour of the day in the warm solver service (jobs/dispatch/solver_service.py), as the
setpoints cycle does in production. Timed as the cycle waits for it: send, build, HiGHS,
extract, answer. The service's start (an interpreter and the optimiser's imports) is timed
apart: a cycle pays it only after a restart. Target (issue 16): median <= 2 s.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time

import pandas as pd
from rich.console import Console

from jobs.bench import dispatch_bench
from jobs.bench.common import machine, save_result
from jobs.common.park_config import ParkConfig
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.intraday import Measured, intraday_inputs
from jobs.dispatch.park_assets import battery_table
from jobs.dispatch.solve import SolveOptions
from jobs.dispatch.solver_service import SolverClient

console = Console(width=150)
TARGET_MEDIAN_S = 2.0
WALL_LIMIT_S = 60.0


def run(park: ParkConfig | None = None) -> dict:
    import yaml

    from jobs.common.settings import DEFAULT_CONFIG_DIR

    park = park or ParkConfig.model_validate(yaml.safe_load(
        (DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")))
    index = local_day_intervals(dispatch_bench.DAY, park.park.timezone)
    sessions = dispatch_bench._ev_sessions(int(1.6 * len(park.assets.ev_chargers)), index)
    day = dispatch_bench._inputs(park, battery_table(park),
                                 dispatch_bench._ev_groups(sessions, 10), 3000.0, 24)
    options = SolveOptions(rel_gap=park.dispatch.rel_gap,
                           time_limit_s=min(park.dispatch.time_limit_s, WALL_LIMIT_S))
    walls, statuses = [], []
    with tempfile.TemporaryDirectory(prefix="bench-intraday-") as root:
        client = SolverClient(root)
        try:
            started = time.perf_counter()
            first = client.solve(day, options, WALL_LIMIT_S)  # starts the service
            cold_s = time.perf_counter() - started
            for now in index[::4][:-1]:  # every hour, each with the rest of the day
                measured = Measured(now_utc=pd.Timestamp(now),
                                    soc_pct={b: 50.0 for b in day.batteries.index},
                                    zone_temp_c={}, stored_heat_kwh_th={}, month_peak_kw=0.0,
                                    ev_plugged_kw=0.0)
                inputs, _ = intraday_inputs([day], measured, park.dispatch.peak_margin_pct)
                reply = client.solve(inputs, options, WALL_LIMIT_S)
                walls.append(reply.answer.wall_s)
                statuses.append(reply.answer.attempt.solve.status)
                if reply.started:
                    raise RuntimeError("the service restarted during the benchmark")
        finally:
            client.stop()
    median_s = statistics.median(walls)
    result = {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": machine(), "load_average_1_5_15": [round(v, 2)
                                                            for v in os.getloadavg()],
              "resolves": len(walls), "statuses": sorted(set(statuses)),
              "first_solve_with_start_s": round(cold_s, 2),
              "first_status": first.answer.attempt.solve.status,
              "median_s": round(median_s, 3), "max_s": round(max(walls), 3),
              "target_median_s": TARGET_MEDIAN_S,
              "verdict": "PASS" if median_s <= TARGET_MEDIAN_S else "MISS"}
    console.print(f"intraday re-solve, demo park, warm service: median {median_s:.2f} s, "
                  f"max {max(walls):.2f} s over {len(walls)} re-solves "
                  f"({', '.join(result['statuses'])}); the service's start and first solve "
                  f"{cold_s:.1f} s; load average {result['load_average_1_5_15']}: "
                  f"{result['verdict']}")
    save_result("intraday", result)
    return result


if __name__ == "__main__":
    run()
