"""Scorecard benchmark: a month of scorecards for a 200-enterprise park, rendered (HTML email
with inline charts and a PDF per card and language) and sent over STARTTLS + AUTH to the local
SMTP server (`SmtpCatcher`), as `park scorecards` does it. Target: 60 s for the whole
`monthly_scorecards` call.

Setup, timed but not against the target: a generated park of 2,400 devices (the default mix,
so 200 enterprises), a second contact for every other enterprise (half of those in English),
targets for the traffic lights, the twin's history for the month and a few days before it, the
sample inbox files (output value, green power, certificates, allowances) and the warehouse.
The call reports its own steps: wall seconds in this process (enterprise data, park data
while the workers start on the layouts, waiting for the layouts, cutting the fonts, rendering
and sending overlapped) and the rendering stages summed over the worker processes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import secrets
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from rich.console import Console

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import enterprise_count, generate_park
from jobs.bench.common import in_work_folder, machine, save_result
from jobs.common.generated_park import park_settings
from jobs.common.park_config import LoadProfile, MailSettings
from jobs.common.settings import Settings
from jobs.dispatch.calendar import local_day_intervals
from jobs.inbox.load import inbox_dir, load_inbox
from jobs.inbox.samples import (
    DEFAULT_10K_CNY_PER_MWH,
    ETS_FACTOR_TCO2_PER_MWH,
    OUTPUT_10K_CNY_PER_MWH,
    average_kw,
    write_sample_inbox,
)
from jobs.scorecards.data import add_months
from jobs.scorecards.mail import PASSWORD_ENV, SmtpSender, smtp_password
from jobs.scorecards.run import monthly_scorecards
from jobs.scorecards.smtp_catcher import HOST, SmtpCatcher
from jobs.warehouse.build import build_warehouse

console = Console(width=150)
TARGET_S = 60.0
MONTH = dt.date(2026, 10, 1)
DAYS_BEFORE = 4  # history from a few days before the month, so its first intervals have counters
DEVICES = 2400  # the default mix: one enterprise per 12 devices
ENTERPRISES = 200
# 15-minute readings, one per settlement interval: about 4.6 s of history per day for 2,400
# devices on 2 cores against 8.4 s at 600 s, which would add 2 minutes to the setup
SAMPLE_S = 900
SMTP_USER = "scorecards"
ENGLISH_NAMES = ("Anna Lee", "Mark Chen", "Laura Wu", "David Sun")


def with_readers(park: dict[str, Any], seed: int = 5) -> dict[str, Any]:
    """The generated park with what the scorecards need from the config: a second contact for
    every other enterprise (one in two of those in English), an English reader in park
    management, and targets for the lights (an annual cap for all, an intensity path for every
    other one), drawn around what the enterprise's load profile would emit."""
    rng = random.Random(seed)
    profiles = park["simulation"]["load_profiles"]
    for index, enterprise in enumerate(park["enterprises"]):
        if index % 4 == 1:
            enterprise["contacts"].append({
                "name": ENGLISH_NAMES[index // 4 % len(ENGLISH_NAMES)], "role": "ESG lead",
                "email": f"esg@{enterprise['id']}.example.com", "language": "en"})
        elif index % 4 == 3:
            enterprise["contacts"].append({"name": "财务部", "role": "finance",
                                           "email": f"finance@{enterprise['id']}.example.com"})
        annual_mwh = average_kw(LoadProfile(**profiles[enterprise["id"]])) * 8.76
        annual_tco2 = annual_mwh * ETS_FACTOR_TCO2_PER_MWH
        targets: dict[str, Any] = {"annual_cap_tco2": round(annual_tco2 * rng.uniform(0.85, 1.3))}
        if index % 2 == 0:
            per_mwh = OUTPUT_10K_CNY_PER_MWH.get(enterprise["industry"], DEFAULT_10K_CNY_PER_MWH)
            targets.update(intensity_base_year=2025, intensity_reduction_pct_per_year=4.0,
                           intensity_base_tco2_per_10k_cny=round(
                               ETS_FACTOR_TCO2_PER_MWH / per_mwh * rng.uniform(0.9, 1.3), 3))
        enterprise["targets"] = targets
    park["recipients"]["park_management"].append(
        {"name": "Park investment office", "email": "invest@park.example.com",
         "role": "investment promotion", "language": "en"})
    return park


def run(keep: bool = False) -> dict[str, Any]:
    return in_work_folder("scorecards-", keep, _run, lambda workdir: console.print(
        f"kept: {workdir} (park.yaml, data/ with the warehouse and the reports, mail/ with "
        "the received messages)"))


def _setup(workdir: Path) -> tuple[Settings, dict[str, Any]]:
    started = time.perf_counter()
    settings = park_settings(with_readers(generate_park(DEVICES)), workdir)
    park = settings.park
    assert len(park.enterprises) == enterprise_count(DEVICES) == ENTERPRISES
    zone = park.park.timezone
    start = local_day_intervals(MONTH - dt.timedelta(days=DAYS_BEFORE), zone)[0]
    end = local_day_intervals(add_months(MONTH, 1), zone)[0]
    console.print(f"[bold]scorecards[/]: {len(park.devices):,} devices, "
                  f"{len(park.enterprises)} enterprises; twin history {start:%Y-%m-%d %H:%M} .. "
                  f"{end:%Y-%m-%d %H:%M} UTC ({SAMPLE_S} s readings), work folder {workdir}")
    generated_park = time.perf_counter()
    history = generate_history(settings, start.to_pydatetime(), end.to_pydatetime(),
                               sample_s=SAMPLE_S)
    generated = time.perf_counter()
    files = write_sample_inbox(settings, [f"{add_months(MONTH, -1):%Y-%m}",
                                          f"{MONTH:%Y-%m}"], inbox_dir(settings))
    rejected = [r for r in load_inbox(settings, files) if not r.accepted]
    if rejected:
        raise RuntimeError(f"sample inbox files not accepted: "
                           f"{[r.failed or r.problems for r in rejected]}")
    loaded = time.perf_counter()
    if not build_warehouse(settings, unit_tests=False, quiet=True).success:
        raise RuntimeError(f"the warehouse did not build; see {workdir}")
    built = time.perf_counter()
    setup = {"park_s": round(generated_park - started, 1),
             "history_s": round(generated - generated_park, 1),
             "inbox_s": round(loaded - generated, 1), "warehouse_s": round(built - loaded, 1),
             "total_s": round(built - started, 1), "history_rows": history.rows,
             "history_from_utc": start.isoformat(), "history_to_utc": end.isoformat(),
             "sample_s": SAMPLE_S}
    console.print(f"setup {setup['total_s']:.0f} s (not against the target): park "
                  f"{setup['park_s']} s, history {setup['history_s']} s ({history.rows:,} rows), "
                  f"inbox {setup['inbox_s']} s, warehouse {setup['warehouse_s']} s")
    return settings, setup


def _pdf_pages(paths: list[str]) -> int:
    pages = 0
    for path in paths:
        document = pdfium.PdfDocument(path)
        pages += len(document)
        document.close()
    return pages


def _run(workdir: Path) -> dict[str, Any]:
    settings, setup = _setup(workdir)
    password = secrets.token_urlsafe(16)
    previous = os.environ.get(PASSWORD_ENV)
    os.environ[PASSWORD_ENV] = password
    try:
        with SmtpCatcher(workdir / "mail", starttls=True, auth=(SMTP_USER, password)) as catcher:
            mail = MailSettings(host=HOST, port=catcher.port, security="starttls",
                                username=SMTP_USER, retry_delay_s=0.5)
            configured = dataclasses.replace(
                settings, park=settings.park.model_copy(update={"mail": mail}))
            with SmtpSender(mail, smtp_password(mail),
                            ssl_context=catcher.client_ssl_context()) as sender:
                started = time.perf_counter()
                monthly = monthly_scorecards(configured, MONTH, sender=sender)
                total_s = time.perf_counter() - started
            received = catcher.messages
    finally:
        if previous is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = previous
    report = monthly.report
    counts = report.counts()
    pdfs = [path for path in monthly.kept if path.endswith(".pdf")]
    park = settings.park
    verdict = "PASS" if total_s <= TARGET_S and counts["sent"] == len(report.deliveries) \
        else "MISS"
    result = {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
        "target_s": TARGET_S, "verdict": verdict, "month": f"{MONTH:%Y-%m}",
        "devices": len(park.devices), "enterprises": len(park.enterprises),
        "contacts": sum(len(e.contacts) for e in park.enterprises),
        "park_management": len(park.recipients.park_management), "setup": setup,
        "total_s": round(total_s, 2), "render_processes": monthly.processes,
        "stages_s": monthly.seconds,
        "cards": len(park.enterprises) + 1, "renderings": len(pdfs),
        "pdf_pages": _pdf_pages(pdfs), "messages": counts, "received": len(received),
        "mail_mib": round(sum(path.stat().st_size for path in received) / 2**20, 1),
    }
    _print(result)
    save_result("scorecards", result)
    return result


def _print(result: dict[str, Any]) -> None:
    stages = result["stages_s"]
    console.print(
        f"{result['cards']} scorecards for {result['month']}, {result['renderings']} renderings "
        f"(HTML + PDF, {result['pdf_pages']} PDF pages), {result['messages']['sent']} of "
        f"{sum(result['messages'].values())} messages sent ({result['mail_mib']} MiB received): "
        f"{result['total_s']:.1f} s (target {result['target_s']:.0f} s): {result['verdict']}")
    console.print(f"  on {result['render_processes']} rendering process(es): " + ", ".join(
        f"{name.replace('_', ' ')} {seconds:.1f} s" for name, seconds in stages.items()))
