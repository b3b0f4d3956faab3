"""Reading and writing named points of one device at a time: the setpoint writer's transport.

`PointIO` is what the writer needs. `ModbusPointIO` does it over Modbus TCP with the harvester's
endpoint sessions and the one codec, so a value is written exactly as it is read. `TwinPointIO`
does it on an in-process twin (the accelerated closed loop, no network), reading through the
register images the simulator serves, so both give the same numbers. Both refuse what the
register map forbids before anything leaves the process (the writer checks too, but the
transport is the last line), and both quantise a value to what its register can hold.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from device_io.codec import (
    DecodedValue,
    Quality,
    ReadBlock,
    encode_point,
    engineering_value,
    exponent_of_scale_factor,
    raw_from_registers,
)
from device_io.poller import EndpointSession, PollTarget, ReadPlan, endpoint_sessions
from device_io.simulator.image import DeviceImage
from jobs.common.register_map import Point, PointRole, RegisterMap
from jobs.common.settings import Settings

if TYPE_CHECKING:
    from device_io.simulator.twin import ParkTwin

_Device = TypeVar("_Device")


class PointIOError(Exception):
    """The device cannot be reached at all (not: a point it cannot or will not give)."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    ok: bool
    detail: str
    # The value as the register holds it (24.37 degC on a 0.1 register: 24.4); None when
    # nothing was acknowledged.
    written: float | None = None


class PointIO(Protocol):
    async def read_points(self, device_id: str, points: list[str]) -> dict[str, float | None]:
        """Engineering values of the named points (scales, scale factors and sentinels applied).

        None for a point that could not be read, is not available, or is outside the map's
        plausible range. Raises PointIOError only when the device cannot be reached at all,
        ValueError for a device or point the configuration does not have."""
        ...

    async def write_point(self, device_id: str, point: str, value: float) -> WriteResult:
        """Write one point; ValueError, before any I/O, for what the map forbids.

        A device's refusal, a timeout or a lost connection is `ok=False` with why, never an
        exception. `ok=True` means acknowledged, not verified: read it back."""
        ...

    async def close(self) -> None: ...


def writable_point(register_map: RegisterMap, device_id: str, name: str, value: float) -> Point:
    """The map's point for a write the map allows (writable, finite, within write bounds)."""
    point = _point(register_map, device_id, name)
    if not point.writable:
        raise ValueError(f"{device_id}: point {name!r} is not writable")
    low, high = point.write_min, point.write_max  # both set: the map validates writable points
    if not (math.isfinite(value) and low <= value <= high):  # type: ignore[operator]
        raise ValueError(f"{device_id}: {name} = {value} {point.unit} is outside the map's "
                         f"write bounds [{low:g}, {high:g}]")
    return point


def quantised(register_map: RegisterMap, point: Point, value: float,
              scale_factor_exponent: int | None) -> float:
    """The value as the point's register holds it: encoded, then decoded with the codec."""
    registers = encode_point(register_map, point, value, scale_factor_exponent)
    return _decoded(register_map, point, registers, scale_factor_exponent)


def _decoded(register_map: RegisterMap, point: Point, registers: list[int],
             scale_factor_exponent: int | None) -> float:
    raw = raw_from_registers(point.type, registers, register_map.word_order_of(point),
                             register_map.byte_order_of(point))
    return engineering_value(point, raw, scale_factor_exponent)


def _known(devices: dict[str, _Device], device_id: str) -> _Device:
    try:
        return devices[device_id]
    except KeyError:
        raise ValueError(f"unknown device {device_id!r}") from None


def _point(register_map: RegisterMap, device_id: str, name: str) -> Point:
    try:
        return register_map.point(name)
    except KeyError:
        raise ValueError(f"{device_id}: map {register_map.model} has no point {name!r}") from None


def _blocks_holding(target: PollTarget, names: list[str]) -> set[int]:
    """Indexes of the device's read blocks that hold the named points and their scale factors."""
    needed: set[int] = set()
    for name in names:
        point = _point(target.register_map, target.device.id, name)
        if point.role == PointRole.SCALE_FACTOR:
            raise ValueError(f"{target.device.id}: {name!r} is a scale-factor register, "
                             "not a value")
        needed.add(target.block_of_point[name])
        if point.scale_factor_point is not None:
            needed.add(target.block_of_point[point.scale_factor_point])
    return needed


def _good_values(decoded: dict[str, DecodedValue], names: list[str]) -> dict[str, float | None]:
    """A value the decoder does not call good is not one to act on: None."""
    values: dict[str, float | None] = {}
    for name in names:
        value = decoded.get(name)
        values[name] = value.value if value is not None and value.quality == Quality.GOOD \
            else None
    return values


class _NotWritten(Exception):
    """Why a write was not sent or not acknowledged (becomes WriteResult(ok=False))."""


class ModbusPointIO:
    """PointIO over Modbus TCP to the configured devices.

    One connection per endpoint (host, port), opened on first use and kept until close(); the
    harvester's timeouts (the device's or the park's) and read retries. An endpoint's requests
    are serialised, and a write holds its endpoint from the scale-factor read to the write.
    Writes are not retried: after a missed reply only a read-back tells whether it landed.
    """

    def __init__(self, settings: Settings):
        park = settings.park
        self._sessions = endpoint_sessions(list(park.devices), settings.register_maps,
                                           park.harvest)
        self._routes = {target.device.id: (session, target)
                        for session in self._sessions for target in session.targets}
        # Modbus allows one outstanding request per connection.
        self._locks = {session: asyncio.Lock() for session in self._sessions}

    async def read_points(self, device_id: str, points: list[str]) -> dict[str, float | None]:
        session, target = _known(self._routes, device_id)
        needed = _blocks_holding(target, points)
        blocks = [target.decoder.blocks[index] for index in sorted(needed)]
        async with self._locks[session]:
            # Split down to what the device serves, like the harvester: an inverter without
            # model 123 still gives its power.
            reads = await session.read_plan(target, ReadPlan(blocks))
        if reads.transport_failure is not None and not reads.pieces:
            raise PointIOError(f"{device_id} at {session.host}:{session.port}: "
                               f"{reads.transport_failure.detail}")
        return _good_values(target.decoder.decode_reads(reads.pieces), points)

    async def write_point(self, device_id: str, point: str, value: float) -> WriteResult:
        session, target = _known(self._routes, device_id)
        spec = writable_point(target.register_map, device_id, point, value)
        try:
            async with self._locks[session]:
                held = await self._write(session, target, spec, value)
        except _NotWritten as exc:
            return WriteResult(False, str(exc))
        return WriteResult(True, "acknowledged by the device", held)

    async def _write(self, session: EndpointSession, target: PollTarget, point: Point,
                     value: float) -> float:
        """Write and return the value as the register holds it; _NotWritten says why not."""
        register_map, unit_id = target.register_map, target.device.unit_id
        exponent = None
        if point.scale_factor_point is not None:
            sf_point = register_map.point(point.scale_factor_point)
            exponent = await _read_scale_factor(session, unit_id, register_map, sf_point)
        try:
            registers = encode_point(register_map, point, value, exponent)
        except ValueError as exc:  # the device's scale factor cannot express the value
            raise _NotWritten(str(exc)) from exc
        outcome = await session.write_registers(unit_id, point.address, registers)
        if outcome.quality != Quality.GOOD:
            raise _NotWritten(outcome.detail or outcome.quality.value)
        return _decoded(register_map, point, registers, exponent)

    async def close(self) -> None:
        for session in self._sessions:
            session.close()


async def _read_scale_factor(session: EndpointSession, unit_id: int, register_map: RegisterMap,
                             sf_point: Point) -> int:
    """The exponent the device uses now: SunSpec devices may choose theirs at start-up."""
    block = ReadBlock(sf_point.table, sf_point.address, sf_point.register_count, ())
    outcome = await session.read_block(unit_id, block)
    if outcome.registers is None:
        raise _NotWritten(f"scale factor {sf_point.name} not read: {outcome.detail}")
    raw = raw_from_registers(sf_point.type, outcome.registers,
                             register_map.word_order_of(sf_point),
                             register_map.byte_order_of(sf_point))
    exponent = exponent_of_scale_factor(sf_point, raw)
    if exponent is None:
        raise _NotWritten(f"scale factor {sf_point.name} = {raw} is unusable")
    return exponent


class TwinPointIO:
    """PointIO straight on an in-process twin.

    Reads pass through the register image the simulator would serve (the same quantisation,
    sentinels and scale factors), writes reach the twin quantised as a register would hold
    them, so a closed loop on the twin sees what it would see over Modbus, faults aside.
    """

    def __init__(self, twin: ParkTwin, register_maps: dict[str, RegisterMap]):
        self.twin = twin
        self._devices = {
            device.id: (PollTarget.build(device, register_maps[device.register_map]),
                        DeviceImage(register_maps[device.register_map]))
            for device in twin.park.devices}

    async def read_points(self, device_id: str, points: list[str]) -> dict[str, float | None]:
        target, image = _known(self._devices, device_id)
        needed = _blocks_holding(target, points)
        image.update(self.twin.point_values(device_id))
        registers = [image.read(block.table, block.start, block.count) if index in needed
                     else None for index, block in enumerate(target.decoder.blocks)]
        return _good_values(target.decoder.decode(registers), points)

    async def write_point(self, device_id: str, point: str, value: float) -> WriteResult:
        target, image = _known(self._devices, device_id)
        spec = writable_point(target.register_map, device_id, point, value)
        exponent = (image.sf_exponents[spec.scale_factor_point]
                    if spec.scale_factor_point is not None else None)
        try:
            held = quantised(target.register_map, spec, value, exponent)
            self.twin.write_point(device_id, point, held)
        except ValueError as exc:  # what the simulated device answers with ILLEGAL VALUE
            return WriteResult(False, str(exc))
        return WriteResult(True, "applied to the twin", held)

    async def close(self) -> None:
        return None


__all__ = ["ModbusPointIO", "PointIO", "PointIOError", "TwinPointIO", "WriteResult",
           "quantised", "writable_point"]
