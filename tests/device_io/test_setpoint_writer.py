"""The setpoint writer against real simulator servers on loopback: what reaches a device is
checked in its registers (a plain pymodbus client, decoded by hand) and in the twin behind
them, never only in the writer's own audit."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from device_io.point_io import ModbusPointIO, WriteResult
from device_io.setpoints.commands import Command
from device_io.setpoints.journal import AuditJournal
from device_io.setpoints.state import Override, WriterState
from device_io.setpoints.writer import SetpointWriter, interval_start
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.common.dispatch_schemas import PLANS_SCHEMA
from jobs.common.park_config import FaultKind
from tests.conftest import relocate_endpoints, settings_for
from tests.device_io.test_harvest_integration import T0, running_park
from tests.device_io.test_point_io import _address, _holding_registers, _s16

pytestmark = pytest.mark.integration
BESS, BATTERY = "bess-01-pcs", "bess-01"
HVAC, ZONE = "hvac-park-01", "zone-park-01"


@pytest.fixture
def settings(tmp_path):
    park = relocate_endpoints(generate_park(40, seed=3))
    park["harvest"] = {"timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.01}
    return settings_for(park, tmp_path / "data")


def _with_rules(settings, **rules):
    park = settings.park.model_copy(update={
        "setpoints": settings.park.setpoints.model_copy(update=rules)})
    return dataclasses.replace(settings, park=park)


# the units the day-ahead run publishes its commanded quantities in (jobs/dispatch/extract.py)
PLAN_UNITS = {"setpoint_kw": "kW", "setpoint_c": "degC", "power_limit_pct": "%",
              "setpoint_kw_th": "kW_th", "power_kw": "kW"}


def land_plan(settings, values: dict[tuple, float], *,
              created: dt.datetime, run_id: str = "test-plan", status: str = "optimal",
              interval: dt.datetime = T0) -> None:
    """A published plan for one interval: {(asset_kind, asset_id, quantity[, unit]): value}
    (the unit, when not given, the one the dispatch publishes)."""
    rows = [{"run_id": run_id, "created_at_utc": created, "plan_date": interval.date(),
             "interval_start_utc": interval, "asset_kind": key[0], "asset_id": key[1],
             "quantity": key[2], "value": value,
             "unit": key[3] if len(key) > 3 else PLAN_UNITS.get(key[2], ""),
             "solver_status": status,
             "is_fallback": status == "fallback", "objective_cny": 0.0,
             "baseline_cost_cny": 0.0, "weather_provider": "test", "breached_bounds": None}
            for key, value in values.items()]
    table = pa.Table.from_pandas(pd.DataFrame(rows), schema=PLANS_SCHEMA, preserve_index=False)
    landing.write_partitioned(settings.landing_root, "plans", table, run_id,
                              ts_column="interval_start_utc")


async def _battery_setpoint_kw(settings) -> float:
    """power_setpoint_kw straight from the PCS registers: s32, low word first, 0.1 kW."""
    device = next(d for d in settings.park.devices if d.id == BESS)
    low, high = await _holding_registers(device, _address(settings, device,
                                                           "power_setpoint_kw"), 2)
    raw = (high << 16) | low
    return (raw - (1 << 32) if raw >= 1 << 31 else raw) * 0.1


async def _register(settings, device_id: str, point: str, scale: float) -> float:
    device = next(d for d in settings.park.devices if d.id == device_id)
    [raw] = await _holding_registers(device, _address(settings, device, point), 1)
    return _s16(raw) * scale


def _cycle(settings, now=T0, **kwargs):
    async def run():
        async with running_park(settings) as (simulator, _):
            for fault in kwargs.pop("faults", []):
                simulator.faults.inject(*fault)
                await simulator.sync()
            io = ModbusPointIO(settings)
            try:
                writer = SetpointWriter(settings, kwargs.pop("io_wrapper", lambda x: x)(io))
                cycles = []
                for at in kwargs.pop("times", [now]):
                    cycles.append(await writer.run_cycle(at, **kwargs))
                checks = {"battery_kw": await _battery_setpoint_kw(settings),
                          "hvac_c": await _register(settings, HVAC, "setpoint_c", 0.1),
                          "twin": simulator.twin}
                return cycles, checks
            finally:
                await io.close()
    return asyncio.run(run())


def _rows(cycle, device_id, point):
    rows = cycle.rows
    return rows[(rows["device_id"] == device_id) & (rows["point"] == point)]


def test_a_fresh_plan_reaches_the_devices_and_every_attempt_is_audited(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5},
              created=T0 - dt.timedelta(hours=20))
    [cycle], checks = _cycle(settings)
    assert cycle.plan_run_id == "test-plan"
    assert checks["battery_kw"] == pytest.approx(-300.0)
    assert checks["hvac_c"] == pytest.approx(24.5)
    assert checks["twin"].point_values(BESS)["control_mode"] == 1.0  # remote control
    battery = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert battery.outcome == "written" and battery.read_back == pytest.approx(-300.0)
    assert battery.plan_run_id == "test-plan" and battery.source == "plan"
    heartbeat = _rows(cycle, BESS, "watchdog_counter")
    assert heartbeat.outcome.tolist() == ["written"]  # the PCS watchdog is fed
    landed = landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()
    assert len(landed) == len(cycle.rows) and set(landed["cycle_id"]) == {cycle.cycle_id}


def test_a_second_cycle_writes_nothing_that_has_not_changed(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    cycles, _ = _cycle(settings, times=[T0, T0 + dt.timedelta(minutes=1)])
    again = _rows(cycles[1], BESS, "power_setpoint_kw")
    assert again.outcome.tolist() == ["unchanged"]
    assert cycles[1].count("written") == 1  # only the heartbeat


def test_out_of_bounds_and_ramp_are_clamped_before_the_device(settings):
    """40 C is above the map's 30 C and 24 -> 30 breaks the 1 K ramp: the zone gets 1 K more
    than it holds; 9,000 kW of discharge is held to the map's 5,000 then the 500 kW ramp."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): 9000.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 40.0},
              created=T0 - dt.timedelta(hours=20))
    before = settings.park.assets.hvac_zones[0].normal_setpoint_c
    [cycle], checks = _cycle(settings)
    assert checks["hvac_c"] == pytest.approx(before + 1.0)
    assert checks["battery_kw"] == pytest.approx(500.0)
    reason = _rows(cycle, HVAC, "setpoint_c").iloc[-1].reason
    assert "bounds [16, 30]" in reason and "ramp limited to 1" in reason


def test_a_stale_plan_sends_the_devices_to_their_safe_defaults(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=60))
    [cycle], checks = _cycle(settings)
    assert cycle.plan_run_id is None and "stale" in cycle.why_no_plan
    assert checks["battery_kw"] == pytest.approx(0.0)
    assert checks["twin"].point_values(BESS)["control_mode"] == 0.0  # local: the PCS's own
    assert set(_rows(cycle, BESS, "power_setpoint_kw").source) == {"safe_default"}


def test_points_that_are_not_writable_never_reach_the_device(settings):
    twin_soc = []

    def foreign(live):
        twin_soc.append(live[BESS]["soc_pct"])
        return [Command(BESS, BATTERY, "soc_pct", 99.0, "rule_based")]

    [cycle], checks = _cycle(settings, commands_from=foreign)
    row = _rows(cycle, BESS, "soc_pct").iloc[0]
    assert row.outcome == "refused" and "not a writable point" in row.reason
    assert checks["twin"].point_values(BESS)["soc_pct"] == pytest.approx(twin_soc[0], abs=0.1)


def test_a_device_in_manual_override_is_left_alone(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    state = WriterState()
    state.overrides[BESS] = Override((T0 + dt.timedelta(hours=2)).isoformat(),
                                     "maintenance on the PCS", "operator")
    state.save(f"{settings.data_root}/state/setpoints.json")
    [cycle], checks = _cycle(settings)
    assert checks["battery_kw"] == pytest.approx(0.0)
    assert set(_rows(cycle, BESS, "power_setpoint_kw").outcome) == {"override"}


def test_a_device_that_ignores_writes_is_caught_and_its_breaker_stays_open(settings):
    """The PCS acknowledges but does not act: three writes, three read-backs of 0, then the
    breaker opens; the next cycle does not write to it at all."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    cycles, checks = _cycle(settings, times=[T0, T0 + dt.timedelta(minutes=5)],
                            faults=[(BESS, FaultKind.IGNORE_WRITES)])
    first = _rows(cycles[0], BESS, "power_setpoint_kw")
    assert first.outcome.tolist() == ["verify_failed"] * 3
    assert first.iloc[-1].reason.endswith("circuit breaker opened")
    assert set(_rows(cycles[1], BESS, "power_setpoint_kw").outcome) == {"breaker_open"}
    assert checks["battery_kw"] == pytest.approx(0.0)


def test_a_device_that_rejects_writes_is_reported(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    [cycle], checks = _cycle(settings, faults=[(BESS, FaultKind.REJECT_WRITES)])
    row = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert row.outcome == "write_error" and "DEVICE_FAILURE" in row.reason
    assert checks["battery_kw"] == pytest.approx(0.0)


def test_dry_run_computes_and_audits_but_writes_nothing(settings):
    shadow = _with_rules(settings, dry_run=True)
    land_plan(shadow, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    [cycle], checks = _cycle(shadow)
    assert checks["battery_kw"] == pytest.approx(0.0)
    assert set(_rows(cycle, BESS, "power_setpoint_kw").outcome) == {"dry_run"}
    assert cycle.count("written") == 0 and cycle.rows["dry_run"].all()


class _DiesAfter:
    """A transport that lets `writes` writes through, then the process 'dies'."""

    def __init__(self, io, writes: int):
        self.io, self.left = io, writes

    async def read_points(self, device_id, points):
        return await self.io.read_points(device_id, points)

    async def write_point(self, device_id, point, value) -> WriteResult:
        if self.left == 0:
            raise KeyboardInterrupt("killed mid-cycle")
        self.left -= 1
        return await self.io.write_point(device_id, point, value)

    async def close(self):
        await self.io.close()


def test_a_writer_killed_mid_cycle_leaves_whole_setpoints_and_the_next_cycle_lands_its_audit(
        settings):
    """Killed as it sends its second write: the first device holds the new value, the second
    its old one (each write is one request). Every row of the dead cycle was journalled ahead
    of its write; the next cycle reads the devices back and lands them under the dead cycle's
    id: the first write `written`, the second `interrupted` (it did not land)."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5},
              created=T0 - dt.timedelta(hours=20))
    state_folder = f"{settings.data_root}/state"

    async def run():
        async with running_park(settings) as (simulator, _):
            io = ModbusPointIO(settings)
            try:
                with pytest.raises(KeyboardInterrupt):
                    await SetpointWriter(settings, _DiesAfter(io, 1)).run_cycle(T0)
                [journal] = AuditJournal.leftovers(state_folder)
                pending = journal.pending()
                [(first, _)] = [(r, p) for r, p in pending]  # only the write being sent
                done = [r for r in journal.rows() if r["outcome"] == "written"]
                held = {(r["device_id"], r["point"]): (await io.read_points(
                    r["device_id"], [r["point"]]))[r["point"]] for r in [*done, first]}
                cycle = await SetpointWriter(settings, io).run_cycle(T0 + dt.timedelta(minutes=1))
                return journal, done, first, held, cycle
            finally:
                await io.close()

    journal, done, unsent, held, cycle = asyncio.run(run())
    [landed_first] = done
    assert held[(landed_first["device_id"], landed_first["point"])] == pytest.approx(
        landed_first["written"], abs=0.1)  # the write that happened
    assert held[(unsent["device_id"], unsent["point"])] != pytest.approx(unsent["written"],
                                                                         abs=0.1)
    assert AuditJournal.leftovers(state_folder) == []  # landed and gone
    audit = landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()
    dead = audit[audit["cycle_id"] == journal.cycle_id]
    assert len(dead) == len(journal.rows())  # every row of the dead cycle, once
    by_point = {(r.device_id, r.point): r for r in dead.itertuples()}
    assert by_point[(landed_first["device_id"], landed_first["point"])].outcome == "written"
    lost = by_point[(unsent["device_id"], unsent["point"])]
    assert lost.outcome == "interrupted" and "did not land" in lost.reason
    assert pd.isna(lost.written)
    assert set(cycle.recovered["cycle_id"]) == {journal.cycle_id}
    assert set(audit["cycle_id"]) == {journal.cycle_id, cycle.cycle_id}


def test_the_hourly_write_cap_holds(settings):
    capped = _with_rules(settings, max_writes_per_hour=1)
    land_plan(capped, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=20))
    land_plan(capped, {("battery", BATTERY, "setpoint_kw"): -100.0}, run_id="test-later",
              created=T0 + dt.timedelta(minutes=1))
    cycles, checks = _cycle(capped, times=[T0, T0 + dt.timedelta(minutes=2)])
    assert _rows(cycles[0], BESS, "power_setpoint_kw").outcome.tolist() == ["written"]
    later = _rows(cycles[1], BESS, "power_setpoint_kw").iloc[-1]
    assert later.outcome == "refused" and "write cap" in later.reason
    assert checks["battery_kw"] == pytest.approx(-300.0)


def test_interval_start_is_the_quarter_hour():
    assert interval_start(dt.datetime(2026, 7, 1, 3, 44, 59, tzinfo=dt.UTC)) == \
        dt.datetime(2026, 7, 1, 3, 30, tzinfo=dt.UTC)


def test_a_live_correction_keeps_the_import_under_the_contract_limit(settings):
    """The plan wants the battery idle, but the meter shows more import than the contract
    leaves (cap = limit - headroom = 100 kW here): the writer adds discharge for the excess,
    through the same ramp limit (500 kW per interval), as a live correction."""
    limit = settings.park.park.grid_connection.import_limit_kw
    tight = _with_rules(settings, import_headroom_kw=limit - 100.0)
    land_plan(tight, {("battery", BATTERY, "setpoint_kw"): 0.0},
              created=T0 - dt.timedelta(hours=20))

    async def grid_now():
        async with running_park(tight) as (simulator, _):
            return simulator.twin.point_values("grid-main")["active_power_kw"]

    import_kw = asyncio.run(grid_now())
    assert import_kw > 150.0, "the test needs an import above the cap at noon"
    [cycle], checks = _cycle(tight)
    expected = min(import_kw - 100.0, 500.0)
    assert checks["battery_kw"] == pytest.approx(expected, abs=1.0)
    row = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert row.source == "live_correction" and "discharge added" in row.reason


@pytest.mark.parametrize("guard", [True, False])
def test_charging_never_sets_a_new_monthly_peak(settings, guard):
    """Demand control: the month's peak so far is 50 kW above the import metered now, and the
    plan asks the battery to charge at 400 kW. With the guard the writer lets it charge 50 kW
    (the import then just reaches the peak); without it, 400 kW."""
    guarded = _with_rules(settings, peak_guard=guard)
    land_plan(guarded, {("battery", BATTERY, "setpoint_kw"): -400.0},
              created=T0 - dt.timedelta(hours=20))

    async def grid_now():
        async with running_park(guarded) as (simulator, _):
            return simulator.twin.point_values("grid-main")["active_power_kw"]

    import_kw = asyncio.run(grid_now())
    month = T0.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m")
    state = WriterState(month_peak_kw={month: import_kw + 50.0})
    state.save(f"{guarded.data_root}/state/setpoints.json")
    [cycle], checks = _cycle(guarded)
    row = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    if guard:
        assert checks["battery_kw"] == pytest.approx(-50.0, abs=1.0)
        assert "new monthly peak" in row.reason
    else:
        assert checks["battery_kw"] == pytest.approx(-400.0, abs=1.0)
    saved = WriterState.load(f"{guarded.data_root}/state/setpoints.json")
    assert saved.month_peak_kw[month] == pytest.approx(import_kw + 50.0)  # not exceeded


def test_pending_writes_left_in_the_state_file_by_an_older_writer_are_landed(settings):
    """The writer before the journal kept a dying cycle's pending writes in setpoints.json
    (`journal`, `journal_cycle_id`): the new one lands them under that cycle, read back (the
    PCS still holds 0 kW: the write did not land), and drops them from the state file."""
    old_cycle = f"setpoints-{T0 - dt.timedelta(minutes=15):%Y%m%dT%H%M%S}-abcdef"
    path = f"{settings.data_root}/state/setpoints.json"
    Path(path).parent.mkdir(parents=True)
    Path(path).write_text(json.dumps({"heartbeat": 7, "journal_cycle_id": old_cycle, "journal": [
        {"device_id": BESS, "point": "power_setpoint_kw", "previous": 0.0, "value": -300.0,
         "source": "plan", "plan_run_id": "old-plan",
         "interval_start_utc": (T0 - dt.timedelta(minutes=15)).isoformat()}]}))
    [cycle], _ = _cycle(settings)
    [row] = cycle.recovered.itertuples()
    assert (row.cycle_id, row.device_id, row.point, row.outcome) == \
        (old_cycle, BESS, "power_setpoint_kw", "interrupted")
    assert "the device still holds 0: the write did not land" in row.reason
    landed = landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()
    assert old_cycle in set(landed["cycle_id"])
    assert "journal" not in json.loads(Path(path).read_text())


def test_an_unreadable_journal_is_set_aside_and_the_cycle_goes_on(settings):
    """A journal whose lines are not audit rows (written by hand, by another version) must not
    stop every cycle from now on: it is moved aside for a person to read."""
    land_plan(settings, {("hvac_zone", ZONE, "setpoint_c"): 24.5},
              created=T0 - dt.timedelta(hours=20))
    folder = Path(settings.data_root) / "state" / "setpoint_journal"
    folder.mkdir(parents=True)
    (folder / "setpoints-20260101T000000-000000.jsonl").write_text('{"row": {"x": 1}}\n')
    [cycle], checks = _cycle(settings)
    assert checks["hvac_c"] == pytest.approx(24.5) and len(cycle.recovered) == 0
    assert [p.name for p in folder.iterdir()] == \
        ["setpoints-20260101T000000-000000.jsonl.unreadable"]
