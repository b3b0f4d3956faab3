"""Hostile variants of the real register maps (issue 14), one change each: `park validate` must
refuse each naming the map file, the point and the reason. The catalogue is MAP_VARIANTS."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from device_io.codec import raw_for_value
from jobs.common.register_map import DataType, Point, load_register_map
from tests.jobs.common.test_park_config_validation import (
    CONFIG_DIR,
    Variant,
    assert_rejected,
    assert_variant_rejected,
    copy_of_real_config,
)

BESS = "register_maps/bess_pcs.yaml"
SOC = ("{name: soc_pct, table: holding, address: 0, type: u16, scale: 0.1, unit: \"%\", "
       "not_available: 0xFFFF, valid_min: 0, valid_max: 100}")
SETPOINT = "unit: kW, writable: true, write_min: -5000, write_max: 5000,"
HVAC_SETPOINT = ("{name: setpoint_c, table: holding, address: 0, type: s16, role: setpoint, "
                 "scale: 0.1, unit: degC, writable: true, write_min: 16, write_max: 30}")



def soc(old: str, new: str) -> tuple[str, str]:
    return SOC, SOC.replace(old, new)


def setpoint(old: str, new: str) -> tuple[str, str]:
    return SETPOINT, SETPOINT.replace(old, new)


MAP_VARIANTS = [
    Variant("key given twice in a map", BESS, "word_order: little\n",
            "word_order: little\nword_order: big\n",
            ["word_order: key 'word_order' is given twice in one mapping (line 6 and line 7)"]),
    Variant("key given twice in a point", BESS, *soc("scale: 0.1", "scale: 0.1, scale: 1"),
            ["points[0](soc_pct).scale: key 'scale' is given twice"]),
    Variant("scale NaN", BESS, *soc("scale: 0.1", "scale: .nan"),
            ["points[0](soc_pct).scale", "finite number"]),
    Variant("valid_max NaN", BESS, *soc("valid_max: 100", "valid_max: .nan"),
            ["points[0](soc_pct).valid_max", "finite number"]),
    Variant("valid_min -inf", BESS, *soc("valid_min: 0", "valid_min: -.inf"),
            ["points[0](soc_pct).valid_min", "finite number"]),
    Variant("address true", BESS, *soc("address: 0", "address: true"),
            ["points[0](soc_pct).address", "true is a yes/no value, not a number"]),
    Variant("write_max +inf", BESS, *setpoint("write_max: 5000", "write_max: .inf"),
            ["points[11](power_setpoint_kw).write_max", "finite number"]),
    Variant("write_min -inf", BESS, *setpoint("write_min: -5000", "write_min: -.inf"),
            ["points[11](power_setpoint_kw).write_min", "finite number"]),
    Variant("write_max NaN", BESS, *setpoint("write_max: 5000", "write_max: .nan"),
            ["points[11](power_setpoint_kw).write_max", "finite number"]),
    # s16 at scale 0.1 holds -3276.8..3276.7 degC
    Variant("write bound beyond s16 after scale", "register_maps/hvac_controller.yaml",
            HVAC_SETPOINT, HVAC_SETPOINT.replace("write_max: 30", "write_max: 4000"),
            ["points[4](setpoint_c)",
             "write bound 4000 degC is raw 40000 at scale 0.1, outside what s16 holds "
             "(-32768..32767)"]),
    # s32 at scale 0.1 holds +-214,748,364.7 kW: 1e9 kW does not fit
    Variant("write bound beyond s32 after scale", BESS,
            *setpoint("write_min: -5000", "write_min: -1.0e+9"),
            ["points[11](power_setpoint_kw)", "outside what s32 holds"]),
    Variant("u32 at address 65535", BESS,
            "{name: device_time_unix_s, table: holding, address: 13,",
            "{name: device_time_unix_s, table: holding, address: 65535,",
            ["points[10](device_time_unix_s)",
             "a u32 at address 65535 needs registers 65535..65536, past the last Modbus address "
             "65535"]),
    Variant("a Latin-1 byte in a map", BESS, None, None, ["not UTF-8 text: byte 0xe9 at line 1"],
            make=lambda data: data.replace(b"# A battery", b"# A batt\xe9ry", 1)),
]


@pytest.mark.parametrize("variant", MAP_VARIANTS, ids=lambda v: v.name)
def test_hostile_map_variant_is_rejected(tmp_path: Path, variant: Variant) -> None:
    assert_variant_rejected(tmp_path, variant)


def test_a_directory_named_like_a_map(tmp_path: Path) -> None:
    config_dir = copy_of_real_config(tmp_path)
    path = config_dir / "register_maps" / "meter_copy.yaml"
    path.mkdir()
    assert_rejected(config_dir, path, ["is a directory, not a register map file"])


def test_a_map_over_its_size_cap(tmp_path: Path) -> None:
    config_dir = copy_of_real_config(tmp_path)
    path = config_dir / "register_maps" / "gas_meter.yaml"
    path.write_bytes(path.read_bytes() + b"# padding\n" * 110_000)
    assert_rejected(config_dir, path, ["is larger than a register map may be (1,048,576 bytes)"])


def test_every_real_write_bound_is_encodable_by_the_codec() -> None:
    """Independent of the validator: the codec itself must accept each bound of each map."""
    for path in sorted((CONFIG_DIR / "register_maps").glob("*.yaml")):
        register_map = load_register_map(path)
        for point in register_map.writable_points:
            if point.scale_factor_point is not None:
                continue  # the exponent is read from the device at write time
            for bound in (point.write_min, point.write_max):
                assert bound is not None and math.isfinite(bound)
                raw_for_value(point, bound, None)  # raises if the register cannot hold it


def test_the_last_address_still_holds_a_one_register_point_and_nan_sentinels_stay_allowed() -> None:
    last = Point(name="flag", table="holding", address=65535, type=DataType.U16)
    assert last.end_address == 65536
    f32 = Point(name="flow", table="input", address=65534, type=DataType.F32,
                not_available=math.nan)
    assert math.isnan(f32.not_available)
