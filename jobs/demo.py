"""`park demo`: the platform end to end on the embedded demo park, for a newcomer.

It backfills history from the digital twin, starts the simulator (real Modbus TCP servers on
loopback, in a child process), harvests a few live cycles from it, compacts the past days and
summarises what landed and which faults were seen. The demo injects a handful of faults at
times relative to now so that every failure path shows up in the summary.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import shutil
import time
from collections import Counter
from pathlib import Path

import yaml
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from device_io.harvest import harvest_cycles
from device_io.poller import CycleReport
from device_io.simulator.history import generate_history
from device_io.simulator.runner import simulator_process
from jobs.common import landing
from jobs.common.compaction import compact_dataset
from jobs.common.settings import Settings, load_settings
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.summary import FIRST_QUERIES, summarise


def _first(park: dict, kind: str, index: int = 0) -> str:
    return [d["id"] for d in park["devices"] if d["kind"] == kind][index]


def demo_faults(park: dict, now_utc: dt.datetime) -> list[dict]:
    """Faults that make every failure path visible: some in the history, some live."""
    def at(hours: float) -> str:
        return (now_utc + dt.timedelta(hours=hours)).isoformat()

    return [
        {"device_id": _first(park, "ev_charger", 3), "kind": "timeout", "start": at(-2)},
        {"device_id": _first(park, "hvac", 2), "kind": "exception", "start": at(-6)},
        {"device_id": _first(park, "thermal_storage"), "kind": "refuse", "start": at(-1)},
        {"device_id": _first(park, "sub_meter", 1), "kind": "frozen", "start": at(-30),
         "end": at(-27)},
        {"device_id": _first(park, "sub_meter", 2), "kind": "rollover", "start": at(-20)},
        {"device_id": _first(park, "sub_meter", 3), "kind": "replaced", "start": at(-40)},
        {"device_id": _first(park, "gas_meter"), "kind": "clock_jump", "start": at(-3),
         "clock_jump_s": 3600},
        {"device_id": _first(park, "pv_inverter", 4), "kind": "garbage", "start": at(-12),
         "end": at(-11.5)},
    ]


def _demo_park_file(settings: Settings, folder: Path, now_utc: dt.datetime) -> Path:
    park = yaml.safe_load((settings.config_dir / "park.yaml").read_text(encoding="utf-8"))
    park = copy.deepcopy(park)
    park.setdefault("simulation", {})["faults"] = demo_faults(park, now_utc)
    path = folder / "park-with-faults.yaml"
    path.write_text(yaml.safe_dump(park, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path.resolve()


def demo_root(data_root: str) -> Path:
    """The demo's own sandbox under the data root, so it never mixes with a real park's data."""
    if "://" in data_root:
        raise ValueError("the demo runs on a local data root")
    return Path(data_root) / "demo"


def run_demo(settings: Settings, console: Console, *, days: float = 3.0, cycles: int = 4,
             cycle_interval_s: float = 5.0) -> None:
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    history_start = now - dt.timedelta(days=days)
    folder = demo_root(settings.data_root)
    # Each run starts its twin afresh, so an older run's readings would not continue its
    # counters: the sandbox is cleared rather than mixed.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    park_file = _demo_park_file(settings, folder, now)
    demo_settings = load_settings(settings.config_dir, str(folder), str(park_file))
    park = demo_settings.park
    console.print(Panel.fit(
        f"[bold]{park.park.name_zh}[/] · {park.park.name_en}\n"
        f"{len(park.enterprises)} enterprises, {len(park.devices)} devices on "
        f"{len({d.endpoint for d in park.devices})} Modbus TCP endpoints\n"
        f"data root: {demo_settings.data_root}", title="park demo"))

    with _progress(console) as progress:
        task = progress.add_task(f"backfilling {days:g} days of 1-minute history", total=None)
        history = generate_history(
            demo_settings, history_start, now,
            on_day=lambda done, total: progress.update(task, completed=done, total=total))
        progress.update(task, description=f"backfilled {history.rows:,} readings")

    reports: list[CycleReport] = []
    with _progress(console) as progress:
        task = progress.add_task("starting the park simulator (pymodbus servers)", total=None)
        with simulator_process(demo_settings.config_dir, str(park_file),
                               history_start_utc=history_start):
            progress.update(task, description="simulator up; harvesting live cycles",
                            total=cycles, completed=0)

            def on_cycle(report: CycleReport) -> None:
                reports.append(report)
                progress.update(task, advance=1, description=(
                    f"cycle {len(reports)}/{cycles}: {report.devices_good}/"
                    f"{report.devices_due} devices good, {report.duration_s:.2f} s"))

            asyncio.run(harvest_cycles(demo_settings, None, cycles=cycles,
                                       interval_s=cycle_interval_s, respect_intervals=False,
                                       on_cycle=on_cycle))
    compacted = compact_dataset(demo_settings.landing_root, "readings", before=now.date())
    with _progress(console) as progress:
        task = progress.add_task("building the warehouse (dbt build + tests)", total=None)
        build = build_warehouse(demo_settings, quiet=True)
        progress.update(task, description=(
            f"warehouse built: {sum(build.count('model').values())} models, "
            f"{build.count('test').get('pass', 0)} tests passed, "
            f"{len(build.failed)} failed ({build.duration_s:.0f} s)"))
    _summary(console, demo_settings, history.quality_counts, history.rows, reports, compacted,
             time.monotonic() - started)
    if build.success:
        _warehouse_summary(console, demo_settings)
        _plan_tomorrow(console, demo_settings)
    else:
        console.print(build.summary_markdown())


def _plan_tomorrow(console: Console, settings: Settings) -> None:
    """Tomorrow's day-ahead plan from the warehouse just built, as the morning flow makes it."""
    import zoneinfo

    from jobs.dispatch.day_ahead import run_day_ahead
    from jobs.dispatch.report import VERDICTS, write_plan_chart
    from jobs.forecast.weather import ClearSkyClimatology

    zone = zoneinfo.ZoneInfo(settings.park.park.timezone)
    tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
    with _progress(console) as progress:
        task = progress.add_task(f"forecasting and planning {tomorrow} (Pyomo + HiGHS)",
                                 total=None)
        result = run_day_ahead(settings, tomorrow, ClearSkyClimatology())
        chart = write_plan_chart(settings, result)
        progress.update(task, description=f"planned {tomorrow}: {result.status}")
    console.print(
        f"day-ahead plan for {tomorrow}: {VERDICTS[result.status]}; cost "
        f"{result.plan.total_cost_cny:,.0f} CNY against {result.baseline.total_cost_cny:,.0f} "
        f"for the rule-based baseline (HiGHS {result.solve.solve_s:.2f} s); chart {chart.path}\n"
        f"  # the plan in force against what was metered\n  uv run park sql --data-root "
        f"{settings.data_root} \"select * from fct_dispatch_plan where asset_kind = 'battery' "
        f"order by interval_start_utc limit 20\"")


def _warehouse_summary(console: Console, settings: Settings) -> None:
    summary = summarise(settings)
    table = Table(title=f"warehouse: {summary.first_interval_utc} to {summary.last_interval_utc}")
    table.add_column("energy flow")
    table.add_column("MWh", justify="right")
    for flow, kwh in summary.flows_kwh.items():
        table.add_row(flow, f"{kwh / 1000:,.1f}")
    console.print(table)
    console.print(
        f"energy balance: {summary.intervals_closing}/{summary.intervals} quarter-hours close, "
        f"{summary.intervals_complete} with every meter reporting")
    console.print(f"warehouse file: {settings.warehouse_path} (read-only for everyone but dbt); "
                  "query it with any DuckDB client, or e.g.:")
    for title, sql in FIRST_QUERIES:
        console.print(f"  # {title}\n  uv run park sql --data-root {settings.data_root} "
                      f"\"{sql}\"")


def _progress(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _summary(console: Console, settings: Settings, history_qualities: dict[str, int],
             history_rows: int, reports: list[CycleReport], compacted: list, wall_s: float
             ) -> None:
    live_rows = sum(r.readings for r in reports)
    table = Table(title="readings landed", show_lines=False)
    table.add_column("quality")
    table.add_column("history", justify="right")
    table.add_column("live", justify="right")
    live_qualities: Counter[str] = Counter()
    for report in reports:
        for path in report.files:
            live_qualities.update(landing.read_files([path])["quality"].to_pylist())
    for quality in sorted(set(history_qualities) | set(live_qualities)):
        table.add_row(quality, f"{history_qualities.get(quality, 0):,}",
                      f"{live_qualities.get(quality, 0):,}")
    table.add_row("[bold]total", f"[bold]{history_rows:,}", f"[bold]{live_rows:,}")
    console.print(table)

    faults = Table(title="faults seen in the last live cycle")
    for column in ("device", "quality", "detail"):
        faults.add_column(column)
    last = reports[-1] if reports else None
    for device_id, (quality, detail) in sorted((last.problems if last else {}).items()):
        faults.add_row(device_id, quality.value, detail or "")
    console.print(faults)
    durations = ", ".join(f"{r.duration_s:.2f}" for r in reports)
    console.print(
        f"devices polled per cycle: {last.devices_due if last else 0}; "
        f"requests per cycle: {last.requests if last else 0}; cycle times (s): {durations}\n"
        f"compacted {len(compacted)} past day(s) into one file each; "
        f"landing zone: {settings.landing_root}/readings/date=YYYY-MM-DD/\n"
        f"[green]demo finished in {wall_s:.0f} s[/], no process left running")
