"""Prefect flow: last month's scorecards for every enterprise and for the park, rendered,
kept on disk and emailed (jobs/scorecards/run.py), with one artifact saying what went to
whom. Runs on the 1st of the month; re-run for any past month with `month`. The send log
keeps a re-run from emailing the same scorecard to the same person twice (force to resend).
SMTP failures are retried inside the delivery (per message, seconds apart); the step as a whole
is retried minutes apart when it raises (the warehouse held by a build, the data root away),
and the send log makes that retry send only what has not gone yet."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import one_run_per_park
from jobs.common.settings import load_settings
from jobs.scorecards.data import last_month
from jobs.scorecards.run import MonthlyRun, monthly_scorecards


@task(name="scorecards", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[120, 600],
      retry_jitter_factor=0.2)
def render_and_send(month: dt.date, force: bool, park: str | None) -> MonthlyRun:
    return monthly_scorecards(load_settings(park=park), month, force=force)


@flow(name="monthly-scorecards")
@one_run_per_park
def scorecards(month: dt.date | None = None, force: bool = False,
               park: str | None = None) -> dict:
    """month: any day of the month to report (default: last month in the park's zone).
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    settings = load_settings(park=park)
    month = (month or last_month(settings.park.park.timezone)).replace(day=1)
    run = render_and_send(month, force, park)
    report, kept = run.report, run.kept
    rows = report.rows()
    create_table_artifact(table=rows, key="scorecards-sent",
                          description=f"Scorecards for {month:%Y-%m}: who got what")
    counts = report.counts()
    create_markdown_artifact(
        key="scorecards", description=f"Scorecards for {month:%Y-%m}",
        markdown="\n".join([f"# Scorecards for {month:%Y-%m}", "",
                            *[f"- {status}: {count}" for status, count in sorted(counts.items())],
                            "", f"{len(kept)} files kept on disk, e.g. `{kept[0]}`" if kept
                            else "no files"]))
    for row in report.problems():
        get_run_logger().warning("%s to %s: %s (%s)", row["key"], row["recipient"],
                                 row["status"], row["detail"])
    report.raise_for_failures()
    return {"month": f"{month:%Y-%m}", **counts}
