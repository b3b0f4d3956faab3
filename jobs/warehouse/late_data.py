"""Late readings: what landed since the last published build, and from when to recompute.

The incremental models re-derive a window that follows the readings' own time (the latest
row minus a lookback). A file that lands late (a gateway's buffer, a recovered meter, a
backfill) with older readings falls before that window and would never be used. So each
published version carries a manifest of the landing reading files it was built from (path,
size, mtime): the ingest watermark. A build compares the landing zone with it; the files new
since then give the devices and times they touch, and the incremental models recompute from
the start of the earliest interval a new reading changes (through the `rebuild_from`
machinery). The manifest is written into the version being built, so it is published with
it, and a failed build (never published) leaves the work to the next one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from jobs.common.settings import join_path

MANIFEST_TABLE = "park_landing_manifest"
# The build's bookkeeping schema (the incremental windows are there too), out of the
# analysts' way; versions built before it hold the manifest in main.
HELPERS_SCHEMA = "helpers"
CLEANED_READINGS = "int_counter_readings_cleaned"
DATASET = "readings"
INTERVAL_MINUTES = 15


@dataclass(frozen=True)
class LandedFile:
    path: str
    size_bytes: int
    mtime: str


@dataclass(frozen=True)
class LateData:
    new_files: int
    late_files: int
    # the earliest UTC time the incremental models must recompute from (None: their own
    # lookback window already covers every new reading)
    recompute_from_utc: dt.datetime | None


def scan_landing(landing_root: str) -> dict[str, LandedFile]:
    """Every reading file in the landing zone, named as landing.list_partition_files names
    them (compaction's output names hash those names)."""
    root = join_path(landing_root, DATASET)
    fs, directory = fsspec.core.url_to_fs(root)
    protocol = landing_root.split("://", 1)[0] + "://" if "://" in landing_root else ""
    if not fs.exists(directory):
        return {}
    found = fs.glob(f"{directory}/date=*/*.parquet", detail=True)
    return {protocol + path: LandedFile(protocol + path, int(info.get("size") or 0),
                                        str(info.get("mtime") or info.get("LastModified")))
            for path, info in found.items()}


def read_manifest(connection: duckdb.DuckDBPyConnection) -> dict[str, LandedFile] | None:
    """The manifest the version was built from; None before its first build with one."""
    table = _qualified(connection, MANIFEST_TABLE, (HELPERS_SCHEMA, "main"))
    if table is None:
        return None
    rows = connection.execute(f"select path, size_bytes, mtime from {table}").fetchall()
    return {path: LandedFile(path, int(size), mtime) for path, size, mtime in rows}


def write_manifest(connection: duckdb.DuckDBPyConnection, files: dict[str, LandedFile]) -> None:
    table = pa.table({"path": [f.path for f in files.values()],
                      "size_bytes": pa.array([f.size_bytes for f in files.values()], pa.int64()),
                      "mtime": [f.mtime for f in files.values()]})
    connection.register("landed_files", table)
    connection.execute(f"create schema if not exists {HELPERS_SCHEMA}")
    connection.execute(f"create or replace table {HELPERS_SCHEMA}.{MANIFEST_TABLE} as "
                       "select * from landed_files")
    connection.execute(f"drop table if exists main.{MANIFEST_TABLE}")
    connection.unregister("landed_files")


def new_files(built: dict[str, LandedFile], landed: dict[str, LandedFile]) -> list[str]:
    """Files not built as they are now. A compacted file is not new when it merges exactly
    files already built (its name is the hash of its inputs' names): its rows are not new."""
    changed = [path for path, file in landed.items() if built.get(path) != file]
    vanished_by_partition: dict[str, list[str]] = {}
    for path in built.keys() - landed.keys():
        vanished_by_partition.setdefault(path.rsplit("/", 1)[0], []).append(path)
    return [path for path in changed if not _merges_built_files(path, vanished_by_partition)]


def _merges_built_files(path: str, vanished_by_partition: dict[str, list[str]]) -> bool:
    directory, name = path.rsplit("/", 1)
    if not name.startswith("compacted-"):
        return False
    inputs = vanished_by_partition.get(directory, [])
    digest = hashlib.sha1("\n".join(sorted(inputs)).encode()).hexdigest()[:16]
    return name == f"compacted-{digest}.parquet"


def _first_readings(paths: list[str]) -> pa.Table:
    """Each file's readings' devices and times (only those two columns are read)."""
    tables = []
    for path in paths:
        with fsspec.open(path, "rb") as handle:
            table = pq.read_table(handle, columns=["device_id", "ts_utc"])
        tables.append(table.append_column("path", pa.array([path] * table.num_rows)))
    return pa.concat_tables(tables, promote_options="default")


def _earliest_reading_utc(path: str) -> dt.datetime | None:
    """The file's earliest reading time from its footer's statistics (no data read); None
    when a row group has none."""
    with fsspec.open(path, "rb") as handle:
        metadata = pq.ParquetFile(handle).metadata
    column = metadata.schema.names.index("ts_utc") if "ts_utc" in metadata.schema.names else -1
    earliest = None
    for group in range(metadata.num_row_groups):
        if column < 0 or metadata.row_group(group).num_rows == 0:
            continue
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            return None
        low = statistics.min
        low = low if low.tzinfo else low.replace(tzinfo=dt.UTC)
        earliest = low if earliest is None else min(earliest, low)
    return earliest


def find_late_data(connection: duckdb.DuckDBPyConnection, paths: list[str], *,
                   lookback_hours: float, power_max_gap_minutes: float,
                   max_bridge_hours: float) -> LateData:
    """From when the incremental models must recompute to take in the new files' readings.

    Files whose readings all fall inside the models' own lookback window are not late (their
    footers tell, without reading them). A late counter reading changes the step from the
    device's previous reading, so the recompute starts at the interval holding that previous
    reading (looked up in the built cleaned readings); a late power reading changes at most
    power_max_gap before it."""
    # in main in versions built before the layers had their own schemas
    cleaned = _qualified(connection, CLEANED_READINGS, ("intermediate", "main"))
    if not paths or cleaned is None:
        return LateData(len(paths), 0, None)
    [(lookback_start,)] = connection.execute(
        f"select max(ts_utc) - interval '{float(lookback_hours)} hours' "
        f"from {cleaned}").fetchall()
    if lookback_start is None:
        return LateData(len(paths), 0, None)
    candidates = []
    for path in paths:
        earliest = _earliest_reading_utc(path)
        if earliest is None or earliest < lookback_start:
            candidates.append(path)
    if not candidates:
        return LateData(len(paths), 0, None)
    connection.register("new_readings", _first_readings(candidates))
    try:
        [(late_files, recompute_from)] = connection.execute(f"""
            with late as (
                select path, device_id, min(ts_utc) as first_utc
                from new_readings group by path, device_id
                having min(ts_utc) < $lookback_start
            ),
            per_device as (
                select device_id, min(first_utc) as first_utc from late group by device_id
            ),
            previous as (
                select per_device.device_id, per_device.first_utc,
                    max(cleaned.ts_utc) as previous_utc
                from per_device
                left join {cleaned} as cleaned
                    on cleaned.device_id = per_device.device_id
                    and cleaned.ts_utc < per_device.first_utc
                    and cleaned.ts_utc >= per_device.first_utc
                        - interval '{float(max_bridge_hours)} hours'
                    and cleaned.step_kind != 'rejected'
                group by all
            )
            select
                (select count(distinct path) from late),
                time_bucket(interval '{INTERVAL_MINUTES} minutes',
                            min(least(coalesce(previous_utc, first_utc), first_utc
                                      - interval '{float(power_max_gap_minutes)} minutes')))
            from previous
        """, {"lookback_start": lookback_start}).fetchall()
    finally:
        connection.unregister("new_readings")
    return LateData(len(paths), int(late_files),
                    recompute_from.astimezone(dt.UTC) if recompute_from is not None else None)


def _qualified(connection: duckdb.DuckDBPyConnection, name: str,
               schemas: tuple[str, ...]) -> str | None:
    """schema.name of the first of `schemas` that holds table `name`; None if none does."""
    found = {schema for (schema,) in connection.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "and table_catalog = current_database()", [name]).fetchall()}
    return next((f"{schema}.{name}" for schema in schemas if schema in found), None)
