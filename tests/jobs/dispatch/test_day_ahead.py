"""The day-ahead run on a real warehouse built from the twin's history: forecasts and plan
land with the run's id, the plan costs no more than the rule-based baseline, a re-run of the
same run replaces its files; an infeasible park gets a relaxed plan that names the bound it
breaks, and a solve the watchdog kills gets the flagged baseline."""

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
from jobs.dispatch.day_ahead import prepare_inputs, run_day_ahead
from jobs.forecast.weather import ClearSkyClimatology
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for
from tests.jobs.inbox.conftest import write_csv

pytestmark = pytest.mark.integration
DR_HEADER = ["event_id", "start_local", "end_local", "requested_reduction_kw",
             "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"]
DR_EVENT = "DR-TEST-01"
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
    # the grid calls a park-wide demand-response event for the afternoon of the plan day
    events = tmp_path_factory.mktemp("inbox") / "dr_events_test.csv"
    write_csv(events, DR_HEADER, [[DR_EVENT, f"{PLAN_DAY} 14:00", f"{PLAN_DAY} 16:00", 200,
                                   3.0, "", f"{PLAN_DAY - dt.timedelta(days=1)} 09:00"]])
    [loaded] = load_inbox(settings, [events], now=end - dt.timedelta(hours=20))
    assert loaded.accepted, loaded.problems
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

    # the inbox's DR event is in the plan: a baseline, the expected load and a reduction the
    # battery can deliver, in the event's window only (14:00-16:00 local: 8 intervals)
    event = plans.filter(pc.equal(plans["asset_id"], DR_EVENT)).to_pandas()
    assert set(event["quantity"]) == {"baseline_kw", "expected_load_kw", "committed_reduction_kw"}
    assert (event.groupby("quantity").size() == 8).all()
    committed = event[event["quantity"] == "committed_reduction_kw"]["value"]
    assert 0 < committed.iloc[0] <= 200.0 and committed.nunique() == 1
    assert result.plan.dr_revenue_cny == pytest.approx(committed.iloc[0] * 2 * 3.0)
    ev = plans.filter(pc.equal(plans["asset_kind"], "ev_group")).to_pandas()
    assert ev["asset_id"].nunique() >= 2 and ev["value"].sum() > 0  # the workday's sessions
    assert result.plan.ev_unserved_kwh == pytest.approx(0.0, abs=1e-3)
    zones = {z.id for z in settings.park.assets.hvac_zones}
    hvac = plans.filter(pc.equal(plans["asset_kind"], "hvac_zone"))
    assert set(hvac.column("asset_id").to_pylist()) == zones

    again = run_day_ahead(settings, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                          run_id="test-run")
    assert sorted(again.plan_paths) == sorted(result.plan_paths)
    assert landing.read_dataset(settings.landing_root, "plans").num_rows == plans.num_rows


def _park_with(park_dict, settings, change) -> object:
    changed = copy.deepcopy(park_dict)
    change(changed)
    return settings_for(changed, Path(settings.data_root))


def _landed_run(settings, run_id):
    plans = landing.read_dataset(settings.landing_root, "plans")
    return plans.filter(pc.equal(plans["run_id"], run_id))


def test_an_infeasible_park_gets_a_relaxed_plan_naming_the_broken_bound(park_dict, built):
    settings, issued = built
    starved = _park_with(park_dict, settings, lambda park: park["park"]["grid_connection"]
                         .update(import_limit_kw=1.0))  # far below the load
    result = run_day_ahead(starved, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                           run_id="test-infeasible")
    assert result.status == "relaxed" and not result.is_fallback
    assert len(result.breaches) == 1 and "above its 1 kW limit" in result.breaches[0]
    flagged = _landed_run(settings, "test-infeasible")
    assert flagged.num_rows > 0 and not any(flagged.column("is_fallback").to_pylist())
    assert set(flagged.column("solver_status").to_pylist()) == {"relaxed"}
    assert set(flagged.column("breached_bounds").to_pylist()) == {result.breaches[0]}


def test_a_solve_the_watchdog_kills_publishes_the_flagged_baseline(park_dict, built):
    settings, issued = built
    hurried = _park_with(park_dict, settings, lambda park: park.setdefault("dispatch", {})
                         .update(time_limit_s=0.001, watchdog_grace_s=0.001))
    result = run_day_ahead(hurried, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                           run_id="test-killed")
    assert result.is_fallback and "watchdog" in result.solve.message
    assert result.plan.total_cost_cny == pytest.approx(result.baseline.total_cost_cny)
    flagged = _landed_run(settings, "test-killed")
    assert flagged.num_rows > 0 and all(flagged.column("is_fallback").to_pylist())
    assert set(flagged.column("solver_status").to_pylist()) == {"fallback"}


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
            "select plan.measured_value, balance.grid_import_kwh * 4, plan.planned_value "
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
            "from staging.stg_dispatch__forecasts as forecasts "
            "inner join fct_enterprise_interval_energy as energy "
            "on forecasts.interval_start_utc = energy.interval_start_utc "
            "and forecasts.asset_id = energy.entity_id "
            "where forecasts.run_id = 'past-late' and forecasts.quantity = 'load_kw' "
            "group by 1").fetchall())
    assert {asset for asset, _, _ in skill} == set(by_hand) and by_hand
    for asset, mae, intervals in skill:
        assert intervals == 96
        assert mae == pytest.approx(by_hand[asset], rel=1e-9)


def _latest_landed(settings, point, before):
    readings = landing.read_dataset(settings.landing_root, "readings").to_pandas()
    readings = readings[(readings["point"] == point) & (readings["quality"] == "good")
                        & (readings["ts_utc"] < before)]
    return readings.sort_values("ts_utc").groupby("device_id")["value"].last()


def test_the_plan_starts_from_what_was_last_measured(built):
    """Battery SOC and zone temperatures are the last good readings before the issue time
    (read here straight from the landing zone); zones are occupied when the twin's schedule
    runs them (the config's shifts of each zone's enterprise), learnt from hvac_mode history."""
    settings, issued = built
    park = settings.park
    day = prepare_inputs(settings, PLAN_DAY, ClearSkyClimatology(), issued)
    inputs = day.inputs
    soc = _latest_landed(settings, "soc_pct", issued)
    for battery in park.assets.batteries:
        devices = [d.id for d in park.devices if d.asset == battery.id]
        expected_kwh = battery.capacity_kwh * soc[devices].mean() / 100.0
        assert inputs.batteries.loc[battery.id, "soc_initial_kwh"] == pytest.approx(expected_kwh)
    temps = _latest_landed(settings, "zone_temp_c", issued)
    for zone in park.assets.hvac_zones:
        devices = [d.id for d in park.devices if d.asset == zone.id]
        assert inputs.hvac_zones.loc[zone.id, "initial_temp_c"] == pytest.approx(
            temps[devices].mean())
    local = inputs.interval_start_utc.tz_convert(park.park.timezone)
    profiles = park.simulation.load_profiles
    for zone in park.assets.hvac_zones:
        shifts = profiles[zone.enterprise].shifts if zone.enterprise in profiles else None
        if not shifts:
            continue
        in_shift = [any(start <= t.hour < end if start <= end else not end <= t.hour < start
                        for start, end in shifts) for t in local]
        agreement = (inputs.hvac_occupied[zone.id].to_numpy() == in_shift).mean()
        assert agreement >= 0.95, (zone.id, shifts)


def test_the_plan_command_plans_a_day_on_demand(park_dict, built, tmp_path):
    from typer.testing import CliRunner

    from jobs.cli import app
    from tests.conftest import write_park_file

    settings, _ = built
    park_file = write_park_file(park_dict, tmp_path / "park.yaml")
    runs_before = set(landing.read_dataset(settings.landing_root, "plans")
                      .column("run_id").to_pylist())
    result = CliRunner().invoke(app, ["plan", "--park-file", str(park_file), "--data-root",
                                      settings.data_root, "--date", PLAN_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{PLAN_DAY}: optimised plan published" in result.output
    runs_after = set(landing.read_dataset(settings.landing_root, "plans")
                     .column("run_id").to_pylist())
    [new_run] = runs_after - runs_before
    assert new_run in result.output
