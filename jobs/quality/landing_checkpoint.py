"""The landing checkpoint: validate some UTC days of `readings` and keep the verdict.

Sequence: check tables in DuckDB (tables.py) -> one GX Checkpoint over them (suites.py,
checkpoint.py) -> the checkpoint result and a summary under `<data_root>/quality/<run_id>/`,
Data Docs under `<data_root>/quality/data_docs/`, failing rows in landing `dq_quarantine`.
Re-running with the same run_id replaces all of it, so a flow retry never duplicates rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence

import fsspec

from jobs.common import landing
from jobs.common.settings import Settings, join_path
from jobs.quality.checkpoint import CheckTable, DocsSite, ValidationOutcome, validate_tables
from jobs.quality.quarantine import quarantine_table, write_quarantine
from jobs.quality.report import CheckSummary, QualityReport
from jobs.quality.schemas import CHECKS
from jobs.quality.suites import landing_suites
from jobs.quality.tables import CheckTables, build_check_tables
from jobs.quality.thresholds import QualityThresholds

CHECKPOINT_NAME = "landing_readings"
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
EXAMPLES_PER_CHECK = 5


def run_landing_checkpoint(settings: Settings, days: list[dt.date], *, run_id: str | None = None,
                           thresholds: QualityThresholds | None = None,
                           now_utc: dt.datetime | None = None) -> QualityReport:
    """Validate the landed readings of `days` (UTC) and quarantine every failing row.

    `now_utc` is the check's clock (future timestamps, today's window); tests pin it."""
    if not days:
        raise ValueError("no days to check")
    started = time.perf_counter()
    thresholds = thresholds or QualityThresholds()
    checked_at = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    days = sorted(set(days))
    run_id = run_id or default_run_id(days)
    if not RUN_ID_PATTERN.match(run_id):
        raise ValueError(f"run_id {run_id!r} must be letters, digits, '.', '_' or '-' "
                         "(it names files)")

    tables = build_check_tables(settings, days, checked_at, thresholds)
    suites = landing_suites(thresholds)
    check_tables = [CheckTable(name=name, frame=frame, suite=suites[name])
                    for name, frame in tables.frames().items()]
    with docs_site(settings.data_root) as (docs, docs_index):
        outcome = validate_tables(check_tables, checkpoint_name=CHECKPOINT_NAME,
                                  run_name=run_id, run_time=checked_at, docs=docs)
    quarantine = quarantine_table(run_id, checked_at, tables, outcome, thresholds)
    quarantine_paths = write_quarantine(settings.landing_root, quarantine, run_id, days)

    run_dir = join_path(settings.data_root, "quality", run_id)
    report = QualityReport(
        run_id=run_id, days=days, checked_at_utc=checked_at,
        checks=_summaries(tables, outcome, quarantine.column("check").to_pylist(),
                          quarantine.column("reason").to_pylist()),
        files_read=tables.files, landed_rows=tables.landed_rows,
        readings_rows=tables.readings_rows,
        results_path=join_path(run_dir, "checkpoint_result.json"),
        summary_path=join_path(run_dir, "summary.md"),
        docs_index_path=docs_index, quarantine_paths=quarantine_paths,
        quarantine_rows=quarantine.num_rows, duration_s=time.perf_counter() - started)
    payload = {"report": report.to_dict(), "thresholds": thresholds.__dict__,
               "checkpoint_result": outcome.result_json}
    landing.write_atomically(report.results_path, json.dumps(
        payload, indent=1, ensure_ascii=False, default=str).encode("utf-8"))
    landing.write_atomically(report.summary_path, report.summary_markdown().encode("utf-8"))
    return report


def default_run_id(days: Sequence[dt.date]) -> str:
    """Named after the days, so re-checking the same days replaces the earlier verdict."""
    first, last = min(days), max(days)
    if first == last:
        return f"landing-{first:%Y%m%d}"
    run_id = f"landing-{first:%Y%m%d}-{last:%Y%m%d}"
    if len(set(days)) != (last - first).days + 1:  # not a contiguous range
        digest = hashlib.sha1(",".join(d.isoformat() for d in sorted(set(days))).encode())
        run_id += f"-{digest.hexdigest()[:8]}"
    return run_id


def _summaries(tables: CheckTables, outcome: ValidationOutcome, quarantined_checks: list[str],
               reasons: list[str]) -> dict[str, CheckSummary]:
    frames = tables.frames()
    summaries = {}
    for check in CHECKS:
        expectations = [e for e in outcome.expectations if e.check == check]
        if not expectations:
            continue
        table = expectations[0].table
        failed = len(outcome.failing_rows(table, frames[table], check))
        examples = [reason for kind, reason in zip(quarantined_checks, reasons, strict=True)
                    if kind == check][:EXAMPLES_PER_CHECK]
        summaries[check] = CheckSummary(
            check=check, table=table, evaluated_rows=len(frames[table]), failed_rows=failed,
            success=all(e.success for e in expectations), examples=examples)
    return summaries


@contextlib.contextmanager
def docs_site(data_root: str) -> Iterator[tuple[DocsSite, str]]:
    """A local data root gets its site built in place, with a results store that keeps every
    run listed; an object store gets the site built in a scratch folder and uploaded."""
    target = join_path(data_root, "quality", "data_docs")
    local_root = _local_path(data_root)
    if local_root is not None:
        site = DocsSite(site_dir=join_path(local_root, "quality", "data_docs"),
                        results_dir=join_path(local_root, "quality", "gx", "validations"))
        yield site, site.index_path
        return
    with tempfile.TemporaryDirectory(prefix="gx-docs-") as scratch:
        yield DocsSite(site_dir=scratch), join_path(target, "index.html")
        fs, fs_path = fsspec.core.url_to_fs(target)
        fs.put(scratch.rstrip("/") + "/", fs_path, recursive=True)


def _local_path(root: str) -> str | None:
    """The data root as an absolute local path (GX file stores want one), or None for URLs."""
    if root.startswith("file://"):
        return os.path.abspath(root.removeprefix("file://"))
    return None if "://" in root else os.path.abspath(root)
