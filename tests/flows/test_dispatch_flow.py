"""The day-ahead flow under Prefect: a plan for tomorrow lands and its artifacts are published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from prefect.artifacts import Artifact

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from flows.dispatch import day_ahead_dispatch
from jobs.common import landing
from jobs.common.settings import load_settings
from jobs.dispatch.calendar import local_day_intervals
from jobs.warehouse.build import build_warehouse
from tests.conftest import CONFIG_DIR

pytestmark = pytest.mark.integration


def test_the_flow_plans_a_day_and_publishes_it(tmp_path: Path, monkeypatch):
    park_file = tmp_path / "park.yaml"
    park_file.write_text(yaml.safe_dump(generate_park(20, seed=4), allow_unicode=True))
    monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PARK_FILE", str(park_file))
    monkeypatch.setenv("PARK_DATA_ROOT", str(tmp_path / "data"))
    settings = load_settings()
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
