"""The day-ahead run on a real warehouse built from the twin's history: forecasts and plan
land with the run's id, the plan costs no more than the rule-based baseline, a re-run of the
same run replaces its files, and an infeasible park still gets a plan: the flagged baseline."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.day_ahead import run_day_ahead
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
FIRST_DAY = dt.date(2026, 6, 1)
PLAN_DAY = dt.date(2026, 6, 9)


@pytest.fixture(scope="module")
def park_dict():
    return relocate_endpoints(generate_park(20, seed=4))


@pytest.fixture(scope="module")
def built(park_dict, tmp_path_factory):
    settings = settings_for(park_dict, tmp_path_factory.mktemp("dayahead") / "data")
    zone = settings.park.park.timezone
    start = local_day_intervals(FIRST_DAY, zone)[0].to_pydatetime()
    end = local_day_intervals(PLAN_DAY, zone)[0].to_pydatetime()
    generate_history(settings, start, end, sample_s=300)
    assert build_warehouse(settings, unit_tests=False).success
    return settings, end - dt.timedelta(hours=14)  # issued the morning before


def test_a_plan_and_its_forecasts_land_and_beat_the_baseline(built):
    settings, issued = built
    assert settings.park.assets.batteries, "the test park needs a battery"
    result = run_day_ahead(settings, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                           run_id="test-run")
    assert result.solve.status == "optimal" and not result.is_fallback
    assert result.intervals == 96
    assert result.plan.total_cost_cny <= result.baseline.total_cost_cny + 1e-6
    assert result.saving_cny > 0  # the batteries arbitrage the TOU spread
    plans = landing.read_dataset(settings.landing_root, "plans")
    assert set(plans.column("run_id").to_pylist()) == {"test-run"}
    batteries = {b.id for b in settings.park.assets.batteries}
    setpoints = plans.filter(pc.equal(plans["quantity"], "setpoint_kw"))
    assert set(setpoints.column("asset_id").to_pylist()) == batteries
    assert setpoints.num_rows == 96 * len(batteries)
    forecasts = landing.read_dataset(settings.landing_root, "forecasts")
    assert set(forecasts.column("quantity").to_pylist()) == {"potential_kw", "load_kw"}
    assert min(forecasts.column("horizon_h").to_pylist()) == pytest.approx(14.0)

    again = run_day_ahead(settings, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                          run_id="test-run")
    assert sorted(again.plan_paths) == sorted(result.plan_paths)
    assert landing.read_dataset(settings.landing_root, "plans").num_rows == plans.num_rows


def test_an_infeasible_park_gets_the_flagged_baseline(park_dict, built):
    settings, issued = built
    tight = copy.deepcopy(park_dict)
    tight["park"]["grid_connection"]["import_limit_kw"] = 1.0  # far below the load
    starved = settings_for(tight, Path(settings.data_root))
    result = run_day_ahead(starved, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                           run_id="test-infeasible")
    assert result.is_fallback and result.solve.status == "infeasible"
    plans = landing.read_dataset(settings.landing_root, "plans")
    flagged = plans.filter(pc.equal(plans["run_id"], "test-infeasible"))
    assert flagged.num_rows > 0 and all(flagged.column("is_fallback").to_pylist())
    assert set(flagged.column("solver_status").to_pylist()) == {"infeasible"}


PAST_DAY = dt.date(2026, 6, 5)


@pytest.fixture(scope="module")
def past_day(built):
    """A day already harvested, planned twice the day before (early and late run), then the
    warehouse rebuilt so the plans and forecasts meet the measurements."""
    settings, _ = built
    issued = local_day_intervals(PAST_DAY, settings.park.park.timezone)[0].to_pydatetime()
    run_day_ahead(settings, PAST_DAY, ClearSkyClimatology(),
                  now_utc=issued - dt.timedelta(hours=14), run_id="past-early")
    run_day_ahead(settings, PAST_DAY, ClearSkyClimatology(),
                  now_utc=issued - dt.timedelta(hours=2), run_id="past-late")
    assert build_warehouse(settings, unit_tests=False).success
    return settings


def test_the_plan_in_force_meets_the_measurements_in_the_warehouse(past_day):
    """The warehouse shows the later run, interval by interval, beside the metered import."""
    settings, day = past_day, PAST_DAY
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        runs = connection.execute(
            "select distinct run_id from fct_dispatch_plan where plan_date = ?", [day]).fetchall()
        rows = connection.execute(
            "select plan.actual_value, balance.grid_import_kwh * 4, plan.planned_value "
            "from fct_dispatch_plan as plan inner join fct_energy_balance as balance "
            "using (interval_start_utc) where plan.plan_date = ? and plan.asset_id = 'grid' "
            "and plan.quantity = 'import_kw'", [day]).fetchall()
    assert runs == [("past-late",)]
    assert len(rows) == 96
    for actual, metered, planned in rows:
        assert actual == pytest.approx(metered, abs=1e-6)
        assert planned >= 0


def test_forecast_skill_is_scored_against_what_was_measured(past_day):
    """The past day's load forecasts (run past-late) scored in the warehouse, checked against
    the same pairs computed here from the landed forecasts and the metered mart."""
    settings = past_day
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        skill = connection.execute(
            "select asset_id, sum(mae_kw * intervals) / sum(intervals), sum(intervals) "
            "from fct_forecast_skill where run_id = 'past-late' and quantity = 'load_kw' "
            "group by asset_id").fetchall()
        by_hand = dict(connection.execute(
            "select forecasts.asset_id, avg(abs(forecasts.value - energy.consumption_kwh * 4)) "
            "from stg_dispatch__forecasts as forecasts "
            "inner join fct_enterprise_interval_energy as energy "
            "on forecasts.interval_start_utc = energy.interval_start_utc "
            "and forecasts.asset_id = energy.entity_id "
            "where forecasts.run_id = 'past-late' and forecasts.quantity = 'load_kw' "
            "group by 1").fetchall())
    assert {asset for asset, _, _ in skill} == set(by_hand) and by_hand
    for asset, mae, intervals in skill:
        assert intervals == 96
        assert mae == pytest.approx(by_hand[asset], rel=1e-9)
