"""Merge a landing partition's many small files into one, losing and duplicating nothing.

The poller writes one file per cycle (1,440 a day per poll group). Compaction rewrites a day
as one file sorted by device, point and time, with duplicates of the natural key collapsed,
and only then deletes the inputs. A crash between the two steps leaves both on disk; the rows
they share are exact duplicates by key, which every reader collapses, and the next run merges
them into one file again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb

from jobs.common import landing


@dataclass(frozen=True)
class CompactionResult:
    day: dt.date
    input_files: int
    input_rows: int
    output_rows: int
    output_path: str | None

    @property
    def duplicates_removed(self) -> int:
        return self.input_rows - self.output_rows


def compact_partition(landing_root: str, dataset: str, day: dt.date,
                      key: tuple[str, ...] = landing.READINGS_KEY) -> CompactionResult:
    inputs = landing.list_partition_files(landing_root, dataset, day)
    if len(inputs) <= 1 and all(p.rsplit("/", 1)[-1].startswith("compacted-") for p in inputs):
        return CompactionResult(day, len(inputs), 0, 0, inputs[0] if inputs else None)
    table = landing.read_files(inputs)
    merged = _dedupe_sorted(table, key)
    digest = hashlib.sha1("\n".join(sorted(inputs)).encode()).hexdigest()[:16]
    output = f"{landing.partition_dir(landing_root, dataset, day)}/compacted-{digest}.parquet"
    landing.write_atomically(output, landing.serialise_parquet(merged))
    landing.delete_files(p for p in inputs if p != output)
    return CompactionResult(day, len(inputs), table.num_rows, merged.num_rows, output)


def _dedupe_sorted(table, key: tuple[str, ...]):
    """One row per key; a good reading wins over a failed one, then the earliest cycle."""
    connection = duckdb.connect()
    try:
        connection.register("rows_in", table)
        keys = ", ".join(key)
        order_quality = "(quality = 'good') desc, " if "quality" in table.column_names else ""
        order_cycle = "cycle_id" if "cycle_id" in table.column_names else keys
        sort_keys = ", ".join([k for k in key if k != "ts_utc"] + (["ts_utc"] if "ts_utc" in key
                                                                     else []))
        return connection.sql(
            f"""
            select * from rows_in
            qualify row_number() over (partition by {keys}
                                       order by {order_quality}{order_cycle}) = 1
            order by {sort_keys}
            """
        ).to_arrow_table().cast(table.schema)
    finally:
        connection.close()


def sweep_stale_temp_files_everywhere(landing_root: str, data_root: str) -> list[str]:
    """Stale temp files of killed writers in every dataset of the landing zone and in the
    data root's state and reports (the daily compaction's housekeeping); their paths."""
    folders = [landing_root, *(f"{data_root.rstrip('/')}/{name}" for name in ("state", "reports"))]
    return [path for folder in folders for path in landing.sweep_stale_temp_files(folder)]


def compact_dataset(landing_root: str, dataset: str, before: dt.date,
                    key: tuple[str, ...] = landing.READINGS_KEY) -> list[CompactionResult]:
    """Compact every partition older than `before` (today's is still being written), after
    sweeping the dataset's temp files left by killed writers (old ones only, every day)."""
    landing.sweep_stale_temp_files(f"{landing_root.rstrip('/')}/{dataset}")
    return [compact_partition(landing_root, dataset, day, key)
            for day in landing.list_partition_dates(landing_root, dataset) if day < before]
