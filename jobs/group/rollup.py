"""The group rollup: stage every listed park's exported partitions (a bad or missing one
leaves that park out, reported), then build and publish the group's DuckDB file.

    run_group_rollup(parks, group_root, warehouse_path, full_refresh=False) -> RollupSummary

Incremental: only the parks whose export's manifest differs from the one the published group
file was built from are read and rebuilt (`RollupSummary.rebuilt`); with no park changed and
none gone, nothing is built and the published file stays (`published_version` is it).

`parks` is a list of park ids or a ParkRegistry (its parks, in order); `group_root` the
group's store (a path or an fsspec URL, as the exports used); `warehouse_path` the group's
local DuckDB file (published as a symlink to its current version, like a park's)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jobs.common.parks import ParkRegistry
from jobs.group.build import ParkChanges, build_group_warehouse, exclusive_rollup
from jobs.group.stage import PartitionProblem, stage_partitions
from jobs.warehouse.published import connect_published, published_version


class GroupRollupError(RuntimeError):
    """The rollup could not publish a group warehouse (the message says why)."""


@dataclass
class RollupSummary:
    parks_asked: int
    included: list[str]
    problems: list[PartitionProblem] = field(default_factory=list)
    published_version: str | None = None
    stage_s: float = 0.0
    build_s: float = 0.0
    rebuilt: list[str] = field(default_factory=list)  # parks whose rows this rollup rewrote
    removed: list[str] = field(default_factory=list)  # parks whose rows it dropped

    @property
    def total_s(self) -> float:
        return self.stage_s + self.build_s

    def summary_markdown(self) -> str:
        lines = [f"Group rollup: {len(self.included)} of {self.parks_asked} park(s) included, "
                 f"{len(self.rebuilt)} rebuilt ({', '.join(self.rebuilt) or 'none'}), "
                 f"published {self.published_version} (staging {self.stage_s:.1f} s, "
                 f"dbt {self.build_s:.1f} s)."]
        if self.problems:
            lines += ["", "Left out:", ""] + [f"- {problem.line()}" for problem in self.problems]
        return "\n".join(lines)


def park_ids(parks: ParkRegistry | Iterable[str]) -> list[str]:
    ids = [entry.id for entry in parks.parks] if isinstance(parks, ParkRegistry) else list(parks)
    if not ids:
        raise GroupRollupError("no parks to roll up")
    if len(set(ids)) != len(ids):
        raise GroupRollupError(f"a park is listed twice: {ids}")
    return ids


def built_manifests(warehouse_path: Path) -> dict[str, str]:
    """park -> manifest SHA-256 the published group file holds rows from ({} without one, or
    from a file written before rollups were incremental: then every park is rebuilt)."""
    if published_version(str(warehouse_path)) is None:
        return {}
    with connect_published(str(warehouse_path)) as connection:
        columns = {name for (name,) in connection.execute(
            "select column_name from duckdb_columns() where table_name = 'dim_group_parks' "
            "and schema_name = 'main'").fetchall()}
        if "manifest_sha256" not in columns:
            return {}
        rows = connection.execute("select park_id, manifest_sha256 from main.dim_group_parks "
                                  "where included and manifest_sha256 is not null").fetchall()
    return dict(rows)


def run_group_rollup(parks: ParkRegistry | Iterable[str], group_root: str,
                     warehouse_path: str | Path, *, full_refresh: bool = False) -> RollupSummary:
    """Stage and build; raises GroupRollupError when no park could be included or dbt failed
    (the last good group file stays published). Parks left out are in the summary.
    full_refresh: read every park and rebuild every mart from nothing (after a change to the
    group models' columns)."""
    ids = park_ids(parks)
    warehouse = Path(warehouse_path)
    work = warehouse.with_name(warehouse.name + ".work")
    with exclusive_rollup(warehouse):
        started = time.perf_counter()
        built = {} if full_refresh else built_manifests(warehouse)
        staged = stage_partitions(ids, group_root, work / "stage", built)
        summary = RollupSummary(len(ids), staged.included, staged.problems,
                                stage_s=time.perf_counter() - started,
                                rebuilt=staged.changed, removed=staged.removed)
        if not staged.included:
            raise GroupRollupError("no park's partitions could be read, nothing published:\n"
                                   + "\n".join(p.line() for p in staged.problems))
        if built and not staged.changed and not staged.removed:
            # nothing changed since the published file was built: it stays as it is
            summary.published_version = str(published_version(str(warehouse)))
            return summary
        started = time.perf_counter()
        rollup_id = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        build = build_group_warehouse(staged.folder, warehouse, work, ParkChanges(
            staged.included, staged.changed, rollup_id, full_refresh=not built))
        summary.build_s = time.perf_counter() - started
    if not build.success:
        raise GroupRollupError("the group dbt build failed, the last good group warehouse "
                               "stays published:\n" + "\n".join(build.failed))
    summary.published_version = build.published_version
    return summary
