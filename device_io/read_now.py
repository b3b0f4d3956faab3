"""Read one device now and show every point as the harvester would land it, with the raw
registers behind it: what a platform engineer looks at to commission a new device or model.

The same session, read plan, splitting of refused reads and codec as the harvester; no state
(nothing planned around, nothing remembered) and nothing landed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from device_io.block_reads import BlockOutcome, device_values, failed_value
from device_io.clock import WallClock
from device_io.codec import (
    Quality,
    ReadBlock,
    exponent_of_scale_factor,
    is_not_available,
    not_available_detail,
    raw_from_registers,
)
from device_io.poller import EndpointSession, PollTarget
from jobs.common.register_map import Point, PointRole, RegisterMap
from jobs.common.settings import Settings


@dataclass(frozen=True)
class PointReadout:
    point: str
    table: str
    address: int
    type: str
    registers: list[str]  # as read, hex, in address order; empty when not read
    raw: int | float | None
    scale: str  # what multiplies raw: "0.001", "1 × 10^-2 (v_sf)"
    unit: str
    value: float | None
    quality: str
    detail: str | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DeviceReadout:
    device_id: str
    register_map: str
    host: str
    port: int
    unit_id: int
    ts_utc: str
    requests: int
    points: list[PointReadout]
    unserved: list[dict]  # the ranges found not served, as the harvest state would keep them

    def as_dict(self) -> dict:
        return {**asdict(self), "points": [p.as_dict() for p in self.points]}


async def read_device_now(settings: Settings, device_id: str, *, host: str | None = None,
                          port: int | None = None, unit_id: int | None = None,
                          timeout_s: float | None = None) -> DeviceReadout:
    """Every point of the device's map, read now (ValueError for a device not configured)."""
    try:
        device = settings.park.device(device_id)
    except KeyError:
        raise ValueError(f"unknown device {device_id!r}") from None
    overrides = {"host": host, "port": port, "unit_id": unit_id, "timeout_s": timeout_s}
    device = device.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    register_map = settings.register_maps[device.register_map]
    target = PollTarget.build(device, register_map)
    harvest = settings.park.harvest
    session = EndpointSession(device.host, device.port, [target],
                              device.timeout_s or harvest.timeout_s, harvest)
    ts = WallClock().now()
    try:
        reads = await session.read_plan(target, target.plan())
    finally:
        session.close()
    registers = _registers_by_point(reads.pieces)
    values = device_values(register_map, target.decoder, reads)
    points = [_readout(register_map, point, registers, values, reads.failed)
              for point in sorted(register_map.points, key=lambda p: (p.table, p.address))]
    unserved = [{"table": r.table.value, "start": r.start, "end": r.end}
                for r in reads.learned_unserved]
    return DeviceReadout(device.id, register_map.model, device.host, device.port,
                         device.unit_id, ts.isoformat(), reads.requests, points, unserved)


def _registers_by_point(pieces: list[tuple[ReadBlock, list[int]]]) -> dict[str, list[int]]:
    return {slot.point.name: registers[slot.offset: slot.offset + slot.point.register_count]
            for block, registers in pieces for slot in block.slots}


def _raw(register_map: RegisterMap, point: Point, registers: list[int] | None
         ) -> int | float | None:
    if registers is None:
        return None
    return raw_from_registers(point.type, registers, register_map.word_order_of(point),
                              register_map.byte_order_of(point))


def _readout(register_map: RegisterMap, point: Point, registers: dict[str, list[int]],
             values: dict, failed: dict[str, BlockOutcome]) -> PointReadout:
    own = registers.get(point.name)
    raw = _raw(register_map, point, own)
    if point.role == PointRole.SCALE_FACTOR:
        value, quality, detail = _scale_factor_value(point, raw, failed)
    else:
        decoded = values[point.name]
        value, quality, detail = decoded.value, decoded.quality.value, decoded.detail
    return PointReadout(
        point=point.name, table=point.table.value, address=point.address,
        type=point.type.value, registers=[f"0x{r:04X}" for r in own or []], raw=raw,
        scale=_scale_text(register_map, point, registers), unit=point.unit, value=value,
        quality=quality, detail=detail)


def _scale_factor_value(point: Point, raw: int | float | None, failed: dict[str, BlockOutcome]
                        ) -> tuple[float | None, str, str | None]:
    """A scale factor's exponent, judged as the codec judges it for the points it scales."""
    if raw is None:
        decoded = failed_value(point, failed)
        return None, decoded.quality.value, decoded.detail
    exponent = exponent_of_scale_factor(point, raw)
    if exponent is None:
        return None, Quality.INVALID.value, (not_available_detail(point)
                                             if is_not_available(point, raw)
                                             else f"scale factor {raw} unusable")
    return float(exponent), Quality.GOOD.value, None


def _scale_text(register_map: RegisterMap, point: Point, registers: dict[str, list[int]]
                ) -> str:
    if point.role == PointRole.SCALE_FACTOR:
        return "exponent"
    if point.scale_factor_point is None:
        return f"{point.scale:g}"
    sf_point = register_map.point(point.scale_factor_point)
    sf_raw = _raw(register_map, sf_point, registers.get(sf_point.name))
    exponent = None if sf_raw is None else exponent_of_scale_factor(sf_point, sf_raw)
    power = "?" if exponent is None else f"{exponent}"
    return f"{point.scale:g} × 10^{power} ({sf_point.name})"
