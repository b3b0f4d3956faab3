"""Valuation benchmark: the demo park's monthly valuation with one investment case (another
2 MWp of rooftop PV, valued from two twin runs of the park with and without it, as the
source text's example) and its 50-point sensitivity,
landed, rendered in Chinese and English and sent to the local SMTP catcher, as `park
valuation` does it. Target: 60 s for the whole `monthly_valuation` call.

Setup, timed but not against the target: the demo park (config/park.yaml) with the case and
two finance contacts, the twin's 15-minute history for October 2026 plus a few days before,
the sample inbox files (allowances, certificates) and the warehouse."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from device_io.simulator.history import generate_history
from jobs.bench.common import in_work_folder, machine, save_result
from jobs.common.generated_park import park_settings
from jobs.common.park_config import MailSettings
from jobs.common.settings import DEFAULT_CONFIG_DIR
from jobs.dispatch.calendar import local_day_intervals
from jobs.inbox.load import inbox_dir, load_inbox
from jobs.inbox.samples import write_sample_inbox
from jobs.scorecards.data import add_months
from jobs.scorecards.mail import SmtpSender
from jobs.scorecards.smtp_catcher import HOST, SmtpCatcher
from jobs.valuation.run import monthly_valuation
from jobs.warehouse.build import build_warehouse

console = Console(width=150)
TARGET_S = 60.0
MONTH = dt.date(2026, 10, 1)
DAYS_BEFORE = 4
SAMPLE_S = 900
CASE = {"id": "roof-pv-2mwp", "title_zh": "新增 2 MWp 屋顶光伏",
        "title_en": "2 MWp more rooftop PV", "add_pv_kwp": 2000}
FINANCE = [{"name": "财务总监", "email": "cfo@park.example.cn"},
           {"name": "Relationship manager", "email": "rm@bank.example.com", "language": "en"}]


def run(keep: bool = False) -> dict[str, Any]:
    return in_work_folder("valuation-", keep, _run,
                          lambda workdir: console.print(f"kept: {workdir}"))


def _run(workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    park = yaml.safe_load((DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))
    park.setdefault("valuation", {})["cases"] = [CASE]
    park.setdefault("recipients", {})["finance"] = FINANCE
    settings = park_settings(park, workdir)
    zone = settings.park.park.timezone
    start = local_day_intervals(MONTH - dt.timedelta(days=DAYS_BEFORE), zone)[0]
    end = local_day_intervals(add_months(MONTH, 1), zone)[0]
    history = generate_history(settings, start.to_pydatetime(), end.to_pydatetime(),
                               sample_s=SAMPLE_S)
    files = write_sample_inbox(settings, [f"{MONTH:%Y-%m}"], inbox_dir(settings))
    rejected = [r for r in load_inbox(settings, files) if not r.accepted]
    if rejected:
        raise RuntimeError(f"sample inbox files not accepted: "
                           f"{[r.failed or r.problems for r in rejected]}")
    if not build_warehouse(settings, unit_tests=False, quiet=True).success:
        raise RuntimeError(f"the warehouse did not build; see {workdir}")
    setup_s = time.perf_counter() - started
    console.print(f"[bold]valuation[/]: demo park, {MONTH:%Y-%m}; setup {setup_s:.0f} s "
                  f"(history {history.rows:,} rows, not against the target)")
    with SmtpCatcher(workdir / "mail") as catcher:
        mail = MailSettings(host=HOST, port=catcher.port, security="none", retry_delay_s=0.5)
        configured = dataclasses.replace(
            settings, park=settings.park.model_copy(update={"mail": mail}))
        with SmtpSender(mail, None) as sender:
            began = time.perf_counter()
            valuation = monthly_valuation(configured, MONTH, sender=sender)
            total_s = time.perf_counter() - began
        received = len(catcher.messages)
    found = valuation.valuations
    [case] = found.cases
    counts = valuation.report.counts()
    verdict = "PASS" if total_s <= TARGET_S and counts["sent"] == len(FINANCE) else "MISS"
    result = {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
        "target_s": TARGET_S, "verdict": verdict, "month": f"{MONTH:%Y-%m}",
        "total_s": round(total_s, 2), "setup_s": round(setup_s, 1),
        "assets": len(found.assets), "ledger_rows": len(found.ledger),
        "case": {"id": case.run.case_id, "days": case.run.days, "controller": case.run.controller,
                 "twin_s": round(case.run.twin_seconds, 1),
                 "npv_cny": round(case.run.valuation.npv_cny),
                 "irr": case.run.valuation.irr, "sensitivity_points": len(case.sensitivity)},
        "messages": counts, "received": received, "landed_files": len(found.landed)}
    console.print(f"monthly valuation with 1 case ({case.run.days} twin days x 2, "
                  f"{len(case.sensitivity)} sensitivity points), {len(found.assets)} assets, "
                  f"{counts['sent']} messages: {total_s:.1f} s (target {TARGET_S:.0f} s): "
                  f"{verdict}; twin runs {case.run.twin_seconds:.1f} s")
    save_result("valuation", result)
    return result
