"""A consumer whose own feeder meter is down is `incomplete` in the warehouse, not measured
at whatever its other devices add up to (found while building the scorecards: the faulted
tenant's HVAC kept it in the table at a fraction of its real load)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

pytestmark = pytest.mark.integration
FAULT = (dt.datetime(2026, 6, 9, 16, tzinfo=dt.UTC), dt.datetime(2026, 6, 18, 4, tzinfo=dt.UTC))


def test_intervals_without_the_consumers_feeder_are_incomplete(built):
    park, settings, ids = built
    margin = dt.timedelta(hours=1)
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        inside = connection.execute(
            "select interval_quality, count(*) from fct_enterprise_interval_energy "
            "where entity_id = ? and interval_start_utc >= ? and interval_start_utc < ? "
            "group by 1", [ids[1], FAULT[0] + margin, FAULT[1] - margin]).fetchall()
        outside = connection.execute(
            "select interval_quality, count(*) from fct_enterprise_interval_energy "
            "where entity_id = ? and (interval_start_utc < ? or interval_start_utc >= ?) "
            "group by 1", [ids[1], FAULT[0] - margin, FAULT[1] + margin]).fetchall()
        others = connection.execute(
            "select count(*) from fct_enterprise_interval_energy where entity_id = ? "
            "and interval_quality = 'incomplete'", [ids[0]]).fetchone()[0]
        daily = connection.execute(
            "select sum(incomplete_intervals) from fct_enterprise_daily_kpis "
            "where entity_id = ?", [ids[1]]).fetchone()[0]
    inside, outside = dict(inside), dict(outside)
    assert inside.get("incomplete", 0) >= 0.95 * sum(inside.values()) > 0
    assert outside.get("incomplete", 0) == 0
    assert others == 0  # the healthy tenant is untouched
    assert daily >= inside.get("incomplete", 0)  # and the daily KPIs count them
