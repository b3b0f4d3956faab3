"""Build the warehouse: export reference data, then `dbt build` (the only writer of the file).

Paths come from the platform's one Settings object and reach dbt as environment variables
(PARK_WAREHOUSE_PATH, PARK_LANDING_ROOT); dbt's own target/ and logs/ go under the data root,
so two parks (or two test runs) never share them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import pyarrow as pa

from device_io.setpoints.schema import AUDIT_SCHEMA
from jobs.common import landing
from jobs.common.settings import PROJECT_ROOT, Settings, join_path
from jobs.dispatch.schemas import FORECASTS_SCHEMA, PLANS_SCHEMA
from jobs.inbox.schemas import DATASETS
from jobs.quality.schemas import DQ_QUARANTINE_DATASET, DQ_QUARANTINE_SCHEMA
from jobs.valuation.schemas import VALUATION_DATASETS
from jobs.warehouse.reference import export_reference

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# Landing datasets the models read; an empty one gets a schema-only file so dbt can build.
LANDING_SCHEMAS: dict[str, pa.Schema] = {
    "readings": landing.READINGS_SCHEMA,
    **{dataset.name: dataset.schema for dataset in DATASETS.values()},
    DQ_QUARANTINE_DATASET: DQ_QUARANTINE_SCHEMA,
    "plans": PLANS_SCHEMA,
    "forecasts": FORECASTS_SCHEMA,
    "setpoint_audit": AUDIT_SCHEMA,
    **VALUATION_DATASETS,
}
EMPTY_PARTITION = "date=1970-01-01"


@dataclass
class NodeResult:
    unique_id: str
    resource_type: str
    status: str
    message: str | None
    failures: int | None
    execution_time_s: float


@dataclass
class BuildReport:
    success: bool
    duration_s: float
    nodes: list[NodeResult] = field(default_factory=list)

    def count(self, resource_type: str) -> Counter[str]:
        return Counter(n.status for n in self.nodes if n.resource_type == resource_type)

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "runtime error")]

    def summary_markdown(self) -> str:
        lines = [f"# Warehouse build: {'succeeded' if self.success else 'FAILED'} "
                 f"in {self.duration_s:.1f} s", "",
                 "| kind | " + " | ".join(["success", "pass", "warn", "fail", "error", "skipped"])
                 + " |", "|---" * 7 + "|"]
        for kind in ("model", "seed", "test"):
            counts = self.count(kind)
            lines.append(f"| {kind} | " + " | ".join(str(counts.get(s, 0)) for s in (
                "success", "pass", "warn", "fail", "error", "skipped")) + " |")
        if self.failed:
            lines += ["", "## Failures", ""]
            lines += [f"- `{n.unique_id}`: {n.status} ({n.failures or 0} rows) {n.message or ''}"
                      for n in self.failed]
        return "\n".join(lines)


def ensure_landing_datasets(settings: Settings) -> None:
    """Give every dataset the models read at least a schema-only file (a fresh park has none)."""
    for dataset, schema in LANDING_SCHEMAS.items():
        root = join_path(settings.landing_root, dataset)
        fs, path = fsspec.core.url_to_fs(root)
        if fs.exists(path) and fs.glob(f"{path}/date=*/*.parquet"):
            continue
        landing.write_atomically(f"{root}/{EMPTY_PARTITION}/_schema.parquet",
                                 landing.serialise_parquet(schema.empty_table()))


@contextlib.contextmanager
def _dbt_environment(settings: Settings) -> Iterator[None]:
    wanted = {"PARK_WAREHOUSE_PATH": settings.warehouse_path,
              "PARK_LANDING_ROOT": settings.landing_root,
              "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_args(settings: Settings, command: str, *extra: str) -> list[str]:
    """`command` may be two words ("docs generate"); options follow it."""
    work = Path(settings.data_root) / "dbt"
    return [*command.split(), "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(work / "target"), "--log-path",
            str(work / "logs"), *extra]


def run_dbt(settings: Settings, command: str, *extra: str):
    """Invoke dbt in-process with the park's paths; returns dbt's runner result."""
    from dbt.cli.main import dbtRunner

    Path(settings.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with _dbt_environment(settings):
        try:
            return dbtRunner().invoke(dbt_args(settings, command, *extra))
        finally:
            _release_warehouse()


def _release_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB handle open for the life of the process (a class-level
    environment). Close it, so this process and others can open the file read-only after a
    build: dbt writes, everybody else reads."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


class WarehouseBusyError(RuntimeError):
    """Another build held the warehouse for longer than we were willing to wait."""


@contextlib.contextmanager
def exclusive_build(settings: Settings, wait_s: float = 1800.0) -> Iterator[None]:
    """One dbt build at a time per warehouse file, whichever deployment or shell started it:
    an advisory lock beside the file (`<warehouse>.build.lock`); a second build waits for the
    first (up to wait_s) instead of failing on DuckDB's own file lock halfway through."""
    import fcntl

    lock_path = Path(f"{settings.warehouse_path}.build.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"{settings.warehouse_path} is being built by another process "
                        f"(lock {lock_path} held for over {wait_s:.0f} s)") from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_warehouse(settings: Settings, *, full_refresh: bool = False,
                    rebuild_from: str | None = None, select: str | None = None,
                    vars_: dict[str, object] | None = None, quiet: bool = False,
                    unit_tests: bool = True, full_checks: bool = False) -> BuildReport:
    """Export reference data, then `dbt build`; a failing test makes success False.

    unit_tests=False leaves out dbt's unit tests (fixed fixtures, not this park's data): the
    scheduled builds skip them, as dbt advises for production; the test suite and
    `park build` run them. full_checks=True runs the data tests that are limited to recent
    rows in a normal build (uniqueness of the reading-grain model) over all rows (nightly)."""
    with exclusive_build(settings):
        return _build(settings, full_refresh=full_refresh, rebuild_from=rebuild_from,
                      select=select, vars_=vars_, quiet=quiet, unit_tests=unit_tests,
                      full_checks=full_checks)


def _build(settings: Settings, *, full_refresh: bool, rebuild_from: str | None,
           select: str | None, vars_: dict[str, object] | None, quiet: bool,
           unit_tests: bool, full_checks: bool) -> BuildReport:
    import json

    started = time.perf_counter()
    export_reference(settings)
    ensure_landing_datasets(settings)
    extra: list[str] = ["--quiet"] if quiet else []
    if full_refresh:
        extra.append("--full-refresh")
    if select:
        extra += ["--select", select]
    if not unit_tests:
        extra += ["--exclude-resource-type", "unit_test"]
    all_vars = dict(vars_ or {})
    if full_checks:
        all_vars["full_checks"] = True
    if rebuild_from:
        all_vars["rebuild_from"] = rebuild_from
    if all_vars:
        extra += ["--vars", json.dumps(all_vars)]
    result = run_dbt(settings, "build", *extra)
    nodes = []
    for node_result in getattr(result.result, "results", None) or []:
        node = node_result.node
        nodes.append(NodeResult(node.unique_id, node.resource_type, str(node_result.status),
                                node_result.message, node_result.failures,
                                node_result.execution_time))
    if result.exception is not None:
        nodes.append(NodeResult("dbt", "invocation", "error", str(result.exception), None, 0.0))
    return BuildReport(bool(result.success), time.perf_counter() - started, nodes)
