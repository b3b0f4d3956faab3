"""Local days in a zone with daylight saving: the spring day has 23 hours (92 intervals), the
autumn day 25 (100), and the daily marts count and sum exactly the UTC intervals inside them.
The two windows are seven months apart in one landing zone: a gap longer than
max_bridge_hours must stay a gap, not be bridged."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
BERLIN_SPRING_DAY = dt.date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
BERLIN_AUTUMN_DAY = dt.date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET
# the local days in UTC, worked out by hand: midnight CET = 23:00 UTC, midnight CEST = 22:00
SPRING_UTC = (dt.datetime(2026, 3, 28, 23, tzinfo=dt.UTC),
              dt.datetime(2026, 3, 29, 22, tzinfo=dt.UTC))
AUTUMN_UTC = (dt.datetime(2026, 10, 24, 22, tzinfo=dt.UTC),
              dt.datetime(2026, 10, 25, 23, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    park = relocate_endpoints(generate_park(20, seed=3))
    park["park"]["timezone"] = "Europe/Berlin"
    settings = settings_for(park, tmp_path_factory.mktemp("dst") / "data")
    margin = dt.timedelta(minutes=30)
    for start, end in (SPRING_UTC, AUTUMN_UTC):
        generate_history(settings, start - margin, end + margin)
    report = build_warehouse(settings)
    assert report.success, report.summary_markdown()
    return settings


def _query(settings, sql, *params):
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


@pytest.mark.parametrize(("day", "hours"), [(BERLIN_SPRING_DAY, 23), (BERLIN_AUTUMN_DAY, 25)])
def test_local_days_have_their_true_length(built, day, hours):
    [(expected, intervals)] = _query(
        built, "select expected_intervals, intervals from fct_park_daily_kpis where local_date = ?",
        day)
    assert expected == intervals == hours * 4
    entity_intervals = _query(
        built, "select distinct intervals from fct_enterprise_daily_kpis where local_date = ?", day)
    assert entity_intervals == [(hours * 4,)]


@pytest.mark.parametrize(("day", "utc_window"), [(BERLIN_SPRING_DAY, SPRING_UTC),
                                                 (BERLIN_AUTUMN_DAY, AUTUMN_UTC)])
def test_a_local_day_sums_the_utc_intervals_inside_it(built, day, utc_window):
    [(daily_import, daily_consumption)] = _query(
        built, "select grid_import_kwh, consumption_kwh from fct_park_daily_kpis "
        "where local_date = ?", day)
    [(utc_import, utc_consumption, utc_intervals)] = _query(
        built, "select sum(grid_import_kwh), "
        "sum(enterprise_load_kwh + common_load_kwh + ev_charging_kwh), count(*) "
        "from fct_energy_balance where interval_start_utc >= ? and interval_start_utc < ?",
        *utc_window)
    assert utc_intervals == (utc_window[1] - utc_window[0]) / dt.timedelta(minutes=15)
    assert daily_import == pytest.approx(utc_import, abs=1e-6)
    assert daily_consumption == pytest.approx(utc_consumption, abs=1e-6)


def test_the_repeated_autumn_hour_appears_twice_in_local_time(built):
    rows = _query(
        built, "select interval_start_local, count(*) from fct_energy_balance "
        "where local_date = ? group by 1 having count(*) > 1 order by 1", BERLIN_AUTUMN_DAY)
    assert [(local.hour, local.minute, n) for local, n in rows] == [
        (2, 0, 2), (2, 15, 2), (2, 30, 2), (2, 45, 2)]


def test_seven_months_without_readings_are_not_bridged(built):
    [(between,)] = _query(
        built, "select count(*) from intermediate.int_counter_intervals_interpolated "
        "where interval_start_utc > ? and interval_start_utc < ?",
        SPRING_UTC[1] + dt.timedelta(hours=1), AUTUMN_UTC[0] - dt.timedelta(hours=1))
    assert between == 0
