"""Conventions every mart keeps, so an analyst can read them without the code: no -0.0, local
time beside UTC in the dispatch plan, and a day still in progress flagged rather than shown as
0 % self-sufficient."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jobs.common import landing
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.published import connect_published
from tests.conftest import settings_for
from tests.jobs.warehouse.hand_park import (
    ENTERPRISES,
    alpha_beta_devices,
    constant_rate_readings,
    park_section,
)

pytestmark = pytest.mark.integration


def test_no_mart_holds_a_negative_zero(built):
    """The small park's warehouse (tests/jobs/scorecards/conftest.py) rounds tiny negative
    losses to -0.0 in several marts unless the marts unsign them."""
    _, settings, _ = built
    found = []
    with connect_published(settings) as connection:
        columns = connection.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'main' "
            "and data_type in ('DOUBLE', 'FLOAT')").fetchall()
        for table, column in columns:
            values = connection.execute(
                f'select "{column}" from "{table}" where "{column}" = 0').fetchall()
            if any(math.copysign(1.0, value) < 0 for (value,) in values):
                found.append(f"{table}.{column}")
    assert columns and not found, found


def test_the_dispatch_plan_shows_local_time_beside_utc(built):
    _, settings, _ = built
    zone = ZoneInfo(settings.park.park.timezone)
    with connect_published(settings) as connection:
        rows = connection.execute(
            "select interval_start_utc, interval_start_local from fct_dispatch_plan").fetchall()
    assert rows
    for utc, local in rows:
        assert local == utc.astimezone(zone).replace(tzinfo=None)


def test_the_day_in_progress_is_flagged_and_shows_no_ratio(tmp_path: Path):
    """Meters read from 1 October 00:00 to 2 October 10:00 (Asia/Shanghai), and the park has
    no PV: 1 October is a whole day of 96 intervals at 0 % self-sufficiency; 2 October has 40
    intervals so far, is partial and in progress, and has no self-sufficiency yet."""
    first = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)
    last = dt.datetime(2026, 10, 2, 2, 0, tzinfo=dt.UTC)
    settings = settings_for({"park": park_section("day-park", "日园", "Day Park"),
                             "enterprises": ENTERPRISES,
                             "devices": [d for d in alpha_beta_devices()
                                         if d["kind"] != "gas_meter"]}, tmp_path / "data")
    readings = constant_rate_readings(first, last, {("grid-main", "energy_import_kwh"): 1000.0,
                                                    ("meter-alpha", "energy_import_kwh"): 600.0,
                                                    ("meter-beta", "energy_import_kwh"): 400.0})
    landing.write_partitioned(settings.landing_root, "readings", readings, "hand-made")
    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()
    with connect_published(settings) as connection:
        park = connection.execute(
            "select local_date, intervals, expected_intervals, is_partial_day, "
            "is_day_in_progress, self_sufficiency_pct, pv_self_consumption_pct "
            "from fct_park_daily_kpis order by local_date").fetchall()
        alpha = connection.execute(
            "select local_date, intervals, expected_intervals, is_partial_day, "
            "is_day_in_progress, self_sufficiency_pct from fct_enterprise_daily_kpis "
            "where entity_id = 'alpha' order by local_date").fetchall()
    october_1, october_2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)
    assert park == [(october_1, 96, 96, False, False, 0.0, None),
                    (october_2, 40, 96, True, True, None, None)]
    assert alpha == [(october_1, 96, 96, False, False, 0.0),
                     (october_2, 40, 96, True, True, None)]
