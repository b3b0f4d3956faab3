"""What the harvester remembers between cycles: back-off, frozen-value evidence and the
register ranges a device does not serve, per device.

Scheduled harvests may run each cycle in a fresh process, so this state lives in a small JSON
file beside the landing zone (one per poll-group set), replaced atomically after each cycle.
Losing it is harmless: a device is merely retried at once, frozen detection starts over and
unserved ranges are found again by splitting the first refused read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import fsspec

from device_io.codec import AddressRange, merged_ranges
from jobs.common.landing import write_atomically
from jobs.common.register_map import Table

# Firmware updates add registers: a device's unserved ranges are asked for again this often.
REPROBE_UNSERVED_AFTER_S = 3600.0


@dataclass
class DeviceState:
    consecutive_failures: int = 0
    backoff_until_unix_s: float | None = None
    heartbeat: list[float] | None = None  # last heartbeat values seen
    heartbeat_repeats: int = 0  # consecutive polls that repeated them
    heartbeat_since_unix_s: float | None = None  # when they were first seen
    last_polled_unix_s: float | None = None  # start of the last cycle that handled the device
    # Registers the device refused with ILLEGAL DATA ADDRESS: [{"table", "start", "end"}], end
    # exclusive; reads are planned around them until the next probe.
    unserved: list[dict] = field(default_factory=list)
    unserved_probed_unix_s: float | None = None  # when a full read last found them

    def record_success(self) -> None:
        self.consecutive_failures = 0
        self.backoff_until_unix_s = None

    def record_transport_failure(self, now_unix_s: float, initial_s: float, max_s: float) -> None:
        self.consecutive_failures += 1
        delay_s = min(initial_s * 2 ** (self.consecutive_failures - 1), max_s)
        self.backoff_until_unix_s = now_unix_s + delay_s

    def backed_off(self, now_unix_s: float) -> bool:
        return self.backoff_until_unix_s is not None and now_unix_s < self.backoff_until_unix_s

    def unserved_to_plan_around(self, now_unix_s: float) -> tuple[AddressRange, ...]:
        """The known unserved ranges, or none when it is time to probe them again."""
        if not self.unserved or (now_unix_s - (self.unserved_probed_unix_s or 0.0)
                                 >= REPROBE_UNSERVED_AFTER_S):
            return ()
        return tuple(AddressRange(Table(r["table"]), int(r["start"]), int(r["end"]))
                     for r in self.unserved)

    def record_unserved(self, planned_around: tuple[AddressRange, ...],
                        learned: list[AddressRange], now_unix_s: float) -> None:
        """After a poll that reached the device: a full read (first poll, re-probe) replaces
        what was known; a read planned around known ranges can only add to them."""
        if not learned and not planned_around and not self.unserved:
            return  # the common case: a device that serves everything
        ranges = merged_ranges([*planned_around, *learned])
        if not planned_around:
            self.unserved_probed_unix_s = now_unix_s if ranges else None
        self.unserved = [{"table": r.table.value, "start": r.start, "end": r.end}
                         for r in ranges]

    def observe_heartbeat(self, values: list[float], now_unix_s: float) -> tuple[int, float]:
        """How many polls in a row, over how many seconds, showed exactly these values."""
        if self.heartbeat == values and self.heartbeat_since_unix_s is not None:
            self.heartbeat_repeats += 1
        else:
            self.heartbeat = values
            self.heartbeat_repeats = 0
            self.heartbeat_since_unix_s = now_unix_s
        return self.heartbeat_repeats, now_unix_s - self.heartbeat_since_unix_s


@dataclass
class HarvestState:
    devices: dict[str, DeviceState] = field(default_factory=dict)

    def device(self, device_id: str) -> DeviceState:
        return self.devices.setdefault(device_id, DeviceState())

    @classmethod
    def load(cls, path: str | None) -> HarvestState:
        if path is None:
            return cls()
        fs, fs_path = fsspec.core.url_to_fs(path)
        if not fs.exists(fs_path):
            return cls()
        try:
            raw = json.loads(fs.cat_file(fs_path))
            return cls({k: DeviceState(**v) for k, v in raw["devices"].items()})
        except (ValueError, KeyError, TypeError):
            # A damaged state file only costs back-off and frozen history; never block harvesting.
            return cls()

    def save(self, path: str | None) -> None:
        if path is None:
            return
        payload = {"devices": {k: asdict(v) for k, v in self.devices.items()}}
        write_atomically(path, json.dumps(payload, separators=(",", ":")).encode())
