"""The simulated register image re-encodes only what changed between reads (its cost in the
closed loop), and still serves exactly what the device's registers would hold: registers
worked out by hand from the battery map (config/register_maps/bess_pcs.yaml: scale 0.1,
32-bit values low word first)."""

from __future__ import annotations

from device_io.simulator.image import DeviceImage
from jobs.common.register_map import Table, load_register_map
from jobs.common.settings import DEFAULT_CONFIG_DIR


def _image() -> DeviceImage:
    return DeviceImage(load_register_map(DEFAULT_CONFIG_DIR / "register_maps" / "bess_pcs.yaml"))


def test_a_repeated_value_is_served_as_before_and_a_new_one_replaces_it():
    image = _image()
    image.update({"soc_pct": 55.5, "power_setpoint_kw": 250.0})
    assert image.read(Table.HOLDING, 0, 1) == [555]
    assert image.read(Table.HOLDING, 100, 2) == [2500, 0]  # low word first
    image.update({"soc_pct": 55.5, "power_setpoint_kw": 250.0})
    assert image.read(Table.HOLDING, 0, 1) == [555]
    image.update({"soc_pct": 55.6, "power_setpoint_kw": -1.0})
    assert image.read(Table.HOLDING, 0, 1) == [556]
    assert image.read(Table.HOLDING, 100, 2) == [0xFFF6, 0xFFFF]  # -10 as s32, low word first


def test_after_a_register_write_the_twins_value_is_served_again():
    """A write into the registers (the simulator's Modbus server path) changes them; the
    next refresh from the twin, with the same value as before the write, must restore it."""
    image = _image()
    image.update({"power_setpoint_kw": 250.0})
    assert image.apply_write(Table.HOLDING, 100, [1000, 0]) == {"power_setpoint_kw": 100.0}
    assert image.read(Table.HOLDING, 100, 2) == [1000, 0]
    image.update({"power_setpoint_kw": 250.0})
    assert image.read(Table.HOLDING, 100, 2) == [2500, 0]


def test_a_counter_offset_fault_shows_on_the_same_true_value():
    """A meter replacement offset (faults.py) changes what the registers say while the
    twin's true counter stays put."""
    image = _image()
    image.update({"energy_charged_kwh": 100.0})
    assert image.read(Table.HOLDING, 8, 2) == [1000, 0]
    image.counter_offsets["energy_charged_kwh"] = 50.0
    image.update({"energy_charged_kwh": 100.0})
    assert image.read(Table.HOLDING, 8, 2) == [1500, 0]
