"""The day-ahead run as people read it: a Markdown summary (cost against the baseline, solver
status and time, absorption) and an hourly table of the plan."""

from __future__ import annotations

import pandas as pd

from jobs.common.settings import Settings
from jobs.dispatch.day_ahead import DayAheadResult


def summary_markdown(result: DayAheadResult) -> str:
    plan, baseline = result.plan, result.baseline
    verdict = ("**FALLBACK**: the rule-based baseline was published" if result.is_fallback
               else "optimised plan published")
    return "\n".join([
        f"# Day-ahead plan for {result.plan_date}: {verdict}", "",
        f"Run `{result.run_id}`, {result.intervals} intervals, weather from "
        f"{result.weather_provider}. Solver: {result.solve.status} in "
        f"{result.solve.solve_s:.2f} s ({result.solve.message}).", "",
        "| | plan | rule-based baseline |", "| --- | ---: | ---: |",
        f"| cost (CNY) | {plan.total_cost_cny:,.0f} | {baseline.total_cost_cny:,.0f} |",
        f"| of which demand charge increase (CNY) | {plan.demand_cost_cny:,.0f} | "
        f"{baseline.demand_cost_cny:,.0f} |",
        f"| grid import (kWh) | {plan.grid_import_kwh:,.0f} | {baseline.grid_import_kwh:,.0f} |",
        f"| grid export (kWh) | {plan.grid_export_kwh:,.0f} | {baseline.grid_export_kwh:,.0f} |",
        f"| renewable absorption (%) | {plan.renewable_absorption_pct:.1f} | "
        f"{baseline.renewable_absorption_pct:.1f} |",
        f"| month's peak after the day (kW) | {plan.month_peak_kw:,.0f} | "
        f"{baseline.month_peak_kw:,.0f} |", "",
        f"Saving against the baseline: **{result.saving_cny:,.0f} CNY**.", ""])


def hourly_plan_table(settings: Settings, result: DayAheadResult) -> list[dict]:
    """Per local hour: mean planned grid import and each battery's mean setpoint (kW)."""
    plans = result.plan_rows
    wanted = plans[(plans["quantity"].isin(["import_kw", "setpoint_kw"]))]
    local = pd.DatetimeIndex(wanted["interval_start_utc"]).tz_convert(
        settings.park.park.timezone)
    wanted = wanted.assign(hour=local.strftime("%H:00"),
                           column=wanted["asset_id"] + " " + wanted["quantity"])
    table = wanted.pivot_table(index="hour", columns="column", values="value", aggfunc="mean")
    return [{"hour": hour, **{k: round(float(v), 1) for k, v in row.items()}}
            for hour, row in table.iterrows()]
