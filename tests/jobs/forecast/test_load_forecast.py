"""Load forecasts on the twin's history, built into a real warehouse: the day-type profile
beats persistence (yesterday = tomorrow) over a week that includes the weekend switches."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.load import (
    consumption_history_kw,
    mean_absolute_error_kw,
    persistence_forecast,
    profile_forecast,
)
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
FIRST_DAY = dt.date(2026, 6, 1)  # a Monday
DAYS = 20


def test_the_profile_beats_persistence_over_a_week(tmp_path):
    settings = settings_for(relocate_endpoints(generate_park(20, seed=4)), tmp_path / "data")
    zone = settings.park.park.timezone
    start = local_day_intervals(FIRST_DAY, zone)[0].to_pydatetime()
    generate_history(settings, start, start + dt.timedelta(days=DAYS, minutes=15),
                     sample_s=300)
    assert build_warehouse(settings, unit_tests=False).success
    history = consumption_history_kw(settings.warehouse_path, start)
    assert set(history.columns) == {e.id for e in settings.park.enterprises} | {"park"}

    profile_error, persistence_error = [], []
    for offset in range(DAYS - 7, DAYS):  # the last seven days, one forecast each
        day = FIRST_DAY + dt.timedelta(days=offset)
        index = local_day_intervals(day, zone)
        known = history[history.index < index[0]]
        actual = history.reindex(index)
        profile = profile_forecast(known, index, zone)
        persistence = persistence_forecast(known, index, zone)
        assert not profile.isna().to_numpy().any()
        profile_error.append(mean_absolute_error_kw(profile, actual))
        persistence_error.append(mean_absolute_error_kw(persistence, actual))
    mean_profile = sum(profile_error) / 7
    mean_persistence = sum(persistence_error) / 7
    assert mean_profile < 0.8 * mean_persistence, (profile_error, persistence_error)


def test_the_profile_uses_only_days_of_the_same_type():
    """Hand-made history: weekdays at 100 kW, weekends at 30 kW; a Monday's forecast is 100
    everywhere (persistence would say 30), a Saturday's 30."""
    zone = "Asia/Shanghai"
    days = [dt.date(2026, 6, 1) + dt.timedelta(days=d) for d in range(14)]
    index = local_day_intervals(days[0], zone).append(
        [local_day_intervals(d, zone) for d in days[1:]])
    weekend = index.tz_convert(zone).day_of_week >= 5
    history = pd.DataFrame({"e1": [30.0 if w else 100.0 for w in weekend]}, index=index)
    monday = local_day_intervals(dt.date(2026, 6, 15), zone)
    saturday = local_day_intervals(dt.date(2026, 6, 20), zone)
    assert (profile_forecast(history, monday, zone)["e1"] == 100.0).all()
    assert (persistence_forecast(history, monday, zone)["e1"] == 30.0).all()
    assert (profile_forecast(history, saturday, zone)["e1"] == 30.0).all()


def test_a_day_type_never_seen_yet_falls_back_to_the_recent_days():
    """Three weekdays of history (100, 110, 120 kW) and a Saturday to forecast: no weekend to
    learn from, so the mean of those days (110 kW), not a gap."""
    zone = "Asia/Shanghai"
    days = [dt.date(2026, 6, 3), dt.date(2026, 6, 4), dt.date(2026, 6, 5)]
    history = pd.concat([pd.DataFrame({"e1": 100.0 + 10 * i}, index=local_day_intervals(d, zone))
                         for i, d in enumerate(days)])
    saturday = local_day_intervals(dt.date(2026, 6, 6), zone)
    assert profile_forecast(history, saturday, zone)["e1"].to_list() == [110.0] * 96
