"""The warehouse benchmark's verdicts and its tables on the console."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from jobs.bench.build_runs import BuildFigures

console = Console()
TARGET_INCREMENTAL_S = 10.0  # issue 19 (was 15 s)
TARGET_FULL_S = 60.0  # issue 19 (was 120 s)


def verdict(build: BuildFigures, target_s: float) -> str:
    if not build.success:
        return "FAILED"
    return "PASS" if build.run.wall_s <= target_s else "MISS"


def print_result(result: dict[str, Any]) -> None:
    month, startup = result["month"], result["dbt_startup"]
    full, incremental = result["full_rebuild"], result["incremental"]
    warm = result["warm_incremental"]
    table = Table(title=f"warehouse: {result['devices']} devices, {result['days']} days of "
                  f"1-minute readings ({result['points']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("")
    rows: list[tuple[str, str, str, str]] = [
        ("rows landed (month)", f"{month['rows']:,} in {month['files']} files, "
         f"{month['mib']:,.0f} MiB", "", ""),
        ("generation", f"{month['generation_s']:.1f} s, peak RSS "
         f"{month['generator_peak_rss_mib']:,} MiB", "", ""),
        ("rows landed (extra hour)", f"{result['extra_hour']['rows']:,} in "
         f"{result['extra_hour']['files']} cycle files", "", ""),
        ("dbt start-up, cold process", f"{startup['cold_process_s']:.2f} s", "", ""),
        ("dbt start-up, warm process", f"{startup['warm_process_s']:.2f} s", "",
         "verified" if startup["verified"] else "[red]NOT VERIFIED"),
        *((f"  {name.removesuffix('_s').replace('_', ' ')}", f"{seconds} s", "", "")
          for name, seconds in startup["warm_breakdown_s"].items()),
        ("full rebuild, wall", f"{full['wall_s']:.1f} s, CPU {full['cpu_s']} s (dbt execution "
         f"{full['dbt_elapsed_s']} s, outside it {full['outside_dbt_execution_s']} s)",
         f"≤ {TARGET_FULL_S:g} s",
         _coloured(result["verdict"]["full_rebuild"])),
        ("full rebuild, peak RSS", f"{full['peak_rss_mib']:,} MiB", "", ""),
        ("full rebuild, nodes", _statuses(full["node_statuses"]), "", ""),
        ("incremental, wall", f"{incremental['wall_s']:.1f} s, CPU {incremental['cpu_s']} s "
         f"(dbt execution "
         f"{incremental['dbt_elapsed_s']} s, outside it "
         f"{incremental['outside_dbt_execution_s']} s)", f"≤ {TARGET_INCREMENTAL_S:g} s",
         _coloured(result["verdict"]["incremental"])),
        ("incremental, minus warm start-up", f"{incremental['wall_minus_startup_s']:.1f} s",
         "", ""),
        ("incremental, peak RSS", f"{incremental['peak_rss_mib']:,} MiB", "", ""),
        ("incremental, nodes", _statuses(incremental["node_statuses"]), "", ""),
        ("next hour, warm builder process", f"{warm['wall_s']:.1f} s, CPU {warm['cpu_s']} s "
         f"(dbt execution "
         f"{warm['dbt_elapsed_s']} s; its warm-up build "
         f"{warm['warm_up'].get('process_s', '?')} s)", f"≤ {TARGET_INCREMENTAL_S:g} s",
         _coloured(result["verdict"]["warm_incremental"])),
        ("next hour, warm, nodes", _statuses(warm["node_statuses"]) + " (changed: "
         + ", ".join(warm["hourly"].get("changed_inputs") or ["all nodes run"]) + ")", "", ""),
        ("load average (1, 5, 15 min)", "; ".join(
            f"{k} {v[0]:.1f}/{v[1]:.1f}/{v[2]:.1f}"
            for k, v in result["load_average_1_5_15"].items()), "", ""),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for name, build in (("full rebuild", full), ("incremental", incremental),
                        ("warm incremental", warm)):
        slowest = Table(title=f"{name}: slowest dbt nodes")
        slowest.add_column("node")
        slowest.add_column("s", justify="right")
        for node, seconds in build["slowest_nodes_s"]:
            slowest.add_row(node, f"{seconds:.2f}")
        console.print(slowest)
        for failure in build["failures_and_warnings"]:
            colour = "yellow" if failure["status"] == "warn" else "red"
            console.print(f"[{colour}]{name} {failure['status']}[/]: {failure['node']} "
                          f"({failure['failures']} rows) {failure['message']}", highlight=False)


def _statuses(counts: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{kind} " + ", ".join(f"{n} {status}" for status, n in sorted(c.items()))
                     for kind, c in sorted(counts.items())) or "no run_results.json"


def _coloured(verdict: str) -> str:
    return {"PASS": "[green]PASS", "MISS": "[yellow]MISS"}.get(verdict, "[red]" + verdict)

