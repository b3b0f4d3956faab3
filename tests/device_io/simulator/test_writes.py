"""Writes over Modbus reach the twin: a battery setpoint moves its SOC and the grid meter."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.constants import ExcCodes

from device_io.clock import ManualClock
from device_io.codec import encode_point
from device_io.simulator.park_generator import generate_park
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from tests.conftest import relocate_endpoints, settings_for

T0 = dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.UTC)  # 14:00 local, a Monday

pytestmark = pytest.mark.integration


async def _write(client, register_map, name: str, value: float, unit_id: int):
    point = register_map.point(name)
    registers = encode_point(register_map, point, value)
    return await client.write_registers(point.address, registers, device_id=unit_id)


def test_battery_setpoint_over_modbus_changes_soc_and_grid_meter(tmp_path):
    settings = settings_for(relocate_endpoints(generate_park(40, seed=3)), tmp_path)
    bess = next(d for d in settings.park.devices if d.kind.value == "bess")
    battery = next(b for b in settings.park.assets.batteries if b.id == bess.asset)
    grid_id = settings.park.park.grid_connection.meter_device_id
    register_map = settings.register_maps[bess.register_map]
    power_kw = battery.power_kw / 2
    minutes = 10

    async def scenario():
        clock = ManualClock(T0)
        twin = ParkTwin(settings.park, settings.register_maps, T0)
        reference = ParkTwin(settings.park, settings.register_maps, T0)  # the same park, no writes
        simulator = ParkSimulator(settings.park, settings.register_maps, twin, clock)
        await simulator.start(tick=False)
        client = AsyncModbusTcpClient(bess.host, port=bess.port, timeout=2, retries=0)
        try:
            await client.connect()
            for name, value in (("watchdog_timeout_s", 3600), ("control_mode", 1),
                                ("power_setpoint_kw", power_kw)):
                response = await _write(client, register_map, name, value, bess.unit_id)
                assert not response.isError(), (name, response)
            refused_address = await client.write_registers(
                register_map.point("soc_pct").address, [500], device_id=bess.unit_id)
            out_of_bounds = await _write(client, register_map, "watchdog_timeout_s", 5,
                                         bess.unit_id)
            soc_before = twin.point_values(bess.id)["soc_pct"]
            clock.advance(minutes * 60)
            await simulator.sync()
            reference.advance_to(clock.now())
            return (soc_before, twin.point_values(bess.id), twin.point_values(grid_id),
                    reference.point_values(grid_id), refused_address, out_of_bounds)
        finally:
            client.close()
            await simulator.stop()

    soc_before, bess_now, grid_now, grid_reference, refused, out_of_bounds = asyncio.run(
        scenario())
    assert bess_now["active_power_kw"] == pytest.approx(power_kw)
    expected_soc_drop = (power_kw * minutes / 60 / battery.discharge_efficiency
                         / battery.capacity_kwh * 100)
    assert soc_before - bess_now["soc_pct"] == pytest.approx(expected_soc_drop, rel=1e-6)
    assert grid_reference["active_power_kw"] - grid_now["active_power_kw"] == pytest.approx(
        power_kw, abs=1e-6)
    assert refused.isError() and refused.exception_code == ExcCodes.ILLEGAL_ADDRESS
    assert out_of_bounds.isError() and out_of_bounds.exception_code == ExcCodes.ILLEGAL_VALUE
