"""The day-ahead flow under Prefect: a plan for tomorrow lands and its artifacts are published."""

from __future__ import annotations

import datetime as dt

import pytest
from prefect.artifacts import Artifact

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from flows.dispatch import day_ahead_dispatch
from jobs.common import landing
from jobs.dispatch.calendar import local_day_intervals
from jobs.warehouse.build import build_warehouse

pytestmark = pytest.mark.integration


def test_the_flow_plans_a_day_and_publishes_it(park_environment):
    settings = park_environment(generate_park(20, seed=4))
    first = local_day_intervals(dt.date(2026, 6, 1), settings.park.park.timezone)[0]
    generate_history(settings, first.to_pydatetime(),
                     first.to_pydatetime() + dt.timedelta(days=3), sample_s=300)
    assert build_warehouse(settings, unit_tests=False).success
    result = day_ahead_dispatch(plan_date=dt.date(2026, 6, 4))
    assert result["status"] == "optimal" and not result["is_fallback"]
    assert result["cost_cny"] <= result["baseline_cost_cny"]
    plans = landing.read_dataset(settings.landing_root, "plans")
    assert set(plans.column("run_id").to_pylist()) == {result["run_id"]}
    markdown = Artifact.get("day-ahead-plan")
    assert markdown is not None and "Saving against the baseline" in str(markdown.data)
    hourly = Artifact.get("day-ahead-plan-hourly")
    assert hourly is not None and "00:00" in str(hourly.data)
