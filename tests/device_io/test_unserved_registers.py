"""A device that lacks some registers of its map: real pymodbus servers on loopback (the
project's simulator) that answer ILLEGAL DATA ADDRESS for the missing range.

The SunSpec inverter map reads 40071..40145 in one request (gaps up to 20 registers merge).
An inverter without model 123 (40121..40145) refuses that read whole; the points it does serve
must still land good, the ones it lacks as what they are, and the next cycles plan around
them. Expected addresses and request counts are worked out by hand from the map's YAML.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from device_io.clock import ManualClock
from device_io.codec import AddressRange
from device_io.poller import Harvester
from device_io.simulator.park_generator import generate_park
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.common.register_map import Table
from tests.conftest import relocate_endpoints, settings_for
from tests.device_io.test_harvest_integration import T0

pytestmark = pytest.mark.integration

MODEL_123 = AddressRange(Table.HOLDING, 40121, 40146)  # header 40121..40122, body to 40145
MODEL_123_POINTS = {"power_limit_pct", "power_limit_revert_s", "power_limit_enabled"}
MODEL_103_POINTS = {"ac_current_a", "voltage_l1_v", "voltage_l2_v", "voltage_l3_v",
                    "ac_power_kw", "frequency_hz", "energy_total_kwh", "dc_voltage_v",
                    "dc_power_kw", "cabinet_temp_c", "operating_state"}
# One register per unserved point: WMaxLimPct 40126, WMaxLimPct_RvrtTms 40128, WMaxLim_Ena
# 40130, WMaxLimPct_SF 40144 (end exclusive).
LEARNED = [{"table": "holding", "start": 40126, "end": 40127},
           {"table": "holding", "start": 40128, "end": 40129},
           {"table": "holding", "start": 40130, "end": 40131},
           {"table": "holding", "start": 40144, "end": 40145}]


@pytest.fixture
def settings(tmp_path):
    park = relocate_endpoints(generate_park(40, seed=3))
    park["harvest"] = {"timeout_s": 0.5, "retries": 1, "retry_delay_s": 0.01}
    return settings_for(park, tmp_path / "data")


def _inverter(settings):
    return next(d for d in settings.park.devices if d.kind.value == "pv_inverter")


def _with_required_model_123(settings):
    """The same park with model 123 mandatory in the inverter map."""
    maps = dict(settings.register_maps)
    inverter_map = maps["sunspec_inverter_103"]
    maps["sunspec_inverter_103"] = inverter_map.model_copy(update={"points": [
        p.model_copy(update={"optional": False}) for p in inverter_map.points]})
    return type(settings)(**{**settings.__dict__, "register_maps": maps})


@contextlib.asynccontextmanager
async def serving(settings, unserved):
    clock = ManualClock(T0)
    twin = ParkTwin(settings.park, settings.register_maps, T0)
    simulator = ParkSimulator(settings.park, settings.register_maps, twin, clock,
                              unserved=unserved)
    await simulator.start(tick=False)
    try:
        yield simulator, clock
    finally:
        await simulator.stop()


def _rows(report, device_id):
    return {r["point"]: r for r in landing.read_files(report.files).to_pylist()
            if r["device_id"] == device_id}


def _state(settings, device_id):
    path = f"{settings.data_root}/state/harvest-all.json"
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["devices"][device_id]


def _requests_to(simulator, coroutine):
    async def counted():
        before = simulator.requests_served
        result = await coroutine
        return result, simulator.requests_served - before
    return counted()


def test_an_inverter_without_model_123_keeps_its_other_points(settings):
    inverter = _inverter(settings)
    lacking = {inverter.id: [MODEL_123]}

    async def scenario():
        async with serving(settings, lacking) as (simulator, clock):
            harvester = Harvester(settings, clock=clock, respect_intervals=False)
            first = await harvester.run_cycle()
            state_after_first = _state(settings, inverter.id)
            clock.advance(60)
            await simulator.sync()
            # planned around what it lacks: the device's 19 other registers in one read
            session = next(s for s in harvester.sessions if any(
                t.device.id == inverter.id for t in s.targets))
            target = next(t for t in session.targets if t.device.id == inverter.id)
            state = harvester.state.device(inverter.id)
            result, served = await _requests_to(simulator, session.poll_device(
                target, clock, state.unserved_to_plan_around(clock.now().timestamp())))
            second = await harvester.run_cycle()
            await harvester.close()
            return first, state_after_first, result, served, second

    first, state, planned, served, second = asyncio.run(scenario())
    for report in (first, second):
        rows = _rows(report, inverter.id)
        assert {n for n, r in rows.items() if r["quality"] == "good"} == MODEL_103_POINTS
        for name in MODEL_123_POINTS:  # optional in the SunSpec map
            assert (rows[name]["quality"], rows[name]["detail"], rows[name]["value"]) == (
                "invalid", "not implemented", None)
        # the device counts as good, and so does every other device
        assert report.devices_good == report.devices_due == len(settings.park.devices)
    assert state["unserved"] == LEARNED
    assert state["unserved_probed_unix_s"] == T0.timestamp()
    assert served == 1 and planned.requests == 1
    assert set(planned.values) == MODEL_103_POINTS | MODEL_123_POINTS


def test_a_required_point_the_device_lacks_lands_as_an_exception(settings):
    settings = _with_required_model_123(settings)
    inverter = _inverter(settings)

    async def scenario():
        async with serving(settings, {inverter.id: [MODEL_123]}) as (_, clock):
            harvester = Harvester(settings, clock=clock, respect_intervals=False)
            report = await harvester.run_cycle()
            await harvester.close()
            return report

    report = asyncio.run(scenario())
    rows = _rows(report, inverter.id)
    assert {n for n, r in rows.items() if r["quality"] == "good"} == MODEL_103_POINTS
    for name in MODEL_123_POINTS:
        assert rows[name]["quality"] == "exception"
        assert rows[name]["detail"] == ("Modbus exception 2 (ILLEGAL_ADDRESS): "
                                        "not served by this device")
    quality, detail = report.problems[inverter.id]
    assert (quality.value, detail) == (
        "exception", "Modbus exception 2 (ILLEGAL_ADDRESS): not served by this device")
    assert report.devices_good == report.devices_due - 1


def test_registers_unserved_between_points_split_the_read_and_nothing_is_lost(settings):
    """The registers between Hz_SF (40086) and WH (40093) are not served: the read is split
    there, every point lands good, and the boundary is remembered."""
    inverter = _inverter(settings)
    gap = AddressRange(Table.HOLDING, 40087, 40093)

    async def scenario():
        async with serving(settings, {inverter.id: [gap]}) as (simulator, clock):
            harvester = Harvester(settings, clock=clock, respect_intervals=False)
            first = await harvester.run_cycle()
            clock.advance(60)
            await simulator.sync()
            second, served = await _requests_to(simulator, harvester.run_cycle())
            await harvester.close()
            return first, second, served

    first, second, served = asyncio.run(scenario())
    landed = len(settings.register_maps["sunspec_inverter_103"].landed_points)
    for report in (first, second):
        rows = _rows(report, inverter.id)
        assert len(rows) == landed and {r["quality"] for r in rows.values()} == {"good"}
    assert _state(settings, inverter.id)["unserved"] == [
        {"table": "holding", "start": 40087, "end": 40093}]
    # second cycle: 40071..40086 and 40093..40145 for the inverter, one read for every other
    # device block as before
    others = sum(len(t.decoder.blocks) for d in settings.park.devices if d.id != inverter.id
                 for t in [_target(settings, d)])
    assert served == others + 2


def _target(settings, device):
    from device_io.poller import PollTarget

    return PollTarget.build(device, settings.register_maps[device.register_map])


def test_unserved_ranges_are_probed_again_after_an_hour(settings):
    """A firmware update adds model 123: planned around until the hourly probe, then read."""
    inverter = _inverter(settings)
    lacking = {inverter.id: [MODEL_123]}

    async def scenario():
        async with serving(settings, lacking) as (simulator, clock):
            harvester = Harvester(settings, clock=clock, respect_intervals=False)
            await harvester.run_cycle()
            # the firmware update: the device now serves model 123
            simulator.unserved.clear()
            await simulator.stop()
            await simulator.start(tick=False)
            await harvester.close()  # its connections went with the old servers
            clock.advance(1800)
            await simulator.sync()
            before_probe = await harvester.run_cycle()
            clock.advance(1800)
            await simulator.sync()
            probe = await harvester.run_cycle()
            await harvester.close()
            return before_probe, probe

    before_probe, probe = asyncio.run(scenario())
    waiting = _rows(before_probe, inverter.id)
    assert {waiting[n]["detail"] for n in MODEL_123_POINTS} == {"not implemented"}
    probed = _rows(probe, inverter.id)
    assert {r["quality"] for r in probed.values()} == {"good"}
    state = _state(settings, inverter.id)
    assert state["unserved"] == [] and state["unserved_probed_unix_s"] is None


def test_the_setpoint_transport_reads_what_the_device_serves(settings):
    """ModbusPointIO splits the refused read too: the inverter's power is there, the limit it
    cannot have is None (and a write to it is refused by the device, not sent blind)."""
    from device_io.point_io import ModbusPointIO

    inverter = _inverter(settings)

    async def scenario():
        async with serving(settings, {inverter.id: [MODEL_123]}) as (simulator, _):
            io = ModbusPointIO(settings)
            try:
                values = await io.read_points(inverter.id, ["ac_power_kw", "power_limit_pct"])
                write = await io.write_point(inverter.id, "power_limit_pct", 50.0)
            finally:
                await io.close()
            return values, write, simulator.twin.point_values(inverter.id)

    values, write, truth = asyncio.run(scenario())
    assert values["power_limit_pct"] is None
    # W is s16 x 0.001 kW x 10^W_SF; the simulator picks W_SF = 1 for a 300 kW rating: 0.01 kW
    assert values["ac_power_kw"] == pytest.approx(truth["ac_power_kw"], abs=0.0051)
    assert truth["ac_power_kw"] > 1  # noon in June: a real number, not a zero
    assert not write.ok and "ILLEGAL_ADDRESS" in write.detail
