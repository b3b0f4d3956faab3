"""Prefect flow: last month's valuation (jobs/valuation/run.py): carbon asset ledger, installed
PV and batteries, investment cases from twin runs with their sensitivity, the financing view;
landed for the warehouse, rendered, kept and emailed to `recipients.finance`, with one artifact
summarising it. Runs after the scorecards; re-run for any past month with `month`. The send log
keeps a re-run from emailing the same report twice (force to resend), so the step is retried
minutes apart when it raises (the warehouse held by a build, the data root away); each SMTP
message has its own retries inside the delivery."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import one_run_per_park
from jobs.common.settings import load_settings
from jobs.scorecards.data import last_month
from jobs.valuation.run import ValuationRun, asset_line, monthly_valuation


@task(name="valuation", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[120, 600],
      retry_jitter_factor=0.2)
def value_and_send(month: dt.date, force: bool, cases: bool, park: str | None) -> ValuationRun:
    return monthly_valuation(load_settings(park=park), month, force=force, cases=cases)


@flow(name="monthly-valuation")
@one_run_per_park
def valuation(month: dt.date | None = None, force: bool = False, cases: bool = True,
              park: str | None = None) -> dict:
    """month: any day of the month to value (default: last month in the park's zone);
    cases: run the configured investment cases on the twin (minutes for a big park).
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    settings = load_settings(park=park)
    month = (month or last_month(settings.park.park.timezone)).replace(day=1)
    run = value_and_send(month, force, cases, park)
    found = run.valuations
    park_row = next(r for r in found.ledger if r.entity_kind == "park")
    lines = [f"# Valuation for {month:%Y-%m} (run {found.run_id})", "",
             f"- pledge capacity: {park_row.pledge_capacity_cny:,.0f} CNY; certificates held: "
             f"{park_row.certificates_held}",
             *[f"- {asset_line(v, view)}" for v, view in found.assets],
             *[f"- case {c.run.case_id}: NPV {c.run.valuation.npv_cny:,.0f} CNY, green bond "
               f"{'yes' if c.financing.green_bond_eligible else 'no'}" for c in found.cases],
             "", *[f"- {status}: {count}" for status, count in sorted(run.report.counts().items())],
             "", f"report files: {', '.join(f'`{p}`' for p in run.kept)}"]
    create_markdown_artifact(key="valuation", markdown="\n".join(lines),
                             description=f"Valuation for {month:%Y-%m}")
    for row in run.report.problems():
        get_run_logger().warning("%s to %s: %s (%s)", row["key"], row["recipient"],
                                     row["status"], row["detail"])
    run.report.raise_for_failures()
    return {"month": f"{month:%Y-%m}", "run_id": found.run_id, **run.report.counts()}
