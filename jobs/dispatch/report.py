"""The day-ahead run as people read it: a Markdown summary (cost against the baseline, solver
status and time, absorption), a chart of the plan (saved under the data root and inline in the
summary) and an hourly table of the plan."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pandas as pd

from jobs.common import landing
from jobs.common.settings import Settings, join_path
from jobs.dispatch.chart import PRICE_QUANTITIES, plan_chart_png
from jobs.dispatch.day_ahead import DayAheadResult
from jobs.dispatch.tariff import interval_prices


@dataclass(frozen=True)
class PlanChart:
    png: bytes
    path: str  # where it was saved: a local path or an fsspec URL


def chart_path(settings: Settings, result: DayAheadResult) -> str:
    return join_path(settings.data_root, "reports", "dispatch", result.plan_date.isoformat(),
                     f"{result.run_id}.png")


def with_tou_prices(settings: Settings, rows: pd.DataFrame) -> pd.DataFrame:
    """The plan rows and, unless the plan already carries them, the TOU import price of each
    interval from the tariffs in force (the price the optimiser saw)."""
    if rows.empty or rows["quantity"].isin(PRICE_QUANTITIES).any():
        return rows
    starts = pd.DatetimeIndex(rows["interval_start_utc"].drop_duplicates().sort_values())
    prices = interval_prices(settings.park.tariffs, starts, settings.park.park.timezone)
    return pd.concat([rows, pd.DataFrame({
        "interval_start_utc": starts, "asset_kind": "grid", "asset_id": "grid",
        "quantity": PRICE_QUANTITIES[0], "unit": "CNY/kWh",
        "value": prices["import_price_cny_per_kwh"].to_numpy(dtype=float)})],
        ignore_index=True)


def write_plan_chart(settings: Settings, result: DayAheadResult) -> PlanChart:
    """Draw the published plan and save it atomically beside the run's other outputs."""
    verdict = {"fallback": "FALLBACK: rule-based baseline",
               "relaxed": "RELAXED: breaks a hard limit",
               "untrusted_forecast": "UNTRUSTED FORECAST: not for control"}.get(
        result.status, "optimised")
    png = plan_chart_png(with_tou_prices(settings, result.plan_rows), settings.park.park.timezone,
                         f"Day-ahead plan {result.plan_date} ({verdict}), run {result.run_id}")
    path = chart_path(settings, result)
    landing.write_atomically(path, png)
    return PlanChart(png=png, path=path)


VERDICTS = {
    "optimal": "optimised plan published",
    "time_limit": "the best plan found within the time limit was published",
    "relaxed": "**RELAXED**: no plan keeps every hard limit; the published plan breaks the "
               "bounds listed below",
    "fallback": "**FALLBACK**: the rule-based baseline was published",
    "untrusted_forecast": "**UNTRUSTED FORECAST**: published for the record, not for control "
                          "(the setpoint writer keeps the devices at their safe defaults); "
                          "the forecasts failed the sanity bounds listed below",
}


def summary_markdown(result: DayAheadResult, chart: PlanChart | None = None) -> str:
    plan, baseline = result.plan, result.baseline
    solve = result.solve
    return "\n".join([
        f"# Day-ahead plan for {result.plan_date}: {VERDICTS[result.status]}", "",
        f"Run `{result.run_id}`, {result.intervals} intervals, weather from "
        f"{result.weather_provider}. Solver: {solve.status} after {solve.build_s:.2f} s of "
        f"model build and {solve.solve_s:.2f} s of HiGHS ({solve.message}).", "",
        *[f"- bound broken: {breach}" for breach in result.breaches],
        *[f"- forecast failed: {problem}" for problem in result.forecast_problems],
        *[f"- assumed: {note}" for note in result.notes], "",
        "| | plan | rule-based baseline |", "| --- | ---: | ---: |",
        f"| cost (CNY) | {plan.total_cost_cny:,.0f} | {baseline.total_cost_cny:,.0f} |",
        f"| of which demand charge increase (CNY) | {plan.demand_cost_cny:,.0f} | "
        f"{baseline.demand_cost_cny:,.0f} |",
        f"| of which backup heat (CNY) | {plan.backup_heat_cost_cny:,.0f} | "
        f"{baseline.backup_heat_cost_cny:,.0f} |",
        f"| demand-response revenue (CNY) | {plan.dr_revenue_cny:,.0f} | "
        f"{baseline.dr_revenue_cny:,.0f} |",
        f"| grid import (kWh) | {plan.grid_import_kwh:,.0f} | {baseline.grid_import_kwh:,.0f} |",
        f"| grid export (kWh) | {plan.grid_export_kwh:,.0f} | {baseline.grid_export_kwh:,.0f} |",
        f"| renewable absorption (%) | {plan.renewable_absorption_pct:.1f} | "
        f"{baseline.renewable_absorption_pct:.1f} |",
        f"| self-sufficiency (%) | {plan.self_sufficiency_pct:.1f} | "
        f"{baseline.self_sufficiency_pct:.1f} |",
        f"| emissions, grid (location-based) and boiler (tCO2) | {plan.emissions_tco2:,.2f} | "
        f"{baseline.emissions_tco2:,.2f} |",
        f"| EV energy not delivered (kWh) | {plan.ev_unserved_kwh:,.0f} | "
        f"{baseline.ev_unserved_kwh:,.0f} |",
        f"| month's peak after the day (kW) | {plan.month_peak_kw:,.0f} | "
        f"{baseline.month_peak_kw:,.0f} |", "",
        f"Saving against the baseline: **{result.saving_cny:,.0f} CNY**.", "",
        *_chart_markdown(chart)])


def _chart_markdown(chart: PlanChart | None) -> list[str]:
    if chart is None:
        return []
    inline = base64.b64encode(chart.png).decode("ascii")
    return [f"![Day-ahead plan: power by source and use, battery SOC](data:image/png;base64,"
            f"{inline})", "", f"Chart file: `{chart.path}`", ""]


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
