"""The history generator: N days of readings straight into the landing zone, from the twin.

Rows have the live poller's schema and quality flags. Healthy devices take a vectorised path
(the twin's readings frame, quantised exactly as their registers would quantise them, range-
checked like the decoder does); a device with a fault at a sample time takes the exact path the
live system takes (register image -> decoder -> multi-poll checks), with transport faults
turned into the failure rows the poller would have written. Files and cycle ids are named by
the period, so re-running a backfill replaces its files instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from device_io.checks import after_poll, backed_off_values
from device_io.codec import DecodedValue, Quality, multiplier
from device_io.harvest_state import DeviceState
from device_io.poller import BlockOutcome, PollTarget, values_from_outcomes
from device_io.simulator.faults import FaultBook, apply_event
from device_io.simulator.image import DeviceImage, choose_scale_factor_exponents
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.common.park_config import FaultKind
from jobs.common.register_map import Point, RegisterMap
from jobs.common.settings import Settings

# What the live poller records when a device shows each transport fault.
_TRANSPORT_OUTCOMES = {
    FaultKind.TIMEOUT: BlockOutcome(None, Quality.TIMEOUT, "no reply within the timeout"),
    FaultKind.REFUSE: BlockOutcome(None, Quality.ERROR, "connection failed: refused"),
    FaultKind.DROP: BlockOutcome(None, Quality.ERROR, "connection lost during the request"),
    FaultKind.EXCEPTION: BlockOutcome(None, Quality.EXCEPTION,
                                      "Modbus exception 4 (DEVICE_FAILURE)"),
}


@dataclass
class HistorySummary:
    rows: int = 0
    devices: int = 0
    files: list[str] = field(default_factory=list)
    quality_counts: dict[str, int] = field(default_factory=dict)


class _Quantiser:
    """Vectorised register quantisation and range checks for the twin's frame layout."""

    def __init__(self, frame: pd.DataFrame, points: dict[tuple[str, str], Point],
                 exponents: dict[str, dict[str, int]]):
        n = len(frame)
        self.multiplier = np.ones(n)
        self.divisor = np.zeros(n)
        self.is_float = np.zeros(n, dtype=bool)
        self.cumulative = np.zeros(n, dtype=bool)
        self.raw_low = np.full(n, -np.inf)
        self.raw_high = np.full(n, np.inf)
        self.wrap = np.full(n, np.inf)
        self.valid_min = np.full(n, -np.inf)
        self.valid_max = np.full(n, np.inf)
        for i, (device_id, name) in enumerate(zip(frame["device_id"], frame["point"],
                                                  strict=True)):
            point = points[(device_id, name)]
            exponent = (exponents[device_id].get(point.scale_factor_point)
                        if point.scale_factor_point else None)
            self.multiplier[i] = multiplier(point, exponent)
            inverse = 1.0 / self.multiplier[i]
            if self.multiplier[i] < 1.0 and abs(inverse - round(inverse)) < 1e-9:
                self.divisor[i] = round(inverse)
            self.is_float[i] = point.type.is_float
            self.cumulative[i] = point.cumulative
            if not point.type.is_float:
                low, high = point.type.raw_min, point.type.raw_max
                if point.not_available is not None:  # saturate short of the sentinel
                    bits = 16 * point.type.register_count
                    sentinel = int(point.not_available) & ((1 << bits) - 1)
                    high -= int(sentinel in (high, (1 << bits) - 1))
                    low += int(point.type.is_signed and sentinel == 1 << (bits - 1))
                self.raw_low[i], self.raw_high[i] = low, high
                self.wrap[i] = point.type.raw_max + 1
            self.valid_min[i] = -np.inf if point.valid_min is None else point.valid_min
            self.valid_max[i] = np.inf if point.valid_max is None else point.valid_max

    def apply(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decoded values and a boolean 'good' mask, as the poller would see them."""
        scaled = values / self.multiplier
        raw = np.where(self.is_float, scaled.astype(np.float32).astype(np.float64),
                       np.round(scaled))
        raw = np.where(~self.is_float & self.cumulative, np.mod(raw, self.wrap), raw)
        raw = np.where(~self.is_float & ~self.cumulative,
                       np.clip(raw, self.raw_low, self.raw_high), raw)
        # The decoder divides by 10^k rather than multiplying by 10^-k (exact at range limits).
        decoded = np.where(self.divisor > 0, raw / np.where(self.divisor > 0, self.divisor, 1.0),
                           raw * self.multiplier)
        finite = np.isfinite(decoded)
        in_range = (decoded >= self.valid_min) & (decoded <= self.valid_max)
        return np.where(finite, decoded, np.nan), finite & in_range


@dataclass(frozen=True)
class ScheduledWrite:
    """A setpoint written to the twin at a time, as the platform's setpoint writer would."""

    at_utc: dt.datetime
    device_id: str
    point: str
    value: float


def generate_history(settings: Settings, start_utc: dt.datetime, end_utc: dt.datetime, *,
                     sample_s: int = 60, seed: int | None = None,
                     on_day: Callable[[int, int], None] | None = None,
                     writes: Sequence[ScheduledWrite] = ()) -> HistorySummary:
    """Sample the twin every `sample_s` from start (inclusive) to end (exclusive) into landing.

    `writes` are applied at the first sample at or after their time (before it is read)."""
    if end_utc <= start_utc:
        raise ValueError("end must be after start")
    park = settings.park
    twin = ParkTwin(park, settings.register_maps, start_utc, seed=seed,
                    step_s=min(float(sample_s), 60.0))
    generator = TwinSampler(settings, twin, seed if seed is not None else park.simulation.seed,
                            writes)
    times = pd.date_range(start_utc, end_utc, freq=f"{sample_s}s", inclusive="left")
    days = sorted({t.date() for t in times})
    summary = HistorySummary(devices=len(park.devices))
    for index, day in enumerate(days):
        day_times = [t.to_pydatetime() for t in times if t.date() == day]
        table = generator.sample(day_times)
        stem = f"history-{day_times[0]:%Y%m%dT%H%M%S}-{day_times[-1]:%H%M%S}-{sample_s}s"
        summary.files += landing.write_partitioned(settings.landing_root, "readings", table,
                                                   stem)
        summary.rows += table.num_rows
        for quality, count in pd.Series(table["quality"].to_pylist()).value_counts().items():
            summary.quality_counts[str(quality)] = summary.quality_counts.get(str(quality), 0) \
                + int(count)
        if on_day is not None:
            on_day(index + 1, len(days))
    return summary


class TwinSampler:
    """Reads a twin the way the harvester would (faults included) at given instants: the
    history backfill drives it over past days, the closed loop between setpoint cycles."""

    def __init__(self, settings: Settings, twin: ParkTwin, seed: int,
                 writes: Sequence[ScheduledWrite] = ()):
        self.pending_writes = sorted(writes, key=lambda w: w.at_utc)
        self.settings = settings
        self.park = settings.park
        self.twin = twin
        self.faults = FaultBook(scheduled=list(self.park.simulation.faults))
        self.targets = {d.id: PollTarget.build(d, settings.register_maps[d.register_map])
                        for d in self.park.devices}
        self.images = {d.id: DeviceImage(settings.register_maps[d.register_map])
                       for d in self.park.devices}
        self.states = {d.id: DeviceState() for d in self.park.devices}
        self.frozen_values: dict[str, dict[str, float | None]] = {}
        self.garbage = random.Random(seed)
        self._quantiser: _Quantiser | None = None
        # Devices that ever have a fault take the exact path; a refused connection refuses
        # every device behind the same endpoint, as the simulator's server does.
        self._endpoint_of = {d.id: d.endpoint for d in self.park.devices}
        refusing_endpoints = {self._endpoint_of[f.device_id] for f in self.park.simulation.faults
                              if f.kind == FaultKind.REFUSE}
        self._faulty_ever = ({f.device_id for f in self.park.simulation.faults}
                             | {d.id for d in self.park.devices
                                if d.endpoint in refusing_endpoints})
        self._neighbours = {endpoint: [d.id for d in self.park.devices if d.endpoint == endpoint]
                            for endpoint in refusing_endpoints}

    def _quantiser_for(self, frame: pd.DataFrame) -> _Quantiser:
        if self._quantiser is None:
            maps: dict[str, RegisterMap] = {d.id: self.settings.register_maps[d.register_map]
                                            for d in self.park.devices}
            points = {(device_id, p.name): p for device_id, m in maps.items() for p in m.points}
            exponents = {device_id: choose_scale_factor_exponents(m)
                         for device_id, m in maps.items()}
            self._quantiser = _Quantiser(frame, points, exponents)
        return self._quantiser

    def sample(self, times: list[dt.datetime]) -> pa.Table:
        columns: dict[str, list] = {k: [] for k in ("ts", "device", "point", "value", "quality",
                                                     "cycle", "detail")}
        for ts in times:
            self.twin.advance_to(ts)
            while self.pending_writes and self.pending_writes[0].at_utc <= ts:
                write = self.pending_writes.pop(0)
                self.twin.write_point(write.device_id, write.point, write.value)
            for change in self.faults.refresh(ts):
                apply_event(self.images[change.device_id], change,
                            functools.partial(self.twin.point_values, change.device_id))
            cycle_id = f"history-{ts:%Y%m%dT%H%M%S}"
            self._sample_healthy(ts, cycle_id, columns)
            for device_id in self._faulty_ever:
                self._sample_exact(device_id, ts, cycle_id, columns)
        return pa.Table.from_arrays(
            [pa.array(columns["ts"], pa.timestamp("us", tz="UTC")),
             pa.array(columns["device"], pa.string()), pa.array(columns["point"], pa.string()),
             pa.array(columns["value"], pa.float64()), pa.array(columns["quality"], pa.string()),
             pa.array(columns["cycle"], pa.string()), pa.array(columns["detail"], pa.string())],
            schema=landing.READINGS_SCHEMA)

    def _sample_healthy(self, ts: dt.datetime, cycle_id: str, columns: dict[str, list]) -> None:
        frame = self.twin.readings_frame()
        quantiser = self._quantiser_for(frame)
        values, good = quantiser.apply(frame["value"].to_numpy(dtype=np.float64))
        healthy = ~frame["device_id"].isin(self._faulty_ever).to_numpy()
        n = int(healthy.sum())
        columns["ts"] += [ts] * n
        columns["device"] += frame["device_id"].to_numpy()[healthy].tolist()
        columns["point"] += frame["point"].to_numpy()[healthy].tolist()
        kept_values = values[healthy]
        columns["value"] += [None if np.isnan(v) else float(v) for v in kept_values]
        kept_good = good[healthy]
        columns["quality"] += [Quality.GOOD.value if g else Quality.INVALID.value
                               for g in kept_good]
        columns["cycle"] += [cycle_id] * n
        columns["detail"] += [None if g else "not available or outside plausible range"
                              for g in kept_good]

    def _sample_exact(self, device_id: str, ts: dt.datetime, cycle_id: str,
                      columns: dict[str, list]) -> None:
        target = self.targets[device_id]
        state = self.states[device_id]
        if state.backed_off(ts.timestamp()):
            values = backed_off_values(target.register_map, state)
        else:
            outcomes = self._outcomes(device_id)
            values = values_from_outcomes(target, outcomes)
            failed = any(o.quality in (Quality.TIMEOUT, Quality.ERROR) for o in outcomes)
            after_poll(target.register_map, state, values, ts, failed, self.park.harvest)
        _append(columns, ts, device_id, values, cycle_id)

    def _endpoint_refuses(self, device_id: str) -> bool:
        neighbours = self._neighbours.get(self._endpoint_of[device_id], [])
        return any(self.faults.has(other, FaultKind.REFUSE) for other in neighbours)

    def _outcomes(self, device_id: str) -> list[BlockOutcome]:
        active = self.faults.active(device_id)
        if self._endpoint_refuses(device_id):
            active = active | {FaultKind.REFUSE}
        blocks = self.targets[device_id].decoder.blocks
        for kind, outcome in _TRANSPORT_OUTCOMES.items():
            if kind in active:
                return [outcome] * len(blocks)
        image = self.images[device_id]
        if FaultKind.FROZEN not in active:
            image.update(self.twin.point_values(device_id))
        if FaultKind.GARBAGE in active:
            return [BlockOutcome([self.garbage.getrandbits(16) for _ in range(b.count)])
                    for b in blocks]
        return [BlockOutcome(image.read(b.table, b.start, b.count)) for b in blocks]


def _append(columns: dict[str, list], ts: dt.datetime, device_id: str,
            values: dict[str, DecodedValue], cycle_id: str) -> None:
    for name, decoded in values.items():
        columns["ts"].append(ts)
        columns["device"].append(device_id)
        columns["point"].append(name)
        columns["value"].append(decoded.value)
        columns["quality"].append(decoded.quality.value)
        columns["cycle"].append(cycle_id)
        columns["detail"].append(decoded.detail)
