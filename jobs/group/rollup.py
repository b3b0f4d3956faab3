"""The group rollup: stage every listed park's exported partitions (a bad or missing one
leaves that park out, reported), then build and publish the group's DuckDB file.

    run_group_rollup(parks, group_root, warehouse_path) -> RollupSummary

`parks` is a list of park ids or a ParkRegistry (its parks, in order); `group_root` the
group's store (a path or an fsspec URL, as the exports used); `warehouse_path` the group's
local DuckDB file (published as a symlink to its current version, like a park's)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jobs.common.parks import ParkRegistry
from jobs.group.build import build_group_warehouse, exclusive_rollup
from jobs.group.stage import PartitionProblem, stage_partitions


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

    @property
    def total_s(self) -> float:
        return self.stage_s + self.build_s

    def summary_markdown(self) -> str:
        lines = [f"Group rollup: {len(self.included)} of {self.parks_asked} park(s) included, "
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


def run_group_rollup(parks: ParkRegistry | Iterable[str], group_root: str,
                     warehouse_path: str | Path) -> RollupSummary:
    """Stage and build; raises GroupRollupError when no park could be included or dbt failed
    (the last good group file stays published). Parks left out are in the summary."""
    ids = park_ids(parks)
    warehouse = Path(warehouse_path)
    work = warehouse.with_name(warehouse.name + ".work")
    with exclusive_rollup(warehouse):
        started = time.perf_counter()
        staged = stage_partitions(ids, group_root, work / "stage")
        summary = RollupSummary(len(ids), staged.included, staged.problems,
                                stage_s=time.perf_counter() - started)
        if not staged.included:
            raise GroupRollupError("no park's partitions could be read, nothing published:\n"
                                   + "\n".join(p.line() for p in staged.problems))
        started = time.perf_counter()
        build = build_group_warehouse(staged.folder, warehouse, work)
        summary.build_s = time.perf_counter() - started
    if not build.success:
        raise GroupRollupError("the group dbt build failed, the last good group warehouse "
                               "stays published:\n" + "\n".join(build.failed))
    summary.published_version = build.published_version
    return summary
