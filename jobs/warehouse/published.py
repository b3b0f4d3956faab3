"""The published warehouse: readers read the last good build, the build writes the next one.

`<data root>/warehouse.duckdb` (Settings.warehouse_path) is a symlink to one version file in
`warehouse.versions/` beside it. A build copies the published version to a new file, runs dbt
on the copy, checkpoints it (no .wal left) and switches the symlink with an atomic rename.
Readers opened before the switch keep reading their version (on Linux an unlinked file stays
readable while open); readers opened after it see the new one. DuckDB's file lock therefore
never stands between a reader and the build: they never open the same file for writing.
Analysts keep using `duckdb -readonly <data root>/warehouse.duckdb`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb

from jobs.common.settings import Settings

VERSIONS_SUFFIX = ".versions"
BUILDING_SUFFIX = ".building"
# Marts are in main; staging views, intermediate tables and reference seeds have their own
# schemas (dbt_project.yml). Platform code names the schema (`staging.stg_…`); this path keeps
# the unqualified names the scorecards and the valuation still use working.
# TODO(lead): drop all but main once jobs/scorecards and jobs/valuation name their schemas.
READER_SEARCH_PATH = ("main", "staging", "intermediate", "reference")
# published + the one before it (the last good version to roll back to)
KEEP_VERSIONS = 2


class WarehouseNotPublishedError(FileNotFoundError):
    """No build has published a warehouse at this path yet."""


def published_path(where: Settings | str) -> Path:
    return Path(where.warehouse_path if isinstance(where, Settings) else where)


def versions_dir(where: Settings | str) -> Path:
    published = published_path(where)
    return published.with_name(published.name + VERSIONS_SUFFIX)


def published_version(where: Settings | str) -> Path | None:
    """The version file readers open now (a pre-versioning plain file is its own version)."""
    published = published_path(where)
    if not published.exists():
        return None
    return published.resolve()


def connect_published(where: Settings | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published version, the one way every reader opens the
    warehouse. The symlink is resolved first, so a connection opened after a publish sees the
    new version even while this process still holds one to the old (DuckDB caches database
    instances by path)."""
    for _ in range(3):
        version = published_version(where)
        if version is None:
            raise WarehouseNotPublishedError(
                f"no published warehouse at {published_path(where)}: run `park build` first")
        try:
            connection = duckdb.connect(str(version), read_only=True)
        except duckdb.IOException:
            # two publishes between resolving and opening removed that version: resolve again
            if version.exists():
                raise
            time.sleep(0.05)
            continue
        _set_search_path(connection)
        return connection
    raise WarehouseNotPublishedError(f"the published warehouse at {published_path(where)} "
                                     "changed under three successive opens")


def _set_search_path(connection: duckdb.DuckDBPyConnection) -> None:
    # DuckDB refuses a schema that does not exist (a version built before the schemas)
    present = {name for (name,) in connection.execute(
        "select schema_name from duckdb_schemas() where database_name = current_database()"
    ).fetchall()}
    path = ",".join(schema for schema in READER_SEARCH_PATH if schema in present)
    connection.execute(f"set search_path = '{path}'")


def new_version_path(where: Settings | str) -> Path:
    """`<versions>/<UTC stamp>-<pid>.building/<published name>`: every version file keeps the
    published file's name, so DuckDB gives it the same catalog name ("warehouse") and the
    views dbt wrote (which name their catalog) resolve in every version."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder = f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}{BUILDING_SUFFIX}"
    return versions_dir(where) / folder / published_path(where).name


class VersionCopy:
    """A new version file to build into, started as a copy of the published version
    (incremental models keep their state in the file) that runs in the background while the
    build prepares (reference export, dbt's start-up); wait() before dbt opens it."""

    def __init__(self, where: Settings | str, *, empty: bool) -> None:
        self.path = new_version_path(where)
        self.path.parent.mkdir(parents=True)
        self._process: subprocess.Popen | None = None
        self.waited_s = 0.0  # what the copy added to the build: the wait for it to finish
        source = published_version(where)
        if source is not None and not empty:
            # copy-on-write where the file system can (a reflink copies no data on XFS or
            # btrfs), else a kernel-side copy (copy_file_range)
            self._process = subprocess.Popen(
                ["cp", "--reflink=auto", "--", str(source), str(self.path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self) -> Path:
        if self._process is not None:
            started = time.perf_counter()
            _, error = self._process.communicate()
            if self._process.returncode != 0:
                raise OSError(f"copying the published warehouse to {self.path} failed: "
                              f"{error.decode(errors='replace').strip()}")
            self._process = None
            self.waited_s = time.perf_counter() - started
        return self.path

    def cancel(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


def checkpoint(version: Path) -> None:
    """Fold the write-ahead log into the file, so readers need nothing but the file."""
    with duckdb.connect(str(version)) as connection:
        connection.execute("checkpoint")
    wal = Path(f"{version}.wal")
    if wal.exists():
        raise RuntimeError(f"{wal} is still there after a checkpoint: not publishing {version}")


def publish(where: Settings | str, building: Path) -> Path:
    """Make `building` the published version: rename its folder to its final name, point a
    new symlink at it and rename that over the published path (atomic), then drop versions
    older than the last good one."""
    published = published_path(where)
    folder = building.parent
    final = folder.with_name(folder.name.removesuffix(BUILDING_SUFFIX)) / building.name
    os.replace(folder, final.parent)
    if published.exists() and not published.is_symlink():
        # a warehouse from before versioning: keep it, under its new name, as the last good one
        legacy = versions_dir(where) / "00000000T000000Z-legacy" / published.name
        legacy.parent.mkdir(exist_ok=True)
        legacy.unlink(missing_ok=True)  # a publish that died between the link and the switch
        os.link(published, legacy)
    link = published.with_name(f"{published.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(final.relative_to(published.parent))
    # no directory fsync: if a power cut loses the rename, the link still names the previous
    # version, which is kept, with the manifest it was built from
    os.replace(link, published)
    remove_old_versions(where)
    return final


def discard(building: Path) -> None:
    shutil.rmtree(building.parent, ignore_errors=True)


def remove_old_versions(where: Settings | str) -> None:
    """Keep the published version and the one before it; remove older ones and the leftovers
    of killed builds (called under the build lock, so no other build is writing one)."""
    directory = versions_dir(where)
    if not directory.is_dir():
        return
    current = published_version(where)
    finished = sorted((p for p in directory.iterdir()
                       if p.is_dir() and not p.name.endswith(BUILDING_SUFFIX)), reverse=True)
    keep = set(finished[:KEEP_VERSIONS]) | ({current.parent} if current else set())
    for path in directory.iterdir():
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)
    published = published_path(where)
    for link in published.parent.glob(f"{published.name}.*.link"):  # a publish killed midway
        link.unlink(missing_ok=True)

