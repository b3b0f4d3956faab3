"""`park` commands for the landing zone and the warehouse: compact, inbox files, build, SQL,
data quality."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    pass

from jobs.cli.base import (
    ConfigDir,
    DataRoot,
    ParkFile,
    app,
    cli_settings,
    console,
)


@app.command()
def compact(data_root: DataRoot = None, config_dir: ConfigDir = None,
            park_file: ParkFile = None,
            before: Annotated[str | None, typer.Option(
                help="Compact partitions before this date (YYYY-MM-DD). Default: today (UTC).")]
            = None,
            dataset: Annotated[str, typer.Option(help="Landing dataset.")] = "readings") -> None:
    """Merge each past day's small landing files into one, without losing or duplicating rows."""
    from jobs.common.compaction import compact_dataset, sweep_stale_temp_files_everywhere

    settings = cli_settings(config_dir, park_file, data_root)
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
    settings = cli_settings(config_dir, park_file, data_root)
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

    settings = cli_settings(config_dir, park_file, data_root)
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
    writer). Values are printed in full; a result too wide for the terminal is printed a
    record at a time (one line per column)."""
    import duckdb

    from jobs.warehouse.published import WarehouseNotPublishedError, connect_published
    from jobs.warehouse.query_output import OutputFormat, capped_note, render

    try:
        chosen = OutputFormat(output)
    except ValueError as error:
        raise typer.BadParameter(f"--format {output!r}: choose table, csv, markdown or "
                                 "json") from error
    settings = cli_settings(config_dir, park_file, data_root)
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
    if chosen is OutputFormat.TABLE and not _fits(columns, rows, console.width):
        rendered = _records(columns, rows)
    if isinstance(rendered, str):
        print(rendered)  # plain stdout: no markup, no wrapping, for pipes
    else:
        console.print(rendered)
    note = capped_note(len(rows), more)
    if note:
        Console(stderr=True).print(f"[yellow]{note}[/]")


def _fits(columns: list[str], rows: list, width: int) -> bool:
    """Whether a table of these columns can give each its header or 12 characters: a wider
    one would squeeze its columns to nothing, so it is printed a record at a time instead."""
    from jobs.warehouse.query_output import cell_text

    wanted = sum(min(max([len(c)] + [len(cell_text(r[i])) for r in rows]), 12) + 3
                 for i, c in enumerate(columns))
    return wanted <= width


def _records(columns: list[str], rows: list) -> Table:
    """One row after another, a line per column (as psql's expanded display)."""
    from jobs.warehouse.query_output import cell_text

    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for number, row in enumerate(rows, 1):
        table.add_row(f"-- row {number}", "", end_section=False)
        for column, value in zip(columns, row, strict=True):
            table.add_row(column, cell_text(value))
    return table


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

    settings = cli_settings(config_dir, park_file, data_root)
    today = dt.datetime.now(dt.UTC).date()
    days = ([dt.date.fromisoformat(d) for d in day] if day
            else [today - dt.timedelta(days=1), today])
    with console.status("Great Expectations checkpoint …"):
        report = (run_mart_checkpoint(settings, days) if marts
                  else run_landing_checkpoint(settings, days))
    console.print(report.summary_markdown())
    if not report.success:
        raise typer.Exit(1)
