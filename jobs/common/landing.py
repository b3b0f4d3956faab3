"""The landing zone: immutable Parquet files under `<root>/<dataset>/date=YYYY-MM-DD/`.

Every producer (poller, history generator, forecasts, plans, setpoint audit) writes here and
only here. A file becomes visible whole or not at all: on a local disk it is written to a hidden
temp name, fsynced and renamed; on an object store (any fsspec URL) a single PUT is atomic.
Readers glob `*.parquet`, which never matches a temp name. A writer killed before its rename
leaves its temp file behind; `sweep_stale_temp_files` removes those once they are old enough
that no live writer can still own them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import time
import uuid
from collections.abc import Iterable

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

READINGS_SCHEMA = pa.schema([
    pa.field("ts_utc", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("device_id", pa.string(), nullable=False),
    pa.field("point", pa.string(), nullable=False),
    pa.field("value", pa.float64()),
    pa.field("quality", pa.string(), nullable=False),
    pa.field("cycle_id", pa.string(), nullable=False),
    pa.field("detail", pa.string()),
])
READINGS_KEY = ("ts_utc", "device_id", "point")
_TEMP_PREFIX = ".tmp-"
# A temp file this old belongs to a writer that died: live writes take seconds.
STALE_TEMP_AFTER_S = 3600.0


def partition_dir(landing_root: str, dataset: str, day: dt.date) -> str:
    return f"{landing_root.rstrip('/')}/{dataset}/date={day.isoformat()}"


def serialise_parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def write_synced_temp(parent: str, payload: bytes) -> str:
    """A hidden temp file in the local folder `parent`, written and fsynced: renamed or
    linked into place by the caller, swept if the caller dies first."""
    temp = f"{parent}/{_TEMP_PREFIX}{uuid.uuid4().hex}"
    with open(temp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def write_atomically(path: str, payload: bytes) -> None:
    """Make `path` appear with `payload`, whole, or not at all."""
    fs, fs_path = fsspec.core.url_to_fs(path)
    parent = fs_path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    if isinstance(fs, LocalFileSystem):
        temp = write_synced_temp(parent, payload)
        os.replace(temp, fs_path)
        directory = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself must survive a power cut
        finally:
            os.close(directory)
    else:
        fs.pipe_file(fs_path, payload)


def write_partitioned(landing_root: str, dataset: str, table: pa.Table, file_stem: str,
                      ts_column: str = "ts_utc") -> list[str]:
    """Write one file per UTC date present in the table; returns the paths written."""
    if table.num_rows == 0:
        return []
    dates = pc.cast(pc.cast(table[ts_column], pa.timestamp("us", tz="UTC")), pa.date32())
    paths = []
    for day in pc.unique(dates).to_pylist():
        rows = table.filter(pc.equal(dates, pa.scalar(day, pa.date32())))
        path = f"{partition_dir(landing_root, dataset, day)}/{file_stem}.parquet"
        write_atomically(path, serialise_parquet(rows))
        paths.append(path)
    return paths


def list_partition_files(landing_root: str, dataset: str, day: dt.date) -> list[str]:
    fs, directory = _fresh_listing(partition_dir(landing_root, dataset, day))
    if not fs.exists(directory):
        return []
    names = [p for p in fs.ls(directory, detail=False) if p.endswith(".parquet")]
    protocol = _protocol_prefix(landing_root)
    return sorted(protocol + p for p in names)


def list_partition_dates(landing_root: str, dataset: str) -> list[dt.date]:
    fs, directory = _fresh_listing(f"{landing_root.rstrip('/')}/{dataset}")
    if not fs.exists(directory):
        return []
    dates = []
    for entry in fs.ls(directory, detail=False):
        name = entry.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("date="):
            dates.append(dt.date.fromisoformat(name.removeprefix("date=")))
    return sorted(dates)


def _fresh_listing(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The file system and path, with any listing s3fs cached in this process dropped: other
    processes write the landing zone, and a long-lived reader must see their files."""
    fs, path = fsspec.core.url_to_fs(url)
    fs.invalidate_cache(path)
    return fs, path


def _protocol_prefix(url: str) -> str:
    return url.split("://", 1)[0] + "://" if "://" in url else ""


def read_files(paths: Iterable[str]) -> pa.Table:
    tables = []
    for path in paths:
        with fsspec.open(path, "rb") as handle:
            tables.append(pq.read_table(handle))
    if not tables:
        return READINGS_SCHEMA.empty_table()
    return pa.concat_tables(tables, promote_options="default")


def read_dataset(landing_root: str, dataset: str, days: Iterable[dt.date] | None = None
                 ) -> pa.Table:
    """Every row of a dataset (or of some days): for tests, tools and small parks."""
    wanted = list(days) if days is not None else list_partition_dates(landing_root, dataset)
    paths = [p for day in wanted for p in list_partition_files(landing_root, dataset, day)]
    return read_files(paths)


def sweep_stale_temp_files(directory: str, older_than_s: float = STALE_TEMP_AFTER_S,
                           now_unix_s: float | None = None) -> list[str]:
    """Delete `.tmp-*` files under `directory` (recursively) last modified more than
    `older_than_s` ago; returns their paths. Object stores have no temp files (one PUT)."""
    fs, root = fsspec.core.url_to_fs(directory)
    if not isinstance(fs, LocalFileSystem) or not os.path.isdir(root):
        return []
    cutoff = (time.time() if now_unix_s is None else now_unix_s) - older_than_s
    removed = []
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.startswith(_TEMP_PREFIX):
                continue
            path = os.path.join(folder, name)
            with contextlib.suppress(FileNotFoundError):  # renamed or swept meanwhile
                if os.stat(path).st_mtime < cutoff:
                    os.remove(path)
                    removed.append(path)
    return removed


def delete_files(paths: Iterable[str]) -> None:
    for path in paths:
        fs, fs_path = fsspec.core.url_to_fs(path)
        fs.rm(fs_path)
