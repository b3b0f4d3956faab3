"""The setpoint path under bad input and crashes, against the real simulator on loopback: a
value that is not a number, a transport that raises, a unit the plan gets wrong, cycles run
seconds apart, and a writer process SIGKILLed mid-cycle. What reaches a device is read back
from its registers over Modbus; what the engineer sees is the landed audit."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
import os
import signal
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from device_io.point_io import ModbusPointIO
from device_io.setpoints.journal import AuditJournal
from device_io.setpoints.writer import SetpointWriter
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from tests.conftest import relocate_endpoints, settings_for, write_park_file
from tests.device_io.test_harvest_integration import T0, running_park
from tests.device_io.test_point_io import _holding_registers
from tests.device_io.test_setpoint_writer import (
    BATTERY,
    BESS,
    HVAC,
    ZONE,
    _battery_setpoint_kw,
    _cycle,
    _register,
    _rows,
    land_plan,
)

pytestmark = pytest.mark.integration
CREATED = T0 - dt.timedelta(hours=20)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def park_dict():
    park = relocate_endpoints(generate_park(40, seed=3))
    park["harvest"] = {"timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.01}
    return park


@pytest.fixture
def settings(park_dict, tmp_path):
    return settings_for(park_dict, tmp_path / "data")


async def _watchdog_counter(settings, device_id: str) -> int:
    device = next(d for d in settings.park.devices if d.id == device_id)
    address = settings.register_maps[device.register_map].point("watchdog_counter").address
    [raw] = await _holding_registers(device, address, 1)
    return raw


def _landed(settings) -> pd.DataFrame:
    return landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()


def test_a_nan_in_the_plan_is_refused_for_its_device_and_every_other_device_is_served(
        settings):
    """The battery's row is NaN: its setpoint is refused with an audit row, and the devices
    after it (the HVAC zone, sorted after bess-01-pcs) get their setpoints; the PCS itself
    still gets its watchdog heartbeat. Read back over Modbus."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): math.nan,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5},
              created=CREATED)

    async def run():
        async with running_park(settings):
            io = ModbusPointIO(settings)
            try:
                cycle = await SetpointWriter(settings, io).run_cycle(T0)
                return (cycle, await _battery_setpoint_kw(settings),
                        await _register(settings, HVAC, "setpoint_c", 0.1),
                        await _watchdog_counter(settings, BESS))
            finally:
                await io.close()

    cycle, battery_kw, hvac_c, counter = asyncio.run(run())
    assert hvac_c == pytest.approx(24.5)
    assert battery_kw == pytest.approx(0.0)  # what it held: nothing written
    refused = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert refused.outcome == "refused" and pd.isna(refused.requested)
    assert "plan row battery bess-01 setpoint_kw: value nan kW is not a finite number" \
        in refused.reason
    heartbeat = _rows(cycle, BESS, "watchdog_counter").iloc[-1]
    assert heartbeat.outcome == "written" and counter == heartbeat.written
    landed = landing.read_dataset(settings.landing_root, "setpoint_audit")
    assert set(landed["cycle_id"].to_pylist()) == {cycle.cycle_id}  # the audit landed
    requested = landed.filter(pc.and_(pc.equal(landed["device_id"], BESS),
                                      pc.equal(landed["point"], "power_setpoint_kw")))["requested"]
    assert requested.null_count == len(requested)  # null, not a NaN, in the landed audit


class _RaisesFor:
    """The real transport, except that writing one point of one device raises (as an
    encoder or a driver bug would)."""

    def __init__(self, io, device_id: str, point: str):
        self.io, self.device_id, self.point = io, device_id, point

    async def read_points(self, device_id, points):
        return await self.io.read_points(device_id, points)

    async def write_point(self, device_id, point, value):
        if (device_id, point) == (self.device_id, self.point):
            raise OverflowError("int too large to convert")
        return await self.io.write_point(device_id, point, value)

    async def close(self):
        await self.io.close()


def test_a_transport_that_raises_fails_only_that_point(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5}, created=CREATED)
    [cycle], checks = _cycle(settings, io_wrapper=lambda io: _RaisesFor(
        io, BESS, "power_setpoint_kw"))
    row = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert row.outcome == "write_error"
    assert row.reason == ("the transport refused it (OverflowError: int too large to "
                          "convert)")
    assert checks["hvac_c"] == pytest.approx(24.5)
    assert _rows(cycle, BESS, "watchdog_counter").iloc[-1].outcome == "written"
    assert AuditJournal.leftovers(f"{settings.data_root}/state") == []


def test_a_nan_normal_setpoint_refuses_that_zone_and_the_safe_defaults_go_on(settings):
    """No plan: safe defaults. One zone's normal_setpoint_c is NaN (past the config's check):
    its controllers are refused with the reason; the battery still goes to 0 kW, local."""
    zones = [zone.model_copy(update={"normal_setpoint_c": math.nan}) if zone.id == ZONE
             else zone for zone in settings.park.assets.hvac_zones]
    park = settings.park.model_copy(update={"assets": settings.park.assets.model_copy(
        update={"hvac_zones": zones})})
    broken = dataclasses.replace(settings, park=park)
    land_plan(broken, {("battery", BATTERY, "setpoint_kw"): -300.0},
              created=T0 - dt.timedelta(hours=60))  # stale: safe defaults
    [cycle], checks = _cycle(broken)
    row = _rows(cycle, HVAC, "setpoint_c").iloc[-1]
    assert row.outcome == "refused" and row.source == "safe_default"
    assert "requested value nan is not a finite number" in row.reason
    assert checks["twin"].point_values(BESS)["control_mode"] == 0.0
    others = cycle.rows[(cycle.rows["point"] == "setpoint_c") & (cycle.rows["device_id"] != HVAC)]
    assert len(others) and set(others["outcome"]) <= {"written", "unchanged"}


def test_a_plan_in_megawatts_and_fahrenheit_reaches_the_devices_in_kw_and_celsius(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw", "MW"): -0.4,
                         ("hvac_zone", ZONE, "setpoint_c", "degF"): 75.2}, created=CREATED)
    [cycle], checks = _cycle(settings)
    assert checks["battery_kw"] == pytest.approx(-400.0)  # not -0.4 kW
    assert checks["hvac_c"] == pytest.approx(24.0)        # (75.2 - 32) x 5/9


def test_a_plan_row_in_an_unknown_unit_or_for_no_device_is_audited_as_refused(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw", "kWh"): -300.0,
                         ("battery", "bess-99", "setpoint_kw"): 100.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5}, created=CREATED)
    [cycle], checks = _cycle(settings)
    unit = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert unit.outcome == "refused" and "unit 'kWh' is not one" in unit.reason
    nowhere = _rows(cycle, "bess-99", "setpoint_kw").iloc[-1]
    assert nowhere.outcome == "refused" and "no controllable device" in nowhere.reason
    assert checks["battery_kw"] == pytest.approx(0.0) and checks["hvac_c"] == pytest.approx(24.5)


def test_four_cycles_in_six_seconds_move_the_battery_one_ramp_not_four(settings):
    """The incident, end to end: 0 -> 2,000 kW asked four times in 6 s against 500 kW per
    interval. The first cycle moves 500 kW; each later one its 2 s share of the interval."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): 2000.0}, created=CREATED)
    times = [T0 + dt.timedelta(seconds=s) for s in (0, 2, 4, 6)]
    cycles, checks = _cycle(settings, times=times)
    assert checks["battery_kw"] <= 500.0 + 3 * 500.0 * 2 / 900 + 0.1
    assert checks["battery_kw"] >= 500.0
    assert _rows(cycles[0], BESS, "power_setpoint_kw").iloc[-1].written == pytest.approx(500.0)


def test_a_foreign_file_in_plans_does_not_stop_the_cycle_or_hide_the_plan(settings):
    land_plan(settings, {("hvac_zone", ZONE, "setpoint_c"): 24.5}, created=CREATED)
    folder = landing.partition_dir(settings.landing_root, "plans", T0.date())
    landing.write_atomically(f"{folder}/garbage.parquet", os.urandom(256))
    [cycle], checks = _cycle(settings)
    assert cycle.plan_run_id == "test-plan" and checks["hvac_c"] == pytest.approx(24.5)
    assert any("garbage.parquet: not a readable Parquet file" in n for n in cycle.notes)


# -- a writer process killed with SIGKILL in the middle of its cycle --------------------------
CHILD = textwrap.dedent("""
    import asyncio, datetime as dt, os, signal, sys
    from pathlib import Path
    import yaml
    from device_io.point_io import ModbusPointIO
    from device_io.setpoints.writer import SetpointWriter
    from tests.conftest import settings_for

    park_file, data_root, kill_after, now = sys.argv[1:]
    settings = settings_for(yaml.safe_load(Path(park_file).read_text()), Path(data_root))

    class KilledAfter(ModbusPointIO):
        sent = 0

        async def write_point(self, device_id, point, value):
            result = await super().write_point(device_id, point, value)
            KilledAfter.sent += 1
            if KilledAfter.sent == int(kill_after):  # on the wire, acknowledged, not audited
                os.kill(os.getpid(), signal.SIGKILL)
            return result

    asyncio.run(SetpointWriter(settings, KilledAfter(settings)).run_cycle(
        dt.datetime.fromisoformat(now)))
""")


@pytest.mark.parametrize("kill_after", [1, 4, 9])
def test_a_writer_sigkilled_mid_cycle_has_every_write_that_reached_the_wire_audited(
        settings, park_dict, tmp_path, kill_after):
    """A child process runs a cycle against the simulator and is SIGKILLed right after its
    Nth write is acknowledged. The next cycle (this process) lands the dead cycle's journal:
    every write the simulator received has its row, `written`, under the dead cycle's id,
    exactly once; a further cycle lands nothing twice."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5,
                         ("pv", "pv-roof-01", "power_limit_pct"): 60.0}, created=CREATED)
    park_file = write_park_file(park_dict, tmp_path / "park.yaml")
    wire: list[tuple[str, str]] = []  # (device, point) of every write the devices received

    async def run():
        async with running_park(settings) as (simulator, _):
            points_at = {(d.id, p.address): p.name for d in settings.park.devices
                         for p in settings.register_maps[d.register_map].points if p.writable}
            serve_write = simulator._write

            def logged_write(device_id, image, table, address, values, active):
                wire.append((device_id, points_at[(device_id, address)]))
                return serve_write(device_id, image, table, address, values, active)

            simulator._write = logged_write
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", CHILD, str(park_file), settings.data_root,
                str(kill_after), T0.isoformat(), cwd=REPO)
            assert await child.wait() == -signal.SIGKILL
            sent = list(wire)
            io = ModbusPointIO(settings)
            try:
                writer = SetpointWriter(settings, io)
                after = await writer.run_cycle(T0 + dt.timedelta(minutes=1))
                again = await writer.run_cycle(T0 + dt.timedelta(minutes=2))
            finally:
                await io.close()
            return sent, after, again

    sent, after, again = asyncio.run(run())
    assert len(sent) == kill_after
    audit = _landed(settings)
    dead_ids = set(audit["cycle_id"]) - {after.cycle_id, again.cycle_id}
    [dead_id] = dead_ids
    dead = audit[audit["cycle_id"] == dead_id]
    written = dead[dead["outcome"] == "written"]
    assert sorted(zip(written["device_id"], written["point"], strict=True)) == sorted(sent)
    assert "interrupted" not in set(dead["outcome"])  # each was resolved by a read-back
    assert set(after.recovered["cycle_id"]) == {dead_id} and len(again.recovered) == 0
    key = ["attempt_ts_utc", "device_id", "point", "source"]
    assert not audit.duplicated(key).any()
    assert AuditJournal.leftovers(f"{settings.data_root}/state") == []


# -- plan rows by meaning, end to end --------------------------------------------------------
def test_conflicting_duplicate_rows_are_refused_not_first_wins(settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw", "kW"): -300.0,
                         ("battery", BATTERY, "setpoint_kw", "MW"): -0.1,  # -100 kW
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5}, created=CREATED)
    [cycle], checks = _cycle(settings)
    row = _rows(cycle, BESS, "power_setpoint_kw").iloc[-1]
    assert row.outcome == "refused" and "2 rows for one interval disagree" in row.reason
    assert checks["battery_kw"] == pytest.approx(0.0) and checks["hvac_c"] == pytest.approx(24.5)


def test_two_runs_of_one_creation_time_that_disagree_send_the_devices_to_safe_defaults(
        settings):
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0}, created=CREATED,
              run_id="run-a")
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): 300.0}, created=CREATED,
              run_id="run-b")
    [cycle], checks = _cycle(settings)
    assert cycle.plan_run_id is None and "disagree for this interval" in cycle.why_no_plan
    assert set(_rows(cycle, BESS, "power_setpoint_kw").source) == {"safe_default"}
    assert checks["twin"].point_values(BESS)["control_mode"] == 0.0


def test_nan_ev_power_is_refused_at_the_plugged_in_chargers_not_written_as_zero_amps(settings):
    land_plan(settings, {("ev_group", "ac-08-17", "power_kw"): math.nan}, created=CREATED)
    [cycle], checks = _cycle(settings)
    plugged = [d for d, values in ((d.id, checks["twin"].point_values(d.id))
                                   for d in settings.park.devices if d.kind.value == "ev_charger")
               if values.get("charger_state") in (1.0, 2.0)]
    assert plugged, "the test needs a car plugged in at T0"
    rows = cycle.rows[cycle.rows["device_id"].isin(plugged)
                      & cycle.rows["point"].isin(["current_limit_a", "power_limit_kw"])]
    assert len(rows) == len(plugged) and set(rows["outcome"]) == {"refused"}
    assert rows["reason"].str.contains("ev_group ac-08-17 power_kw: value nan").all()
    assert rows["written"].isna().all()


def test_a_value_its_register_cannot_hold_is_a_write_error_for_that_point_only(settings):
    """A map whose bounds exceed its register (s16 at 0.1 degC holds at most 3276.7; the
    config refuses such a map at load, this one got past it): 3,500 degC passes the bounds,
    the encoder refuses it, the point is a write_error and the other devices are served."""
    hvac_map = settings.register_maps["hvac_controller"]
    wide = hvac_map.model_copy(update={"points": [
        p.model_copy(update={"write_max": 4000.0}) if p.name == "setpoint_c" else p
        for p in hvac_map.points]})
    rules = settings.park.setpoints.model_copy(update={"ramp_limits": {}})
    odd = dataclasses.replace(settings, register_maps={**settings.register_maps,
                                                       "hvac_controller": wide},
                              park=settings.park.model_copy(update={"setpoints": rules}))
    land_plan(odd, {("hvac_zone", ZONE, "setpoint_c"): 3500.0,
                    ("battery", BATTERY, "setpoint_kw"): -300.0}, created=CREATED)
    [cycle], checks = _cycle(odd)
    row = _rows(cycle, HVAC, "setpoint_c").iloc[-1]
    assert row.outcome == "write_error" and "outside what s16 can hold" in row.reason
    assert checks["battery_kw"] == pytest.approx(-300.0)
    pv = cycle.rows[cycle.rows["point"] == "power_limit_revert_s"]  # devices sorted after it
    assert len(pv) and set(pv["outcome"]) <= {"written", "unchanged"}


# -- crashes during recovery, and recovery run twice ------------------------------------------
class _Dies:
    """The real transport until the `writes`-th write or `reads`-th read is attempted, where
    the process 'dies' (KeyboardInterrupt is not an Exception: nothing catches it)."""

    def __init__(self, io, *, writes: int | None = None, reads: int | None = None):
        self.io, self.writes, self.reads = io, writes, reads

    async def read_points(self, device_id, points):
        if self.reads is not None:
            self.reads -= 1
            if self.reads == 0:
                raise KeyboardInterrupt("killed while reading")
        return await self.io.read_points(device_id, points)

    async def write_point(self, device_id, point, value):
        if self.writes is not None:
            self.writes -= 1
            if self.writes == 0:
                raise KeyboardInterrupt("killed while writing")
        return await self.io.write_point(device_id, point, value)

    async def close(self):
        await self.io.close()


def test_a_second_crash_during_recovery_loses_nothing_and_a_rerun_duplicates_nothing(
        settings, monkeypatch):
    """The incident: recovery rows lived in memory and died with the next cycle. Cycle A dies
    sending its 3rd write; cycle B dies on its first read (recovering A); cycle C lands A but
    dies before deleting A's journal; cycle D lands A again. A's two writes that reached the
    devices are `written`, the third `interrupted`, each exactly once, and D's landing equals
    C's (the resolution was journalled before landing)."""
    land_plan(settings, {("battery", BATTERY, "setpoint_kw"): -300.0,
                         ("hvac_zone", ZONE, "setpoint_c"): 24.5}, created=CREATED)
    state_folder = f"{settings.data_root}/state"
    minute = dt.timedelta(minutes=1)
    delete = AuditJournal.delete

    def dies_deleting(journal):
        monkeypatch.setattr(AuditJournal, "delete", delete)  # once
        raise KeyboardInterrupt("killed after landing, before deleting the journal")

    async def run():
        async with running_park(settings):
            io = ModbusPointIO(settings)
            try:
                with pytest.raises(KeyboardInterrupt):
                    await SetpointWriter(settings, _Dies(io, writes=3)).run_cycle(T0)
                [journal_a] = AuditJournal.leftovers(state_folder)
                with pytest.raises(KeyboardInterrupt):
                    await SetpointWriter(settings, _Dies(io, reads=1)).run_cycle(T0 + minute)
                assert [j.cycle_id for j in AuditJournal.leftovers(state_folder)] == \
                    [journal_a.cycle_id]  # B died before its own journal had a row
                monkeypatch.setattr(AuditJournal, "delete", dies_deleting)
                with pytest.raises(KeyboardInterrupt):
                    await SetpointWriter(settings, io).run_cycle(T0 + 2 * minute)
                landed_by_c = _landed(settings)
                cycle_d = await SetpointWriter(settings, io).run_cycle(T0 + 3 * minute)
                return journal_a, landed_by_c, cycle_d
            finally:
                await io.close()

    journal_a, landed_by_c, cycle_d = asyncio.run(run())
    dead = landed_by_c[landed_by_c["cycle_id"] == journal_a.cycle_id]
    assert len(dead) == len(journal_a.rows())
    assert (dead["outcome"] == "written").sum() == 2
    assert (dead["outcome"] == "interrupted").sum() == 1
    landed = _landed(settings)
    key = ["attempt_ts_utc", "device_id", "point", "source"]
    assert not landed.duplicated(key).any()
    again = landed[landed["cycle_id"] == journal_a.cycle_id]
    pd.testing.assert_frame_equal(again.sort_values(key).reset_index(drop=True),
                                  dead.sort_values(key).reset_index(drop=True))
    assert set(cycle_d.recovered["cycle_id"]) == {journal_a.cycle_id}
    assert AuditJournal.leftovers(state_folder) == []
