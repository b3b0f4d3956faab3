"""What the setpoint writer remembers between cycles, in one small JSON file beside the
landing zone (`<data root>/state/setpoints.json`), replaced atomically:

- per device point: the last value written and when (write-on-change, ramp limits), and the
  times of the last hour's writes (the hourly cap);
- per device: the circuit breaker (open after a write the device would not take, with why);
- manual overrides set by a person (until a time, with a note): the writer leaves those
  devices alone;
(the audit of the cycle in progress, written ahead of each write, is its own file: journal.py)
- the watchdog heartbeat counter.
Losing the file costs the hourly counts and ramp history (the next cycle starts afresh) and
any open breaker or override, which is why those also go to the audit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

import fsspec

from jobs.common.landing import write_atomically

HOUR_S = 3600.0


@dataclass
class PointMemory:
    # the last value written and when: the ramp limit's anchor within an interval
    value: float | None = None
    at_unix_s: float | None = None
    write_times_unix_s: list[float] = field(default_factory=list)  # the last hour's writes

    def writes_in_last_hour(self, now_unix_s: float) -> int:
        self.write_times_unix_s = [t for t in self.write_times_unix_s if now_unix_s - t < HOUR_S]
        return len(self.write_times_unix_s)

    def record_write(self, value: float, now_unix_s: float) -> None:
        self.value, self.at_unix_s = value, now_unix_s
        self.write_times_unix_s.append(now_unix_s)


@dataclass
class Breaker:
    point: str
    wanted: float | None  # what the device would not take
    reason: str
    opened_unix_s: float


@dataclass
class Override:
    until_utc: str  # ISO 8601
    note: str
    set_by: str

    def active(self, now: dt.datetime) -> bool:
        return now < dt.datetime.fromisoformat(self.until_utc)


@dataclass
class WriterState:
    points: dict[str, PointMemory] = field(default_factory=dict)  # "device/point"
    breakers: dict[str, Breaker] = field(default_factory=dict)  # device id
    overrides: dict[str, Override] = field(default_factory=dict)  # device id
    heartbeat: int = 0
    # the highest grid import metered at a cycle's start, per local month (YYYY-MM)
    month_peak_kw: dict[str, float] = field(default_factory=dict)

    def point(self, device_id: str, point: str) -> PointMemory:
        return self.points.setdefault(f"{device_id}/{point}", PointMemory())

    @classmethod
    def load(cls, path: str) -> WriterState:
        fs, fs_path = fsspec.core.url_to_fs(path)
        if not fs.exists(fs_path):
            return cls()
        with fs.open(fs_path, "rb") as handle:
            raw = json.loads(handle.read())
        return cls(points={k: PointMemory(**v) for k, v in raw.get("points", {}).items()},
                   breakers={k: Breaker(**v) for k, v in raw.get("breakers", {}).items()},
                   overrides={k: Override(**v) for k, v in raw.get("overrides", {}).items()},
                   heartbeat=int(raw.get("heartbeat", 0)),
                   month_peak_kw={k: float(v) for k, v in raw.get("month_peak_kw", {}).items()})

    def save(self, path: str) -> None:
        write_atomically(path, json.dumps(asdict(self), indent=1, sort_keys=True).encode())
