"""Closed-loop benchmark: 7 simulated days of the demo park on the twin (after a 7-day
warm-up), each controller in the loop (`park twin`): wall time per controller, the plan's
against the 5-minute target, and the cost, emissions and absorption figures of each."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from rich.console import Console

from jobs.bench.common import machine, save_result
from jobs.common.settings import DEFAULT_CONFIG_DIR
from jobs.twin.compare import compare_controllers
from jobs.twin.report import print_summary

console = Console(width=150)
FIRST_DAY = dt.date(2026, 7, 6)  # a Monday in a hot month
TARGET_S = 300.0  # the plan in the loop, 7 days


def run(days: int = 7) -> dict:
    park = yaml.safe_load((DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix="park-bench-loop-"))
    summary = compare_controllers(park, workdir, FIRST_DAY, days, warmup_days=7,
                                  on_progress=lambda line: console.print(f"  {line}"))
    print_summary(console, summary, [])
    plan_s = summary["results"]["plan"]["timings"]["total_s"]
    verdict = "PASS" if plan_s <= TARGET_S else "MISS"
    console.print(f"the day-ahead plan in the loop, {days} days: {plan_s:.0f} s wall "
                  f"(target {TARGET_S:.0f} s): {verdict}")
    result = {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": machine(), "target_s": TARGET_S, "verdict": verdict, **summary}
    save_result("closed_loop", result)
    return result
