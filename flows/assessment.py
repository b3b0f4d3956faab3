"""Prefect flow: the annual assessment (early January, of the year before) and the mid-term
review (early July, January to June of this year) of every enterprise (jobs/assessment/run.py):
reports to each enterprise and the park office, outcomes landed. Re-run for any year with
`year`; the send log keeps a re-run from mailing twice (force to resend)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import one_run_per_park
from jobs.assessment.run import AssessmentRun, annual, mid_term, run_assessment
from jobs.common.settings import load_settings


@task(name="assess-enterprises", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[120, 600])
def assess(kind: str, year: int | None, force: bool, park: str | None) -> AssessmentRun:
    settings = load_settings(park=park)
    today = dt.datetime.now(ZoneInfo(settings.park.park.timezone)).date()
    if kind == "annual":
        period = annual(year or today.year - 1)
    elif kind == "mid_term":
        period = mid_term(settings, year or today.year)
    else:
        raise ValueError(f"kind {kind!r}: choose annual or mid_term")
    return run_assessment(settings, period, force=force)


@flow(name="enterprise-assessment")
@one_run_per_park
def assessment(kind: str = "annual", year: int | None = None, force: bool = False,
               park: str | None = None) -> dict:
    """kind: annual (the year before, by default) or mid_term (this year's first half).
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    run = assess(kind, year, force, park)
    counts: dict[str, int] = {}
    for _, _, judgement in run.rows:
        counts[judgement.outcome.value] = counts.get(judgement.outcome.value, 0) + 1
    lines = [f"# {run.period.label}", "",
             *[f"- {enterprise.name_zh}: **{judgement.outcome.value}**"
               + (" (data missing)" if judgement.missing_data else "")
               for enterprise, _, judgement in run.rows],
             "", *[f"- {status}: {count}" for status, count
                   in sorted(run.delivery.counts().items())]]
    create_markdown_artifact(key="enterprise-assessment", markdown="\n".join(lines),
                             description=f"Enterprise assessment {run.period.label}")
    run.delivery.raise_for_failures()
    return {"period": run.period.label, **counts}
