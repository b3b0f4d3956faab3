"""The register codec: exact bit patterns, every type x word order x byte order, scale factors,
sentinels, plausibility ranges, the read plan, and a round trip through every shipped map.

Expected register patterns are worked out by hand from IEEE 754 and two's complement, not taken
from the codec's own output.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest

from device_io.codec import (
    AddressRange,
    DeviceDecoder,
    Quality,
    encode_point,
    merged_ranges,
    multiplier,
    plan_reads,
    raw_from_registers,
    registers_from_raw,
    split_block,
)
from jobs.common.register_map import (
    DataType,
    Order,
    PointRole,
    RegisterMap,
    Table,
    load_register_maps,
)
from jobs.common.settings import DEFAULT_CONFIG_DIR

BIG, LITTLE = Order.BIG, Order.LITTLE
ORDERS = [(w, b) for w in (BIG, LITTLE) for b in (BIG, LITTLE)]
F32_MAX = 3.4028234663852886e38
F32_TINY = 1.401298464324817e-45  # smallest subnormal
EXTREMES: dict[DataType, list[int | float]] = {
    DataType.U16: [0, 1, 0x1234, 0xFFFE, 0xFFFF],
    DataType.S16: [-32768, -32767, -2, -1, 0, 1, 32767],
    DataType.U32: [0, 1, 0x12345678, 2**32 - 1],
    DataType.S32: [-(2**31), -2, -1, 0, 2**31 - 1],
    DataType.U64: [0, 1, 0x0102030405060708, 2**64 - 1],
    DataType.S64: [-(2**63), -1, 0, 2**63 - 1],
    DataType.F32: [0.0, 1.0, -2.5, 0.1875, F32_MAX, -F32_MAX, F32_TINY],
    DataType.F64: [0.0, 1.0, -2.5, 0.1, sys.float_info.max, -sys.float_info.max, 5e-324],
}
# Extremes an engineering value (a Python float) can carry exactly: within 2**11 of the 64-bit
# maxima a float rounds past the type, so encode_point cannot be asked for those.
ENCODABLE_EXTREMES: dict[DataType, list[int | float]] = {
    **EXTREMES,
    DataType.U64: [0, 1, 2**53 + 2, 2**64 - 2**11],
    DataType.S64: [-(2**63), -1, 0, 2**63 - 2**10],
}


def make_map(*points: dict[str, Any], **options: Any) -> RegisterMap:
    return RegisterMap.model_validate(
        {"model": "test_map", "device_kinds": ["sub_meter"], "points": list(points), **options})


def image(decoder: DeviceDecoder, registers: dict[str, list[int]]) -> list[list[int] | None]:
    """Block contents with the given registers per point name and zeros elsewhere."""
    blocks: list[list[int] | None] = []
    for block in decoder.blocks:
        contents = [0] * block.count
        for slot in block.slots:
            if slot.point.name in registers:
                regs = registers[slot.point.name]
                contents[slot.offset: slot.offset + len(regs)] = regs
        blocks.append(contents)
    return blocks


def decode(register_map: RegisterMap, registers: dict[str, list[int]]):
    decoder = DeviceDecoder(register_map)
    return decoder.decode(image(decoder, registers))


# --- bit patterns and raw round trips ------------------------------------------------------------

KNOWN_PATTERNS = [
    # (type, value, word order, byte order, registers)
    (DataType.U16, 0x1234, BIG, BIG, [0x1234]),
    (DataType.U16, 0x1234, BIG, LITTLE, [0x3412]),
    (DataType.S16, -1, BIG, BIG, [0xFFFF]),
    (DataType.S16, -32768, BIG, BIG, [0x8000]),
    (DataType.S16, -2, BIG, LITTLE, [0xFEFF]),
    (DataType.S32, -2, BIG, BIG, [0xFFFF, 0xFFFE]),
    (DataType.S32, -2, LITTLE, BIG, [0xFFFE, 0xFFFF]),
    (DataType.S32, -2, LITTLE, LITTLE, [0xFEFF, 0xFFFF]),
    (DataType.U32, 0x12345678, BIG, BIG, [0x1234, 0x5678]),
    (DataType.U32, 0x12345678, LITTLE, BIG, [0x5678, 0x1234]),
    (DataType.U32, 0x12345678, BIG, LITTLE, [0x3412, 0x7856]),
    (DataType.U32, 0x12345678, LITTLE, LITTLE, [0x7856, 0x3412]),
    (DataType.F32, 1.0, BIG, BIG, [0x3F80, 0x0000]),
    (DataType.F32, 1.0, LITTLE, BIG, [0x0000, 0x3F80]),
    (DataType.F32, 1.0, BIG, LITTLE, [0x803F, 0x0000]),
    (DataType.F32, -2.5, BIG, BIG, [0xC020, 0x0000]),
    (DataType.F32, 100.0, BIG, BIG, [0x42C8, 0x0000]),
    (DataType.U64, 0x0102030405060708, BIG, BIG, [0x0102, 0x0304, 0x0506, 0x0708]),
    (DataType.U64, 0x0102030405060708, LITTLE, BIG, [0x0708, 0x0506, 0x0304, 0x0102]),
    (DataType.U64, 0x0102030405060708, LITTLE, LITTLE, [0x0807, 0x0605, 0x0403, 0x0201]),
    (DataType.S64, -1, BIG, BIG, [0xFFFF] * 4),
    (DataType.S64, -(2**63), BIG, BIG, [0x8000, 0, 0, 0]),
    (DataType.F64, 1.0, BIG, BIG, [0x3FF0, 0, 0, 0]),
    (DataType.F64, 1.0, LITTLE, BIG, [0, 0, 0, 0x3FF0]),
    (DataType.F64, -2.0, BIG, BIG, [0xC000, 0, 0, 0]),
]


@pytest.mark.parametrize("data_type, value, word, byte, registers", KNOWN_PATTERNS)
def test_known_register_patterns(data_type: DataType, value: float, word: Order, byte: Order,
                                 registers: list[int]) -> None:
    assert registers_from_raw(data_type, value, word, byte) == registers
    assert raw_from_registers(data_type, registers, word, byte) == value
    register_map = make_map({"name": "x", "table": "holding", "address": 0,
                             "type": data_type.value}, word_order=word.value,
                            byte_order=byte.value)
    decoded = decode(register_map, {"x": registers})["x"]
    assert (decoded.value, decoded.quality) == (float(value), Quality.GOOD)


@pytest.mark.parametrize("word, byte", ORDERS, ids=lambda o: o.value)
@pytest.mark.parametrize("data_type", list(DataType), ids=lambda t: t.value)
def test_raw_round_trip_at_the_extremes(data_type: DataType, word: Order, byte: Order) -> None:
    for value in EXTREMES[data_type]:
        registers = registers_from_raw(data_type, value, word, byte)
        assert len(registers) == data_type.register_count
        assert all(0 <= r <= 0xFFFF for r in registers)
        assert raw_from_registers(data_type, registers, word, byte) == value
        # A point's own order overrides the map's default.
        register_map = make_map({"name": "x", "table": "input", "address": 7,
                                 "type": data_type.value, "word_order": word.value,
                                 "byte_order": byte.value}, word_order="big", byte_order="big")
        decoded = decode(register_map, {"x": registers})["x"]
        assert (decoded.value, decoded.quality) == (float(value), Quality.GOOD)


@pytest.mark.parametrize("word, byte", ORDERS, ids=lambda o: o.value)
@pytest.mark.parametrize("data_type", list(DataType), ids=lambda t: t.value)
def test_encode_decode_round_trip_at_the_extremes(data_type: DataType, word: Order,
                                                  byte: Order) -> None:
    register_map = make_map({"name": "x", "table": "holding", "address": 0,
                             "type": data_type.value}, word_order=word.value, byte_order=byte.value)
    point = register_map.point("x")
    for value in ENCODABLE_EXTREMES[data_type]:
        registers = encode_point(register_map, point, float(value))
        assert registers == registers_from_raw(data_type, value, word, byte)
        assert decode(register_map, {"x": registers})["x"].value == float(value)


def test_values_outside_the_type_cannot_be_encoded() -> None:
    register_map = make_map({"name": "x", "table": "holding", "address": 0, "type": "u16",
                             "scale": 0.1})
    point = register_map.point("x")
    assert encode_point(register_map, point, 6553.5) == [0xFFFF]
    with pytest.raises(ValueError, match="outside what u16 can hold"):
        encode_point(register_map, point, 6553.6)
    with pytest.raises(ValueError, match="outside what u16 can hold"):
        encode_point(register_map, point, -0.1)
    with pytest.raises(ValueError, match="does not fit s32"):
        registers_from_raw(DataType.S32, -(2**31) - 1, BIG, BIG)


# --- scale factors -------------------------------------------------------------------------------


def test_fixed_scale() -> None:
    register_map = make_map(
        {"name": "energy_kwh", "table": "holding", "address": 0, "type": "u32", "scale": 0.01},
        {"name": "temp_c", "table": "holding", "address": 2, "type": "s16", "scale": 0.1},
        {"name": "power_kw", "table": "holding", "address": 3, "type": "f32", "scale": 0.001},
    )
    values = decode(register_map, {"energy_kwh": [0x0001, 0x0000],  # 65536 x 0.01
                                   "temp_c": [0xFF85],  # -123 x 0.1
                                   "power_kw": [0x42C8, 0x0000]})  # 100.0 W
    assert values["energy_kwh"].value == pytest.approx(655.36)
    assert values["temp_c"].value == pytest.approx(-12.3)
    assert values["power_kw"].value == pytest.approx(0.1)
    assert encode_point(register_map, register_map.point("temp_c"), -12.3) == [0xFF85]
    assert encode_point(register_map, register_map.point("energy_kwh"), 655.36) == [1, 0]


SUNSPEC = make_map(
    {"name": "w_kw", "table": "holding", "address": 0, "type": "s16", "scale": 0.001,
     "scale_factor_point": "w_sf", "not_available": 0x8000},
    {"name": "w_sf", "table": "holding", "address": 1, "type": "s16", "role": "scale_factor",
     "not_available": 0x8000},
    {"name": "hz", "table": "holding", "address": 2, "type": "u16", "scale_factor_point": "hz_sf",
     "not_available": 0xFFFF},
    {"name": "hz_sf", "table": "holding", "address": 3, "type": "s16", "role": "scale_factor",
     "not_available": 0x8000},
)


@pytest.mark.parametrize("sf_registers, exponent, raw, expected", [
    ([0xFFFE], -2, 5002, 50.02),
    ([0xFFFF], -1, 500, 50.0),
    ([0x0000], 0, 50, 50.0),
    ([0x0001], 1, 5, 50.0),
    ([0x0003], 3, 12, 12000.0),
])
def test_sunspec_scale_factor_register(sf_registers: list[int], exponent: int, raw: int,
                                       expected: float) -> None:
    values = decode(SUNSPEC, {"hz": [raw], "hz_sf": sf_registers})
    assert values["hz"].value == pytest.approx(expected)
    assert values["hz"].quality == Quality.GOOD
    assert "hz_sf" not in values  # scale factors are read, never landed
    assert encode_point(SUNSPEC, SUNSPEC.point("hz"), expected, exponent) == [raw]
    assert encode_point(SUNSPEC, SUNSPEC.point("hz_sf"), exponent) == sf_registers


def test_scale_factor_combines_with_a_fixed_scale() -> None:
    # SunSpec W with W_SF = 2, reported in kW: 1234 x 10^2 W = 123.4 kW.
    values = decode(SUNSPEC, {"w_kw": [1234], "w_sf": [0x0002]})
    assert values["w_kw"].value == pytest.approx(123.4)
    # W_SF = -1: -500 x 10^-1 W = -0.05 kW.
    values = decode(SUNSPEC, {"w_kw": [0xFE0C], "w_sf": [0xFFFF]})
    assert values["w_kw"].value == pytest.approx(-0.05)


@pytest.mark.parametrize("sf_registers", [[0x8000], [0x000B], [0xFFF5]],
                         ids=["not-available", "plus-11", "minus-11"])
def test_unusable_scale_factor_makes_the_value_invalid(sf_registers: list[int]) -> None:
    decoded = decode(SUNSPEC, {"hz": [5000], "hz_sf": sf_registers})["hz"]
    assert (decoded.value, decoded.quality) == (None, Quality.INVALID)
    assert "scale factor" in (decoded.detail or "")


# --- sentinels and plausibility ------------------------------------------------------------------

SENTINELS = [
    # (type, not_available as the map spells it, word order, registers a device sends)
    ("u16", 0xFFFF, "big", [0xFFFF]),
    ("s16", 0x8000, "big", [0x8000]),
    ("s16", -32768, "big", [0x8000]),
    ("u32", 0xFFFFFFFF, "big", [0xFFFF, 0xFFFF]),
    ("s32", 0x80000000, "big", [0x8000, 0x0000]),
    ("s32", 0x80000000, "little", [0x0000, 0x8000]),
    ("u64", 0xFFFFFFFFFFFFFFFF, "little", [0xFFFF] * 4),
    ("f32", None, "big", [0x7FC0, 0x0000]),  # quiet NaN
    ("f32", None, "little", [0x0001, 0x7F80]),  # a signalling NaN with payload
    ("f32", None, "big", [0x7F80, 0x0000]),  # +inf
    ("f64", None, "big", [0x7FF8, 0, 0, 0]),
]


@pytest.mark.parametrize("data_type, sentinel, word, registers", SENTINELS)
def test_sentinel_decodes_to_invalid_without_a_value(data_type: str, sentinel: int | None,
                                                     word: str, registers: list[int]) -> None:
    spec: dict[str, Any] = {"name": "x", "table": "input", "address": 0, "type": data_type,
                            "scale": 0.1}
    if sentinel is not None:
        spec["not_available"] = sentinel
    register_map = make_map(spec, word_order=word)
    decoded = decode(register_map, {"x": registers})["x"]
    assert (decoded.value, decoded.quality) == (None, Quality.INVALID)
    # Encoding "no value" gives a sentinel that decodes the same way.
    none_registers = encode_point(register_map, register_map.point("x"), None)
    assert decode(register_map, {"x": none_registers})["x"].quality == Quality.INVALID


def test_a_value_next_to_the_sentinel_is_good() -> None:
    register_map = make_map({"name": "x", "table": "input", "address": 0, "type": "s16",
                             "not_available": 0x8000})
    assert decode(register_map, {"x": [0x8001]})["x"].value == -32767.0


def test_encoding_none_needs_a_sentinel() -> None:
    register_map = make_map({"name": "x", "table": "input", "address": 0, "type": "u16"})
    with pytest.raises(ValueError, match="no not_available sentinel"):
        encode_point(register_map, register_map.point("x"), None)


@pytest.mark.parametrize("data_type, registers, valid_min, valid_max, value, reason", [
    ("u16", [1001], 0, 100, 100.1, "above plausible maximum 100"),
    ("s16", [0xFFFF], 0, 100, -0.1, "below plausible minimum 0"),
    ("f32", [0x3FC0, 0x0000], -0.1, 0.1, 0.15, "above plausible maximum 0.1"),  # 1.5 x 0.1
])
def test_out_of_range_value_is_invalid(data_type: str, registers: list[int], valid_min: float,
                                       valid_max: float, value: float, reason: str) -> None:
    register_map = make_map({"name": "x", "table": "holding", "address": 0, "type": data_type,
                             "scale": 0.1, "valid_min": valid_min, "valid_max": valid_max})
    decoded = decode(register_map, {"x": registers})["x"]
    assert decoded.quality == Quality.INVALID
    assert decoded.value == pytest.approx(value)  # kept for diagnosis, flagged invalid
    assert reason in (decoded.detail or "")


def test_range_bounds_are_inclusive() -> None:
    register_map = make_map({"name": "x", "table": "holding", "address": 0, "type": "u16",
                             "scale": 0.1, "valid_min": 0, "valid_max": 100})
    assert decode(register_map, {"x": [1000]})["x"].quality == Quality.GOOD
    assert decode(register_map, {"x": [0]})["x"].quality == Quality.GOOD


# --- the read plan -------------------------------------------------------------------------------


def u16_points(addresses: list[int], table: str = "holding") -> list[dict[str, Any]]:
    return [{"name": f"{table}_{a}", "table": table, "address": a, "type": "u16"}
            for a in addresses]


def test_contiguous_points_merge_into_one_block() -> None:
    register_map = make_map(
        {"name": "a", "table": "holding", "address": 10, "type": "u16"},
        {"name": "b", "table": "holding", "address": 11, "type": "u32"},
        {"name": "c", "table": "holding", "address": 13, "type": "f64"},
    )
    (block,) = plan_reads(register_map)
    assert (block.table, block.start, block.count, block.function_code) == (Table.HOLDING, 10, 7, 3)
    assert [(s.point.name, s.offset) for s in block.slots] == [("a", 0), ("b", 1), ("c", 3)]


@pytest.mark.parametrize("max_gap, blocks", [(9, [(0, 11)]), (8, [(0, 1), (10, 1)])])
def test_a_gap_larger_than_allowed_splits(max_gap: int, blocks: list[tuple[int, int]]) -> None:
    # Registers 1..9 are unmapped: a gap of 9.
    register_map = make_map(*u16_points([0, 10]), max_gap_registers=max_gap)
    assert [(b.start, b.count) for b in plan_reads(register_map)] == blocks


def test_points_are_listed_in_any_order() -> None:
    register_map = make_map(*u16_points([5, 0, 3, 1, 4, 2]))
    (block,) = plan_reads(register_map)
    assert (block.start, block.count) == (0, 6)


@pytest.mark.parametrize("max_per_read, expected", [(125, [(0, 125), (125, 75)]),
                                                    (50, [(0, 50), (50, 50), (100, 50),
                                                          (150, 50)])])
def test_a_block_never_exceeds_the_request_size(max_per_read: int,
                                                expected: list[tuple[int, int]]) -> None:
    register_map = make_map(*u16_points(list(range(200))), max_registers_per_read=max_per_read)
    blocks = plan_reads(register_map)
    assert [(b.start, b.count) for b in blocks] == expected
    assert sum(len(b.slots) for b in blocks) == 200


def test_a_multi_register_point_is_never_split_across_reads() -> None:
    points = [{"name": f"p{a}", "table": "input", "address": a, "type": "u32"}
              for a in range(0, 200, 2)]
    register_map = make_map(*points, max_registers_per_read=125)
    blocks = plan_reads(register_map)
    assert [(b.start, b.count) for b in blocks] == [(0, 124), (124, 76)]
    for block in blocks:
        assert all(s.offset + s.point.register_count <= block.count for s in block.slots)


def test_holding_and_input_tables_never_mix() -> None:
    register_map = make_map(*u16_points([0, 1, 2]), *u16_points([0, 1, 2, 3], "input"),
                            max_gap_registers=100)
    blocks = plan_reads(register_map)
    assert [(b.table, b.function_code, b.start, b.count) for b in blocks] == [
        (Table.HOLDING, 3, 0, 3), (Table.INPUT, 4, 0, 4)]
    for block in blocks:
        assert {s.point.table for s in block.slots} == {block.table}


def test_a_missing_block_simply_omits_its_points() -> None:
    register_map = make_map(*u16_points([0, 1]), *u16_points([0, 1], "input"))
    decoder = DeviceDecoder(register_map)
    assert [b.table for b in decoder.blocks] == [Table.HOLDING, Table.INPUT]
    values = decoder.decode([[7, 8], None])
    assert {name: v.value for name, v in values.items()} == {"holding_0": 7.0, "holding_1": 8.0}
    assert decoder.decode([None, None]) == {}


# --- registers a device does not serve ------------------------------------------------------


def test_an_optional_point_at_its_sentinel_is_not_implemented() -> None:
    register_map = make_map(
        {"name": "required", "table": "holding", "address": 0, "type": "u16",
         "not_available": 0xFFFF},
        {"name": "extra", "table": "holding", "address": 1, "type": "s16",
         "not_available": 0x8000, "optional": True},
        {"name": "extra_f", "table": "holding", "address": 2, "type": "f32", "optional": True})
    values = decode(register_map, {"required": [0xFFFF], "extra": [0x8000],
                                   "extra_f": [0x7FC0, 0x0000]})  # float32 quiet NaN
    assert {n: (v.value, v.quality, v.detail) for n, v in values.items()} == {
        "required": (None, Quality.INVALID, "not available"),
        "extra": (None, Quality.INVALID, "not implemented"),
        "extra_f": (None, Quality.INVALID, "not implemented")}


def test_decoding_pieces_of_a_split_read_decodes_only_what_was_read() -> None:
    """Nothing not read is decoded: no register the device did not serve becomes a zero."""
    register_map = make_map(
        {"name": "w", "table": "holding", "address": 0, "type": "s16",
         "scale_factor_point": "w_sf"},
        {"name": "w_sf", "table": "holding", "address": 1, "type": "s16", "role": "scale_factor"},
        {"name": "a", "table": "holding", "address": 2, "type": "u16"},
        {"name": "b", "table": "holding", "address": 3, "type": "u16"})
    decoder = DeviceDecoder(register_map)
    (block,) = decoder.blocks
    left, right = split_block(register_map, block)
    assert [(b.start, b.count) for b in (left, right)] == [(0, 2), (2, 2)]
    both = decoder.decode_reads([(left, [0x0005, 0xFFFF]), (right, [7, 0])])
    assert {n: v.value for n, v in both.items()} == {"w": 0.5, "a": 7.0, "b": 0.0}
    only_right = decoder.decode_reads([(right, [7, 8])])
    assert {n: v.value for n, v in only_right.items()} == {"a": 7.0, "b": 8.0}
    (a_alone,) = split_block(register_map, right)[:1]
    only_w = decoder.decode_reads([(split_block(register_map, left)[0], [5]), (a_alone, [9])])
    assert set(only_w) == {"a"}  # w without its scale factor is not decoded either


INVERTER_MAP = load_register_maps(DEFAULT_CONFIG_DIR / "register_maps")[
    "sunspec_inverter_103"]


@pytest.mark.parametrize("unserved, blocks", [
    ((), [(40071, 74)]),  # 40071..40144
    # model 123 missing (40121..40145): its points are left out, model 103 in one read
    ((AddressRange(Table.HOLDING, 40121, 40146),), [(40071, 37)]),
    # the registers between Hz_SF (40086) and WH (40093) unserved: split there
    ((AddressRange(Table.HOLDING, 40087, 40093),), [(40071, 16), (40093, 52)]),
    # a boundary no read may span (both sides served): split at it, nothing left out
    ((AddressRange(Table.HOLDING, 40093, 40093),), [(40071, 16), (40093, 52)]),
    # input registers unserved do not touch holding reads
    ((AddressRange(Table.INPUT, 40071, 40200),), [(40071, 74)]),
])
def test_reads_are_planned_around_unserved_ranges(unserved, blocks) -> None:
    plan = plan_reads(INVERTER_MAP, unserved)
    assert [(b.start, b.count) for b in plan] == blocks
    planned = {s.point.name for b in plan for s in b.slots}
    left_out = {p.name for p in INVERTER_MAP.points} - planned
    if unserved and unserved[0].start == 40121:
        assert left_out == {"power_limit_pct", "power_limit_revert_s", "power_limit_enabled",
                            "wmaxlimpct_sf"}
    else:
        assert left_out == set()


def test_unserved_ranges_merge_when_they_touch() -> None:
    h, i = Table.HOLDING, Table.INPUT
    assert merged_ranges([AddressRange(h, 10, 12), AddressRange(h, 5, 6), AddressRange(h, 12, 14),
                          AddressRange(h, 11, 11), AddressRange(i, 12, 13),
                          AddressRange(h, 20, 20)]) == [
        AddressRange(h, 5, 6), AddressRange(h, 10, 14), AddressRange(h, 20, 20),
        AddressRange(i, 12, 13)]


# --- every shipped register map ------------------------------------------------------------------

SHIPPED_MAPS = load_register_maps(DEFAULT_CONFIG_DIR / "register_maps")
# (model, point, scale-factor exponent): SunSpec points at a negative, zero and positive
# exponent, every other point with its fixed scale only.
SHIPPED_CASES = [
    (model, point.name, exponent)
    for model, register_map in SHIPPED_MAPS.items()
    for point in register_map.points if point.role != PointRole.SCALE_FACTOR
    for exponent in ((-2, 0, 1) if point.scale_factor_point else (None,))
]


def test_shipped_read_plans_cover_every_point_once() -> None:
    for register_map in SHIPPED_MAPS.values():
        blocks = plan_reads(register_map)
        names = [s.point.name for b in blocks for s in b.slots]
        assert sorted(names) == sorted(p.name for p in register_map.points)
        for block in blocks:
            assert block.count <= register_map.max_registers_per_read
            assert {s.point.table for s in block.slots} == {block.table}


def raw_limits(register_map: RegisterMap, point_name: str) -> tuple[float, float]:
    """The raw range a point can report as a good value (sentinels excluded)."""
    point = register_map.point(point_name)
    if point.type.is_float:
        limit = F32_MAX if point.type == DataType.F32 else sys.float_info.max
        return -limit, limit
    low, high = point.type.raw_min, point.type.raw_max
    if point.not_available is not None:
        sentinel_bits = int(point.not_available) & ((1 << (16 * point.register_count)) - 1)
        if sentinel_bits == high & ((1 << (16 * point.register_count)) - 1):
            high -= 1
        if point.type.is_signed and sentinel_bits == 1 << (16 * point.register_count - 1):
            low += 1
    return low, high


@pytest.mark.parametrize("model, point_name, exponent", SHIPPED_CASES, ids=str)
def test_shipped_point_round_trips_inside_its_valid_range(model: str, point_name: str,
                                                          exponent: int | None) -> None:
    register_map = SHIPPED_MAPS[model]
    point = register_map.point(point_name)
    sf = point.scale_factor_point
    factor = multiplier(point, exponent)
    raw_low, raw_high = raw_limits(register_map, point_name)
    low = max(point.valid_min if point.valid_min is not None else -1e9, raw_low * factor, -1e9)
    high = min(point.valid_max if point.valid_max is not None else 1e9, raw_high * factor, 1e9)
    if not point.type.is_float:  # only whole raw steps can be stored
        low = math.ceil(low / factor - 1e-9) * factor
        high = math.floor(high / factor + 1e-9) * factor
    assert low <= high, "no storable value inside the valid range"
    extra = {sf: encode_point(register_map, register_map.point(sf), exponent)} if sf else {}
    for fraction in (0.0, 0.1, 0.5, 0.9, 1.0):
        value = low + fraction * (high - low)
        registers = encode_point(register_map, point, value, exponent)
        decoded = decode(register_map, {point_name: registers, **extra})[point_name]
        assert decoded.quality == Quality.GOOD, (value, decoded)
        tolerance = abs(value) * 1e-6 if point.type.is_float else factor / 2 + 1e-9
        assert decoded.value == pytest.approx(value, abs=tolerance, rel=1e-9)
