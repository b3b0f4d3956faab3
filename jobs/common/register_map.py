"""Register maps as data: one YAML per device model, validated into typed models.

A map says, for every point of a device model, where it lives (table, address), how its registers
turn into a number (type, word/byte order, fixed scale or SunSpec-style scale-factor register),
what raw value means "not available", the plausible range of a good reading, and whether the
platform may write it (with bounds). Nothing else in the project holds a register address.
"""

from __future__ import annotations

import math
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from jobs.common.config_errors import ConfigError
from jobs.common.config_load import MAX_REGISTER_MAP_BYTES, load_yaml_model
from jobs.common.config_types import Integer, Number, refuse_bool

MODBUS_MAX_REGISTERS_PER_READ = 125
MODBUS_LAST_ADDRESS = 65535
POINT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class Table(StrEnum):
    HOLDING = "holding"
    INPUT = "input"


class DataType(StrEnum):
    U16 = "u16"
    S16 = "s16"
    U32 = "u32"
    S32 = "s32"
    F32 = "f32"
    U64 = "u64"
    S64 = "s64"
    F64 = "f64"

    # Looked up, not recomputed: the twin's register images ask these about a million
    # times a simulated day.
    @property
    def register_count(self) -> int:
        return _REGISTER_COUNT[self]

    @property
    def is_float(self) -> bool:
        return self in _FLOATS

    @property
    def float_max(self) -> float:
        """The largest finite value of a float type (IEEE 754 binary32 / binary64)."""
        return 3.4028234663852886e38 if self.register_count == 2 else sys.float_info.max

    @property
    def is_signed(self) -> bool:
        return self in _SIGNED

    @property
    def raw_min(self) -> int:
        return _RAW_RANGE[self][0]

    @property
    def raw_max(self) -> int:
        return _RAW_RANGE[self][1]


_REGISTER_COUNT = {t: {"16": 1, "32": 2, "64": 4}[t.value[1:]] for t in DataType}
_FLOATS = frozenset(t for t in DataType if t.value.startswith("f"))
_SIGNED = frozenset(t for t in DataType if t.value.startswith("s"))
_RAW_RANGE = {t: ((-(1 << (16 * _REGISTER_COUNT[t] - 1)), (1 << (16 * _REGISTER_COUNT[t] - 1)) - 1)
                  if t.value.startswith("s") else (0, (1 << (16 * _REGISTER_COUNT[t])) - 1))
              for t in DataType}


class Order(StrEnum):
    BIG = "big"
    LITTLE = "little"


# A raw "not available" value: an integer, or NaN for float types (the one float that may be NaN).
Sentinel = Annotated[int | Annotated[float, AllowInfNan(True)], BeforeValidator(refuse_bool)]


class PointRole(StrEnum):
    MEASUREMENT = "measurement"  # landed as a reading
    SCALE_FACTOR = "scale_factor"  # a SunSpec *_SF register: read to decode others, not landed
    SETPOINT = "setpoint"  # a writable command register; its read-back is landed too


class Point(BaseModel):
    """One named quantity of a device model."""

    # No NaN or infinity in any float field (not_available says otherwise for itself).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str
    table: Table
    address: Annotated[Integer, Field(ge=0, le=MODBUS_LAST_ADDRESS)]
    type: DataType
    unit: str = ""
    description: str = ""
    role: PointRole = PointRole.MEASUREMENT
    # Engineering value = raw * scale * 10 ** (scale-factor register), unless the type is float
    # and no scale is given.
    scale: Number = 1.0
    scale_factor_point: str | None = None
    word_order: Order | None = None  # None: the map's default
    byte_order: Order | None = None
    # Raw value meaning "not available" (SunSpec 0x8000, 0xFFFF, ...); `nan` for float types.
    not_available: Sentinel | None = None
    # Plausible range of a good reading, in engineering units; outside it the reading is invalid.
    valid_min: Number | None = None
    valid_max: Number | None = None
    writable: bool = False
    write_min: Number | None = None
    write_max: Number | None = None
    # Counters: the raw value wraps to 0 past the type's maximum; the warehouse must difference
    # across a rollover, so the map says so explicitly.
    cumulative: bool = False
    # Devices of this model may lack the point (a SunSpec model or point the standard marks
    # optional): not serving it, or answering its not_available sentinel, lands as `invalid`,
    # detail "not implemented", and does not count against the device.
    optional: bool = False

    @field_validator("name")
    @classmethod
    def _snake_case(cls, name: str) -> str:
        if not POINT_NAME_PATTERN.match(name):
            raise ValueError(f"point name {name!r} must be snake_case (a-z, 0-9, _)")
        return name

    @model_validator(mode="after")
    def _coherent(self) -> Point:
        if self.writable:
            if self.table != Table.HOLDING:
                raise ValueError(f"point {self.name!r}: only holding registers can be writable")
            if self.write_min is None or self.write_max is None:
                raise ValueError(
                    f"point {self.name!r} is writable but has no write bounds "
                    "(write_min and write_max are required)"
                )
            if self.write_min > self.write_max:
                raise ValueError(f"point {self.name!r}: write_min > write_max")
            self._check_write_bounds_fit_the_type()
        if self.role == PointRole.SCALE_FACTOR and self.type != DataType.S16:
            raise ValueError(f"scale-factor point {self.name!r} must be s16")
        if self.scale == 0:
            raise ValueError(f"point {self.name!r}: scale must not be 0")
        if self.end_address > MODBUS_LAST_ADDRESS + 1:
            raise ValueError(
                f"point {self.name!r}: a {self.type.value} at address {self.address} needs "
                f"registers {self.address}..{self.end_address - 1}, past the last Modbus "
                f"address {MODBUS_LAST_ADDRESS}"
            )
        if (
            self.valid_min is not None
            and self.valid_max is not None
            and self.valid_min > self.valid_max
        ):
            raise ValueError(f"point {self.name!r}: valid_min > valid_max")
        if self.not_available is not None and not self.type.is_float:
            if isinstance(self.not_available, float):
                raise ValueError(
                    f"point {self.name!r}: an integer type needs an integer not_available"
                )
            if not (self.type.raw_min <= self.not_available <= self.type.raw_max):
                # Sentinels are often written as unsigned hex (0x8000) for signed types.
                bits = 16 * self.type.register_count
                if not (0 <= self.not_available < (1 << bits)):
                    raise ValueError(
                        f"point {self.name!r}: not_available {self.not_available} does not fit "
                        f"{self.type.value}"
                    )
        return self

    def _check_write_bounds_fit_the_type(self) -> None:
        """A bound the register cannot hold would be refused by the codec at write time (or, for
        a float, written as infinity): refuse it in the map. Points scaled by a scale-factor
        register are checked by the codec at write time, when the exponent is known."""
        if self.scale_factor_point is not None:
            return
        assert self.write_min is not None and self.write_max is not None
        for bound in (self.write_min, self.write_max):
            raw = bound / self.scale
            if self.type.is_float:
                fits = math.isfinite(raw) and abs(raw) <= self.type.float_max
            else:
                fits = math.isfinite(raw) and self.type.raw_min <= round(raw) <= self.type.raw_max
            if not fits:
                raise ValueError(
                    f"point {self.name!r}: write bound {bound:g} {self.unit} is raw {raw:g} at "
                    f"scale {self.scale:g}, outside what {self.type.value} holds "
                    f"({self.type.raw_min}..{self.type.raw_max})" if not self.type.is_float else
                    f"point {self.name!r}: write bound {bound:g} {self.unit} is outside what "
                    f"{self.type.value} holds at scale {self.scale:g}"
                )

    @property
    def register_count(self) -> int:
        return self.type.register_count

    @property
    def end_address(self) -> int:
        """One past the last register this point occupies."""
        return self.address + self.register_count


class RegisterMap(BaseModel):
    """A device model's full register map."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: str
    description: str = ""
    device_kinds: list[str]  # the DeviceKinds (config) this model can serve as
    word_order: Order = Order.BIG
    byte_order: Order = Order.BIG
    # Largest request the device accepts, and the largest unmapped gap a single read may span
    # (devices differ: some answer zeros in gaps, some raise ILLEGAL ADDRESS).
    max_registers_per_read: Annotated[Integer, Field(ge=1, le=MODBUS_MAX_REGISTERS_PER_READ)] = (
        MODBUS_MAX_REGISTERS_PER_READ
    )
    max_gap_registers: Annotated[Integer, Field(ge=0, le=MODBUS_MAX_REGISTERS_PER_READ)] = 0
    points: list[Point]
    # Points that change on every poll of a live device (its clock, noisy analog values). When
    # all of them repeat for several cycles the device is frozen. Empty: no frozen detection,
    # because an idle device (a charger with no car) legitimately repeats its whole image.
    heartbeat_points: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> RegisterMap:
        seen: dict[str, Point] = {}
        for point in self.points:
            if point.name in seen:
                raise ValueError(f"duplicate point name {point.name!r}")
            seen[point.name] = point
        for name in self.heartbeat_points:
            if name not in seen:
                raise ValueError(f"heartbeat point {name!r} is not a point of this map")
        for point in self.points:
            if point.scale_factor_point is not None:
                sf = seen.get(point.scale_factor_point)
                if sf is None:
                    raise ValueError(
                        f"point {point.name!r}: scale_factor_point "
                        f"{point.scale_factor_point!r} is not a point of this map"
                    )
                if sf.role != PointRole.SCALE_FACTOR:
                    raise ValueError(
                        f"point {point.name!r}: {sf.name!r} is used as a scale factor but its "
                        "role is not scale_factor"
                    )
            if point.register_count > self.max_registers_per_read:
                raise ValueError(f"point {point.name!r} is larger than one read")
        for table in Table:
            in_table = sorted(
                (p for p in self.points if p.table == table), key=lambda p: p.address
            )
            for before, after in zip(in_table, in_table[1:], strict=False):
                if after.address < before.end_address:
                    raise ValueError(
                        f"registers overlap in {table.value} table: {before.name!r} "
                        f"({before.address}..{before.end_address - 1}) and {after.name!r} "
                        f"({after.address}..{after.end_address - 1})"
                    )
        return self

    def has_point(self, name: str) -> bool:
        return any(point.name == name for point in self.points)

    def point(self, name: str) -> Point:
        for point in self.points:
            if point.name == name:
                return point
        raise KeyError(f"register map {self.model!r} has no point {name!r}")

    def word_order_of(self, point: Point) -> Order:
        return point.word_order or self.word_order

    def byte_order_of(self, point: Point) -> Order:
        return point.byte_order or self.byte_order

    @property
    def landed_points(self) -> list[Point]:
        return [p for p in self.points if p.role != PointRole.SCALE_FACTOR]

    @property
    def writable_points(self) -> list[Point]:
        return [p for p in self.points if p.writable]


def load_register_map(path: Path) -> RegisterMap:
    """Read and validate one register map; errors name the file and the path inside it."""
    register_map = load_yaml_model(path, RegisterMap, "register map", MAX_REGISTER_MAP_BYTES)
    if register_map.model != path.stem:
        raise ConfigError(
            f"{path}: model {register_map.model!r} must equal the file name {path.stem!r}"
        )
    return register_map


def load_register_maps(directory: Path) -> dict[str, RegisterMap]:
    """All maps in a folder, keyed by model name (= file stem)."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: register map folder does not exist")
    maps = {path.stem: load_register_map(path) for path in sorted(directory.glob("*.yaml"))}
    if not maps:
        raise ConfigError(f"{directory}: no register maps (*.yaml) found")
    return maps


def is_nan(value: float | int | None) -> bool:
    return isinstance(value, float) and math.isnan(value)


__all__ = [
    "DataType",
    "Order",
    "Point",
    "PointRole",
    "RegisterMap",
    "Table",
    "load_register_map",
    "load_register_maps",
]
