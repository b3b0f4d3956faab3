"""The simulator as a child process: ready when it says so, gone when the block ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pymodbus.client import AsyncModbusTcpClient

from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.common.park_yaml import write_park_yaml
from tests.conftest import CONFIG_DIR

pytestmark = pytest.mark.integration


async def _read_grid_meter(host: str, port: int, unit_id: int) -> list[int]:
    client = AsyncModbusTcpClient(host, port=port, timeout=2, retries=0, reconnect_delay=0)
    try:
        assert await client.connect()
        response = await client.read_holding_registers(0, count=22, device_id=unit_id)
        assert not response.isError()
        return list(response.registers)
    finally:
        client.close()


def test_simulator_process_serves_then_stops_cleanly(tmp_path: Path):
    park = relocate_to_free_ports(generate_park(15, seed=1))
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    grid = next(d for d in park["devices"] if d["kind"] == "grid_meter")
    with simulator_process(CONFIG_DIR, str(park_file)) as process:
        registers = asyncio.run(_read_grid_meter(grid["host"], grid["port"], grid["unit_id"]))
        assert any(registers)  # a live meter: voltages, power, counters, clock
    assert process.poll() is not None  # stopped by SIGTERM, and reaped


def test_a_bad_park_file_makes_the_simulator_fail_loudly(tmp_path: Path):
    park_file = tmp_path / "park.yaml"
    park_file.write_text("park: {id: x}\n")
    with (pytest.raises(RuntimeError, match="simulator exited"),
          simulator_process(CONFIG_DIR, str(park_file), ready_timeout_s=60)):
        pass
