"""`park` commands for what management reads: the monthly scorecards and the valuation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape

if TYPE_CHECKING:
    from jobs.common.settings import Settings

from jobs.cli.base import (
    ConfigDir,
    DataRoot,
    ParkFile,
    app,
    cli_settings,
    console,
)


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

    settings = cli_settings(config_dir, park_file, data_root)
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

    settings = cli_settings(config_dir, park_file, data_root)
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
