"""Prefect flow: build the warehouse with dbt, then publish what was built and tested."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from jobs.common.settings import load_settings
from jobs.warehouse.build import BuildReport, build_warehouse


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build(full_refresh: bool, rebuild_from: str | None) -> BuildReport:
    # No retries: a failed dbt test is an answer, not a transient fault.
    return build_warehouse(load_settings(), full_refresh=full_refresh, rebuild_from=rebuild_from)


@flow(name="warehouse")
def warehouse(full_refresh: bool = False, rebuild_from: str | None = None) -> dict:
    report = dbt_build(full_refresh, rebuild_from)
    create_markdown_artifact(markdown=report.summary_markdown(), key="warehouse-build",
                             description="dbt models built and tests run")
    logger = get_run_logger()
    for node in report.failed:
        logger.error("%s: %s %s", node.unique_id, node.status, node.message or "")
    if not report.success:
        raise RuntimeError(f"warehouse build failed: {len(report.failed)} node(s)")
    return {"models": sum(report.count("model").values()),
            "tests_passed": report.count("test").get("pass", 0)}
