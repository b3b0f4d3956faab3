"""A simulated device's register image: twin values in, registers out (and writes back).

The image is built from the same register map the poller decodes with, so serving and polling
exercise one map from both ends. It also carries what a real meter's registers carry beyond
physics: counters that wrap at the type's range, a counter offset after a meter replacement or
rollover fault, and a device clock that can jump.
"""

from __future__ import annotations

import math

from device_io.codec import encode_point, multiplier, raw_from_registers, registers_from_raw
from jobs.common.register_map import Point, PointRole, RegisterMap, Table


def choose_scale_factor_exponents(register_map: RegisterMap) -> dict[str, int]:
    """A fixed SunSpec scale factor per *_SF register: the finest that still fits every point.

    Real devices pick their scale factors from their rating; the map's valid_max plays that
    role here (1e7 for open-ended counters).
    """
    exponents: dict[str, int] = {}
    for sf_point in register_map.points:
        if sf_point.role != PointRole.SCALE_FACTOR:
            continue
        users = [p for p in register_map.points if p.scale_factor_point == sf_point.name]
        exponent = -3
        for user in users:
            largest = max(abs(user.valid_max or 1e7), abs(user.valid_min or 0))
            while largest / (user.scale * 10.0**exponent) > user.type.raw_max and exponent < 9:
                exponent += 1
        exponents[sf_point.name] = exponent
    return exponents


class DeviceImage:
    """Holding and input register contents of one simulated device."""

    def __init__(self, register_map: RegisterMap):
        self.register_map = register_map
        self.sf_exponents = choose_scale_factor_exponents(register_map)
        self.spans: dict[Table, tuple[int, int]] = {}
        for table in Table:
            points = [p for p in register_map.points if p.table == table]
            if points:
                self.spans[table] = (min(p.address for p in points),
                                     max(p.end_address for p in points))
        self.registers: dict[Table, list[int]] = {
            table: [0] * (end - start) for table, (start, end) in self.spans.items()
        }
        # Added to cumulative points (engineering units) after a replacement or rollover fault.
        self.counter_offsets: dict[str, float] = {}
        self.clock_offset_s = 0.0
        # what each point's registers were last encoded from (the reported value): a twin
        # read every few seconds repeats most values, and encoding is the image's whole cost
        self._encoded_from: dict[str, float | None] = {}
        for sf_name, exponent in self.sf_exponents.items():
            self._store(register_map.point(sf_name), registers_from_raw(
                register_map.point(sf_name).type, exponent, register_map.word_order,
                register_map.byte_order))

    def _store(self, point: Point, registers: list[int]) -> None:
        start, _ = self.spans[point.table]
        offset = point.address - start
        self.registers[point.table][offset: offset + len(registers)] = registers

    def _exponent(self, point: Point) -> int | None:
        if point.scale_factor_point is None:
            return None
        return self.sf_exponents[point.scale_factor_point]

    def counter_wrap(self, point: Point) -> float:
        """The engineering value at which a cumulative point wraps back to zero."""
        return (point.type.raw_max + 1) * multiplier(point, self._exponent(point))

    def reported_value(self, point: Point, value: float | None) -> float | None:
        """What the device's registers say for a true value (offsets, clock jump applied)."""
        if value is None:
            return None
        if point.cumulative:
            value = (value + self.counter_offsets.get(point.name, 0.0)) % self.counter_wrap(point)
        elif point.name == "device_time_unix_s":
            value += self.clock_offset_s
        return value

    def update(self, values: dict[str, float | None]) -> None:
        """Refresh every point from the twin (setpoints too: the twin knows what is in force)."""
        for point in self.register_map.points:
            if point.role == PointRole.SCALE_FACTOR or point.name not in values:
                continue
            value = self.reported_value(point, values[point.name])
            if point.name in self._encoded_from and self._encoded_from[point.name] == value:
                continue  # the same value encodes to the same registers (NaN never matches)
            self._store(point, self._encode(point, value))
            self._encoded_from[point.name] = value

    def _encode(self, point: Point, value: float | None) -> list[int]:
        if value is not None and point.cumulative and not point.type.is_float:
            # A counter register holds the value modulo its range, never an overflow error.
            raw = raw_for_value_wrapped(point, value, self._exponent(point))
            return registers_from_raw(point.type, raw, self.register_map.word_order_of(point),
                                      self.register_map.byte_order_of(point))
        if value is not None and not point.type.is_float and point.not_available is None:
            value = _clamp_to_type(point, value, self._exponent(point))
        elif value is not None and not point.type.is_float:
            value = _clamp_to_type(point, value, self._exponent(point), avoid_sentinel=True)
        if value is None and point.not_available is None and not point.type.is_float:
            value = 0.0
        return encode_point(self.register_map, point, value, self._exponent(point))

    def apply_write(self, table: Table, address: int, registers: list[int]
                    ) -> dict[str, float]:
        """Decode a write into engineering values of the writable points it covers.

        Raises ValueError for a write that touches a non-writable register or is outside the
        point's write bounds (the device answers ILLEGAL DATA VALUE).
        """
        start, end = self.spans.get(table, (0, 0))
        if not (start <= address and address + len(registers) <= end):
            raise ValueError("write outside the device's register range")
        image = list(self.registers[table])
        image[address - start: address - start + len(registers)] = registers
        written: dict[str, float] = {}
        for point in self.register_map.points:
            if point.table != table:
                continue
            if point.end_address <= address or point.address >= address + len(registers):
                continue
            if not point.writable:
                raise ValueError(f"point {point.name!r} is not writable")
            regs = image[point.address - start: point.end_address - start]
            raw = raw_from_registers(point.type, regs, self.register_map.word_order_of(point),
                                     self.register_map.byte_order_of(point))
            value = float(raw) * multiplier(point, self._exponent(point))
            low, high = point.write_min, point.write_max  # both set: the map validates it
            if math.isnan(value) or not (low <= value <= high):  # type: ignore[operator]
                raise ValueError(f"{point.name} = {value:g} outside [{low}, {high}]")
            written[point.name] = value
        self.registers[table] = image
        self._encoded_from.clear()  # the written registers no longer hold what was encoded
        return written

    def read(self, table: Table, address: int, count: int) -> list[int]:
        start, _ = self.spans[table]
        return self.registers[table][address - start: address - start + count]


def raw_for_value_wrapped(point: Point, value: float, exponent: int | None) -> int:
    raw = round(value / multiplier(point, exponent))
    return raw % (point.type.raw_max + 1)


def _clamp_to_type(point: Point, value: float, exponent: int | None,
                   avoid_sentinel: bool = False) -> float:
    """Saturate like a real device does instead of overflowing its register."""
    factor = multiplier(point, exponent)
    low = point.type.raw_min
    high = point.type.raw_max
    if avoid_sentinel and point.not_available is not None:
        sentinel = int(point.not_available)
        if sentinel in (high, (1 << (16 * point.type.register_count)) - 1):
            high -= 1
        if point.type.is_signed and sentinel == (1 << (16 * point.type.register_count - 1)):
            low += 1
    raw = raw_for_value_saturating(value / factor, low, high)
    return raw * factor


def raw_for_value_saturating(scaled: float, low: int, high: int) -> int:
    return int(min(max(round(scaled), low), high))


