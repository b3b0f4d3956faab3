"""Data quality of the landing zone with Great Expectations (GX Core 1.x).

GX checks what it is better at than dbt tests: values against the register maps' plausible
ranges, completeness of polls, frozen values, timestamp order and clock skew, with Data Docs.
Keys, not-null, relationships and balances stay dbt tests in the warehouse.

    report = run_landing_checkpoint(settings, [date(2026, 3, 10)], run_id="nightly-20260310")
"""

from jobs.quality.checkpoint import CheckTable, DocsSite, ValidationOutcome, validate_tables
from jobs.quality.landing_checkpoint import default_run_id, run_landing_checkpoint
from jobs.quality.report import CheckSummary, QualityReport
from jobs.quality.schemas import DQ_QUARANTINE_DATASET, DQ_QUARANTINE_SCHEMA
from jobs.quality.thresholds import QualityThresholds

__all__ = [
    "DQ_QUARANTINE_DATASET",
    "DQ_QUARANTINE_SCHEMA",
    "CheckSummary",
    "CheckTable",
    "DocsSite",
    "QualityReport",
    "QualityThresholds",
    "ValidationOutcome",
    "default_run_id",
    "run_landing_checkpoint",
    "validate_tables",
]
