"""Prefect flow: check the landing data (Great Expectations), build the warehouse with dbt
into a new version that is published only when dbt succeeded (readers keep the last good one
meanwhile), check the marts' distributions (Great Expectations), then report what was
checked, built, tested and taken in late."""

from __future__ import annotations

import datetime as dt
import time

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import SKIPPED, one_run_per_park
from jobs.common.settings import load_settings
from jobs.group.hook import export_after_build
from jobs.quality.landing_checkpoint import run_landing_checkpoint
from jobs.quality.mart_checkpoint import MartQualityReport, run_mart_checkpoint
from jobs.quality.report import QualityReport
from jobs.warehouse import warm_dbt
from jobs.warehouse.build import BuildReport, build_warehouse


@task(name="landing-checkpoint", cache_policy=NO_CACHE)
def landing_checkpoint(days: list[dt.date], park: str | None) -> QualityReport:
    return run_landing_checkpoint(load_settings(park=park), days)


@task(name="mart-checkpoint", cache_policy=NO_CACHE)
def mart_checkpoint(local_dates: list[dt.date], park: str | None) -> MartQualityReport:
    return run_mart_checkpoint(load_settings(park=park), local_dates)


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(full_refresh: bool, rebuild_from: str | None, full_checks: bool,
              park: str | None) -> BuildReport:
    # No retries: a failed dbt test is an answer, not a transient fault. Unit tests (fixed
    # fixtures) belong to CI, not to every scheduled build.
    return build_warehouse(load_settings(park=park), full_refresh=full_refresh,
                           rebuild_from=rebuild_from,
                           quiet=True, unit_tests=False, full_checks=full_checks)


@task(name="group-export", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=30)
def group_export(park: str | None) -> str | None:
    # retried: the group's store is remote, and the export replaces whole files (idempotent)
    export = export_after_build(load_settings(park=park))
    return None if export is None else export.summary_line()


@flow(name="warehouse")
@one_run_per_park
def warehouse(full_refresh: bool = False, rebuild_from: str | None = None,
              quality_days: list[dt.date] | None = None, full_checks: bool = False,
              park: str | None = None) -> dict:
    """Landing checkpoint first (its quarantine rows land before dbt reads them), dbt build,
    then the mart checkpoint on the same days (as local dates in the park's zone).

    full_checks: run the row-grain tests over all rows, not just recent ones (daily, 08:40).
    quality_days: UTC days to check; default yesterday and today. A failing expectation is
    reported (and on landing data quarantined), not fatal: the data is flagged, the warehouse
    still builds. A failed dbt test fails the flow.
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park.
    """
    today = dt.datetime.now(dt.UTC).date()
    days = quality_days or [today - dt.timedelta(days=1), today]
    quality = landing_checkpoint(days, park)
    report = dbt_build(full_refresh, rebuild_from, full_checks, park)
    create_markdown_artifact(markdown=quality.summary_markdown(), key="landing-quality",
                             description="Great Expectations checkpoint on the landing data")
    create_markdown_artifact(markdown=report.summary_markdown(), key="warehouse-build",
                             description="dbt models built and tests run")
    logger = get_run_logger()
    logger.info("%s %s", report.publication_line(), report.late_data_line())
    for node in report.failed:
        logger.error("%s: %s %s", node.unique_id, node.status, node.message or "")
    if not report.success:
        raise RuntimeError(f"warehouse build failed: {len(report.failed)} node(s)")
    marts = mart_checkpoint(days, park)
    create_markdown_artifact(markdown=marts.summary_markdown(), key="mart-quality",
                             description="Great Expectations distribution checks on the marts")
    # the post-build hook: a park in a group exports its marts to the group's store (its
    # failure fails this run, after the park's own warehouse is published and checked)
    exported = group_export(park)
    if exported:
        logger.info("%s", exported)
    late = report.late
    return {"models": sum(report.count("model").values()),
            "tests_passed": report.count("test").get("pass", 0),
            "published_version": report.published_version,
            "late_files": late.late_files if late else 0,
            "recomputed_from_utc": (late.recompute_from_utc.isoformat()
                                    if late and late.recompute_from_utc else None),
            "quality_success": quality.success, "marts_quality_success": marts.success,
            "group_export": exported}


@flow(name="warehouse-service")
def warehouse_service(builds: int = 4, every_minutes: float = 15.0,
                      park: str | None = None) -> list[dict]:
    """Long-running: `builds` scheduled builds in one flow run, `every_minutes` apart from
    start to start (the default: an hour of quarter-hour builds), so dbt's import and the
    project's parse are paid once per run instead of once per build (jobs/warehouse/warm_dbt.py:
    about 4 s of an hourly build on the benchmark machine). Each build is a `warehouse` subflow
    run with its own artifacts; a failed build does not stop the next, and the service run
    fails at its end if any did, so the platform team is told as before.
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    warm_dbt.keep_parsed()
    logger = get_run_logger()
    results: list[dict] = []
    try:
        for index in range(builds):
            started = time.monotonic()
            try:
                state = warehouse(park=park, return_state=True)
                if state.name == SKIPPED:
                    # another run builds this park (a backlog's overlapping service runs): its
                    # build takes in the same files, so this is no failure
                    logger.info("build %d of %d skipped: %s", index + 1, builds, state.message)
                    results.append({"skipped": state.message})
                else:
                    results.append(state.result())  # raises for a failed build
            except Exception as error:  # the subflow run already shows as Failed, with why
                logger.error("build %d of %d failed: %s", index + 1, builds, error)
                results.append({"error": str(error)})
            if index < builds - 1:
                time.sleep(max(0.0, every_minutes * 60 - (time.monotonic() - started)))
    finally:
        warm_dbt.keep_parsed(False)
    failed = [r for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"{len(failed)} of {builds} warehouse builds failed")
    return results
