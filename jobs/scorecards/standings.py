"""An enterprise's month among the others (lights, intensity, change, ranks), the headline
figures with their comparisons, and demand response by month: what both kinds of card share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from jobs.common.park_config import ScorecardSettings
from jobs.common.settings import Settings
from jobs.scorecards import lights
from jobs.scorecards.model import Figure
from jobs.scorecards.periods import add_months, comparable_months
from jobs.scorecards.reads import Months, value_or_none


def month_figure(key: str, unit: str, by_month: Mapping[dt.date, float | None],
            month: dt.date, comparable: set[dt.date] | None = None) -> Figure:
    """The month's value with last month's and last year's, each only if that month is
    comparable (None: every month with a value is)."""
    def before(months_back: int) -> float | None:
        earlier = add_months(month, -months_back)
        return by_month.get(earlier) if comparable is None or earlier in comparable else None
    return Figure(key, by_month.get(month), unit, before(1), before(12))


def column_by_month(rows: pd.DataFrame, column: str) -> dict[dt.date, float | None]:
    return {m: value_or_none(v) for m, v in zip(rows["month"], rows[column], strict=True)}



@dataclass(frozen=True)
class Standing:
    """An enterprise's month among the others: lights, intensity, change and ranks."""

    month: lights.MonthStanding
    red_months: int
    intensity: float | None
    change_pct: float | None
    rank_by_intensity: int | None
    rank_by_improvement: int | None



def _intensity_changes(enterprise: pd.DataFrame, month: dt.date,
                       zone: str) -> dict[str, float]:
    """Change of intensity (%) on the calendar month before, where both months have one and
    the month before is comparable (the mart's own change compares with the previous row,
    which skips months without data)."""
    intensity = enterprise.set_index(["entity_id", "month"])["carbon_intensity_tco2_per_10k_cny"]
    before = add_months(month, -1)
    changes = {}
    for entity, rows in enterprise.groupby("entity_id"):
        if before not in comparable_months(rows, zone):
            continue
        now, then = (value_or_none(intensity.get((entity, m))) for m in (month, before))
        if now is not None and then is not None and then > 0:
            changes[entity] = 100.0 * (now - then) / then
    return changes


def standings_of(settings: Settings, months: Months,
               month: dt.date) -> dict[str, Standing]:
    zone = settings.park.park.timezone
    rules: ScorecardSettings = settings.park.scorecards
    frame = months.enterprise
    changes = _intensity_changes(frame, month, zone)
    improvement = pd.Series(changes, dtype=float).rank(method="min")
    standings = {}
    for enterprise in settings.park.enterprises:
        rows = frame[frame["entity_id"] == enterprise.id].copy()
        accounts = months.accounts.loc[months.accounts["entity_id"] == enterprise.id,
                                       ["month", "ytd_accounted_tco2", "projected_year_tco2"]]
        rows = rows.merge(accounts, on="month", how="left")
        by_month = lights.monthly_standings(rows, enterprise.targets, rules)
        this = by_month.get(month) or lights.no_data_standing(month, enterprise.targets)
        overall = {m: s.overall for m, s in by_month.items()}
        current = rows[rows["month"] == month]
        rank = value_or_none(current["rank_by_carbon_intensity"].iloc[0]) if len(current) else None
        intensity = (value_or_none(current["carbon_intensity_tco2_per_10k_cny"].iloc[0])
                     if len(current) else None)
        standings[enterprise.id] = Standing(
            this, lights.consecutive_red_months(overall, month), intensity,
            changes.get(enterprise.id), None if rank is None else int(rank),
            int(improvement[enterprise.id]) if enterprise.id in improvement else None)
    return standings


def enterprises_ranked(months: Months, month: dt.date) -> int:
    frame = months.enterprise
    return int(frame.loc[frame["month"] == month, "rank_by_carbon_intensity"].notna().sum())


def dr_figures(months: Months, enterprise_id: str | None,
                metered: set[dt.date]) -> tuple[dict[dt.date, float | None],
                                                 dict[dt.date, float | None]]:
    """Events (the enterprise's own and park-wide; all for the park) and income by month.

    Participation counts every event called in a month the consumer has data for (None
    otherwise). Income is that of the events addressed to the enterprise (for the park: all
    events) under the plans in force: the committed reduction x hours x compensation the
    plan expected to earn, not a settled payment; None where no such event was planned.
    Park-wide events' income is the park's: nothing says how it is shared."""
    events = months.dr_events
    if enterprise_id is None:
        called, own = events, events
    else:
        called = events[events["enterprise_id"].isna() | (events["enterprise_id"]
                                                           == enterprise_id)]
        own = events[events["enterprise_id"] == enterprise_id]
    counts: dict[dt.date, float | None] = {
        m: float((called["month"] == m).sum()) for m in metered}
    income: dict[dt.date, float | None] = {}
    for event_id, event_month in zip(own["event_id"], own["month"], strict=True):
        if event_id in months.dr_income_cny:
            income[event_month] = (income.get(event_month) or 0.0) \
                + months.dr_income_cny[event_id]
    return counts, income

