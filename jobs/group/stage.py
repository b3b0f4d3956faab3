"""Before the group build: each park's partitions, read from the group's store through fsspec
(the production path, local or s3://) and checked, copied to a local folder dbt reads.

A park whose partition is missing, unreadable, lacks a column the group reads or holds a
non-finite number is left out whole (all its marts, so no group total counts it in one mart
and not in another) and reported: the park, the file and why. The other parks go on."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from jobs.common import landing
from jobs.group.export import non_finite_columns
from jobs.group.marts import GROUP_MARTS, MANIFESTS, PARTITION_FILE, manifest_url, partition_url

# the staged list of parks (dim_group_parks): every park asked for, in or out, and why
PARKS_SCHEMA = pa.schema([("park_id", pa.string()), ("included", pa.bool_()),
                          ("problem", pa.string()), ("exported_at_utc", pa.string()),
                          ("source_version", pa.string())])


@dataclass(frozen=True)
class PartitionProblem:
    park_id: str
    where: str  # the file (URL) or the manifest
    why: str

    def line(self) -> str:
        return f"park {self.park_id}: {self.where}: {self.why}"


@dataclass
class Staged:
    folder: Path
    included: list[str] = field(default_factory=list)
    problems: list[PartitionProblem] = field(default_factory=list)


def _read_partition(url: str, needed: tuple[str, ...]) -> pa.Table:
    fs, path = fsspec.core.url_to_fs(url)
    try:
        payload = fs.cat_file(path)
    except FileNotFoundError:
        raise ValueError("no such partition: the park has not been exported") from None
    try:
        table = pq.read_table(io.BytesIO(payload))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"not a readable Parquet file ({exc})") from None
    missing = [column for column in needed if column not in table.column_names]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}")
    if bad := non_finite_columns(table):
        raise ValueError(f"non-finite numbers in {', '.join(bad)}")
    return table


def _read_manifest(group_root: str, park_id: str) -> dict:
    fs, path = fsspec.core.url_to_fs(manifest_url(group_root, park_id))
    try:
        value = json.loads(fs.cat_file(path))
    except (FileNotFoundError, ValueError):
        return {}  # the marts are what counts; the manifest only dates them
    return value if isinstance(value, dict) else {}


def stage_partitions(park_ids: list[str], group_root: str, folder: Path) -> Staged:
    """Copy the good parks' partitions to `folder` (emptied first), in the layout the group
    dbt project reads: `<folder>/<mart>/park_id=<id>/data.parquet` and `<folder>/_parks/`."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    staged = Staged(folder)
    rows = []
    for park_id in park_ids:
        tables: dict[str, pa.Table] = {}
        problem = None
        for mart, needed in GROUP_MARTS.items():
            url = partition_url(group_root, mart, park_id)
            try:
                tables[mart] = _read_partition(url, needed)
            except ValueError as exc:
                problem = PartitionProblem(park_id, url, str(exc))
                break
        manifest = _read_manifest(group_root, park_id)
        if problem is None:
            for mart, table in tables.items():
                target = folder / mart / f"park_id={park_id}" / PARTITION_FILE
                landing.write_atomically(str(target), landing.serialise_parquet(table))
            staged.included.append(park_id)
        else:
            staged.problems.append(problem)
        rows.append({"park_id": park_id, "included": problem is None,
                     "problem": None if problem is None else f"{problem.where}: {problem.why}",
                     "exported_at_utc": manifest.get("exported_at_utc"),
                     "source_version": manifest.get("source_version")})
    landing.write_atomically(str(folder / MANIFESTS / PARTITION_FILE), landing.serialise_parquet(
        pa.Table.from_pylist(rows, schema=PARKS_SCHEMA)))
    return staged
