"""The setpoint writer's transport against real simulator servers on loopback, and in process.

Register contents are checked with a plain pymodbus client and decoded by hand, so the codec
is not checked against itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time

import pytest
from pymodbus.client import AsyncModbusTcpClient

from device_io.point_io import ModbusPointIO, PointIO, PointIOError, TwinPointIO
from device_io.simulator.park_generator import generate_park
from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import Device, FaultKind
from tests.conftest import relocate_endpoints, settings_for
from tests.device_io.test_harvest_integration import T0, running_park

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path):
    park = relocate_endpoints(generate_park(40, seed=3))
    park["harvest"] = {"timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.01}
    return settings_for(park, tmp_path / "data")


def _device(settings, kind: str) -> Device:
    return next(d for d in settings.park.devices if d.kind.value == kind)


async def _holding_registers(device: Device, address: int, count: int) -> list[int]:
    client = AsyncModbusTcpClient(device.host, port=device.port, timeout=2, retries=0,
                                  reconnect_delay=0)
    try:
        assert await client.connect()
        response = await client.read_holding_registers(address, count=count,
                                                       device_id=device.unit_id)
        assert not response.isError(), response
        return list(response.registers)
    finally:
        client.close()


def _address(settings, device: Device, point: str) -> int:
    return settings.register_maps[device.register_map].point(point).address


def _s16(register: int) -> int:
    return register - 0x10000 if register >= 0x8000 else register


@contextlib.asynccontextmanager
async def served(settings, fault: tuple[str, FaultKind] | None = None):
    """The park on loopback servers (one device with a fault, if given) and a transport to it."""
    async with running_park(settings) as (simulator, clock):
        if fault is not None:
            simulator.faults.inject(*fault)
            await simulator.sync()
        io = ModbusPointIO(settings)
        try:
            yield simulator, clock, io
        finally:
            await io.close()


def test_writes_land_in_the_registers_and_read_back(settings):
    bess, hvac, inverter = (_device(settings, k) for k in ("bess", "hvac", "pv_inverter"))

    async def scenario():
        async with served(settings) as (simulator, _, io):
            results, requests, raw, read_back = {}, {}, {}, {}
            for device, point, value, raw_count in (
                    (bess, "power_setpoint_kw", -166.67, 2),
                    (hvac, "setpoint_c", 24.37, 1),
                    (inverter, "power_limit_pct", 37.257, 1)):
                before = simulator.requests_served
                results[point] = await io.write_point(device.id, point, value)
                requests[point] = simulator.requests_served - before
                raw[point] = await _holding_registers(
                    device, _address(settings, device, point), raw_count)
                read_back[point] = (await io.read_points(device.id, [point]))[point]
            raw["wmaxlimpct_sf"] = await _holding_registers(
                inverter, _address(settings, inverter, "wmaxlimpct_sf"), 1)
            twin = {d.id: simulator.twin.point_values(d.id) for d in (bess, hvac, inverter)}
            return results, requests, raw, read_back, twin

    results, requests, raw, read_back, twin = asyncio.run(scenario())
    assert all(r.ok for r in results.values()), results
    # Battery PCS: s32, 0.1 kW, low word first; -1667 in two's complement.
    assert raw["power_setpoint_kw"] == [(-1667) & 0xFFFF, ((-1667) >> 16) & 0xFFFF]
    assert results["power_setpoint_kw"].written == read_back["power_setpoint_kw"] == -166.7
    assert twin[bess.id]["power_setpoint_kw"] == pytest.approx(-166.7)
    assert requests["power_setpoint_kw"] == 1  # a fixed scale: no scale-factor read
    # HVAC: s16, 0.1 degC; 24.37 is stored as 244 and reads back 24.4.
    assert raw["setpoint_c"] == [244]
    assert results["setpoint_c"].written == read_back["setpoint_c"] == 24.4
    assert twin[hvac.id]["setpoint_c"] == pytest.approx(24.4)
    # SunSpec: WMaxLimPct = raw * 10^WMaxLimPct_SF, the scale factor read before the write.
    sf = _s16(raw["wmaxlimpct_sf"][0])
    assert sf == -2
    assert raw["power_limit_pct"] == [round(37.257 / 10**sf)] == [3726]
    assert results["power_limit_pct"].written == read_back["power_limit_pct"] == 37.26
    assert twin[inverter.id]["power_limit_pct"] == pytest.approx(37.26)
    assert requests["power_limit_pct"] == 2


def test_forbidden_writes_never_reach_the_network(settings):
    bess = _device(settings, "bess")
    hvac_pair = next(pair for pair in _devices_by_endpoint(settings, "hvac") if len(pair) >= 2)

    async def scenario():
        async with served(settings) as (simulator, _, io):
            for device_id, point, value, message in (
                    (bess.id, "soc_pct", 50.0, "not writable"),
                    (bess.id, "power_setpoint_kw", 5000.1, "write bounds"),
                    (hvac_pair[0].id, "setpoint_c", 15.9, "write bounds"),
                    (hvac_pair[0].id, "setpoint_c", math.nan, "write bounds"),
                    (hvac_pair[0].id, "no_such_point", 20.0, "no point"),
                    ("no-such-device", "setpoint_c", 20.0, "unknown device")):
                with pytest.raises(ValueError, match=message):
                    await io.write_point(device_id, point, value)
            refused = (simulator.requests_served, simulator.connections_accepted)
            # Two devices behind one endpoint, written and read: one connection.
            for device in hvac_pair[:2]:
                assert (await io.write_point(device.id, "setpoint_c", 22.0)).ok
                assert (await io.read_points(device.id, ["setpoint_c"])) == {"setpoint_c": 22.0}
            return refused, simulator.connections_accepted

    (requests, connections), connections_after = asyncio.run(scenario())
    assert (requests, connections) == (0, 0)
    assert connections_after == 1


def _devices_by_endpoint(settings, kind: str) -> list[list[Device]]:
    by_endpoint: dict[tuple[str, int], list[Device]] = {}
    for device in settings.park.devices:
        if device.kind.value == kind:
            by_endpoint.setdefault(device.endpoint, []).append(device)
    return list(by_endpoint.values())


def test_an_ignoring_device_acknowledges_but_keeps_its_old_value(settings):
    hvac = _device(settings, "hvac")

    async def scenario():
        async with served(settings, (hvac.id, FaultKind.IGNORE_WRITES)) as (simulator, _, io):
            old = (await io.read_points(hvac.id, ["setpoint_c"]))["setpoint_c"]
            wanted = 22.0 if old != 22.0 else 23.0
            result = await io.write_point(hvac.id, "setpoint_c", wanted)
            after = (await io.read_points(hvac.id, ["setpoint_c"]))["setpoint_c"]
            return old, wanted, result, after, simulator.twin.point_values(hvac.id)

    old, wanted, result, after, twin = asyncio.run(scenario())
    assert old is not None
    assert result.ok and result.written == wanted
    assert after == old != wanted
    assert twin["setpoint_c"] == pytest.approx(old)


def test_a_rejecting_device_names_the_exception_and_still_answers_reads(settings):
    bess = _device(settings, "bess")

    async def scenario():
        async with served(settings, (bess.id, FaultKind.REJECT_WRITES)) as (_, _, io):
            result = await io.write_point(bess.id, "power_setpoint_kw", 100.0)
            return result, await io.read_points(bess.id, ["soc_pct", "power_setpoint_kw"])

    result, values = asyncio.run(scenario())
    assert not result.ok and result.written is None
    assert "DEVICE_FAILURE" in result.detail
    assert values["soc_pct"] is not None
    assert values["power_setpoint_kw"] == 0.0  # the write did not act


@pytest.mark.parametrize(("kind", "detail"), [(FaultKind.REFUSE, "connection failed"),
                                              (FaultKind.TIMEOUT, "no reply within 0.3 s")])
def test_an_unreachable_device_fails_fast_without_raising_on_write(settings, kind, detail):
    bess = _device(settings, "bess")

    async def scenario():
        async with served(settings, (bess.id, kind)) as (_, _, io):
            started = time.perf_counter()
            result = await io.write_point(bess.id, "power_setpoint_kw", 100.0)
            with pytest.raises(PointIOError, match=bess.id) as read_error:
                await io.read_points(bess.id, ["soc_pct"])
            return result, str(read_error.value), time.perf_counter() - started

    result, read_error, elapsed_s = asyncio.run(scenario())
    assert not result.ok and detail in result.detail
    assert detail in read_error
    assert elapsed_s < 2.0  # one write timeout, one read timeout plus its retry


_PARITY_WRITES = (("bess", "control_mode", 1), ("bess", "watchdog_timeout_s", 3600),
                  ("bess", "power_setpoint_kw", -166.67), ("hvac", "setpoint_c", 24.37),
                  ("pv_inverter", "power_limit_enabled", 1),
                  ("pv_inverter", "power_limit_pct", 37.257))


def test_the_twin_transport_reads_and_writes_what_modbus_does(settings):
    """Two identical twins, one behind the Modbus servers, one in process: the same writes
    give the same acknowledged values, the same read-backs, and the same physics after."""
    devices = {kind: _device(settings, kind) for kind in ("bess", "hvac", "pv_inverter")}
    maps = settings.register_maps

    async def drive(io: PointIO, advance) -> tuple[list, dict, dict]:
        written = [await io.write_point(devices[kind].id, point, value)
                   for kind, point, value in _PARITY_WRITES]
        read_back = {(kind, point): (await io.read_points(devices[kind].id, [point]))[point]
                     for kind, point, _ in _PARITY_WRITES}
        await advance()
        later = {kind: await io.read_points(
                     device.id, [p.name for p in maps[device.register_map].landed_points])
                 for kind, device in devices.items()}
        return written, read_back, later

    async def scenario():
        async with served(settings) as (simulator, clock, modbus):
            async def advance_served() -> None:
                clock.advance(300)
                await simulator.sync()

            over_modbus = await drive(modbus, advance_served)
        twin = ParkTwin(settings.park, maps, T0)

        async def advance_in_process() -> None:
            twin.advance_to(clock.now())

        in_process = await drive(TwinPointIO(twin, maps), advance_in_process)
        return over_modbus, in_process

    (written_m, read_back_m, later_m), (written_t, read_back_t, later_t) = asyncio.run(
        scenario())
    assert all(r.ok for r in written_m + written_t)
    assert [r.written for r in written_m] == [r.written for r in written_t]
    assert read_back_m == read_back_t
    assert read_back_t[("hvac", "setpoint_c")] == 24.4
    assert later_m == later_t
    assert later_t["bess"]["active_power_kw"] == -166.7  # the battery follows its setpoint
    assert sum(v is not None for values in later_t.values() for v in values.values()) > 30


def test_the_twin_transport_refuses_what_the_map_forbids(settings):
    hvac = _device(settings, "hvac")
    twin = ParkTwin(settings.park, settings.register_maps, T0)
    io = TwinPointIO(twin, settings.register_maps)
    before = twin.point_values(hvac.id)

    async def scenario():
        for point, value in (("zone_temp_c", 20.0), ("setpoint_c", 30.01),
                             ("setpoint_c", math.inf)):
            with pytest.raises(ValueError):
                await io.write_point(hvac.id, point, value)
        with pytest.raises(ValueError, match="scale-factor"):
            await TwinPointIO(twin, settings.register_maps).read_points(
                _device(settings, "pv_inverter").id, ["wmaxlimpct_sf"])

    asyncio.run(scenario())
    assert twin.point_values(hvac.id) == before
