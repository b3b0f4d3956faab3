"""`park`: the one command line for every manual action on the platform.

Each command is a thin shell over a plain function in device_io/ or jobs/; heavy imports stay
inside the commands so `park --help` answers at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from device_io.errors import ConfigError

if TYPE_CHECKING:
    from jobs.common.settings import Settings

app = typer.Typer(
    help="Energy and carbon platform for a zero-carbon industrial park (零碳园区).",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich")
console = Console()

ConfigDir = Annotated[Path | None, typer.Option(
    "--config-dir", help="Folder with park.yaml and register_maps/ (default: ./config or "
    "$PARK_CONFIG_DIR).")]
ParkFile = Annotated[str | None, typer.Option(
    "--park-file", help="Park file, inside the config folder unless absolute (default: park.yaml "
    "or $PARK_FILE).")]
DataRoot = Annotated[str | None, typer.Option(
    "--data-root", help="Landing zone and warehouse root: a path or fsspec URL (default: ./data "
    "or $PARK_DATA_ROOT).")]
Groups = Annotated[list[str] | None, typer.Option(
    "--group", "-g", help="Poll group(s) to harvest; repeat the option. Default: all.")]


def _settings(config_dir: Path | None, park_file: str | None = None,
              data_root: str | None = None):
    from jobs.common.settings import load_settings

    try:
        return load_settings(config_dir, data_root, park_file)
    except ConfigError as exc:
        # escape: rich would read "[...]" in a message (a pattern, a list) as markup and eat it
        console.print(f"[bold red]Config rejected[/]\n{escape(str(exc))}")
        raise typer.Exit(2) from exc


def _parse_utc(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


@app.command()
def validate(config_dir: ConfigDir = None, park_file: ParkFile = None) -> None:
    """Validate park.yaml and every register map; print what the park contains."""
    from collections import Counter

    settings = _settings(config_dir, park_file)
    park = settings.park
    console.print(f"[green]OK[/] {settings.park_path}: {park.park.name_zh} "
                  f"({park.park.name_en}), time zone {park.park.timezone}")
    table = Table("device kind", "devices", "register maps", "poll groups")
    kinds = Counter(d.kind.value for d in park.devices)
    for kind, count in sorted(kinds.items()):
        devices = [d for d in park.devices if d.kind.value == kind]
        table.add_row(kind, str(count), ", ".join(sorted({d.register_map for d in devices})),
                      ", ".join(sorted({d.poll_group for d in devices})))
    console.print(table)
    endpoints = {d.endpoint for d in park.devices}
    console.print(f"{len(park.enterprises)} enterprises, {len(park.devices)} devices on "
                  f"{len(endpoints)} endpoints, {len(settings.register_maps)} register maps, "
                  f"{sum(p.kwp for p in park.assets.pv):,.0f} kWp PV, "
                  f"{sum(b.capacity_kwh for b in park.assets.batteries):,.0f} kWh storage")


@app.command()
def simulate(config_dir: ConfigDir = None, park_file: ParkFile = None,
             speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
             start: Annotated[str | None, typer.Option(
                 help="Simulated start time (ISO 8601, UTC if no offset). Default: now.")] = None,
             history_start: Annotated[str | None, typer.Option(
                 help="Start the twin here and catch up to --start first, so live counters "
                 "continue a backfill that began at this time.")] = None,
             duration_s: Annotated[float | None, typer.Option(
                 help="Stop after this many real seconds. Default: until Ctrl-C/SIGTERM.")] = None,
             ) -> None:
    """Serve the park's devices over Modbus TCP from the digital twin (real pymodbus servers)."""
    from device_io.simulator.runner import serve

    settings = _settings(config_dir, park_file)
    asyncio.run(serve(settings, speed=speed, start_utc=_parse_utc(start),
                      history_start_utc=_parse_utc(history_start), duration_s=duration_s))


@app.command()
def harvest(config_dir: ConfigDir = None, park_file: ParkFile = None,
            data_root: DataRoot = None, group: Groups = None,
            cycles: Annotated[int, typer.Option(min=1, help="Poll cycles to run.")] = 1,
            interval_s: Annotated[float, typer.Option(help="Seconds between cycle starts.")] = 60.0,
            ) -> None:
    """Poll the devices once (or for several cycles) and land the readings as Parquet.
    Exit code 3 when another process is harvesting one of the poll groups (nothing done)."""
    from device_io.harvest import HarvestBusy, harvest_cycles

    settings = _settings(config_dir, park_file, data_root)
    try:
        reports = asyncio.run(harvest_cycles(settings, group, cycles=cycles,
                                             interval_s=interval_s, on_cycle=_print_cycle))
    except HarvestBusy as busy:
        console.print(f"[bold yellow]skipped[/]: {busy}")
        raise typer.Exit(3) from busy
    failed = reports[-1].devices_due - reports[-1].devices_good
    console.print(f"{len(reports)} cycle(s); last: {failed} device(s) not good")


def _print_cycle(report) -> None:
    console.print(f"cycle {report.cycle_id[:8]} {report.started_utc:%H:%M:%S}Z: "
                  f"{report.devices_good}/{report.devices_due} devices good, "
                  f"{report.readings} readings ({report.good_readings} good), "
                  f"{report.requests} requests, {report.duration_s:.2f} s")
    for device_id, (quality, detail) in sorted(report.problems.items()):
        console.print(f"  [yellow]{device_id}[/]: {quality.value} — {detail or ''}")


@app.command("read")
def read_device(device: Annotated[str, typer.Argument(help="Device id (from the park file).")],
                config_dir: ConfigDir = None, park_file: ParkFile = None,
                host: Annotated[str | None, typer.Option(
                    help="Read this host instead of the configured one.")] = None,
                port: Annotated[int | None, typer.Option(
                    min=1, max=65535, help="Read this TCP port instead.")] = None,
                unit_id: Annotated[int | None, typer.Option(
                    min=1, max=247, help="Read this Modbus unit id instead.")] = None,
                timeout_s: Annotated[float | None, typer.Option(
                    min=0.05, max=60, help="Reply timeout per request.")] = None,
                as_json: Annotated[bool, typer.Option(
                    "--json", help="Print JSON instead of a table.")] = False) -> None:
    """Read one device now and print every point of its map: raw registers (hex), scale,
    value, unit and the quality the harvester would land. Nothing is landed or remembered.
    Exit code 1 if the device could not be reached."""
    import json

    from device_io.read_now import read_device_now

    settings = _settings(config_dir, park_file)
    try:
        readout = asyncio.run(read_device_now(settings, device, host=host, port=port,
                                              unit_id=unit_id, timeout_s=timeout_s))
    except ValueError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2) from exc
    reached = any(p.registers for p in readout.points)
    if as_json:
        typer.echo(json.dumps(readout.as_dict(), indent=2, ensure_ascii=False))
    else:
        console.print(f"{readout.device_id} ({readout.register_map}) at {readout.host}:"
                      f"{readout.port} unit {readout.unit_id}, {readout.ts_utc}, "
                      f"{readout.requests} request(s)")
        table = Table("point", "register", "type", "registers", "raw", "scale", "value",
                      "unit", "quality", "detail")
        for p in readout.points:
            table.add_row(p.point, f"{p.table} {p.address}", p.type, " ".join(p.registers),
                          "" if p.raw is None else f"{p.raw:g}", p.scale,
                          "" if p.value is None else f"{p.value:g}", p.unit, p.quality,
                          p.detail or "")
        console.print(table)
        for item in readout.unserved:
            first, last = item["start"], item["end"] - 1
            console.print(f"no read may span {item['table']} {first}" if last < first else
                          f"not served: {item['table']} {first}"
                          + (f"..{last}" if last > first else ""))
    if not reached:
        raise typer.Exit(1)


@app.command()
def backfill(config_dir: ConfigDir = None, park_file: ParkFile = None,
             data_root: DataRoot = None,
             days: Annotated[float, typer.Option(help="Days of history to generate.")] = 7.0,
             end: Annotated[str | None, typer.Option(
                 help="End of the history (ISO 8601, UTC). Default: the start of this minute.")]
             = None,
             sample_s: Annotated[int, typer.Option(help="Seconds between readings.")] = 60,
             ) -> None:
    """Write N days of simulated readings straight into the landing zone (same schema and
    quality flags as the live poller), from the same twin the simulator serves."""
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    from device_io.simulator.history import generate_history

    settings = _settings(config_dir, park_file, data_root)
    end_utc = _parse_utc(end) or dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start_utc = end_utc - dt.timedelta(days=days)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  "{task.completed}/{task.total} days", TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task("backfilling", total=None)

        def on_day(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = generate_history(settings, start_utc, end_utc, sample_s=sample_s,
                                   on_day=on_day)
    console.print(f"{summary.rows:,} readings from {summary.devices} devices, "
                  f"{start_utc:%Y-%m-%d %H:%M} to {end_utc:%Y-%m-%d %H:%M} UTC, "
                  f"{len(summary.files)} files under {settings.landing_root}/readings")


@app.command()
def compact(data_root: DataRoot = None, config_dir: ConfigDir = None,
            park_file: ParkFile = None,
            before: Annotated[str | None, typer.Option(
                help="Compact partitions before this date (YYYY-MM-DD). Default: today (UTC).")]
            = None,
            dataset: Annotated[str, typer.Option(help="Landing dataset.")] = "readings") -> None:
    """Merge each past day's small landing files into one, without losing or duplicating rows."""
    from jobs.common.compaction import compact_dataset, sweep_stale_temp_files_everywhere

    settings = _settings(config_dir, park_file, data_root)
    cutoff = dt.date.fromisoformat(before) if before else dt.datetime.now(dt.UTC).date()
    results = compact_dataset(settings.landing_root, dataset, cutoff)
    swept = sweep_stale_temp_files_everywhere(settings.landing_root, settings.data_root)
    if swept:
        console.print(f"removed {len(swept)} stale temp file(s) left by killed writers")
    for result in results:
        console.print(f"{result.day}: {result.input_files} file(s), {result.input_rows:,} rows "
                      f"-> {result.output_rows:,} ({result.duplicates_removed} duplicates)")
    if not results:
        console.print("nothing to compact")


@app.command()
def inbox(files: Annotated[list[Path] | None, typer.Argument(
              help="Files to load (default: every file waiting in <data root>/inbox/).")] = None,
          data_root: DataRoot = None, config_dir: ConfigDir = None, park_file: ParkFile = None,
          kind: Annotated[str | None, typer.Option(
              help="Kind of every file given (output_value, green_power, certificates, "
              "allowances, dr_events). Default: from each file name's prefix.")] = None,
          ) -> None:
    """Validate inbox files (CSV/XLSX) and land the good ones; a bad file is rejected whole
    with every problem listed next to it in inbox/rejected/; each file is judged alone. Exit
    code 1 if any was rejected, or failed (a platform fault: it stays in the inbox)."""
    from rich.markup import escape  # file names and cells quoted in messages are not markup

    from jobs.inbox.load import inbox_dir, load_inbox
    from jobs.inbox.schemas import InboxKind

    if kind is not None and kind not in {k.value for k in InboxKind}:
        raise typer.BadParameter(f"unknown kind {kind!r}", param_hint="--kind")
    settings = _settings(config_dir, park_file, data_root)
    results = load_inbox(settings, files, kind=InboxKind(kind) if kind else None)
    table = Table("file", "kind", "rows", "result", "first problems")
    for result in results:
        shown = "\n".join(problem.located() for problem in result.problems[:3])
        more = result.problem_count - min(3, len(result.problems))
        if result.failed is not None:
            outcome, shown = "[red]failed[/]", result.failed
        elif result.accepted:
            outcome = "[green]accepted[/]"
        else:
            outcome = "[red]rejected[/]"
            shown += f"\n… {more} more" if more else ""
            if result.archived_to is not None:
                shown += f"\nmoved to {result.archived_to}, reasons in {result.errors_path}"
        table.add_row(escape(result.source.name), result.kind or "?", str(result.rows), outcome,
                      escape(shown))
    console.print(table if results else f"nothing waiting in {inbox_dir(settings)}")
    if any(not result.accepted for result in results):
        raise typer.Exit(1)


@app.command()
def build(config_dir: ConfigDir = None, park_file: ParkFile = None, data_root: DataRoot = None,
          full_refresh: Annotated[bool, typer.Option(
              "--full-refresh", help="Rebuild every incremental model from all landed data.")]
          = False,
          rebuild_from: Annotated[str | None, typer.Option(
              help="Re-derive incremental models from this UTC date (YYYY-MM-DD), e.g. after "
              "backfilling older data.")] = None,
          select: Annotated[str | None, typer.Option(help="dbt node selection.")] = None,
          full_checks: Annotated[bool, typer.Option(
              "--full-checks", help="Run row-grain tests over all rows, not only recent ones.")]
          = False,
          unit_tests: Annotated[bool, typer.Option(
              help="Run dbt's unit tests (the worked examples) too.")] = True,
          verbose: Annotated[bool, typer.Option(help="Show dbt's own log lines.")] = False,
          ) -> None:
    """Build the warehouse with dbt (the only writer of the DuckDB file) and run its tests."""
    from jobs.warehouse.build import build_warehouse

    settings = _settings(config_dir, park_file, data_root)
    with console.status("dbt build …"):
        report = build_warehouse(settings, full_refresh=full_refresh, rebuild_from=rebuild_from,
                                 select=select, quiet=not verbose, unit_tests=unit_tests,
                                 full_checks=full_checks)
    console.print(report.summary_markdown())
    console.print(f"warehouse: {settings.warehouse_path} (open it read-only: "
                  f"duckdb -readonly {settings.warehouse_path})")
    if not report.success:
        raise typer.Exit(1)


@app.command()
def sql(query: Annotated[str, typer.Argument(help="SQL to run against the warehouse.")],
        config_dir: ConfigDir = None, park_file: ParkFile = None, data_root: DataRoot = None,
        limit: Annotated[int, typer.Option(
            min=0, help="Rows to show at most (0: all); says so when rows are left out.")] = 200,
        output: Annotated[str, typer.Option(
            "--format", help="table (the terminal), csv, markdown or json.")] = "table"
        ) -> None:
    """Query the published warehouse read-only (any DuckDB client works too; dbt is its only
    writer). Values are printed in full."""
    import duckdb

    from jobs.warehouse.published import WarehouseNotPublishedError, connect_published
    from jobs.warehouse.query_output import OutputFormat, capped_note, render

    try:
        chosen = OutputFormat(output)
    except ValueError as error:
        raise typer.BadParameter(f"--format {output!r}: choose table, csv, markdown or "
                                 "json") from error
    settings = _settings(config_dir, park_file, data_root)
    try:
        with connect_published(settings) as connection:
            result = connection.execute(query)
            columns = [d[0] for d in result.description or []]
            rows = result.fetchall() if limit == 0 else result.fetchmany(limit + 1)
    except WarehouseNotPublishedError as error:
        demo = Path(settings.data_root) / "demo" / "warehouse.duckdb"
        hint = (f". The demo's warehouse is under {demo.parent}: --data-root {demo.parent}"
                if demo.exists() else "")
        console.print(f"[red]{escape(str(error))}[/]{escape(hint)}")
        raise typer.Exit(2) from None
    except duckdb.Error as error:
        console.print(f"[red]the query failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    more = limit > 0 and len(rows) > limit
    rows = rows[:limit] if more else rows
    rendered = render(columns, rows, chosen)
    if isinstance(rendered, str):
        print(rendered)  # plain stdout: no markup, no wrapping, for pipes
    else:
        console.print(rendered)
    note = capped_note(len(rows), more)
    if note:
        Console(stderr=True).print(f"[yellow]{note}[/]")


@app.command()
def quality(config_dir: ConfigDir = None, park_file: ParkFile = None, data_root: DataRoot = None,
            day: Annotated[list[str] | None, typer.Option(
                help="Day(s) to check (YYYY-MM-DD); repeat. Landing: UTC days; marts: local "
                     "dates in the park's zone. Default: yesterday and today.")] = None,
            marts: Annotated[bool, typer.Option(
                "--marts", help="Check the built marts' distributions instead of the landing "
                                "readings.")] = False) -> None:
    """Run a Great Expectations checkpoint: on landed readings (failing rows are quarantined)
    or, with --marts, on the warehouse's marts (findings are reported)."""
    from jobs.quality.landing_checkpoint import run_landing_checkpoint
    from jobs.quality.mart_checkpoint import run_mart_checkpoint

    settings = _settings(config_dir, park_file, data_root)
    today = dt.datetime.now(dt.UTC).date()
    days = ([dt.date.fromisoformat(d) for d in day] if day
            else [today - dt.timedelta(days=1), today])
    with console.status("Great Expectations checkpoint …"):
        report = (run_mart_checkpoint(settings, days) if marts
                  else run_landing_checkpoint(settings, days))
    console.print(report.summary_markdown())
    if not report.success:
        raise typer.Exit(1)


@app.command()
def plan(config_dir: ConfigDir = None, park_file: ParkFile = None, data_root: DataRoot = None,
         date: Annotated[str | None, typer.Option(
             help="Local date to plan (YYYY-MM-DD). Default: tomorrow in the park's zone.")
         ] = None,
         weather: Annotated[str, typer.Option(
             help="offline (clear sky x cloud climatology) or open_meteo (falls back to "
                  "offline).")] = "offline") -> None:
    """Make and publish a day-ahead plan now (what the day-ahead-dispatch flow runs): the plan
    lands in `plans`, its forecasts in `forecasts`; exit 1 if only the fallback could be made, or
    the plan rests on a forecast that failed its sanity bounds (not trusted for control)."""
    import zoneinfo

    from jobs.dispatch.day_ahead import run_day_ahead
    from jobs.dispatch.report import VERDICTS
    from jobs.forecast.weather import provider_named

    settings = _settings(config_dir, park_file, data_root)
    zone = zoneinfo.ZoneInfo(settings.park.park.timezone)
    day = (dt.date.fromisoformat(date) if date
           else dt.datetime.now(zone).date() + dt.timedelta(days=1))
    with console.status(f"planning {day} …"):
        result = run_day_ahead(settings, day, provider_named(weather))
    console.print(f"[bold]{day}[/]: {VERDICTS[result.status]} (run {result.run_id})")
    console.print(f"cost {result.plan.total_cost_cny:,.0f} CNY against the rule-based "
                  f"baseline's {result.baseline.total_cost_cny:,.0f}; renewable absorption "
                  f"{result.plan.renewable_absorption_pct:.1f} %; solver {result.solve.status} "
                  f"(build {result.solve.build_s:.2f} s, HiGHS {result.solve.solve_s:.2f} s)")
    for line in [f"bound broken: {b}" for b in result.breaches] + \
            [f"forecast failed its sanity bounds: {p}" for p in result.forecast_problems] + \
            [f"assumed: {n}" for n in result.notes]:
        console.print(f"  - {escape(line)}")
    if not result.is_trusted:
        console.print("[red]not trusted for control[/]: the setpoint writer will hold the "
                      "devices at their safe defaults for this day")
    if result.is_fallback or not result.is_trusted:
        raise typer.Exit(1)


@app.command()
def setpoints(config_dir: ConfigDir = None, park_file: ParkFile = None,
              data_root: DataRoot = None,
              dry_run: Annotated[bool, typer.Option(
                  "--dry-run", help="Compute and audit, write nothing.")] = False) -> None:
    """One setpoint cycle now over Modbus (what the `setpoints` flow runs every 15 minutes)."""
    import asyncio

    from device_io.point_io import ModbusPointIO
    from device_io.setpoints.writer import SetpointWriter

    settings = _settings(config_dir, park_file, data_root)

    async def cycle():
        io = ModbusPointIO(settings)
        try:
            return await SetpointWriter(settings, io, dry_run=dry_run or None).run_cycle()
        finally:
            await io.close()

    audit = asyncio.run(cycle())
    if len(audit.recovered):
        # an earlier cycle died mid-way: its journal was landed before anything else
        for cycle_id, rows in audit.recovered.groupby("cycle_id"):
            console.print(f"[bold yellow]landed the audit of interrupted cycle {cycle_id}[/]: "
                          + ", ".join(f"{n} {o}" for o, n in
                                      sorted(rows["outcome"].value_counts().items())))
    console.print(f"interval {audit.interval_start_utc:%Y-%m-%d %H:%M} UTC: "
                  + (f"plan {audit.plan_run_id}" if audit.plan_run_id
                     else f"no plan ({audit.why_no_plan}): safe defaults"))
    for note in audit.notes:
        console.print(f"  note: {note}")
    if len(audit.rows):
        console.print(audit.rows.groupby("outcome").size().to_string())
        problems = audit.rows[~audit.rows["outcome"].isin(["written", "unchanged", "dry_run"])]
        for row in problems.itertuples():
            console.print(f"  {row.device_id} {row.point}: {row.outcome} ({row.reason})")


@app.command()
def override(device: Annotated[str, typer.Argument(help="Device id.")],
             config_dir: ConfigDir = None, park_file: ParkFile = None,
             data_root: DataRoot = None,
             hours: Annotated[float, typer.Option(help="How long the writer keeps off.")] = 4.0,
             note: Annotated[str, typer.Option(help="Why (goes to the audit).")] = "",
             clear: Annotated[bool, typer.Option(
                 "--clear", help="End the override (and reset the device's circuit breaker)."
             )] = False) -> None:
    """Hold a device in manual override (the setpoint writer leaves it alone), or end it."""
    import getpass

    from device_io.setpoints.state import Override, WriterState
    from jobs.common.settings import join_path

    settings = _settings(config_dir, park_file, data_root)
    if device not in {d.id for d in settings.park.devices}:
        console.print(f"[bold red]unknown device {device!r}[/]")
        raise typer.Exit(2)
    path = join_path(settings.data_root, "state", "setpoints.json")
    state = WriterState.load(path)
    if clear:
        state.overrides.pop(device, None)
        state.breakers.pop(device, None)
        console.print(f"{device}: override ended, circuit breaker reset")
    else:
        until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        state.overrides[device] = Override(until.isoformat(), note, getpass.getuser())
        console.print(f"{device}: in manual override until {until:%Y-%m-%d %H:%M} UTC")
    state.save(path)


@app.command()
def twin(config_dir: ConfigDir = None, park_file: ParkFile = None,
         days: Annotated[int, typer.Option(help="Simulated days to compare.")] = 7,
         warmup_days: Annotated[int, typer.Option(
             help="Days simulated first without control (history for the forecasts).")] = 7,
         first_day: Annotated[str | None, typer.Option(
             help="First compared local date (YYYY-MM-DD). Default: 14 days ago.")] = None,
         controller: Annotated[list[str] | None, typer.Option(
             "--controller", "-c", help="none, rule_based, plan, perfect; repeat. Default: "
                                        "all four.")] = None,
         scenario: Annotated[list[str] | None, typer.Option(
             help="Change the park first: pv=<factor>, battery=<kWh>/<kW>, "
                  "tariff=<file.yaml>; repeat.")] = None,
         workdir: Annotated[Path | None, typer.Option(
             help="Where the runs go (default: <data root>/twin/<timestamp>).")] = None,
         sample_s: Annotated[int, typer.Option(help="Seconds between readings.")] = 300
         ) -> None:
    """Run the closed loop on the digital twin, accelerated, for each controller on the same
    days, and compare cost, emissions, renewable absorption, self-sufficiency and peak."""
    import copy

    import yaml

    from jobs.twin.compare import apply_scenario, compare_controllers
    from jobs.twin.loop import CONTROLLERS
    from jobs.twin.report import print_summary

    settings = _settings(config_dir, park_file)
    park = yaml.safe_load(settings.park_path.read_text(encoding="utf-8"))
    for change in scenario or []:
        park = apply_scenario(copy.deepcopy(park), change)
    start = (dt.date.fromisoformat(first_day) if first_day
             else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=14))
    folder = workdir or Path(settings.data_root) / "twin" / dt.datetime.now(dt.UTC).strftime(
        "%Y%m%dT%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    summary = compare_controllers(park, folder, start, days, warmup_days=warmup_days,
                                  sample_s=sample_s, controllers=controller or CONTROLLERS,
                                  on_progress=lambda line: console.print(f"  {line}"))
    print_summary(console, summary, scenario or [])


def _report_month(settings: Settings, month: str | None) -> dt.date:
    """YYYY-MM, or by default last month in the park's zone."""
    from jobs.scorecards.data import last_month

    if month:
        try:
            return dt.date.fromisoformat(f"{month}-01")
        except ValueError as error:
            raise typer.BadParameter(f"--month {month!r}: expected YYYY-MM") from error
    wanted = last_month(settings.park.park.timezone)
    held = _months_in_warehouse(settings)
    if wanted not in held:  # the default must not be a month of empty reports
        holds = ", ".join(f"{m:%Y-%m}" for m in held) or "no month yet (run `park build`)"
        example = f" (e.g. --month {held[-1]:%Y-%m}: month to date)" if held else ""
        console.print(f"[red]last month ({wanted:%Y-%m}, the default) has no data in the "
                      f"warehouse[/]: it holds {holds}. Choose one with --month "
                      f"YYYY-MM{example}.")
        raise typer.Exit(2)
    return wanted


def _months_in_warehouse(settings: Settings) -> list[dt.date]:
    import duckdb

    from jobs.warehouse.published import WarehouseNotPublishedError, connect_published

    try:
        with connect_published(settings) as connection:
            rows = connection.execute(
                "select distinct month from fct_park_monthly_kpis order by month").fetchall()
    except (duckdb.Error, WarehouseNotPublishedError):  # none yet, or not built this far
        return []
    return [row[0] for row in rows]


def _unreachable(error: Exception, again: str) -> NoReturn:
    console.print(f"[bold red]nothing sent: {escape(str(error))}[/]\nThe reports were not "
                  f"rendered. When the server is back, run `{again}` again (the send log sends "
                  "only what has not gone).")
    raise typer.Exit(1)


def _print_one(delivery) -> None:
    outcome, message = delivery.outcome, delivery.message
    colour = {"sent": "green", "skipped_already_sent": "dim"}.get(outcome.status, "red")
    console.print(f"  [{colour}]{outcome.status}[/] {escape(message.recipient.email)} "
                  f"({escape(message.key)}, {message.language})"
                  + ("" if outcome.status in ("sent", "skipped_already_sent")
                     else f": {escape(outcome.detail)}"))


def _print_delivery(report) -> None:
    """Counts per status and every message that did not go; exit 1 if any failed."""
    for status, count in sorted(report.counts().items()):
        if count:
            console.print(f"{status}: {count}")
    for row in report.problems():
        console.print(f"  {row['recipient']} ({row['key']}): {row['status']} {row['detail']}")


@app.command()
def scorecards(config_dir: ConfigDir = None, park_file: ParkFile = None,
               data_root: DataRoot = None,
               month: Annotated[str | None, typer.Option(
                   help="The month to report (YYYY-MM). Default: last month.")] = None,
               force: Annotated[bool, typer.Option(
                   "--force", help="Email again what the send log says was sent.")] = False
               ) -> None:
    """Render the month's enterprise and park scorecards, keep them on disk and email them
    (SMTP from the config's `mail`, password from PARK_SMTP_PASSWORD)."""
    from jobs.scorecards.mail import SmtpUnreachable
    from jobs.scorecards.run import monthly_scorecards

    settings = _settings(config_dir, park_file, data_root)
    wanted = _report_month(settings, month)
    console.print(f"scorecards for {wanted:%Y-%m}: checking the mail server, rendering, "
                  "sending (each message below as it goes)")
    try:
        run = monthly_scorecards(settings, wanted, force=force, on_delivery=_print_one)
    except SmtpUnreachable as error:
        _unreachable(error, f"park scorecards --month {wanted:%Y-%m}")
    report, kept = run.report, run.kept
    _print_delivery(report)
    console.print(f"{len(kept)} files kept under {Path(kept[0]).parent if kept else '-'}")
    if report.counts().get("failed"):
        raise typer.Exit(1)


@app.command()
def valuation(config_dir: ConfigDir = None, park_file: ParkFile = None,
              data_root: DataRoot = None,
              month: Annotated[str | None, typer.Option(
                  help="The month to value (YYYY-MM). Default: last month.")] = None,
              force: Annotated[bool, typer.Option(
                  "--force", help="Email again what the send log says was sent.")] = False,
              cases: Annotated[bool, typer.Option(
                  help="Run the configured investment cases on the twin.")] = True) -> None:
    """Value the month's carbon assets, PV systems, batteries and investment cases; land the
    results for the warehouse, keep the report on disk and email it to the finance contacts."""
    from jobs.valuation.run import asset_line, monthly_valuation

    settings = _settings(config_dir, park_file, data_root)
    run = monthly_valuation(settings, _report_month(settings, month), force=force, cases=cases)
    found = run.valuations
    park_row = next(r for r in found.ledger if r.entity_kind == "park")
    console.print(f"{found.run_id}: {len(found.assets)} assets, {len(found.cases)} cases; "
                  f"pledge capacity {park_row.pledge_capacity_cny:,.0f} CNY")
    for valued, view in found.assets:
        console.print(f"  {asset_line(valued, view)}")
    for case in found.cases:
        console.print(f"  case {case.run.case_id}: NPV {case.run.valuation.npv_cny:,.0f} CNY")
    _print_delivery(run.report)
    console.print(f"landed {len(found.landed)} files; report: {', '.join(run.kept)}")
    if run.report.counts().get("failed"):
        raise typer.Exit(1)


@app.command("generate-park")
def generate_park_command(
        devices: Annotated[int, typer.Option(min=10, help="Number of devices.")] = 1000,
        out: Annotated[Path, typer.Option(help="Where to write the park YAML.")] = Path(
            "park-generated.yaml"),
        seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
        base_port: Annotated[int, typer.Option(help="First Modbus TCP port.")] = 15020) -> None:
    """Write a synthetic park of N devices (for benchmarks and scale tests)."""
    from device_io.simulator.park_generator import generate_park, write_park_yaml

    config = generate_park(devices, seed=seed, base_port=base_port)
    write_park_yaml(config, out)
    console.print(f"wrote {out}: {len(config['devices'])} devices, "
                  f"{len(config['enterprises'])} enterprises")


@app.command()
def demo(config_dir: ConfigDir = None, data_root: DataRoot = None,
         days: Annotated[float, typer.Option(help="Days of history to backfill.")] = 3.0,
         cycles: Annotated[int, typer.Option(help="Live harvest cycles.")] = 4) -> None:
    """Run the platform end to end on the embedded demo park and summarise what happened."""
    from jobs.demo import run_demo

    settings = _settings(config_dir, None, data_root)
    run_demo(settings, console, days=days, cycles=cycles)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        console.print(f"[bold red]Rejected[/]\n{escape(str(exc))}")
        sys.exit(2)


if __name__ == "__main__":
    main()
