"""`park group …`: the group warehouse by hand (docs/park_groups.md, "The group warehouse").
The group's file comes from --group-config or PARK_GROUP_CONFIG."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jobs.cli.base import app, console

group_app = typer.Typer(help="The group warehouse: export, rollup, monthly group scorecard.",
                        no_args_is_help=True)
app.add_typer(group_app, name="group")

GroupConfig = Annotated[Path | None, typer.Option(
    help="The group's file (default: $PARK_GROUP_CONFIG).")]


def _group(group_config: Path | None):
    from jobs.common.config_errors import ConfigError
    from jobs.group.config import load_group

    try:
        return load_group(group_config)
    except ConfigError as exc:
        console.print(f"[bold red]Config rejected[/]\n{escape(str(exc))}")
        raise typer.Exit(2) from exc


@group_app.command("export")
def export(park: Annotated[str, typer.Argument(help="The park's id in the registry.")],
           group_config: GroupConfig = None) -> None:
    """Export one park's published marts to the group's store (what each build does)."""
    from jobs.common.settings import load_settings
    from jobs.group.export import GroupExportError, export_park_marts

    group = _group(group_config)
    settings = load_settings(park=park)
    try:
        identity = settings.park.park
        done = export_park_marts(park, settings.warehouse_path, group.root,
                                 (identity.name_zh, identity.name_en))
    except GroupExportError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    console.print(escape(done.summary_line()))


@group_app.command("rollup")
def rollup(group_config: GroupConfig = None,
           full_refresh: Annotated[bool, typer.Option(
               help="Read every park and rebuild every mart (after a group model's columns "
                    "changed); by default only the parks whose export changed.")] = False
           ) -> None:
    """Build the group's DuckDB file from every registered park's exported marts."""
    from jobs.group.rollup import GroupRollupError, run_group_rollup

    group = _group(group_config)
    try:
        summary = run_group_rollup(group.registry, group.root, group.warehouse_path,
                                   full_refresh=full_refresh)
    except GroupRollupError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    console.print(escape(summary.summary_markdown()))
    console.print(f"analysts: duckdb -readonly {escape(str(group.warehouse_path))}")
    if summary.problems:
        raise typer.Exit(1)


@group_app.command("scorecard")
def scorecard(month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
              force: Annotated[bool, typer.Option(help="Send again to who had it.")] = False,
              group_config: GroupConfig = None) -> None:
    """Render and email the month's group scorecard to the group's management."""
    from jobs.group.scorecard import monthly_group_scorecard
    from jobs.group.scorecard_data import GroupMonthMissing

    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        console.print(f"[red]--month {escape(month)}: not a month (YYYY-MM)[/]")
        raise typer.Exit(2) from exc
    try:
        run = monthly_group_scorecard(_group(group_config), first, force=force)
    except GroupMonthMissing as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    for row in run.report.rows():
        console.print(escape(f"{row['recipient']}: {row['status']} {row.get('detail', '')}"))
    for path in run.kept:
        console.print(f"kept {escape(path)}")
    run.report.raise_for_failures()
