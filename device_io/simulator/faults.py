"""Which faults each simulated device has right now, from config windows and live injection.

Transport faults (timeout, refuse, drop, exception) are acted out by the Modbus server; value
faults (garbage, frozen) by the register image; one-off events (rollover, meter replaced,
clock jump) change the image's counter offsets or clock once, when they begin. Write faults
(ignore, reject) are acted out by the server on writes only, so readings never show them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from device_io.simulator.image import DeviceImage
from jobs.common.park_config import FaultInjection, FaultKind

TRANSPORT_FAULTS = frozenset({FaultKind.TIMEOUT, FaultKind.REFUSE, FaultKind.DROP,
                              FaultKind.EXCEPTION})
EVENT_FAULTS = frozenset({FaultKind.ROLLOVER, FaultKind.REPLACED, FaultKind.CLOCK_JUMP})
WRITE_FAULTS = frozenset({FaultKind.IGNORE_WRITES, FaultKind.REJECT_WRITES})


@dataclass
class FaultChange:
    device_id: str
    kind: FaultKind
    started: bool  # False: the fault ended
    clock_jump_s: float = 0.0


@dataclass
class FaultBook:
    """Active faults per device; `refresh(now)` reports what began or ended since last time."""

    scheduled: list[FaultInjection] = field(default_factory=list)
    _injected: dict[tuple[str, FaultKind], float] = field(default_factory=dict)
    _active: dict[tuple[str, FaultKind], float] = field(default_factory=dict)

    def inject(self, device_id: str, kind: FaultKind, clock_jump_s: float = 3600.0) -> None:
        """Switch a fault on until cleared (tests, the CLI)."""
        self._injected[(device_id, kind)] = clock_jump_s

    def clear(self, device_id: str, kind: FaultKind | None = None) -> None:
        for key in list(self._injected):
            if key[0] == device_id and (kind is None or key[1] == kind):
                del self._injected[key]

    def _wanted(self, now_utc: dt.datetime) -> dict[tuple[str, FaultKind], float]:
        wanted = dict(self._injected)
        for fault in self.scheduled:
            started = fault.start is None or _utc(fault.start) <= now_utc
            not_ended = fault.end is None or now_utc < _utc(fault.end)
            if started and not_ended:
                wanted[(fault.device_id, fault.kind)] = fault.clock_jump_s
        return wanted

    def refresh(self, now_utc: dt.datetime) -> list[FaultChange]:
        wanted = self._wanted(now_utc)
        changes = [FaultChange(device, kind, True, jump)
                   for (device, kind), jump in wanted.items() if (device, kind) not in self._active]
        changes += [FaultChange(device, kind, False, jump)
                    for (device, kind), jump in self._active.items()
                    if (device, kind) not in wanted]
        self._active = wanted
        return changes

    def active(self, device_id: str) -> frozenset[FaultKind]:
        return frozenset(kind for (device, kind) in self._active if device == device_id)

    def has(self, device_id: str, kind: FaultKind) -> bool:
        return (device_id, kind) in self._active


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def apply_event(image: DeviceImage, change: FaultChange,
                true_values: Callable[[], dict[str, float | None]]) -> None:
    """Act out a one-off fault event on a device's registers.

    Rollover: counters jump to one unit (kWh, Nm3) below their wrap, so a loaded meter rolls
    over within minutes. Replaced: counters restart near zero. Clock jump: the device clock is
    off by the configured seconds while the fault lasts. Frozen: the registers stop at what
    they showed when the firmware hung.
    """
    if change.kind == FaultKind.FROZEN and change.started:
        image.update(true_values())
        return
    if change.kind == FaultKind.CLOCK_JUMP:
        image.clock_offset_s = change.clock_jump_s if change.started else 0.0
        return
    if not change.started or change.kind not in (FaultKind.ROLLOVER, FaultKind.REPLACED):
        return
    values = true_values()
    for point in image.register_map.points:
        true_value = values.get(point.name)
        if not point.cumulative or true_value is None:
            continue
        if change.kind == FaultKind.ROLLOVER:
            image.counter_offsets[point.name] = image.counter_wrap(point) - 1.0 - true_value
        else:
            image.counter_offsets[point.name] = 0.5 - true_value
