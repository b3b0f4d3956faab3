"""Build the warehouse: export reference data, then `dbt build` (the only writer of the file).

Paths come from the platform's one Settings object and reach dbt as environment variables
(PARK_DBT_DATABASE_PATH, PARK_LANDING_ROOT); dbt's own target/ and logs/ go under the data root,
so two parks (or two test runs) never share them. dbt never writes the published warehouse:
it builds a new version (a copy of the published one) that is published only when the build
succeeds (jobs/warehouse/published.py), and it takes in late landing files
(jobs/warehouse/late_data.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fsspec
import pyarrow as pa
import yaml

from device_io.setpoints.schema import AUDIT_SCHEMA
from jobs.admission.schemas import ADMISSIONS_SCHEMA
from jobs.assessment.schemas import ASSESSMENTS_SCHEMA
from jobs.common import landing
from jobs.common.dispatch_schemas import FORECASTS_SCHEMA, PLANS_SCHEMA
from jobs.common.settings import PROJECT_ROOT, Settings, join_path
from jobs.dispatch import line_forecast_file
from jobs.inbox.schemas import DATASETS
from jobs.quality.schemas import DQ_QUARANTINE_DATASET, DQ_QUARANTINE_SCHEMA
from jobs.valuation.schemas import VALUATION_DATASETS
from jobs.warehouse import build_inputs, folded_tests, late_data, published, warm_dbt
from jobs.warehouse.dbt_handle import release_dbt_duckdb_handle
from jobs.warehouse.reference import export_reference

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# Landing datasets the models read; an empty one gets a schema-only file so dbt can build.
LANDING_SCHEMAS: dict[str, pa.Schema] = {
    "readings": landing.READINGS_SCHEMA,
    **{dataset.name: dataset.schema for dataset in DATASETS.values()},
    DQ_QUARANTINE_DATASET: DQ_QUARANTINE_SCHEMA,
    "plans": PLANS_SCHEMA,
    "forecasts": FORECASTS_SCHEMA,
    line_forecast_file.DATASET: line_forecast_file.SCHEMA,
    "setpoint_audit": AUDIT_SCHEMA,
    **VALUATION_DATASETS,
    "admissions": ADMISSIONS_SCHEMA,
    "enterprise_assessments": ASSESSMENTS_SCHEMA,
}
EMPTY_PARTITION = "date=1970-01-01"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


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
    # the version file readers now open (None: nothing was published, the last good stays)
    published_version: str | None = None
    late: late_data.LateData | None = None
    # the sources whose files changed since the version was built, of which only the nodes
    # downstream ran (None: every node ran; jobs/warehouse/build_inputs.py)
    changed_inputs: list[str] | None = None
    copy_wait_s: float = 0.0  # what the copy of the published version added
    late_scan_s: float = 0.0
    publish_s: float = 0.0

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
        lines += ["", self.publication_line(), self.late_data_line(), self.inputs_line(),
                  f"Waited {self.copy_wait_s:.2f} s for the copy of the published version; "
                  f"landing manifest {self.late_scan_s:.2f} s; checkpoint and publish "
                  f"{self.publish_s:.2f} s."]
        if self.failed:
            lines += ["", "## Failures", ""]
            lines += [f"- `{n.unique_id}`: {n.status} ({n.failures or 0} rows) {n.message or ''}"
                      for n in self.failed]
        return "\n".join(lines)

    def publication_line(self) -> str:
        if self.published_version:
            return f"Published {self.published_version}."
        return "Nothing published: readers keep the last good version."

    def inputs_line(self) -> str:
        if self.changed_inputs is None:
            return "Nodes run: all (first build, project or vars changed, or a full build)."
        changed = ", ".join(self.changed_inputs) or "none"
        return (f"Nodes run: those downstream of the changed sources ({changed}) and the "
                "freshness test; the others' inputs did not change.")

    def late_data_line(self) -> str:
        if self.late is None:
            return "Late landing files: not looked for (full refresh, first build or --select)."
        start = self.late.recompute_from_utc
        if not self.late.late_files or start is None:
            return (f"Late landing files: none ({self.late.new_files} new file(s), all within "
                    "the incremental lookback).")
        return (f"Late landing files: {self.late.late_files} of {self.late.new_files} new "
                f"file(s) hold readings older than the lookback; incremental models "
                f"recomputed from {start:%Y-%m-%d %H:%M} UTC.")


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
def _dbt_environment(settings: Settings, database: Path) -> Iterator[None]:
    wanted = {"PARK_DBT_DATABASE_PATH": str(database),
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


def run_dbt(settings: Settings, command: str, *extra: str, database: Path | None = None):
    """Invoke dbt in-process with the park's paths; returns dbt's runner result.

    database: the DuckDB file dbt opens (for writing: dbt-duckdb has no read-only mode);
    default the published version, for commands that only read it (docs generate, show),
    which then hold it while they run."""
    Path(settings.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    if database is None:
        database = published.published_version(settings)
        if database is None:
            raise published.WarehouseNotPublishedError(
                f"no published warehouse at {settings.warehouse_path}: run `park build` first")
    with _dbt_environment(settings, database):
        try:
            return warm_dbt.invoke(dbt_args(settings, command, *extra), DBT_PROJECT_DIR)
        finally:
            release_dbt_duckdb_handle()


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
    """Build a new version (a copy of the published one), publish it only if dbt succeeded.

    Tests with severity warn (a stale landing source) publish with the warning in the
    report; a failing (error) test or a model error publishes nothing."""
    started = time.perf_counter()
    try:
        requested_from = _parse_rebuild_from(rebuild_from)
    except ValueError as error:
        return BuildReport(False, time.perf_counter() - started, [
            NodeResult("rebuild_from", "argument", "error", str(error), None, 0.0)])
    published.remove_old_versions(settings)  # the leftovers of a killed build
    # the copy runs while the reference data is exported and dbt starts up
    version = published.VersionCopy(settings, empty=full_refresh and not select)
    report = BuildReport(False, 0.0)
    try:
        export_reference(settings)
        ensure_landing_datasets(settings)
        from dbt.cli.main import dbtRunner  # noqa: F401  (its import overlaps the copy)

        building = version.wait()
        report.copy_wait_s = version.waited_s
        scan_started = time.perf_counter()
        landed = late_data.scan_landing(settings.landing_root)
        all_vars = {**_project_vars(), **(vars_ or {})}
        inputs = build_inputs.input_digests(DBT_PROJECT_DIR, settings.landing_root,
                                            dict(vars_ or {}))
        if not full_refresh and select is None:
            report.late = _find_late_data(building, landed, all_vars)
            if requested_from is None and not full_checks:
                report.changed_inputs = _changed_inputs(building, inputs)
        report.late_scan_s = time.perf_counter() - scan_started
        late_from = report.late.recompute_from_utc if report.late else None
        # the operator's --rebuild-from or the late files', whichever is earlier
        recompute_from = min(filter(None, (requested_from, late_from)), default=None)
        dbt_select = select
        if report.changed_inputs is not None:
            dbt_select = " ".join(build_inputs.selection(report.changed_inputs))
        result = run_dbt(settings, "build", *_build_options(
            quiet=quiet, full_refresh=full_refresh, select=dbt_select, unit_tests=unit_tests,
            vars_=vars_, full_checks=full_checks, recompute_from=recompute_from),
            database=building)
        report.nodes = _node_results(result)
        report.success = bool(result.success)
        if not report.success:
            _name_failed_checks(report, result, building)
        if report.success:
            publish_started = time.perf_counter()
            # an operator's partial build has not taken in every file
            if select is None:
                with duckdb.connect(str(building)) as connection:
                    late_data.write_manifest(connection, landed)
                    build_inputs.write_state(connection, inputs)
            published.checkpoint(building)
            report.published_version = str(published.publish(settings, building))
            report.publish_s = time.perf_counter() - publish_started
    finally:
        if report.published_version is None:
            version.cancel()
            published.discard(version.path)
        report.duration_s = time.perf_counter() - started
    return report


def _project_vars() -> dict[str, object]:
    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle).get("vars") or {})


def _find_late_data(building: Path, landed: dict[str, late_data.LandedFile],
                    project_vars: dict[str, object]) -> late_data.LateData | None:
    if not building.exists():
        return None  # the first build: everything is new, and built whole
    with duckdb.connect(str(building)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        built = late_data.read_manifest(connection)
        if built is None:
            return None  # built before the manifest existed: its next build records one
        return late_data.find_late_data(
            connection, late_data.new_files(built, landed),
            lookback_hours=float(project_vars["lookback_hours"]),  # type: ignore[arg-type]
            power_max_gap_minutes=float(project_vars["power_max_gap_minutes"]),  # type: ignore[arg-type]
            max_bridge_hours=float(project_vars["max_bridge_hours"]))  # type: ignore[arg-type]


def _changed_inputs(building: Path, inputs: dict[str, str]) -> list[str] | None:
    if not building.exists():
        return None
    with duckdb.connect(str(building), read_only=True) as connection:
        return build_inputs.changed_inputs(build_inputs.read_state(connection), inputs)


def _parse_rebuild_from(rebuild_from: str | None) -> dt.datetime | None:
    """The operator's --rebuild-from: a UTC date (from its midnight) or a UTC time."""
    if not rebuild_from:
        return None
    try:
        requested = dt.datetime.fromisoformat(rebuild_from)
    except ValueError:
        raise ValueError(f"--rebuild-from {rebuild_from!r} is not a UTC date (YYYY-MM-DD) or "
                         "time (YYYY-MM-DDTHH:MM): nothing was built") from None
    return requested.replace(tzinfo=requested.tzinfo or dt.UTC)


def _build_options(*, quiet: bool, full_refresh: bool, select: str | None, unit_tests: bool,
                   vars_: dict[str, object] | None, full_checks: bool,
                   recompute_from: dt.datetime | None) -> list[str]:
    import json

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
    extra += folded_tests.exclusions(bool(all_vars.get("full_checks")))
    if not all_vars.get("full_checks"):
        # dbt's file log at debug level writes every statement of every node: 0.3-0.9 CPU-s
        # of a warm hourly build (docs/warehouse_speed.md); each node's start and end, its
        # warnings, failures and errors stay in logs/dbt.log (info), and the nightly build
        # logs everything as before
        extra += ["--log-level-file", "info"]
    if recompute_from is not None:
        all_vars["rebuild_from"] = recompute_from.astimezone(dt.UTC).isoformat(sep=" ")
    if all_vars:
        extra += ["--vars", json.dumps(all_vars)]
    return extra


def _name_failed_checks(report: BuildReport, result, building: Path) -> None:
    """A failed folded test's message names the checks that failed (jobs/warehouse/
    folded_tests.py), not only how many rows."""
    failed = [(r.node.unique_id, r.node.compiled_code)
              for r in getattr(result.result, "results", None) or []
              if str(r.status) == "fail" and r.node.compiled_code
              # a unit test's node has no test_metadata: only data tests are folded
            and getattr(getattr(r.node, "test_metadata", None), "name", None)
            == folded_tests.FOLDED_TEST]
    if not failed or not building.exists():
        return
    explained = folded_tests.explain_failures(building, failed)
    for node in report.nodes:
        if explained.get(node.unique_id):
            node.message = f"{node.message}: {explained[node.unique_id]}"


def _node_results(result) -> list[NodeResult]:
    nodes = []
    for node_result in getattr(result.result, "results", None) or []:
        node = node_result.node
        # a unit test's diff comes coloured for a terminal: the report is read as text
        message = (ANSI_ESCAPE.sub("", node_result.message)
                   if node_result.message is not None else None)
        nodes.append(NodeResult(node.unique_id, node.resource_type, str(node_result.status),
                                message, node_result.failures,
                                node_result.execution_time))
    if result.exception is not None:
        nodes.append(NodeResult("dbt", "invocation", "error", str(result.exception), None, 0.0))
    return nodes
