"""Traffic lights for the scorecards' targets, and the warning/penalty rules built on them.

A target is an upper limit (an emissions cap, an intensity path value, the core indicator's
limit). Its light, with `amber_margin_pct` = m from ScorecardSettings:
  red    the value is above the limit;
  amber  the value is within m % below the limit (limit x (1 - m/100) <= value <= limit);
  green  further below;
  grey   no target, or no data to judge.
An enterprise's overall light is the worst of its non-grey lights (grey if all are grey).
Warnings and penalties follow from consecutive red months, counted back from the card's
month over the months the warehouse holds (a month without data is grey and breaks the run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from jobs.common.park_config import EnterpriseTargets, ScorecardSettings
from jobs.scorecards.model import FlaggedEnterprise, TargetStatus

SEVERITY = {"green": 0, "amber": 1, "red": 2}
CAP_KEY, CAP_UNIT = "annual_cap_tco2", "tCO2"
PATH_KEY, PATH_UNIT = "intensity_path_tco2_per_10k_cny", "tCO2/10k CNY"


def upper_limit_light(value: float | None, limit: float | None, amber_margin_pct: float) -> str:
    if value is None or limit is None:
        return "grey"
    if value > limit:
        return "red"
    if value >= limit * (1.0 - amber_margin_pct / 100.0):
        return "amber"
    return "green"


def worst_light(lights: Iterable[str]) -> str:
    judged = [light for light in lights if light in SEVERITY]
    return max(judged, key=SEVERITY.__getitem__) if judged else "grey"


def intensity_path_target(targets: EnterpriseTargets, year: int) -> float | None:
    """The path's value for `year` (tCO2/万元): the base year's intensity, lowered by the
    configured % every year, compounding (each year's value is that % below the year
    before's). None before the base year or when the path is not configured."""
    base_year = targets.intensity_base_year
    base = targets.intensity_base_tco2_per_10k_cny
    reduction = targets.intensity_reduction_pct_per_year
    if base_year is None or base is None or reduction is None or year < base_year:
        return None
    return base * (1.0 - reduction / 100.0) ** (year - base_year)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def year_end_projection(year_to_date: float, intervals_so_far: int,
                        intervals_in_year: int) -> float | None:
    """The year's total at the pace so far, as fct_enterprise_carbon_accounts projects:
    emitted to date over the quarter-hours with data, times the quarter-hours of the whole
    year (days measured -> days in the year). A few days of December are a few days' pace,
    never the year's level; quarter-hours without data neither lower the pace nor count."""
    if intervals_so_far <= 0:
        return None
    return year_to_date / intervals_so_far * intervals_in_year


@dataclass(frozen=True)
class MonthStanding:
    """One enterprise in one month: both target statuses and the overall light."""

    month: dt.date
    cap: TargetStatus
    intensity_path: TargetStatus

    @property
    def overall(self) -> str:
        return worst_light([self.cap.light, self.intensity_path.light])


def monthly_standings(history: pd.DataFrame, targets: EnterpriseTargets,
                      rules: ScorecardSettings) -> dict[dt.date, MonthStanding]:
    """The lights of every month in `history` (one enterprise's months with data, any order).

    Columns: month (date, first day), ytd_accounted_tco2 and projected_year_tco2 (the
    carbon account's year to date and year-end projection, fct_enterprise_carbon_accounts:
    one source, so the card and the ledger never disagree; null without an account row),
    emissions_tco2 and output_value_10k_cny (the intensity's numerator and denominator, the
    latter null when not reported). The cap is judged on the year-end projection; the
    intensity path on the year-to-date intensity (emissions over output, months with an
    output value only), and only in a month that has its own intensity (no output value:
    grey)."""
    standings: dict[dt.date, MonthStanding] = {}
    if history.empty:
        return standings
    frame = history.sort_values("month").reset_index(drop=True)
    years = frame["month"].map(lambda m: m.year)
    margin = rules.amber_margin_pct
    for index, row in frame.iterrows():
        year_rows = frame[(years == row["month"].year) & (frame.index <= index)]
        to_date = _number(row["ytd_accounted_tco2"])
        projected = _number(row["projected_year_tco2"])
        cap = TargetStatus(CAP_KEY, targets.annual_cap_tco2, to_date, projected, CAP_UNIT,
                           upper_limit_light(projected, targets.annual_cap_tco2, margin))
        path_target = intensity_path_target(targets, row["month"].year)
        reported = year_rows[year_rows["output_value_10k_cny"].fillna(0) > 0]
        ytd_intensity = (float(reported["emissions_tco2"].sum())
                         / float(reported["output_value_10k_cny"].sum())
                         if len(reported) else None)
        has_own = pd.notna(row["output_value_10k_cny"]) and row["output_value_10k_cny"] > 0
        path = TargetStatus(PATH_KEY, path_target, ytd_intensity, None, PATH_UNIT,
                            upper_limit_light(ytd_intensity if has_own else None, path_target,
                                              margin))
        standings[row["month"]] = MonthStanding(row["month"], cap, path)
    return standings


def no_data_standing(month: dt.date, targets: EnterpriseTargets) -> MonthStanding:
    """A month without data: the targets shown, nothing judged."""
    return MonthStanding(
        month, TargetStatus(CAP_KEY, targets.annual_cap_tco2, None, None, CAP_UNIT, "grey"),
        TargetStatus(PATH_KEY, intensity_path_target(targets, month.year), None, None,
                     PATH_UNIT, "grey"))


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def consecutive_red_months(overall_by_month: Mapping[dt.date, str], month: dt.date) -> int:
    """Red months in a row ending with `month` (0 if `month` is not red)."""
    count = 0
    while overall_by_month.get(month) == "red":
        count += 1
        month = previous_month(month)
    return count


def flag(enterprise_id: str, name_zh: str, name_en: str, red_months: int,
         rules: ScorecardSettings) -> FlaggedEnterprise | None:
    """The configured consequence of `red_months` consecutive red months: a penalty from
    penalty_after_red_months, else a warning from warning_after_red_months, else none.
    `rule` names the ScorecardSettings field that applied."""
    for action, threshold in (("penalty", rules.penalty_after_red_months),
                              ("warning", rules.warning_after_red_months)):
        if red_months >= threshold:
            return FlaggedEnterprise(enterprise_id, name_zh, name_en, action,
                                     f"{action}_after_red_months",
                                     {"months": red_months, "threshold_months": threshold})
    return None
