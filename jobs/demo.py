"""`park demo`: the platform end to end on the embedded demo park, for a newcomer.

It backfills history from the digital twin (with the wind farm's forecasts for the direct green
line over it), loads this year's inbox files (output value,
green power and certificates, allowances, a DR event, heat, product output, waste, water,
waste heat: jobs/demo_inbox.py) as `park inbox` does, starts the simulator (real Modbus TCP
servers on loopback, in a child process), harvests a few live cycles from it, compacts the past
days, builds the warehouse with its data-quality tests, plans today and tomorrow, writes this
interval's setpoints to the simulated devices (re-solved intraday from the measured state, read
back and audited), values the assets, rebuilds the warehouse with what those steps landed, and
only then renders this month's scorecards (which read the plans and the inbox), so that every
section has its data. Reports go to a local SMTP server that keeps each message as an .eml file.
It ends with where everything is. The demo injects a handful of faults at times relative to now
so that every failure path shows up in the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

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
from jobs.demo_inbox import demo_inbox
from jobs.demo_line_forecasts import send_line_forecasts
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.summary import FIRST_QUERIES, summarise

if TYPE_CHECKING:
    from jobs.scorecards.mail import SmtpSender


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


def history_start_utc(now_utc: dt.datetime, days: float, timezone: str) -> dt.datetime:
    """`days` of history back from now, and never less than the whole local day before today:
    the day-ahead forecast of today learns from the days before it, and `now - 1 day` at 23:54
    local time would leave it six minutes of yesterday (no consumption history at all)."""
    local_today = now_utc.astimezone(ZoneInfo(timezone)).date()
    yesterday = dt.datetime.combine(local_today - dt.timedelta(days=1), dt.time(0),
                                    tzinfo=ZoneInfo(timezone))
    return min(now_utc - dt.timedelta(days=days), yesterday.astimezone(dt.UTC))


def run_demo(settings: Settings, console: Console, *, days: float = 3.0, cycles: int = 4,
             cycle_interval_s: float = 5.0) -> None:
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    history_start = history_start_utc(now, days, settings.park.park.timezone)
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
        task = progress.add_task(
            f"backfilling {(now - history_start) / dt.timedelta(days=1):.1f} days of 1-minute "
            "history", total=None)
        history = generate_history(
            demo_settings, history_start, now,
            on_day=lambda done, total: progress.update(task, completed=done, total=total))
        progress.update(task, description=f"backfilled {history.rows:,} readings")
    _inbox(console, demo_settings, history_start, now)
    sent = send_line_forecasts(demo_settings, history_start, now)
    console.print(f"line operator: {sent} wind power forecasts for the direct green line "
                  "landed (short-term daily at 08:00, ultra-short every 15 minutes)")

    reports: list[CycleReport] = []
    console.print("starting the park simulator (pymodbus servers in a child process)")
    with simulator_process(demo_settings.config_dir, str(park_file),
                           history_start_utc=history_start):
        with _progress(console) as progress:
            task = progress.add_task("simulator up; harvesting live cycles", total=cycles,
                                     completed=0)

            def on_cycle(report: CycleReport) -> None:
                reports.append(report)
                progress.update(task, advance=1, description=(
                    f"cycle {len(reports)}/{cycles}: {report.devices_good}/"
                    f"{report.devices_due} devices good, {report.duration_s:.2f} s"))

            asyncio.run(harvest_cycles(demo_settings, None, cycles=cycles,
                                       interval_s=cycle_interval_s, respect_intervals=False,
                                       on_cycle=on_cycle))
        compacted = compact_dataset(demo_settings.landing_root, "readings", before=now.date())
        build = _build(console, demo_settings, "building the warehouse (dbt build + tests)")
        _summary(console, demo_settings, history.quality_counts, history.rows, reports,
                 compacted)
        if not build.success:
            console.print(build.summary_markdown())
            return
        _warehouse_summary(console, demo_settings)
        _plan(console, demo_settings)
        _write_setpoints(console, demo_settings)
    _admission(console, demo_settings)
    mail_folder = folder / "mail"
    # The valuation reads metered energy, the inbox and the accounts, never plans or the
    # audit: valued now, its result lands in time for the one rebuild below.
    _valuation_by_mail(console, demo_settings, mail_folder)
    _assessment_by_mail(console, demo_settings, mail_folder)
    _build(console, demo_settings, "rebuilding the warehouse with the plans, the setpoint "
           "audit and the valuation", unit_tests=False)
    _scorecards_by_mail(console, demo_settings, mail_folder)
    _dbt_docs(console, demo_settings)
    _where_everything_is(console, demo_settings, mail_folder, time.monotonic() - started)


def _build(console: Console, settings: Settings, what: str, unit_tests: bool = True):
    with _progress(console) as progress:
        task = progress.add_task(what, total=None)
        build = build_warehouse(settings, quiet=True, unit_tests=unit_tests)
        progress.update(task, description=(
            f"warehouse built: {sum(build.count('model').values())} models, "
            f"{build.count('test').get('pass', 0)} tests passed, "
            f"{len(build.failed)} failed ({build.duration_s:.0f} s)"))
    return build


def _plan(console: Console, settings: Settings) -> None:
    """Today's plan (so that the setpoints below have one in force) and tomorrow's, from the
    warehouse just built, as the morning flow makes them."""
    import zoneinfo

    from jobs.dispatch.day_ahead import run_day_ahead
    from jobs.dispatch.report import VERDICTS, write_plan_chart
    from jobs.forecast.weather import ClearSkyClimatology

    today = dt.datetime.now(zoneinfo.ZoneInfo(settings.park.park.timezone)).date()
    for day in (today, today + dt.timedelta(days=1)):
        with _progress(console) as progress:
            task = progress.add_task(f"forecasting and planning {day} (Pyomo + HiGHS)",
                                     total=None)
            result = run_day_ahead(settings, day, ClearSkyClimatology())
            chart = write_plan_chart(settings, result)
            progress.update(task, description=f"planned {day}: {result.status}")
        console.print(
            f"day-ahead plan for {day}: {VERDICTS[result.status]}; cost "
            f"{result.plan.total_cost_cny:,.0f} CNY against "
            f"{result.baseline.total_cost_cny:,.0f} for the rule-based baseline (HiGHS "
            f"{result.solve.solve_s:.2f} s); chart {chart.path}")
        for problem in result.forecast_problems:  # what "not trusted" rests on
            console.print(f"  - forecast failed its sanity bounds: {problem}", markup=False)


def _write_setpoints(console: Console, settings: Settings) -> None:
    """One setpoint cycle over Modbus to the simulated devices, as the quarter-hourly flow
    runs it: today's plan re-solved from the measured state (intraday, in the warm solver
    service), through the safety pipeline, read back and audited. The service is stopped
    afterwards: the demo leaves no process behind."""
    from jobs.dispatch.setpoint_cycle import decision_text, run_setpoint_cycle, stop_solver

    with _progress(console) as progress:
        task = progress.add_task("re-solving this interval (intraday) and writing its "
                                 "setpoints to the devices", total=None)
        try:
            audit = asyncio.run(run_setpoint_cycle(settings))
        finally:
            stop_solver(settings)
        progress.update(task, description="setpoints written and read back")
    outcomes = Counter(audit.rows["outcome"]) if len(audit.rows) else Counter()
    console.print(f"setpoints for {audit.interval_start_utc:%H:%M} UTC from the "
                  f"{decision_text(audit)}: "
                  + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))


def _inbox(console: Console, settings: Settings, history_start: dt.datetime,
           now: dt.datetime) -> None:
    with _progress(console) as progress:
        task = progress.add_task("loading this year's inbox files (park inbox)", total=None)
        results = demo_inbox(settings, history_start, now)
        kinds = {r.kind for r in results}
        progress.update(task, description=(
            f"inbox: {len(results)} files accepted, {sum(r.rows for r in results):,} rows "
            f"({len(kinds)} kinds)"))


@contextlib.contextmanager
def _local_mail(settings: Settings, mail_folder: Path) -> Iterator[tuple[Settings, SmtpSender]]:
    """A local SMTP server that keeps each message as an .eml file (the config's contacts are
    example addresses), and the settings and sender that reach it."""
    import dataclasses

    from jobs.common.park_config import MailSettings
    from jobs.scorecards.mail import SmtpSender
    from jobs.scorecards.smtp_catcher import HOST, SmtpCatcher

    with SmtpCatcher(mail_folder) as catcher:
        mail = MailSettings(host=HOST, port=catcher.port, security="none", retry_delay_s=0.5,
                            sender=settings.park.mail.sender)
        local = dataclasses.replace(settings, park=settings.park.model_copy(
            update={"mail": mail}))
        with SmtpSender(mail, None) as sender:
            yield local, sender


def _this_month(settings: Settings) -> dt.date:
    import zoneinfo

    return dt.datetime.now(zoneinfo.ZoneInfo(settings.park.park.timezone)).date().replace(day=1)


def _scorecards_by_mail(console: Console, settings: Settings, mail_folder: Path) -> None:
    """This month's scorecards, rendered from the warehouse with everything landed and sent."""
    from jobs.scorecards.run import monthly_scorecards

    month = _this_month(settings)
    with _local_mail(settings, mail_folder) as (local, sender), _progress(console) as progress:
        task = progress.add_task(f"scorecards for {month:%Y-%m} (month to date)", total=None)
        cards = monthly_scorecards(local, month, sender=sender)
        progress.update(task, description=(
            f"scorecards: {cards.report.counts()['sent']} emails sent, "
            f"{len(cards.kept)} files kept"))


def _valuation_by_mail(console: Console, settings: Settings, mail_folder: Path) -> None:
    """This month's valuation, with the investment case on the twin, rendered and sent."""
    from jobs.valuation.run import monthly_valuation

    month = _this_month(settings)
    with _local_mail(settings, mail_folder) as (local, sender), _progress(console) as progress:
        task = progress.add_task("valuation with the investment case on the twin", total=None)
        valued = monthly_valuation(local, month, sender=sender)
        progress.update(task, description=(
            f"valuation: {valued.report.counts()['sent']} email(s) sent, "
            f"{len(valued.valuations.assets)} assets, "
            f"{len(valued.valuations.cases)} investment case(s)"))


def _assessment_by_mail(console: Console, settings: Settings, mail_folder: Path) -> None:
    """This year's assessment so far, each enterprise's page with its plan (一企一策); the
    outcomes land before the rebuild, so fct_enterprise_assessments holds them."""
    from jobs.assessment.run import annual, run_assessment

    year = _this_month(settings).year
    with _local_mail(settings, mail_folder) as (local, sender), _progress(console) as progress:
        task = progress.add_task(f"assessment {year} with one plan per enterprise", total=None)
        run = run_assessment(local, annual(year), sender=sender)
        planned = sum(1 for path in run.kept if path.endswith(".zh.html")) - 1  # less the park's
        progress.update(task, description=(
            f"assessment {year}: {planned} enterprise reports with their plans, "
            f"{run.delivery.counts()['sent']} emails sent"))


def _admission(console: Console, settings: Settings) -> None:
    """One applicant through the park office's admission queue, assessed against the park's
    national figures just built; its decision lands before the rebuild."""
    from jobs.admission.batch import admission_inbox, assess_queue
    from jobs.admission.decide import binding_condition
    from jobs.admission.samples import write_sample_application

    write_sample_application(admission_inbox(settings))
    batch = assess_queue(settings)
    for _, admitted in batch.admitted:
        assessment = admitted.assessment
        binding = binding_condition(assessment)
        condition = "" if binding is None else (
            f": {binding.green_power_mwh_per_year:,.0f} MWh/yr of green power or "
            f"{binding.pv_kwp:,.0f} kWp of rooftop PV")
        console.print(f"admission: {assessment.application.applicant.name_en} -> "
                      f"{assessment.outcome.value}{condition}")
    for path, error in batch.rejected:
        console.print(f"[red]admission: {path.name} rejected[/]: {error.splitlines()[0]}")


def _dbt_docs(console: Console, settings: Settings) -> None:
    from jobs.warehouse.build import run_dbt

    with _progress(console) as progress:
        task = progress.add_task("generating the dbt docs site", total=None)
        result = run_dbt(settings, "docs generate", "--quiet")
        progress.update(task, description="dbt docs generated" if result.success
                        else "dbt docs generation failed (see <data root>/dbt/logs)")


def _where_everything_is(console: Console, settings: Settings, mail_folder: Path,
                         wall_s: float) -> None:
    root = Path(settings.data_root)
    emails = sorted(mail_folder.glob("*.eml"))
    lines = [
        f"warehouse   {settings.warehouse_path}  (duckdb -readonly, or uv run park sql)",
        f"landing     {settings.landing_root}/<dataset>/date=YYYY-MM-DD/",
        f"reports     {root / 'reports'}/ (dispatch charts, scorecards, valuation, admission: "
        "HTML + PDF)",
        f"emails      {mail_folder}/ ({len(emails)} .eml files; open one in a mail client)",
        f"dbt docs    {root / 'dbt' / 'target'}/index.html (serve that folder over HTTP, e.g. "
        f"uv run python -m http.server -d {root / 'dbt' / 'target'})",
        f"setpoints   uv run park sql --data-root {root} \"select decided_by, device_id, "
        f"point, requested_value, written_value, outcome from fct_setpoint_audit\"",
        f"valuation   uv run park sql --data-root {root} \"select asset_id, npv_cny, irr, "
        f"simple_payback_years from fct_asset_valuation\""]
    console.print(Panel("\n".join(lines), title=f"demo finished in {wall_s:.0f} s, no process "
                        "left running", border_style="green"))


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
             history_rows: int, reports: list[CycleReport], compacted: list) -> None:
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
        f"landing zone: {settings.landing_root}/readings/date=YYYY-MM-DD/")
