"""One codec for every register map: registers <-> engineering values, and the read plan.

Decoding is precompiled per map (struct formats and offsets per read block), because a
1,000-device cycle decodes tens of thousands of values and must stay a small part of 2 s.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from jobs.common.register_map import DataType, Order, Point, PointRole, RegisterMap, Table

_STRUCT_CODE = {
    DataType.U16: "H",
    DataType.S16: "h",
    DataType.U32: "I",
    DataType.S32: "i",
    DataType.F32: "f",
    DataType.U64: "Q",
    DataType.S64: "q",
    DataType.F64: "d",
}
_UNSIGNED_CODE = {1: "H", 2: "I", 4: "Q"}
NOT_AVAILABLE = "not available"  # detail of a sentinel reading: the device says it has no value
# Detail of an optional point the device does not have (unserved, or its sentinel).
NOT_IMPLEMENTED = "not implemented"


def is_point_fact(detail: str | None) -> bool:
    """A detail that describes the point, not a fault of the device (an idle charger's vehicle
    SOC, an optional point the model lacks)."""
    return detail in (NOT_AVAILABLE, NOT_IMPLEMENTED)


class Quality(StrEnum):
    """Why a value is or is not trustworthy. A failed read is never replaced by an old value."""

    GOOD = "good"
    INVALID = "invalid"  # sentinel "not available", NaN, or outside the map's plausible range
    TIMEOUT = "timeout"  # the device did not answer in time
    EXCEPTION = "exception"  # the device answered with a Modbus exception response
    ERROR = "error"  # transport failure: connection refused, dropped, or a malformed reply
    STALE = "stale"  # the device's whole register image stopped changing (frozen firmware)
    BACKOFF = "backoff"  # not polled this cycle: the device is backed off after failures


@dataclass(frozen=True, slots=True)
class DecodedValue:
    value: float | None
    quality: Quality
    detail: str | None = None


def _reorder(registers: list[int], word_order: Order, byte_order: Order) -> list[int]:
    """Registers in big-endian word order with big-endian bytes."""
    if byte_order == Order.LITTLE:
        registers = [((r & 0xFF) << 8) | (r >> 8) for r in registers]
    if word_order == Order.LITTLE:
        registers = list(reversed(registers))
    return registers


def raw_from_registers(data_type: DataType, registers: list[int], word_order: Order,
                       byte_order: Order) -> int | float:
    """The raw number stored in a point's registers."""
    ordered = _reorder(registers, word_order, byte_order)
    packed = struct.pack(f">{len(ordered)}H", *ordered)
    return struct.unpack(">" + _STRUCT_CODE[data_type], packed)[0]


def registers_from_raw(data_type: DataType, raw: int | float, word_order: Order,
                       byte_order: Order) -> list[int]:
    """The registers that store a raw number (inverse of raw_from_registers)."""
    code = _STRUCT_CODE[data_type]
    if not data_type.is_float:
        raw = int(raw)
        bits = 16 * data_type.register_count
        if data_type.is_signed and raw >= (1 << (bits - 1)) and raw < (1 << bits):
            # An unsigned spelling of a signed sentinel (0x8000 for s16): same bit pattern.
            code = _UNSIGNED_CODE[data_type.register_count]
        elif not (data_type.raw_min <= raw <= data_type.raw_max):
            raise ValueError(f"raw value {raw} does not fit {data_type.value}")
    packed = struct.pack(">" + code, raw)
    big = list(struct.unpack(f">{data_type.register_count}H", packed))
    # _reorder is its own inverse for each of the two swaps.
    return _reorder(big, word_order, byte_order)


def _bits(data_type: DataType, raw: int) -> int:
    mask = (1 << (16 * data_type.register_count)) - 1
    return raw & mask


def is_not_available(point: Point, raw: int | float) -> bool:
    if point.type.is_float:
        return isinstance(raw, float) and (math.isnan(raw) or math.isinf(raw))
    if point.not_available is None:
        return False
    return _bits(point.type, int(raw)) == _bits(point.type, int(point.not_available))


def not_available_detail(point: Point) -> str:
    """Why a sentinel reading is not a value: an optional point the device does not implement,
    or a point it has no value for right now (SunSpec uses one sentinel for both)."""
    return NOT_IMPLEMENTED if point.optional else NOT_AVAILABLE


def exponent_of_scale_factor(sf_point: Point, raw: int | float) -> int | None:
    """The power of ten a SunSpec *_SF register holds; None when the device says it has none
    or the value is beyond any real device's (|SF| > 10)."""
    if is_not_available(sf_point, raw) or not -10 <= raw <= 10:
        return None
    return int(raw)


def multiplier(point: Point, scale_factor_exponent: int | None) -> float:
    factor = point.scale
    if scale_factor_exponent is not None:
        factor *= 10.0**scale_factor_exponent
    return factor


def engineering_value(point: Point, raw: int | float, scale_factor_exponent: int | None) -> float:
    factor = multiplier(point, scale_factor_exponent)
    divisor = 1.0 / factor
    if factor < 1.0 and abs(divisor - round(divisor)) < 1e-9:
        # 3 / 10 is exactly 0.3, 3 * 0.1 is not: keeps values on a range limit inside it.
        return float(raw) / round(divisor)
    return float(raw) * factor


def raw_for_value(point: Point, value: float, scale_factor_exponent: int | None) -> int | float:
    """The raw number a device stores for an engineering value (rounded for integer types)."""
    scaled = value / multiplier(point, scale_factor_exponent)
    if point.type.is_float:
        return scaled
    raw = round(scaled)
    if not (point.type.raw_min <= raw <= point.type.raw_max):
        raise ValueError(
            f"point {point.name!r}: value {value} {point.unit} is outside what "
            f"{point.type.value} can hold at this scale"
        )
    return raw


def check_range(point: Point, value: float) -> str | None:
    """Why a decoded value is implausible, or None."""
    if point.valid_min is not None and value < point.valid_min:
        return f"{value:g} below plausible minimum {point.valid_min:g}"
    if point.valid_max is not None and value > point.valid_max:
        return f"{value:g} above plausible maximum {point.valid_max:g}"
    return None


@dataclass(frozen=True, slots=True)
class _PointSlot:
    point: Point
    offset: int  # registers from the block start
    struct_format: str  # for big/big points read straight from the block's bytes
    reorder: bool


@dataclass(frozen=True, slots=True, order=True)
class AddressRange:
    """Registers [start, end) of one table that a device does not serve in one read. A range
    with start == end is a boundary no read may span (the device refused the read across it,
    yet served both sides)."""

    table: Table
    start: int
    end: int

    def holds(self, point: Point) -> bool:
        """The point's registers fall (partly) in the range: the point cannot be read."""
        return (point.table == self.table and self.start < self.end
                and point.address < self.end and self.start < point.end_address)

    def splits(self, start: int, end: int) -> bool:
        """A read of [start, end) would include the range, or cross the boundary."""
        if self.start == self.end:
            return start < self.start < end
        return start < self.end and self.start < end


def merged_ranges(ranges: Iterable[AddressRange]) -> list[AddressRange]:
    """Sorted, overlapping or touching ranges of a table joined (boundaries kept unless a
    range covers them)."""
    result: list[AddressRange] = []
    for item in sorted(set(ranges)):
        last = result[-1] if result else None
        if (last is not None and last.table == item.table and last.start < last.end
                and item.start <= last.end):
            result[-1] = AddressRange(last.table, last.start, max(last.end, item.end))
        elif (last is not None and last.table == item.table and item.start == item.end
              and last.start < item.start < last.end):
            continue  # a boundary inside a range already unserved
        else:
            result.append(item)
    return result


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One Modbus read request: contiguous registers covering one or more points."""

    table: Table
    start: int
    count: int
    slots: tuple[_PointSlot, ...]

    @property
    def function_code(self) -> int:
        return 3 if self.table == Table.HOLDING else 4


def plan_reads(register_map: RegisterMap, unserved: tuple[AddressRange, ...] = ()
               ) -> list[ReadBlock]:
    """Cover every point with as few reads as the map's request size and gap rules allow,
    around the ranges a device is known not to serve (their points are left out)."""
    blocks: list[ReadBlock] = []
    for table in (Table.HOLDING, Table.INPUT):
        ranges = [r for r in unserved if r.table == table]
        points = sorted((p for p in register_map.points if p.table == table
                         and not any(r.holds(p) for r in ranges)), key=lambda p: p.address)
        group: list[Point] = []
        for point in points:
            if group:
                start = group[0].address
                gap = point.address - max(p.end_address for p in group)
                if (point.end_address - start > register_map.max_registers_per_read
                        or gap > register_map.max_gap_registers
                        or any(r.splits(start, point.end_address) for r in ranges)):
                    blocks.append(_make_block(register_map, table, group))
                    group = []
            group.append(point)
        if group:
            blocks.append(_make_block(register_map, table, group))
    return blocks


def _make_block(register_map: RegisterMap, table: Table, group: list[Point]) -> ReadBlock:
    start = group[0].address
    end = max(p.end_address for p in group)
    slots = []
    for point in group:
        big_big = (register_map.word_order_of(point) == Order.BIG
                   and register_map.byte_order_of(point) == Order.BIG)
        slots.append(_PointSlot(point, point.address - start, ">" + _STRUCT_CODE[point.type],
                                not big_big))
    return ReadBlock(table, start, end - start, tuple(slots))


def split_block(register_map: RegisterMap, block: ReadBlock) -> tuple[ReadBlock, ReadBlock]:
    """The block's points in two reads, half the points each (a block of two or more)."""
    points = [slot.point for slot in block.slots]
    half = len(points) // 2
    return (_make_block(register_map, block.table, points[:half]),
            _make_block(register_map, block.table, points[half:]))


class DeviceDecoder:
    """Decodes a device's read blocks into engineering values with a quality each."""

    def __init__(self, register_map: RegisterMap):
        self.register_map = register_map
        self.blocks = plan_reads(register_map)

    def _raw(self, slot: _PointSlot, registers: list[int], packed: bytes) -> int | float:
        if not slot.reorder:
            return struct.unpack_from(slot.struct_format, packed, slot.offset * 2)[0]
        point = slot.point
        regs = registers[slot.offset: slot.offset + point.register_count]
        return raw_from_registers(point.type, regs, self.register_map.word_order_of(point),
                                  self.register_map.byte_order_of(point))

    def decode(self, block_registers: list[list[int] | None]) -> dict[str, DecodedValue]:
        """Values for every landed point; a block that failed to read is simply absent here.

        `block_registers[i]` holds the registers read for `self.blocks[i]`, or None.
        """
        return self.decode_reads(
            (block, registers)
            for block, registers in zip(self.blocks, block_registers, strict=True)
            if registers is not None)

    def decode_reads(self, reads: Iterable[tuple[ReadBlock, list[int]]]
                     ) -> dict[str, DecodedValue]:
        """Values of the points in the given reads (any blocks of this map, e.g. the pieces of
        a split read); a point not read, or whose scale factor was not read, is absent."""
        raws: dict[str, int | float] = {}
        for block, registers in reads:
            packed = struct.pack(f">{len(registers)}H", *registers)
            for slot in block.slots:
                raws[slot.point.name] = self._raw(slot, registers, packed)
        result: dict[str, DecodedValue] = {}
        for point in self.register_map.points:
            if point.role == PointRole.SCALE_FACTOR or point.name not in raws:
                continue
            decoded = self._decode_point(point, raws)
            if decoded is not None:
                result[point.name] = decoded
        return result

    def _decode_point(self, point: Point, raws: dict[str, int | float]) -> DecodedValue | None:
        raw = raws[point.name]
        if is_not_available(point, raw):
            return DecodedValue(None, Quality.INVALID, not_available_detail(point))
        exponent = None
        if point.scale_factor_point is not None:
            sf_point = self.register_map.point(point.scale_factor_point)
            sf_raw = raws.get(sf_point.name)
            if sf_raw is None:
                return None  # its scale factor's block was not read: the point is absent too
            exponent = exponent_of_scale_factor(sf_point, sf_raw)
            if exponent is None:
                return DecodedValue(None, Quality.INVALID, f"scale factor {sf_raw} unusable")
        value = engineering_value(point, raw, exponent)
        reason = check_range(point, value)
        if reason is not None:
            return DecodedValue(value, Quality.INVALID, reason)
        return DecodedValue(value, Quality.GOOD)


def encode_point(register_map: RegisterMap, point: Point, value: float | None,
                 scale_factor_exponent: int | None = None) -> list[int]:
    """Registers for an engineering value; None encodes the map's "not available" sentinel."""
    word_order = register_map.word_order_of(point)
    byte_order = register_map.byte_order_of(point)
    if value is None:
        if point.type.is_float:
            raw: int | float = math.nan
        elif point.not_available is not None:
            raw = point.not_available
        else:
            raise ValueError(f"point {point.name!r} has no not_available sentinel")
        return registers_from_raw(point.type, raw, word_order, byte_order)
    raw = raw_for_value(point, value, scale_factor_exponent)
    return registers_from_raw(point.type, raw, word_order, byte_order)
