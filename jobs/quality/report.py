"""What a quality run hands back: per-check counts, the files written, and a short summary.

The summary is Markdown so a Prefect flow can publish it as an artifact as it is, and the same
text is kept beside the checkpoint result for whoever looks at the run folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from jobs.quality.schemas import CHECKS

# What each check means, for people reading the summary.
CHECK_DESCRIPTIONS = {
    "value_range": "good readings inside their register map's plausible range",
    "completeness": "share of expected polls with a good value, per device and day",
    "frozen_value": "heartbeat points and moving counters never stuck for too many polls",
    "timestamp_order": "each reading stamped after every earlier-landed one (no clock going back)",
    "future_timestamp": "no reading stamped ahead of the check's clock",
}


@dataclass(frozen=True)
class CheckSummary:
    check: str
    table: str
    evaluated_rows: int
    failed_rows: int
    success: bool
    examples: list[str] = field(default_factory=list)  # a few quarantine reasons


@dataclass(frozen=True)
class QualityReport:
    run_id: str
    days: list[dt.date]
    checked_at_utc: dt.datetime
    checks: dict[str, CheckSummary]
    files_read: int
    landed_rows: int
    readings_rows: int  # after duplicates of the natural key collapsed
    results_path: str
    summary_path: str
    docs_index_path: str | None
    quarantine_paths: list[str]
    quarantine_rows: int
    duration_s: float

    @property
    def success(self) -> bool:
        return all(summary.success for summary in self.checks.values())

    @property
    def paths(self) -> list[str]:
        written = [self.results_path, self.summary_path, *self.quarantine_paths]
        return written + ([self.docs_index_path] if self.docs_index_path else [])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["days"] = [day.isoformat() for day in self.days]
        data["checked_at_utc"] = self.checked_at_utc.isoformat()
        data["success"] = self.success
        return data

    def summary_markdown(self) -> str:
        verdict = "all checks passed" if self.success else "some checks FAILED"
        days = ", ".join(day.isoformat() for day in self.days)
        lines = [
            f"# Landing data quality: {verdict}",
            "",
            f"Run `{self.run_id}` checked {self.readings_rows:,} readings "
            f"({self.landed_rows:,} landed rows in {self.files_read} files) for {days} "
            f"at {self.checked_at_utc:%Y-%m-%d %H:%M:%S}Z in {self.duration_s:.1f} s.",
            "",
            "| check | what it checks | evaluated | failed | result |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        for name in CHECKS:
            summary = self.checks.get(name)
            if summary is None:
                continue
            lines.append(f"| {name} | {CHECK_DESCRIPTIONS.get(name, '')} | "
                         f"{summary.evaluated_rows:,} | {summary.failed_rows:,} | "
                         f"{'pass' if summary.success else '**FAIL**'} |")
        failing = [s for s in self.checks.values() if not s.success]
        if failing:
            lines += ["", f"{self.quarantine_rows:,} rows quarantined in `dq_quarantine` "
                          f"(file stem `gx-{self.run_id}`). Examples:", ""]
            for summary in failing:
                lines += [f"- **{summary.check}**: {example}" for example in summary.examples]
        lines += ["", f"Checkpoint result: `{self.results_path}`"]
        if self.docs_index_path:
            lines.append(f"Data Docs: `{self.docs_index_path}`")
        return "\n".join(lines) + "\n"
