"""Build the group's DuckDB file with the group dbt project (dbt_project/group) from the staged
partitions, into a new version published only when dbt succeeded (the park warehouse's
mechanism, jobs/warehouse/published.py: readers keep the last good file meanwhile, and an
analyst's open connection never blocks the rollup). The new version starts as a copy of the
published one and the park-grain marts are incremental, keyed by park: dbt rewrites only the
rows of the parks whose export changed (and drops those of parks no longer included); the
group totals and the league table are rebuilt from the park-grain marts, which are small."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.common.settings import PROJECT_ROOT
from jobs.warehouse import published
from jobs.warehouse.dbt_handle import release_dbt_duckdb_handle

GROUP_DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project" / "group"


class GroupBusyError(RuntimeError):
    """Another rollup is building this group warehouse."""


@dataclass
class GroupBuild:
    success: bool
    published_version: str | None
    failed: list[str] = field(default_factory=list)  # "<node>: <message>"


@contextlib.contextmanager
def _environment(database: Path, stage: Path) -> Iterator[None]:
    """The paths reach dbt's profile and sources as environment variables (dbt renders
    profiles from the environment); restored afterwards, as the process may build parks too."""
    wanted = {"PARK_GROUP_DATABASE_PATH": str(database), "PARK_GROUP_STAGE_ROOT": str(stage),
              "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    before = {key: os.environ[key] for key in wanted if key in os.environ}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key in wanted:
            os.environ.pop(key, None)
        os.environ.update(before)


@contextlib.contextmanager
def exclusive_rollup(warehouse_path: Path) -> Iterator[None]:
    """One rollup at a time per group file (a flock beside it; the kernel releases it when a
    rollup dies). A second one is refused at once: the next scheduled one catches up."""
    lock_path = Path(f"{warehouse_path}.build.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GroupBusyError(f"{warehouse_path} is being built by another rollup "
                                 f"(lock {lock_path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class ParkChanges:
    """What a rollup rebuilds: the included parks and, of them, the ones read anew."""
    included: list[str]
    changed: list[str]
    rollup_id: str  # written into every row the build (re)writes
    full_refresh: bool = False


def build_group_warehouse(stage: Path, warehouse_path: Path, work: Path,
                          changes: ParkChanges) -> GroupBuild:
    """`dbt build` of the group project over `stage`; `work` holds dbt's target/ and logs/."""
    from dbt.cli.main import dbtRunner

    version = published.VersionCopy(str(warehouse_path), empty=changes.full_refresh)
    building = version.path
    variables = {"included_parks": changes.included, "changed_parks": changes.changed,
                 "rollup_id": changes.rollup_id}
    args = ["build", "--project-dir", str(GROUP_DBT_PROJECT_DIR), "--profiles-dir",
            str(GROUP_DBT_PROJECT_DIR), "--target-path", str(work / "target"), "--log-path",
            str(work / "logs"), "--quiet", "--vars", json.dumps(variables)]
    if changes.full_refresh:
        args.append("--full-refresh")
    try:
        version.wait()
        with _environment(building, stage):
            try:
                result = dbtRunner().invoke(args)
            finally:
                release_dbt_duckdb_handle()
        results: Any = result.result  # `build` returns a RunExecutionResult (typed as a union)
        failed = [f"{node.node.unique_id}: {node.status} {node.message or ''}".strip()
                  for node in (results or [])
                  if str(node.status) in ("error", "fail", "runtime error")]
        if not result.success:
            if not failed:
                failed = [f"dbt: {result.exception}"]
            published.discard(building)
            return GroupBuild(False, None, failed)
        published.checkpoint(building)
        return GroupBuild(True, str(published.publish(str(warehouse_path), building)))
    except BaseException:
        version.cancel()
        published.discard(building)
        raise
