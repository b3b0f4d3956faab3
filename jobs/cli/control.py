"""`park` commands for control: the day-ahead plan, setpoints, manual overrides, the twin."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

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

    settings = cli_settings(config_dir, park_file, data_root)
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
                  "--dry-run", help="Compute and audit, write nothing.")] = False,
              day_ahead_only: Annotated[bool, typer.Option(
                  "--day-ahead-only", help="Write the day-ahead plan as it is, without the "
                  "intraday re-solve (audited as decided_by day_ahead).")] = False,
              stop_solver: Annotated[bool, typer.Option(
                  "--stop-solver", help="Stop the warm solver service afterwards (by default "
                  "it stays for the next cycle and exits after dispatch.intraday_idle_exit_s)."
              )] = False) -> None:
    """One setpoint cycle now over Modbus, as the `setpoints` flow runs it every 15 minutes:
    the day-ahead plan in force re-solved from the measured state (intraday), through the
    safety pipeline and the write-ahead journal, audited; the day-ahead plan where the
    re-solve fails or runs late (the audit says why)."""
    from jobs.dispatch import setpoint_cycle

    settings = cli_settings(config_dir, park_file, data_root)
    try:
        audit = asyncio.run(setpoint_cycle.run_setpoint_cycle(
            settings, dry_run=dry_run or None, day_ahead_only=day_ahead_only))
    finally:
        if stop_solver:
            setpoint_cycle.stop_solver(settings)
    if len(audit.recovered):
        # an earlier cycle died mid-way: its journal was landed before anything else
        for cycle_id, rows in audit.recovered.groupby("cycle_id"):
            console.print(f"[bold yellow]landed the audit of interrupted cycle {cycle_id}[/]: "
                          + ", ".join(f"{n} {o}" for o, n in
                                      sorted(rows["outcome"].value_counts().items())))
    fallback = (audit.decided_by or "").startswith("day_ahead_fallback")
    console.print(f"interval {audit.interval_start_utc:%Y-%m-%d %H:%M} UTC: "
                  + ("[yellow]" if fallback else "")
                  + escape(setpoint_cycle.decision_text(audit)) + ("[/]" if fallback else ""))
    for note in audit.notes:
        console.print(f"  note: {escape(note)}")
    if len(audit.rows):
        console.print(audit.rows.groupby("outcome").size().to_string())
        problems = audit.rows[~audit.rows["outcome"].isin(["written", "unchanged", "dry_run"])]
        for row in problems.itertuples():
            console.print(f"  {row.device_id} {row.point}: {row.outcome} "
                          f"({escape(str(row.reason))})")


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

    settings = cli_settings(config_dir, park_file, data_root)
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

    settings = cli_settings(config_dir, park_file)
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
