"""Plan rows are taken by meaning or refused: units converted exactly (by their definitions:
1 MW = 1,000 kW, degF = 32 + 9/5 degC, K = degC + 273.15), unknown or wrong-dimension units,
non-finite values and conflicting duplicates refused with a reason, runs created at one
instant resolved or refused, and a foreign file in `plans/` skipped without hiding the good
ones. Real Parquet files in a real landing zone; no devices (see test_setpoint_faults.py for
what reaches them)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from device_io.setpoints.commands import plan_commands
from device_io.setpoints.plan_source import PlanInForce, plan_for_interval
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.common.dispatch_schemas import PLANS_SCHEMA
from tests.conftest import settings_for

T0 = dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC)
CREATED = T0 - dt.timedelta(hours=20)
BATTERY, ZONE, PV, TANK = "bess-01", "zone-park-01", "pv-roof-01", "tank-01"


@pytest.fixture
def settings(tmp_path):
    return settings_for(generate_park(40, seed=3), tmp_path / "data")


def plan_table(rows: list[tuple], *, run_id: str = "run-a", created: dt.datetime = CREATED
               ) -> pa.Table:
    """rows: (asset_kind, asset_id, quantity, value, unit)."""
    return pa.Table.from_pylist([
        {"run_id": run_id, "created_at_utc": created, "plan_date": T0.date(),
         "interval_start_utc": T0, "asset_kind": kind, "asset_id": asset, "quantity": quantity,
         "value": value, "unit": unit, "solver_status": "optimal", "is_fallback": False,
         "objective_cny": 0.0, "baseline_cost_cny": 0.0, "weather_provider": "test",
         "breached_bounds": None} for kind, asset, quantity, value, unit in rows],
        schema=PLANS_SCHEMA)


def land(settings, rows: list[tuple], **kwargs) -> None:
    table = plan_table(rows, **kwargs)
    landing.write_partitioned(settings.landing_root, "plans", table,
                              kwargs.get("run_id", "run-a"), ts_column="interval_start_utc")


def choose(settings):
    return plan_for_interval(settings.landing_root, T0, T0, max_age_h=42.0)


@pytest.mark.parametrize(("kind", "asset", "quantity", "value", "unit", "expected"), [
    ("battery", BATTERY, "setpoint_kw", 0.4, "MW", 400.0),       # was written as 0.4 kW
    ("battery", BATTERY, "setpoint_kw", -300_000.0, "W", -300.0),  # was read as kW
    ("battery", BATTERY, "setpoint_kw", -250.0, "kW", -250.0),
    ("hvac_zone", ZONE, "setpoint_c", 75.2, "degF", 24.0),       # was taken as 75.2 degC
    ("hvac_zone", ZONE, "setpoint_c", 297.65, "K", 24.5),
    ("hvac_zone", ZONE, "setpoint_c", 23.5, "degC", 23.5),
    ("pv", PV, "power_limit_pct", 60.0, "%", 60.0),
    ("thermal_storage", TANK, "setpoint_kw_th", 1.2, "MW_th", 1200.0),
])
def test_plan_values_are_converted_to_the_unit_their_quantity_is_commanded_in(
        settings, kind, asset, quantity, value, unit, expected):
    land(settings, [(kind, asset, quantity, value, unit)])
    plan = choose(settings).plan
    assert plan.value(kind, asset, quantity) == pytest.approx(expected, abs=1e-9)
    assert plan.refusals == ()


@pytest.mark.parametrize(("quantity", "value", "unit", "why"), [
    ("setpoint_kw", 400.0, "kWh", "unit 'kWh' is not one setpoint_kw can be taken in"),
    ("setpoint_kw", 400.0, "degC", "unit 'degC' is not one"),   # another dimension
    ("setpoint_kw", 400.0, "", "unit '' is not one"),           # no unit: no meaning
    ("setpoint_kw", 400.0, None, "unit '' is not one"),
    ("setpoint_kw", math.nan, "kW", "value nan kW is not a finite number"),
    ("setpoint_kw", math.inf, "kW", "value inf kW is not a finite number"),
])
def test_rows_without_a_meaning_are_refused_with_the_reason(settings, quantity, value, unit,
                                                           why):
    land(settings, [("battery", BATTERY, quantity, value, unit),
                    ("hvac_zone", ZONE, "setpoint_c", 24.5, "degC")])
    plan = choose(settings).plan
    [refusal] = plan.refusals
    assert (refusal.asset_kind, refusal.asset_id, refusal.quantity) == \
        ("battery", BATTERY, "setpoint_kw")
    assert why in refusal.reason and "plan row battery bess-01 setpoint_kw" in refusal.reason
    assert plan.value("battery", BATTERY, "setpoint_kw") is None
    assert plan.value("hvac_zone", ZONE, "setpoint_c") == 24.5  # the good row beside it


def test_conflicting_duplicates_are_refused_and_identical_ones_collapse(settings):
    land(settings, [("battery", BATTERY, "setpoint_kw", 300.0, "kW"),
                    ("battery", BATTERY, "setpoint_kw", 500.0, "kW"),
                    ("hvac_zone", ZONE, "setpoint_c", 24.5, "degC"),
                    ("hvac_zone", ZONE, "setpoint_c", 76.1, "degF"),  # 24.5 degC again
                    ("pv", PV, "power_limit_pct", 60.0, "%"),
                    ("pv", PV, "power_limit_pct", 60.0, "%")])
    plan = choose(settings).plan
    [refusal] = plan.refusals
    assert refusal.asset_id == BATTERY and "2 rows for one interval disagree" in refusal.reason
    assert "300 kW" in refusal.reason and "500 kW" in refusal.reason
    assert plan.value("hvac_zone", ZONE, "setpoint_c") == pytest.approx(24.5)
    assert plan.value("pv", PV, "power_limit_pct") == 60.0


def test_a_quantity_the_writer_cannot_command_is_refused_and_the_forecast_rows_ignored(
        settings):
    land(settings, [("battery", BATTERY, "setpoint_kvar", 50.0, "kvar"),
                    ("battery", BATTERY, "soc_kwh", 1000.0, "kWh"),
                    ("grid", "grid", "import_kw", 800.0, "kW")])
    [refusal] = choose(settings).plan.refusals
    assert refusal.quantity == "setpoint_kvar"
    assert "not a quantity the writer can command" in refusal.reason


def test_two_runs_created_at_one_instant_that_disagree_are_not_followed(settings):
    land(settings, [("battery", BATTERY, "setpoint_kw", 300.0, "kW")], run_id="run-a")
    land(settings, [("battery", BATTERY, "setpoint_kw", -300.0, "kW")], run_id="run-b")
    choice = choose(settings)
    assert choice.plan is None
    assert "plans run-a, run-b were all created at" in choice.why_no_plan
    assert "disagree for this interval" in choice.why_no_plan


def test_two_runs_created_at_one_instant_that_agree_are_one_plan_named_the_same_way_always(
        settings):
    for run_id in ("run-b", "run-a"):  # landed in either order: the same run is named
        land(settings, [("battery", BATTERY, "setpoint_kw", 300.0, "kW")], run_id=run_id)
    choice = choose(settings)
    assert choice.plan.run_id == "run-b"
    assert any("agree for this interval: run-b named" in note for note in choice.notes)


def test_a_newer_run_still_wins_over_an_older_one(settings):
    land(settings, [("battery", BATTERY, "setpoint_kw", 300.0, "kW")], run_id="run-old")
    land(settings, [("battery", BATTERY, "setpoint_kw", -100.0, "kW")], run_id="run-new",
         created=CREATED + dt.timedelta(hours=1))
    assert choose(settings).plan.value("battery", BATTERY, "setpoint_kw") == -100.0


def test_foreign_files_in_plans_are_skipped_and_do_not_hide_the_good_plan(settings):
    land(settings, [("battery", BATTERY, "setpoint_kw", 300.0, "kW")])
    folder = landing.partition_dir(settings.landing_root, "plans", T0.date())
    with open(f"{folder}/garbage.parquet", "wb") as handle:
        handle.write(b"\x00\x01 not parquet at all \xff" * 10)
    pq.write_table(pa.table({"ts_utc": [pd.Timestamp(T0)], "reading": [1.0]}),
                   f"{folder}/readings-by-mistake.parquet")
    retyped = plan_table([("battery", BATTERY, "setpoint_kw", 300.0, "kW")]).set_column(
        7, "value", pa.array(["lots"]))
    pq.write_table(retyped, f"{folder}/value-as-text.parquet")
    choice = choose(settings)
    assert choice.plan is not None and choice.plan.value("battery", BATTERY, "setpoint_kw") \
        == 300.0
    notes = "\n".join(choice.notes)
    assert "garbage.parquet: not a readable Parquet file" in notes
    assert "readings-by-mistake.parquet: not a plan file (no column run_id" in notes
    assert "value-as-text.parquet: columns not of the plan contract's types" in notes


def test_only_foreign_files_mean_no_plan_and_say_so(settings):
    folder = landing.partition_dir(settings.landing_root, "plans", T0.date())
    landing.write_atomically(f"{folder}/garbage.parquet", b"PAR1 but not really")
    choice = choose(settings)
    assert choice.plan is None and choice.why_no_plan.startswith("no plan published")
    assert "garbage.parquet" in choice.notes[0]


# -- from plan to commands -------------------------------------------------------------------
def test_plan_rows_no_device_carries_become_refused_commands(settings):
    land(settings, [("battery", "bess-99", "setpoint_kw", 300.0, "kW"),
                    ("hvac_zone", BATTERY, "setpoint_c", 24.0, "degC"),  # not a zone
                    ("battery", BATTERY, "setpoint_kvar", 50.0, "kvar")])
    commands = plan_commands(settings.park, settings.register_maps, choose(settings).plan, {})
    refused = {(c.device_id, c.point): c.refused for c in commands if c.refused}
    assert "no controllable device" in refused[("bess-99", "setpoint_kw")]
    assert "plan row battery bess-99 setpoint_kw" in refused[("bess-99", "setpoint_kw")]
    assert "plan row hvac_zone bess-01 setpoint_c" in refused[(BATTERY, "setpoint_c")]
    assert "not a quantity" in refused[(BATTERY, "setpoint_kvar")]


def _plugged(settings) -> dict:
    return {d.id: {"charger_state": 2.0} for d in settings.park.devices
            if d.kind.value == "ev_charger"}


def test_nan_ev_power_never_becomes_zero_amps(settings):
    """Straight into the commands, past the plan's own check: the plugged-in chargers get a
    value that is not a number (the safety pipeline refuses it), not a 0 A pause."""
    plan = PlanInForce("run-a", pd.Timestamp(CREATED), "optimal", False,
                       setpoints={("ev_group", "ac-08-17", "power_kw"): math.nan})
    commands = plan_commands(settings.park, settings.register_maps, plan, _plugged(settings))
    limits = [c for c in commands if c.point in ("current_limit_a", "power_limit_kw")]
    assert limits and all(math.isnan(c.value) for c in limits)


def test_a_refused_ev_group_refuses_the_fleets_share_for_every_plugged_charger(settings):
    land(settings, [("ev_group", "ac-08-17", "power_kw", math.nan, "kW"),
                    ("ev_group", "dc-09-12", "power_kw", 20.0, "kW")])
    commands = plan_commands(settings.park, settings.register_maps, choose(settings).plan,
                             _plugged(settings))
    chargers = [c for c in commands if c.point in ("current_limit_a", "power_limit_kw")]
    assert chargers and all("ev_group ac-08-17 power_kw: value nan" in c.refused
                            for c in chargers)


def test_an_unknown_ev_group_quantity_is_refused_alone_and_the_fleet_still_charges(settings):
    land(settings, [("ev_group", "ac-08-17", "energy_kwh", 12.0, "kWh"),
                    ("ev_group", "ac-08-17", "power_kw", 20.0, "kW")])
    commands = plan_commands(settings.park, settings.register_maps, choose(settings).plan,
                             _plugged(settings))
    [unknown] = [c for c in commands if c.refused]
    assert (unknown.device_id, unknown.point) == ("ac-08-17", "energy_kwh")
    chargers = [c for c in commands if c.point in ("current_limit_a", "power_limit_kw")]
    assert chargers and sum(not math.isnan(c.value) for c in chargers) == len(chargers)
