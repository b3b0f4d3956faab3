"""The load sanity bounds know the day type (issue 16): a Sunday is bounded by the weekends
the consumer was measured on, not by a minimum its working days set. The demo's Sunday plan was
`untrusted_forecast` for that reason: its only weekend history was a Saturday in progress, the
like-day fallback scaled the working-day profile to it, and the scaled nights fell below 0.9 x
a minimum set by working-day nights. A forecast of zeros must still fail.

Hand-made histories: working days at 50 kW at night (local 18:00-08:00) and 150 kW by day
(08:00-18:00); weekends the same 50 kW at night and 60 % of the working day's load by day
(90 kW). Every expected figure below is computed by hand from those levels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.load import profile_with_methods
from jobs.forecast.sanity import load_check

ZONE = "Asia/Shanghai"
MONDAY = dt.date(2026, 11, 30)
SATURDAY, SUNDAY = dt.date(2026, 12, 5), dt.date(2026, 12, 6)
NIGHT_KW, DAY_KW, WEEKEND_DAY_KW = 50.0, 150.0, 90.0
DAY_SLOTS = slice(32, 72)  # local 08:00 .. 17:45


def _day_kw(weekend: bool) -> np.ndarray:
    values = np.full(96, NIGHT_KW)
    values[DAY_SLOTS] = WEEKEND_DAY_KW if weekend else DAY_KW
    return values


def _history(first: dt.date, last: dt.date, weekday_only: bool = False) -> pd.DataFrame:
    days = [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]
    days = [d for d in days if not (weekday_only and d.weekday() >= 5)]
    index = local_day_intervals(days[0], ZONE).append(
        [local_day_intervals(d, ZONE) for d in days[1:]])
    values = np.concatenate([_day_kw(d.weekday() >= 5) for d in days])
    return pd.DataFrame({"ent-a": values}, index=index)


def _until(history: pd.DataFrame, day: dt.date, slot: int) -> pd.DataFrame:
    """The history as a planning run at local `slot` of `day` sees it."""
    return history[history.index < local_day_intervals(day, ZONE)[slot]]


def test_a_weekday_only_history_bounds_a_saturday_by_every_day_and_says_so():
    history = _history(MONDAY, MONDAY + dt.timedelta(days=4), weekday_only=True)
    saturday = local_day_intervals(SATURDAY, ZONE)
    forecast = profile_with_methods(history, saturday, ZONE).kw  # the working-day profile
    check = load_check(forecast, history, "load", ZONE)
    assert check.problems == []
    assert check.notes == ["load for ent-a: bounded by every day's range (no complete weekend "
                           "day and none measured)"]
    zeros = pd.DataFrame({"ent-a": np.zeros(96)}, index=saturday)
    [problem] = load_check(zeros, history, "load", ZONE).problems
    # 0.9 x the 50 kW minimum of the working days
    assert problem == ("load ent-a: 96 of 96 intervals below 0.9 x its recent minimum "
                       "(every day's range: 45.0 kW); lowest 0.0 kW")


def test_the_demo_sunday_after_a_saturday_in_progress_is_trusted():
    """Planned at Saturday 15:30 local: the Saturday has 62 quarter-hours measured (32 of
    night at 50 kW, 30 of day at 90 kW), against 32 x 50 + 30 x 150 on working days, so the
    fallback profile is the working day x 4300 / 6100 = 0.705: nights 35.2 kW, below 0.9 x
    the 50 kW history minimum (45 kW), and the bound follows the same ratio: 45 x 0.705."""
    history = _until(_history(MONDAY, SATURDAY), SATURDAY, 62)
    sunday = local_day_intervals(SUNDAY, ZONE)
    forecast = profile_with_methods(history, sunday, ZONE).kw
    ratio = 4300.0 / 6100.0
    assert forecast["ent-a"].min() == pytest.approx(NIGHT_KW * ratio)
    check = load_check(forecast, history, "load", ZONE)
    assert check.problems == []
    assert check.notes == [
        "load for ent-a: bounded by every day's range x 0.70 (no complete weekend day; its 62 "
        "measured intervals at 0.70 x the other type's)"]
    low_kw = 0.9 * NIGHT_KW * ratio
    below = pd.DataFrame({"ent-a": np.full(96, low_kw - 0.1)}, index=sunday)
    [problem] = load_check(below, history, "load", ZONE).problems
    assert problem == ("load ent-a: 96 of 96 intervals below 0.9 x its recent minimum "
                       f"(every day's range x 0.70: {low_kw:,.1f} kW); lowest "
                       f"{low_kw - 0.1:,.1f} kW")


def test_with_complete_weekends_a_weekend_is_bounded_by_weekends_alone():
    """Twelve days to Friday: the Saturday after is bounded by the measured weekend, [0.9 x
    50, 1.1 x 90] kW. Its like-day forecast passes; the working-day level (150 kW by day,
    within 1.1 x the 150 kW maximum of every day) is 40 intervals above 99 kW."""
    history = _history(MONDAY - dt.timedelta(days=7), MONDAY + dt.timedelta(days=4))
    saturday = local_day_intervals(SATURDAY, ZONE)
    forecast = profile_with_methods(history, saturday, ZONE).kw
    assert forecast["ent-a"].to_numpy() == pytest.approx(_day_kw(weekend=True))
    assert load_check(forecast, history, "load", ZONE).problems == []
    assert load_check(forecast, history, "load", ZONE).notes == []
    weekday_level = pd.DataFrame({"ent-a": _day_kw(weekend=False)}, index=saturday)
    [problem] = load_check(weekday_level, history, "load", ZONE).problems
    assert problem == ("load ent-a: 40 of 96 intervals above 1.1 x its recent maximum "
                       "(weekend: 99.0 kW); highest 150.0 kW")
    monday = local_day_intervals(MONDAY + dt.timedelta(days=7), ZONE)
    weekend_level = pd.DataFrame({"ent-a": _day_kw(weekend=True)}, index=monday)
    # halved: 25 kW at night (56 intervals) is below 0.9 x 50 kW; 45 kW by day is not
    [problem] = load_check(weekend_level * 0.5, history, "load", ZONE).problems
    assert problem == ("load ent-a: 56 of 96 intervals below 0.9 x its recent minimum "
                       "(working-day: 45.0 kW); lowest 25.0 kW")


def test_the_incomplete_saturday_zeros_are_still_flagged():
    """The issue's Sunday 6 December: planned at Saturday 08:30 local, whose 34 measured
    quarter-hours (32 at 50 kW, 2 at 90) against the working days' (32 x 50 + 2 x 150) give
    1780 / 1900; the missing ones became zeros, 94 of 96 intervals of the forecast. Bound:
    0.9 x 50 x 1780 / 1900 = 42.2 kW."""
    history = _until(_history(MONDAY, SATURDAY), SATURDAY, 34)
    sunday = local_day_intervals(SUNDAY, ZONE)
    zeros = pd.DataFrame({"ent-a": np.r_[np.zeros(94), NIGHT_KW, NIGHT_KW]}, index=sunday)
    check = load_check(zeros, history, "load forecast (consumption)", ZONE)
    assert check.problems == [
        "load forecast (consumption) ent-a: 94 of 96 intervals below 0.9 x its recent minimum "
        "(every day's range x 0.94: 42.2 kW); lowest 0.0 kW"]
