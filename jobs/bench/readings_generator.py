"""The warehouse benchmark's readings: 1-minute values of every landed point of a generated park.

The month is synthetic but coherent enough for every warehouse test: each device draws a signed
power from a daily shape for its kind, counters integrate it (quantised like their registers,
u32 counters wrapping), power points show it, and the grid meter shows the park's net, so the
balance at the grid connection closes. EV chargers serve cars (jobs/bench/ev_cars.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from jobs.bench.ev_cars import CarSessions
from jobs.bench.reading_recipes import (
    CLOCK,
    CONSTANT,
    COUNTER,
    CURRENT,
    EV_SESSION,
    EV_STATE,
    GRID_SIGN,
    LEVEL,
    NEGATIVE_COUNTERS,
    POWER,
    POWER_NOISE,
    POWER_POINTS,
    UTILISATION,
    daily_shapes,
    recipe,
    register_values,
)
from jobs.common import landing
from jobs.common.park_config import DeviceKind
from jobs.common.register_map import Point, PointRole
from jobs.common.settings import Settings
from jobs.warehouse.reference import RATE_HEADROOM, reference_tables

MINUTE_US = 60_000_000


@dataclass
class Columns:
    """One column per landed point of every device (a row of the landed table per minute),
    sorted by (device_id, point) as a compacted day is; how each one's value is made."""

    device_ids: pa.Array  # string, one per device
    points: pa.Array  # string, one per distinct point name
    device: np.ndarray  # per column: index into device_ids
    point: np.ndarray  # per column: index into points
    recipe: np.ndarray  # per column: COUNTER, POWER, ...
    a: np.ndarray  # POWER/CURRENT factor, LEVEL base, CONSTANT value
    b: np.ndarray  # LEVEL daily swing
    c: np.ndarray  # LEVEL noise
    low: np.ndarray
    high: np.ndarray
    resolution: np.ndarray  # register resolution of integer points (0: float)
    counter: np.ndarray  # column indices of the counters
    counter_sign: np.ndarray  # +1 counts positive power, -1 negative
    counter_wrap: np.ndarray  # raw value where the register wraps (0: never, or unknown)
    counter_f32: np.ndarray


class ReadingsGenerator:
    """1-minute readings of every landed point (or only the counters) of a park, vectorised.

    Call `minutes()` for consecutive periods: counters carry on from where the last call ended.
    """

    def __init__(self, settings: Settings, *, seed: int = 11, counters_only: bool = False):
        self.settings = settings
        self.zone = ZoneInfo(settings.park.park.timezone)
        self.rng = np.random.default_rng(seed)
        devices = sorted(settings.park.devices, key=lambda d: d.id)
        self.kinds = [d.kind for d in devices]
        reference = reference_tables(settings)["device_points"].to_pylist()
        rates: dict[str, float] = {}
        for row in reference:
            if row["max_rate_per_h"] is not None:
                rates[row["device_id"]] = max(rates.get(row["device_id"], 0.0),
                                              row["max_rate_per_h"])
        wraps = {(r["device_id"], r["point"]): r["counter_wrap"] for r in reference}
        ratings = np.array([rates.get(d.id, 100.0 * RATE_HEADROOM) / RATE_HEADROOM
                            for d in devices])
        utilisation = np.array([self.rng.uniform(*UTILISATION.get(k, (0.3, 0.5)))
                                for k in self.kinds])
        self.level = ratings * utilisation  # kW (Nm3/h, kW_th) at the top of the shape
        self.grid_sign = np.array([GRID_SIGN.get(k, 0) for k in self.kinds], dtype=np.float64)
        self.is_grid = np.array([k == DeviceKind.GRID_METER for k in self.kinds])
        self.chargers = np.flatnonzero([k == DeviceKind.EV_CHARGER for k in self.kinds])
        self.charger_index = np.full(len(devices), -1)
        self.charger_index[self.chargers] = np.arange(len(self.chargers))
        self.cars = CarSessions.start(len(self.chargers), self.rng)
        # when in its cycle the poller reads each device (fixed per device, to the millisecond)
        self.read_offset_us = self.rng.integers(0, 2000, len(devices)) * 1000
        self.rows = self._layout(devices, ratings, wraps, counters_only)
        n_counters = len(self.rows.counter)
        self.energy = np.zeros(n_counters)  # integrated since the start, per counter
        # counters start anywhere from new to years of use, inside their register's range
        years = ratings[self.rows.device[self.rows.counter]] * 8760 * 3 * 0.3
        span = np.where(self.rows.counter_wrap > 0,
                        self.rows.counter_wrap * self.rows.resolution[self.rows.counter], years)
        self.offset = self.rng.uniform(0.0, 0.8, n_counters) * np.minimum(span, years)

    @property
    def points_per_minute(self) -> int:
        return len(self.rows.device)

    def _layout(self, devices: list, ratings: np.ndarray, wraps: dict,
                counters_only: bool) -> Columns:
        names: dict[str, int] = {}
        columns: list[tuple[int, str, tuple[int, float, float, float], Point, float | None]] = []
        for index, device in enumerate(devices):
            register_map = self.settings.register_maps[device.register_map]
            landed = sorted(register_map.landed_points, key=lambda p: p.name)
            power_point = next((name for name in POWER_POINTS
                                if any(p.name == name for p in landed)), None)
            for point in landed:
                if counters_only and not point.cumulative:
                    continue
                names.setdefault(point.name, len(names))
                made = recipe(point, power_point, float(ratings[index]), device.kind)
                columns.append((index, point.name, made, point, wraps.get((device.id,
                                                                              point.name))))
        point_names = sorted(names)
        point_index = {name: i for i, name in enumerate(point_names)}
        n = len(columns)
        low, high = np.full(n, -np.inf), np.full(n, np.inf)
        resolution = np.zeros(n)
        counter_wrap = np.zeros(n)
        f32 = np.zeros(n, dtype=bool)
        for i, (_, _, _, point, wrap) in enumerate(columns):
            low[i] = -np.inf if point.valid_min is None else point.valid_min
            high[i] = np.inf if point.valid_max is None else point.valid_max
            if point.role == PointRole.SETPOINT:  # a read-back stays inside its write bounds
                low[i] = max(low[i], -np.inf if point.write_min is None else point.write_min)
                high[i] = min(high[i], np.inf if point.write_max is None else point.write_max)
            if not point.type.is_float:
                resolution[i] = point.scale  # a device-set scale factor is left out
            f32[i] = point.type.value == "f32"
            if point.cumulative and wrap is not None:
                counter_wrap[i] = point.type.raw_max + 1
        recipes = [r for _, _, r, _, _ in columns]
        counter = np.array([i for i, col in enumerate(columns) if col[2][0] == COUNTER],
                           dtype=np.intp)
        return Columns(
            device_ids=pa.array([d.id for d in devices], pa.string()),
            points=pa.array(point_names, pa.string()),
            device=np.array([col[0] for col in columns], dtype=np.intp),
            point=np.array([point_index[col[1]] for col in columns], dtype=np.intp),
            recipe=np.array([r[0] for r in recipes], dtype=np.int8),
            a=np.array([r[1] for r in recipes]), b=np.array([r[2] for r in recipes]),
            c=np.array([r[3] for r in recipes]), low=low, high=high, resolution=resolution,
            counter=counter,
            counter_sign=np.array([-1.0 if columns[i][1] in NEGATIVE_COUNTERS else 1.0
                                   for i in counter]),
            counter_wrap=counter_wrap[counter], counter_f32=f32[counter])

    def _power(self, minute_us: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Signed power of every device at each minute (minutes x devices), the local
        hour-of-day swing (-1..1, highest mid-afternoon) for slow analog values, and the
        chargers' states and session energies (minutes x chargers)."""
        first = dt.datetime.fromtimestamp(minute_us[0] / 1e6, dt.UTC).astimezone(self.zone)
        offset_h = first.utcoffset().total_seconds() / 3600  # type: ignore[union-attr]
        local_h = (minute_us / 3.6e9 + offset_h) % 24.0
        local_day = np.floor((minute_us / 3.6e9 + offset_h) / 24.0)
        weekend = ((local_day + 3) % 7) >= 5  # 1970-01-01 was a Thursday
        shapes = daily_shapes(local_h, weekend, sun=self.rng.uniform(0.4, 1.0))
        shape = np.empty((len(minute_us), len(self.kinds)))
        for column, kind in enumerate(self.kinds):
            shape[:, column] = shapes.get(kind, shapes[DeviceKind.SUB_METER])
        noise = np.clip(1.0 + POWER_NOISE * self.rng.standard_normal(shape.shape), 0.8, 1.2)
        power = shape * noise * self.level
        power[:, self.chargers], ev_state, ev_session_kwh = self.cars.run(
            power[:, self.chargers], shape[:, self.chargers])
        net_import = power @ self.grid_sign
        power[:, self.is_grid] = (net_import / max(int(self.is_grid.sum()), 1))[:, None]
        swing = np.sin(2 * np.pi * (local_h - 8.0) / 24.0)
        return power, swing, ev_state, ev_session_kwh

    def minutes(self, start_utc: dt.datetime, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Cycle start times (µs since the epoch) and the values (minutes x columns) of `count`
        consecutive minutes from `start_utc`."""
        rows = self.rows
        start_us = int(start_utc.timestamp()) * 1_000_000
        minute_us = start_us + MINUTE_US * np.arange(count, dtype=np.int64)
        power, swing, ev_state, ev_session_kwh = self._power(minute_us)
        values = np.zeros((count, len(rows.device)))
        for code in (POWER, CURRENT, LEVEL, CONSTANT, CLOCK, EV_STATE, EV_SESSION):
            cols = np.flatnonzero(rows.recipe == code)
            if not len(cols):
                continue
            if code == POWER:
                values[:, cols] = power[:, rows.device[cols]] * rows.a[cols]
            elif code == CURRENT:
                values[:, cols] = np.abs(power[:, rows.device[cols]]) * rows.a[cols]
            elif code == LEVEL:
                values[:, cols] = (rows.a[cols] + rows.b[cols] * swing[:, None]
                                   + rows.c[cols] * self.rng.standard_normal((count, len(cols))))
            elif code == CONSTANT:
                values[:, cols] = rows.a[cols]
            elif code in (EV_STATE, EV_SESSION):
                chargers = self.charger_index[rows.device[cols]]
                values[:, cols] = (ev_state if code == EV_STATE else ev_session_kwh)[:, chargers]
            else:
                read_us = minute_us[:, None] + self.read_offset_us[rows.device[cols]]
                values[:, cols] = read_us // 1_000_000
        values = register_values(np.clip(values, rows.low, rows.high), rows.resolution)
        values[:, rows.counter] = self._counters(power, rows)
        return minute_us, values

    def _counters(self, power: np.ndarray, rows: Columns) -> np.ndarray:
        device = rows.device[rows.counter]
        increase = np.maximum(power[:, device] * rows.counter_sign, 0.0) / 60.0
        energy = self.energy + np.cumsum(increase, axis=0)
        self.energy = energy[-1].copy()
        counter = self.offset + energy
        counter = np.where(rows.counter_f32, counter.astype(np.float32), counter)
        return register_values(counter, rows.resolution[rows.counter], rows.counter_wrap)

    def table(self, minute_us: np.ndarray, values: np.ndarray, cycle_ids: pa.Array,
              columns: slice) -> pa.Table:
        """Rows of the given columns for every minute, column-major (device, point, time)."""
        rows = self.rows
        n_minutes = len(minute_us)
        index = np.arange(len(rows.device))[columns]
        ts = (minute_us[None, :] + self.read_offset_us[rows.device[index]][:, None]).ravel()
        n = len(ts)
        return pa.Table.from_arrays([
            pa.array(ts, pa.timestamp("us", tz="UTC")),
            rows.device_ids.take(pa.array(np.repeat(rows.device[index], n_minutes))),
            rows.points.take(pa.array(np.repeat(rows.point[index], n_minutes))),
            pa.array(values[:, index].T.ravel(), pa.float64()),
            pa.repeat(pa.scalar("good"), n),
            cycle_ids.take(pa.array(np.tile(np.arange(n_minutes), len(index)))),
            pa.nulls(n, pa.string()),
        ], schema=landing.READINGS_SCHEMA)

    def cycle_ids(self, count: int) -> pa.Array:
        """One harvest cycle id per minute, shaped like the poller's (uuid4 hex)."""
        return pa.array([self.rng.bytes(16).hex() for _ in range(count)], pa.string())

