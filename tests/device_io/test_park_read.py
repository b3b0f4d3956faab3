"""`park read DEVICE`: one device read now, every point with its raw registers, against the
project's simulator on loopback serving a hand-set register pattern (the device frozen so the
twin does not overwrite it) and lacking SunSpec model 123. Values are worked out by hand."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from device_io.clock import ManualClock
from device_io.codec import AddressRange
from device_io.simulator.park_generator import generate_park
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from jobs.cli import app
from jobs.common.park_config import FaultKind
from jobs.common.park_yaml import write_park_yaml
from jobs.common.register_map import Table
from tests.conftest import CONFIG_DIR, relocate_endpoints, settings_for
from tests.device_io.test_harvest_integration import T0

pytestmark = pytest.mark.integration

# SunSpec model 103 as an inverter would answer it (holding registers).
PATTERN = {
    40071: 0x04D2, 40075: 0xFFFE,  # A = 1234, A_SF = -2: 12.34 A
    40079: 0x0901, 40080: 0x08FC, 40081: 0xFFFF, 40082: 0xFFFF,  # 230.5, 230.0, n/a; V_SF -1
    40083: 0x3039, 40084: 0x0000,  # W = 12345 (x 0.001 kW), W_SF = 0: 12.345 kW
    40085: 0x1389, 40086: 0xFFFE,  # Hz = 5001, Hz_SF = -2: 50.01 Hz
    40093: 0x0001, 40094: 0x86A0, 40095: 0x0002,  # WH = 100000 (x 0.001 kWh) x 10^2: 10,000
    40098: 0xFFFF, 40099: 0x0000,  # DCV not implemented (uint16 sentinel, optional point)
    40100: 0x8000, 40101: 0x0000,  # DCW not implemented (int16 sentinel, optional point)
    40102: 0xFFF6, 40106: 0x0000,  # TmpCab = -10 degC
    40107: 0x0004,  # St = 4 (MPPT)
}
EXPECTED = {  # point: (registers, value, quality, detail)
    "ac_current_a": (["0x04D2"], 12.34, "good", None),
    "a_sf": (["0xFFFE"], -2.0, "good", None),
    "voltage_l1_v": (["0x0901"], 230.5, "good", None),
    "voltage_l2_v": (["0x08FC"], 230.0, "good", None),
    "voltage_l3_v": (["0xFFFF"], None, "invalid", "not available"),
    "ac_power_kw": (["0x3039"], 12.345, "good", None),
    "frequency_hz": (["0x1389"], 50.01, "good", None),
    "energy_total_kwh": (["0x0001", "0x86A0"], 10000.0, "good", None),
    "dc_voltage_v": (["0xFFFF"], None, "invalid", "not implemented"),
    "dc_power_kw": (["0x8000"], None, "invalid", "not implemented"),
    "cabinet_temp_c": (["0xFFF6"], -10.0, "good", None),
    "operating_state": (["0x0004"], 4.0, "good", None),
    "power_limit_pct": ([], None, "invalid", "not implemented"),
    "wmaxlimpct_sf": ([], None, "invalid", "not implemented"),
}


def _read(park_file: Path, device_id: str, *options: str):
    return CliRunner().invoke(app, ["read", device_id, "--config-dir", str(CONFIG_DIR),
                                    "--park-file", str(park_file), *options],
                              env={"COLUMNS": "250"})


def test_park_read_shows_registers_scale_and_quality_of_every_point(tmp_path: Path):
    park = relocate_endpoints(generate_park(40, seed=3))
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    settings = settings_for(park, tmp_path / "data")
    inverter = next(d for d in settings.park.devices if d.kind.value == "pv_inverter")

    async def scenario():
        twin = ParkTwin(settings.park, settings.register_maps, T0)
        simulator = ParkSimulator(settings.park, settings.register_maps, twin,
                                  ManualClock(T0), unserved={inverter.id: [
                                      AddressRange(Table.HOLDING, 40121, 40146)]})
        simulator.faults.inject(inverter.id, FaultKind.FROZEN)
        await simulator.start(tick=False)
        image = simulator.images[inverter.id]
        start, _ = image.spans[Table.HOLDING]
        for address, register in PATTERN.items():
            image.registers[Table.HOLDING][address - start] = register
        try:
            as_json = await asyncio.to_thread(_read, park_file, inverter.id, "--json")
            as_table = await asyncio.to_thread(_read, park_file, inverter.id)
            unknown = await asyncio.to_thread(_read, park_file, "no-such-device")
        finally:
            await simulator.stop()
        return as_json, as_table, unknown

    as_json, as_table, unknown = asyncio.run(scenario())
    assert as_json.exit_code == 0, as_json.output
    readout = json.loads(as_json.output)
    points = {p["point"]: p for p in readout["points"]}
    assert len(points) == 23  # every point of the map, scale factors included
    for name, (registers, value, quality, detail) in EXPECTED.items():
        got = points[name]
        assert got["registers"] == registers, name
        assert (got["quality"], got["detail"]) == (quality, detail), name
        assert got["value"] == (pytest.approx(value) if value is not None else None), name
    assert points["ac_current_a"]["scale"] == "1 × 10^-2 (a_sf)"
    assert points["ac_power_kw"]["scale"] == "0.001 × 10^0 (w_sf)"
    assert points["energy_total_kwh"]["raw"] == 100000
    assert points["power_limit_pct"]["address"] == 40126
    assert readout["unserved"] == [
        {"table": "holding", "start": a, "end": a + 1} for a in (40126, 40128, 40130, 40144)]

    assert as_table.exit_code == 0, as_table.output
    lines = {line.split("│")[1].strip(): line for line in as_table.output.splitlines()
             if line.count("│") > 5}
    assert "0x0001 0x86A0" in lines["energy_total_kwh"] and "10000" in lines["energy_total_kwh"]
    assert "not implemented" in lines["dc_power_kw"]
    assert "not served: holding 40126\n" in as_table.output

    assert unknown.exit_code == 2 and "unknown device 'no-such-device'" in unknown.output
