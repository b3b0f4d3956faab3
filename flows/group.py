"""Prefect flows of the park group as a whole (no `park` parameter; tagged `group` in
prefect.yaml, so flows.parks leaves their schedules alone):

- `group-rollup` (hourly): stage every registered park's exported marts and build the
  group's DuckDB file (jobs/group/rollup.py). A park left out (missing or damaged partition)
  is named in the artifact, and the run fails after publishing the others, so the platform
  team is notified as for any failed run.
- `group-scorecard` (monthly): a fresh rollup, then last month's group scorecard to the
  group's management (jobs/group/scorecard.py; the send log: nothing is sent twice).

Both read the group's file named by PARK_GROUP_CONFIG (or `group_config`). The schedules are
deployed paused, since a park that is alone has no group; a group turns them on once with

    PARK_GROUP_CONFIG=/etc/park/group.yaml PREFECT_API_URL=... python -m flows.group
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from jobs.common.config_errors import ConfigError
from jobs.group.config import load_group
from jobs.group.rollup import RollupSummary, run_group_rollup
from jobs.group.scorecard import GroupScorecardRun, monthly_group_scorecard

GROUP_TAG = "group"
GROUP_DEPLOYMENTS = ("group-rollup", "group-scorecard")


@task(name="group-rollup", cache_policy=NO_CACHE)
def rollup(group_config: str | None) -> RollupSummary:
    group = load_group(group_config)
    return run_group_rollup(group.registry, group.root, group.warehouse_path)


@task(name="group-scorecard", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[120, 600])
def scorecard(group_config: str | None, month: dt.date, force: bool) -> GroupScorecardRun:
    return monthly_group_scorecard(load_group(group_config), month, force=force)


def _report_rollup(summary: RollupSummary) -> None:
    create_markdown_artifact(markdown=summary.summary_markdown(), key="group-rollup",
                             description="Parks in the group warehouse, and any left out")
    for problem in summary.problems:
        get_run_logger().error("left out: %s", problem.line())


@flow(name="group-rollup")
def group_rollup(group_config: str | None = None) -> dict:
    """group_config: the group's file; None: PARK_GROUP_CONFIG."""
    summary = rollup(group_config)
    _report_rollup(summary)
    if summary.problems:
        raise RuntimeError(f"{len(summary.problems)} park(s) left out of the group warehouse "
                           f"(the others are published): "
                           + "; ".join(p.line() for p in summary.problems))
    return {"parks": len(summary.included), "published_version": summary.published_version,
            "seconds": round(summary.total_s, 1)}


@flow(name="group-scorecard")
def group_scorecard(month: dt.date | None = None, force: bool = False,
                    group_config: str | None = None) -> dict:
    """month: any day of the month (default last month in the group's zone). A park left out
    of the rollup is named in the scorecard itself; the card still goes."""
    group = load_group(group_config)
    today = dt.datetime.now(zoneinfo.ZoneInfo(group.config.group.timezone)).date()
    month = (month or (today.replace(day=1) - dt.timedelta(days=1))).replace(day=1)
    _report_rollup(rollup(group_config))
    run = scorecard(group_config, month, force)
    create_table_artifact(table=run.report.rows(), key="group-scorecard-sent",
                          description=f"Group scorecard for {month:%Y-%m}: who got what")
    for row in run.report.problems():
        get_run_logger().warning("%s to %s: %s (%s)", row["key"], row["recipient"],
                                 row["status"], row["detail"])
    run.report.raise_for_failures()
    return {"month": f"{month:%Y-%m}", **run.report.counts()}


def activate_group_schedules() -> list[str]:
    """Resume the group deployments' schedules on the server (after each `prefect deploy`)."""
    from prefect.client.orchestration import get_client

    resumed = []
    with get_client(sync_client=True) as client:
        for name in GROUP_DEPLOYMENTS:
            deployment = client.read_deployment_by_name(f"{name}/{name}")
            for schedule in client.read_deployment_schedules(deployment.id):
                client.update_deployment_schedule(deployment.id, schedule.id, active=True)
                resumed.append(f"{name}: {schedule.schedule}")
    return resumed


def main() -> None:
    try:
        group = load_group()
    except ConfigError as exc:
        sys.exit(f"Config rejected\n{exc}")
    for line in activate_group_schedules():
        print(line)
    print(f"group {group.config.group.id}: {len(group.park_ids())} parks; schedules active")


if __name__ == "__main__":
    main()
