"""Prefect flow: tomorrow's day-ahead plan (forecast -> optimise -> publish) with an artifact
people can read: cost against the rule-based baseline, solver status and time, a chart of the
plan (also saved under the data root) and the plan hour by hour. Runs before the grid's
day-ahead deadline; re-run on demand for any date."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import one_run_per_park
from jobs.common.settings import load_settings
from jobs.dispatch.day_ahead import DayAheadResult, run_day_ahead
from jobs.dispatch.report import (
    PlanChart,
    hourly_plan_table,
    summary_markdown,
    write_plan_chart,
)
from jobs.forecast.weather import provider_named


@task(name="day-ahead-plan", cache_policy=NO_CACHE)
def day_ahead_plan(plan_date: dt.date, weather: str, park: str | None) -> DayAheadResult:
    # No retries: an infeasible or failed solve already publishes the flagged baseline.
    return run_day_ahead(load_settings(park=park), plan_date, provider_named(weather))


@task(name="plan-chart", cache_policy=NO_CACHE, retries=1)
def plan_chart(result: DayAheadResult, park: str | None) -> PlanChart:
    return write_plan_chart(load_settings(park=park), result)


@flow(name="day-ahead-dispatch")
@one_run_per_park
def day_ahead_dispatch(plan_date: dt.date | None = None, weather: str = "offline",
                       park: str | None = None) -> dict:
    """plan_date: the local date to plan (default tomorrow in the park's zone).
    weather: "open_meteo" (falls back to the offline provider) or "offline".
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    settings = load_settings(park=park)
    zone = zoneinfo.ZoneInfo(settings.park.park.timezone)
    plan_date = plan_date or (dt.datetime.now(zone).date() + dt.timedelta(days=1))
    result = day_ahead_plan(plan_date, weather, park)
    # the plan has landed by now: a chart that cannot be drawn or saved costs the picture only
    chart_state = plan_chart(result, park, return_state=True)
    chart = None if chart_state.is_failed() else chart_state.result()
    if chart is None:
        get_run_logger().warning("no chart of the plan: %s", chart_state.message)
    create_markdown_artifact(markdown=summary_markdown(result, chart), key="day-ahead-plan",
                             description=f"Day-ahead plan for {plan_date}")
    create_table_artifact(table=hourly_plan_table(settings, result), key="day-ahead-plan-hourly",
                          description="Planned grid import and battery setpoints, kW by hour")
    if result.is_fallback:
        get_run_logger().warning("published the rule-based fallback plan (%s)",
                                 result.solve.message)
    for breach in result.breaches:
        get_run_logger().warning("the plan breaks a hard limit: %s", breach)
    return {"run_id": result.run_id, "status": result.status,
            "is_fallback": result.is_fallback, "cost_cny": round(result.plan.total_cost_cny, 2),
            "baseline_cost_cny": round(result.baseline.total_cost_cny, 2)}
