"""CPU seconds per dbt node of the warm hourly build, on a warehouse kept by the benchmark.

run_results.json gives each node's wall time; on a shared machine that is mostly waiting for
a core, and with two dbt threads the nodes overlap. Here dbt runs one thread and the process's
CPU time (DuckDB's own threads included) is read around each node, so a node's figure is its
own: dbt's Python for it and DuckDB's work. The builds repeat the same window (no new hour
lands between them), as the service's quarter-hour builds within an hour do.

    python -m jobs.bench.warehouse_node_cpu data/bench/warehouse-XXXX --builds 3
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

GROUPS = ("3 lookback scans", "other incremental models", "table models", "staging views",
          "tests", "seeds")
LOOKBACK_SCANS = {"int_counter_readings_cleaned", "fct_ev_sessions", "int_device_quality_buckets"}


def node_cpu_s(workdir: Path, builds: int) -> dict[str, Any]:
    """Warm up one build, then time `builds` more: CPU-s per node (median) and per build."""
    from dbt.task import runnable

    from jobs.common.settings import DEFAULT_CONFIG_DIR, load_settings
    from jobs.warehouse import build, warm_dbt

    settings = load_settings(DEFAULT_CONFIG_DIR, str(workdir / "data"), str(workdir / "park.yaml"))
    one_thread = build.dbt_args
    build.dbt_args = lambda *args: [*one_thread(*args), "--threads", "1"]
    original = runnable.GraphRunnableTask.call_runner
    per_node: dict[str, float] = {}
    materialized: dict[str, str] = {}

    def timed(task, runner):
        began = time.process_time()
        try:
            return original(task, runner)
        finally:
            per_node[runner.node.unique_id] = time.process_time() - began
            materialized[runner.node.unique_id] = runner.node.config.materialized

    runnable.GraphRunnableTask.call_runner = timed
    warm_dbt.keep_parsed()
    try:
        assert build.build_warehouse(settings, quiet=True, unit_tests=False).success
        runs = []
        for _ in range(builds):
            per_node.clear()
            load, began = os.getloadavg()[0], time.process_time()
            report = build.build_warehouse(settings, quiet=True, unit_tests=False)
            assert report.success, report.summary_markdown()
            runs.append({"cpu_s": time.process_time() - began, "nodes": dict(per_node),
                         "load_1min": [round(load, 1), round(os.getloadavg()[0], 1)]})
    finally:
        runnable.GraphRunnableTask.call_runner = original
        build.dbt_args = one_thread
        warm_dbt.keep_parsed(False)
    samples = collections.defaultdict(list)
    for run in runs:
        for node, cpu in run["nodes"].items():
            samples[node].append(cpu)
    median = {node: statistics.median(cpus) for node, cpus in samples.items()}
    groups: dict[str, list] = {group: [0, 0.0] for group in GROUPS}
    for node, cpu in median.items():
        group = _group(node, materialized[node])
        groups[group][0] += 1
        groups[group][1] += cpu
    build_cpu = statistics.median(run["cpu_s"] for run in runs)
    return {"builds_cpu_s": [round(run["cpu_s"], 2) for run in runs],
            "load_1min": [run["load_1min"] for run in runs],
            "groups": {g: {"nodes": n, "cpu_s": round(s, 2)} for g, (n, s) in groups.items()},
            "outside_nodes_cpu_s": round(build_cpu - sum(median.values()), 2),
            "nodes_cpu_s": {n: round(c, 3) for n, c in sorted(median.items(),
                                                              key=lambda x: -x[1])}}


def _group(node: str, materialized: str) -> str:
    kind, name = node.split(".")[0], node.split(".")[2]
    if kind != "model":
        return "tests" if kind == "test" else "seeds"
    if name in LOOKBACK_SCANS:
        return "3 lookback scans"
    return {"incremental": "other incremental models", "view": "staging views"}.get(
        materialized, "table models")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="a warehouse-* folder kept by --keep")
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    result = node_cpu_s(args.workdir.resolve(), args.builds)
    nodes = result.pop("nodes_cpu_s")
    print(json.dumps(result, indent=1))
    for node, cpu in list(nodes.items())[:args.top]:
        print(f"{cpu:7.3f} CPU-s  {node}")


if __name__ == "__main__":
    main()
