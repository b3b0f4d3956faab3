"""Running and reading the benchmark's builds: each in a child process (its own wall time and
peak RSS), dbt's start-up probed on its own, per-node figures from dbt's run_results.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from jobs.common.settings import Settings

console = Console()
SLOWEST_NODES = 10


@dataclass
class ChildRun:
    wall_s: float
    peak_rss_mib: float
    exit_code: int
    log: Path
    # user + system CPU of the command (its threads included): on a shared machine the wall
    # time is mostly waiting for a core, the CPU time is what the build itself costs
    cpu_s: float | None = None


@dataclass
class BuildFigures:
    run: ChildRun
    success: bool
    dbt_elapsed_s: float | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)  # errors, failed tests, warns
    slowest: list[tuple[str, float]] = field(default_factory=list)


# Linux counts the RSS of the process a child was forked from into the child's ru_maxrss (it is
# recorded at exec), so a child of this process, grown by the generator, would report at least
# its size. A bare interpreter in between starts each measured command and reads its rusage.
LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    json.dump({"exit_code": child.returncode, "peak_rss_kib": usage.ru_maxrss,
               "cpu_s": usage.ru_utime + usage.ru_stime}, out)
"""


def _run_child(argv: list[str], log: Path) -> ChildRun:
    """Run a command to its end: wall time, and its own peak RSS (wait4's ru_maxrss, KiB on
    Linux). PARK_WAREHOUSE_PATH would point the child at another warehouse: it is left out."""
    env = {k: v for k, v in os.environ.items() if k != "PARK_WAREHOUSE_PATH"}
    log.parent.mkdir(parents=True, exist_ok=True)
    usage_path = log.with_suffix(".rusage.json")
    with open(log, "wb") as output:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, str(usage_path), *argv],
                       stdout=output, stderr=subprocess.STDOUT, env=env, check=False)
        wall = time.perf_counter() - started
    usage = json.loads(usage_path.read_text())
    return ChildRun(wall, usage["peak_rss_kib"] / 1024, usage["exit_code"], log,
                    usage.get("cpu_s"))


def _park_command() -> list[str]:
    script = Path(sys.executable).with_name("park")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jobs.cli import main; main()"]


def _location_args(settings: Settings) -> list[str]:
    return ["--config-dir", str(settings.config_dir), "--park-file", str(settings.park_path),
            "--data-root", settings.data_root]


# dbt start-up: a fresh process importing what `park build` imports, loading the settings, and
# having dbt parse the project, open the adapter and run one query. The ref only resolves in a
# parsed project; the query only runs on an open adapter. Run with `python -c` so the child
# imports nothing `park build` would not.
_STARTUP_PROBE = """
import json, sys, time
started = time.perf_counter()
from jobs.common.settings import load_settings
from jobs.warehouse.build import run_dbt
imported = time.perf_counter()
config_dir, park_file, data_root, out = sys.argv[1:5]
settings = load_settings(config_dir, data_root, park_file)
loaded = time.perf_counter()
from dbt.cli.main import dbtRunner
dbt_imported = time.perf_counter()
result = run_dbt(settings, "show", "--inline",
                 "select '{{ ref('stg_reference__park') }}' as relation, 42 as answer",
                 "--limit", "1")
finished = time.perf_counter()
table = result.result.results[0].agate_table if result.success else None
row = [str(v) for v in table.rows[0]] if table is not None and len(table.rows) else []
json.dump({"ok": bool(result.success) and row[-1:] == ["42"], "row": row,
           "jobs_imports_s": round(imported - started, 2),
           "settings_s": round(loaded - imported, 2),
           "dbt_import_s": round(dbt_imported - loaded, 2),
           "dbt_parse_adapter_query_s": round(finished - dbt_imported, 2)}, open(out, "w"))
"""


def dbt_startup(settings: Settings, workdir: Path, attempt: int) -> tuple[ChildRun, dict]:
    out = workdir / f"startup-{attempt}.json"
    argv = [sys.executable, "-c", _STARTUP_PROBE, str(settings.config_dir),
            str(settings.park_path), settings.data_root, str(out)]
    run = _run_child(argv, workdir / "logs" / f"startup-{attempt}.log")
    probe = json.loads(out.read_text()) if out.exists() else {"ok": False}
    return run, probe


def run_build(settings: Settings, workdir: Path, name: str, options: tuple[str, ...]
           ) -> BuildFigures:
    results_path = Path(settings.data_root) / "dbt" / "target" / "run_results.json"
    results_path.unlink(missing_ok=True)  # a crash before dbt ran must not show older results
    argv = [*_park_command(), "build", *_location_args(settings), *options]
    run = _run_child(argv, workdir / "logs" / f"{name}.log")
    return build_results(settings, workdir, name, run)


def build_results(settings: Settings, workdir: Path, name: str, run: ChildRun) -> BuildFigures:
    """A finished build's figures from dbt's run_results.json (none: the build crashed before
    dbt wrote it)."""
    results_path = Path(settings.data_root) / "dbt" / "target" / "run_results.json"
    if not results_path.exists():
        return BuildFigures(run, False, None)
    results = json.loads(results_path.read_text())
    shutil.copy(results_path, workdir / f"run_results-{name}.json")
    counts: dict[str, Counter[str]] = {}
    failures = []
    for node in results["results"]:
        kind = node["unique_id"].split(".", 1)[0]
        counts.setdefault(kind, Counter())[node["status"]] += 1
        if node["status"] in ("error", "fail", "runtime error", "warn"):
            failures.append({"node": node["unique_id"], "status": node["status"],
                             "failures": node.get("failures"),
                             "message": (node.get("message") or "")[:300]})
    slowest = sorted(((n["unique_id"], round(n["execution_time"], 2))
                      for n in results["results"]), key=lambda item: -item[1])
    failed = [f for f in failures if f["status"] != "warn"]
    return BuildFigures(run, run.exit_code == 0 and not failed,
                        round(results.get("elapsed_time", 0.0), 2),
                        {k: dict(v) for k, v in counts.items()}, failures,
                        slowest[:SLOWEST_NODES])


def build_figures(build: BuildFigures) -> dict[str, Any]:
    outside = (None if build.dbt_elapsed_s is None
               else round(build.run.wall_s - build.dbt_elapsed_s, 2))
    return {"wall_s": round(build.run.wall_s, 2),
            "cpu_s": None if build.run.cpu_s is None else round(build.run.cpu_s, 2),
            "peak_rss_mib": round(build.run.peak_rss_mib),
            "succeeded_all_tests_passed": build.success, "exit_code": build.run.exit_code,
            "dbt_elapsed_s": build.dbt_elapsed_s,
            # process start, imports, reference export, dbt parse and adapter, closing the file
            "outside_dbt_execution_s": outside, "node_statuses": build.counts,
            "failures_and_warnings": build.failures,
            "slowest_nodes_s": [[node, seconds] for node, seconds in build.slowest]}


def log_tail(build: BuildFigures, lines: int = 25) -> None:
    text = build.run.log.read_text(errors="replace").splitlines()
    console.print(f"[red]{build.run.log.name} (last {lines} lines):[/]")
    for line in text[-lines:]:
        console.print(f"  {line}", markup=False, highlight=False)

