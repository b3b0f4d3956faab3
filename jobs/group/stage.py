"""Before the group build: each park's partitions, read from the group's store through fsspec
(the production path, local or s3://) and checked, copied to a local folder dbt reads.

Incremental: a park whose manifest is the one the published group warehouse was built from is
not read again; its staged copy stays (`built`, below). A park whose partition is missing,
unreadable, lacks a column the group reads or holds a non-finite number is left out whole
(all its marts, so no group total counts it in one mart and not in another) and reported: the
park, the file and why. The other parks go on."""

from __future__ import annotations

import hashlib
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

# the staged list of parks (dim_group_parks): every park asked for, in or out, and why, with
# the fingerprint of the manifest its rows came from (what the next rollup compares against)
PARKS_SCHEMA = pa.schema([("park_id", pa.string()), ("included", pa.bool_()),
                          ("problem", pa.string()), ("exported_at_utc", pa.string()),
                          ("source_version", pa.string()), ("name_zh", pa.string()),
                          ("name_en", pa.string()), ("manifest_sha256", pa.string()),
                          ("rebuilt", pa.bool_())])


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
    changed: list[str] = field(default_factory=list)  # included parks read and staged anew
    removed: list[str] = field(default_factory=list)  # staged before, not included now


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


def _read_manifest(group_root: str, park_id: str) -> tuple[dict, str | None]:
    """The manifest and the SHA-256 of its bytes; ({}, None) without a readable one."""
    fs, path = fsspec.core.url_to_fs(manifest_url(group_root, park_id))
    try:
        payload = fs.cat_file(path)
        value = json.loads(payload)
    except (FileNotFoundError, ValueError):
        return {}, None  # the marts are what counts; the manifest only dates them
    if not isinstance(value, dict):
        return {}, None
    return value, hashlib.sha256(payload).hexdigest()


def _staged_file(folder: Path, mart: str, park_id: str) -> Path:
    return folder / mart / f"park_id={park_id}" / PARTITION_FILE


def _unstage(folder: Path, park_id: str) -> None:
    for mart in GROUP_MARTS:
        shutil.rmtree(_staged_file(folder, mart, park_id).parent, ignore_errors=True)


def _staged_parks(folder: Path) -> set[str]:
    return {path.name.removeprefix("park_id=") for mart in GROUP_MARTS
            for path in (folder / mart).glob("park_id=*")}


def stage_partitions(park_ids: list[str], group_root: str, folder: Path,
                     built: dict[str, str] | None = None) -> Staged:
    """Bring `folder` up to date with the parks' exports, in the layout the group dbt project
    reads: `<folder>/<mart>/park_id=<id>/data.parquet` and `<folder>/_parks/data.parquet`.

    `built`: park -> the manifest SHA-256 the published group warehouse was built from. A park
    whose manifest is byte-for-byte that one, and whose staged copy is whole, is not read
    again (the export writes its manifest last, so an unchanged manifest is an unchanged
    export); every other park is read, checked and staged anew (`changed`). A park left out,
    or no longer asked for, is removed from the folder, so the staging views never show it."""
    built = built or {}
    folder.mkdir(parents=True, exist_ok=True)
    staged = Staged(folder)
    rows = []
    for park_id in park_ids:
        # the manifest before the marts: an export landing in between leaves an old
        # fingerprint over new marts, which the next rollup then reads again
        manifest, fingerprint = _read_manifest(group_root, park_id)
        unchanged = fingerprint is not None and built.get(park_id) == fingerprint and all(
            _staged_file(folder, mart, park_id).is_file() for mart in GROUP_MARTS)
        problem = None
        if not unchanged:
            tables: dict[str, pa.Table] = {}
            for mart, needed in GROUP_MARTS.items():
                url = partition_url(group_root, mart, park_id)
                try:
                    tables[mart] = _read_partition(url, needed)
                except ValueError as exc:
                    problem = PartitionProblem(park_id, url, str(exc))
                    break
            if problem is None:
                for mart, table in tables.items():
                    landing.write_atomically(str(_staged_file(folder, mart, park_id)),
                                             landing.serialise_parquet(table))
                staged.changed.append(park_id)
        if problem is None:
            staged.included.append(park_id)
        else:
            _unstage(folder, park_id)
            staged.problems.append(problem)
        rows.append({"park_id": park_id, "included": problem is None,
                     "problem": None if problem is None else f"{problem.where}: {problem.why}",
                     "exported_at_utc": manifest.get("exported_at_utc"),
                     "source_version": manifest.get("source_version"),
                     "name_zh": manifest.get("name_zh"), "name_en": manifest.get("name_en"),
                     "manifest_sha256": fingerprint if problem is None else None,
                     "rebuilt": park_id in staged.changed})
    for park_id in sorted(_staged_parks(folder) - set(staged.included)):
        _unstage(folder, park_id)  # no longer in the registry
    staged.removed = sorted(set(built) - set(staged.included))
    landing.write_atomically(str(folder / MANIFESTS / PARTITION_FILE), landing.serialise_parquet(
        pa.Table.from_pylist(rows, schema=PARKS_SCHEMA)))
    return staged
