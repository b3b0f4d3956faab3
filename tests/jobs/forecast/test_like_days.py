"""Like-day load profiles take only complete days, fall back visibly where a day type has
none, and the sanity bounds catch what would poison a plan (issue 16: Sunday 6 December, whose
only weekend like-day was a Saturday still in progress)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.load import LIKE_DAYS, profile_forecast, profile_with_methods
from jobs.forecast.sanity import load_check, pv_problems

ZONE = "Asia/Shanghai"
MONDAY = dt.date(2026, 11, 30)
SATURDAY, SUNDAY = dt.date(2026, 12, 5), dt.date(2026, 12, 6)
WEEKDAY_KW, WEEKEND_KW = 100.0, 30.0


def _history(first: dt.date, last: dt.date) -> pd.DataFrame:
    """Weekdays at 100 kW, weekends at 30 kW, every quarter-hour of first..last."""
    days = [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]
    index = local_day_intervals(days[0], ZONE).append(
        [local_day_intervals(d, ZONE) for d in days[1:]])
    weekend = index.tz_convert(ZONE).day_of_week >= 5
    return pd.DataFrame({"ent-a": np.where(weekend, WEEKEND_KW, WEEKDAY_KW)}, index=index)


def test_a_saturday_in_progress_gives_a_whole_sunday_not_zeros():
    """History Monday .. Saturday 08:30 (the morning's planning run): the Saturday has 34 of
    96 quarter-hours. The Sunday is the weekday profile scaled by the Saturday's measured
    energy against the weekdays' on the same slots: 30 kW all day, said in the method."""
    history = _history(MONDAY, SATURDAY)
    planned_at = local_day_intervals(SATURDAY, ZONE)[34]
    history = history[history.index < planned_at]
    profile = profile_with_methods(history, local_day_intervals(SUNDAY, ZONE), ZONE)
    assert profile.kw["ent-a"].to_numpy() == pytest.approx(np.full(96, WEEKEND_KW))
    assert "no complete weekend day" in profile.methods["ent-a"]
    assert "x 0.30" in profile.methods["ent-a"]
    assert profile.notes("load forecast") == [
        f"load forecast for ent-a: {profile.methods['ent-a']}"]


def test_an_incomplete_like_day_is_left_out_of_the_profile():
    """Two full weeks; the last Wednesday (a working day) lost half its quarter-hours and
    those left read 500 kW (a meter gone wrong): the next Thursday's profile ignores it."""
    history = _history(MONDAY, MONDAY + dt.timedelta(days=13))
    wednesday = local_day_intervals(MONDAY + dt.timedelta(days=9), ZONE)
    history.loc[wednesday, "ent-a"] = 500.0
    history = history.drop(wednesday[::2])
    thursday = local_day_intervals(MONDAY + dt.timedelta(days=10), ZONE)
    profile = profile_with_methods(history, thursday, ZONE)
    assert profile.kw["ent-a"].to_numpy() == pytest.approx(np.full(96, WEEKDAY_KW))
    assert profile.methods == {"ent-a": LIKE_DAYS}
    assert profile.notes("load forecast") == []


def test_a_day_type_never_measured_falls_back_to_the_other_unscaled_and_says_so():
    history = _history(MONDAY, MONDAY + dt.timedelta(days=4))  # Monday .. Friday
    forecast = profile_with_methods(history, local_day_intervals(SATURDAY, ZONE), ZONE)
    assert forecast.kw["ent-a"].to_numpy() == pytest.approx(np.full(96, WEEKDAY_KW))
    assert "none measured" in forecast.methods["ent-a"]


def test_a_complete_like_day_with_a_gap_is_bridged_not_zeroed():
    """A working day with 95 of 96 quarter-hours counts; the slot it missed comes from the
    other like-days, and a slot no like-day measured is interpolated."""
    history = _history(MONDAY, MONDAY + dt.timedelta(days=4))
    noon = [local_day_intervals(MONDAY + dt.timedelta(days=d), ZONE)[48] for d in range(5)]
    history = history.drop(noon)
    forecast = profile_forecast(history, local_day_intervals(MONDAY + dt.timedelta(days=7),
                                                              ZONE), ZONE)
    assert forecast["ent-a"].to_numpy() == pytest.approx(np.full(96, WEEKDAY_KW))


def test_load_bounds_catch_a_forecast_of_zeros():
    history = _history(MONDAY, SATURDAY)
    sunday = local_day_intervals(SUNDAY, ZONE)
    zeros = pd.DataFrame({"ent-a": np.r_[np.full(94, 0.0), 30.0, 30.0]}, index=sunday)
    [problem] = load_check(zeros, history, "load forecast (consumption)", ZONE).problems
    assert problem.startswith("load forecast (consumption) ent-a: 94 of 96 intervals below")
    assert "27.0 kW" in problem  # 0.9 x the 30 kW weekend minimum
    plausible = pd.DataFrame({"ent-a": np.full(96, WEEKEND_KW)}, index=sunday)
    assert load_check(plausible, history, "load", ZONE).problems == []
    missing = pd.DataFrame({"ent-a": np.full(96, np.nan)}, index=sunday)
    assert "96 of 96 intervals have no forecast" in load_check(missing, history, "load",
                                                                    ZONE).problems[0]


def test_pv_bounds_catch_more_than_the_clear_sky_allows():
    index = local_day_intervals(SUNDAY, ZONE)
    clear = pd.DataFrame({"pv-roof": np.where(np.arange(96) % 96 > 40, 100.0, 0.0)},
                         index=index)
    assert pv_problems(clear * 0.7, clear) == []
    doubled = clear * 2.0
    [problem] = pv_problems(doubled, clear)
    assert problem.startswith("PV forecast pv-roof: 55 of 96 intervals above 1.1 x clear sky")
    night_sun = clear.copy()
    night_sun.iloc[0] = 50.0  # clear sky 0 at 00:00 local: 50 kW is above 5 % of the 100 kW peak
    assert "1 of 96" in pv_problems(night_sun, clear)[0]
