"""Prefect flow: merge each past day's small landing files into one (daily maintenance)."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.park_slot import one_run_per_park
from jobs.common.compaction import compact_dataset, sweep_stale_temp_files_everywhere
from jobs.common.settings import load_settings


# Crash-safe (inputs are deleted only after the merged file is written), so a retry after a
# storage hiccup merges whatever is left.
@flow(name="compact-landing", retries=1, retry_delay_seconds=300)
@one_run_per_park
def compact_landing(dataset: str = "readings", before: dt.date | None = None,
                    park: str | None = None) -> int:
    """Compact every partition before `before` (default: today, UTC; today is still written).
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    settings = load_settings(park=park)
    cutoff = before or dt.datetime.now(dt.UTC).date()
    results = compact_dataset(settings.landing_root, dataset, cutoff)
    logger = get_run_logger()
    swept = sweep_stale_temp_files_everywhere(settings.landing_root, settings.data_root)
    if swept:
        logger.info("removed %d stale temp file(s) of killed writers, e.g. %s", len(swept),
                    swept[0])
    for r in results:
        logger.info("%s: %d files, %d rows -> %d", r.day, r.input_files, r.input_rows,
                    r.output_rows)
    create_table_artifact(
        key="landing-compaction",
        table=[{"day": str(r.day), "files_in": r.input_files, "rows_in": r.input_rows,
                "rows_out": r.output_rows, "duplicates_removed": r.duplicates_removed}
               for r in results],
        description=f"Compaction of landing/{dataset} before {cutoff}")
    return len(results)
