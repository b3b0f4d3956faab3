"""Which days a valuation may rest on: the season samples of the simulated year lie in the
past, and a window reaching today or the valuation month is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.valuation.windows import Window, refuse_future, sample_scale, season_windows


def test_the_samples_are_the_latest_past_15ths_of_january_april_july_october():
    windows = season_windows(dt.date(2026, 12, 1), 7, today=dt.date(2026, 12, 4))
    assert [(w.first_day, w.last_day) for w in windows] == [
        (dt.date(2026, 1, 15), dt.date(2026, 1, 21)), (dt.date(2026, 4, 15), dt.date(2026, 4, 21)),
        (dt.date(2026, 7, 15), dt.date(2026, 7, 21)),
        (dt.date(2026, 10, 15), dt.date(2026, 10, 21))]
    # February 2027: January 2027 has passed, the others are 2026's
    february = season_windows(dt.date(2027, 2, 1), 7, today=dt.date(2027, 2, 3))
    assert [w.first_day for w in february] == [
        dt.date(2026, 4, 15), dt.date(2026, 7, 15), dt.date(2026, 10, 15), dt.date(2027, 1, 15)]


def test_a_sample_not_yet_over_today_is_taken_a_year_earlier():
    # valuing August 2026 on 18 July: 15-21 July 2026 has not ended, so July 2025
    windows = season_windows(dt.date(2026, 8, 1), 7, today=dt.date(2026, 7, 18))
    assert dt.date(2025, 7, 15) in [w.first_day for w in windows]
    assert all(w.last_day < dt.date(2026, 7, 18) for w in windows)


def test_a_future_window_is_refused():
    # the old case window: three days from the valuation month's 10th, valued on the 4th
    with pytest.raises(ValueError, match="not in the past"):
        refuse_future(Window(dt.date(2026, 12, 10), 3), before=dt.date(2026, 12, 4))
    with pytest.raises(ValueError, match="not in the past"):  # ending on the day itself
        refuse_future(Window(dt.date(2026, 12, 1), 4), before=dt.date(2026, 12, 4))
    assert refuse_future(Window(dt.date(2026, 12, 1), 3), before=dt.date(2026, 12, 4))


def test_four_weeks_scale_to_a_year_by_365_over_28():
    windows = season_windows(dt.date(2026, 12, 1), 7, today=dt.date(2026, 12, 4))
    assert sample_scale(windows) == pytest.approx(365 / 28)
