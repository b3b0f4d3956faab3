"""Everything the twin does not control, tabulated per UTC day on a 1-minute grid and sampled.

Weather, process loads, gas, common load, occupancy and heat are pure functions of (seed, time):
each day's table is computed from seeded streams the first time it is needed and interpolated
linearly between minutes (occupancy is held). The controlled states are integrated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_io.simulator import loads
from device_io.simulator.assets import ParkLayout
from device_io.simulator.timebase import US_PER_S, day_clock, day_index
from device_io.simulator.weather import WeatherModel
from device_io.simulator.wind import wind_speed_day_m_s
from jobs.common.park_config import DeviceKind, ParkConfig

US_PER_MINUTE = 60 * US_PER_S
CACHED_DAYS = 3


@dataclass(frozen=True)
class ExoSnapshot:
    """The exogenous world at one instant; fleets decide their powers from it."""

    t_us: int
    outdoor_temp_c: float
    grid_frequency_hz: float
    poa_w_m2: np.ndarray  # per PV unit, after clouds
    process_kw: np.ndarray  # per load entity
    gas_nm3_per_h: np.ndarray  # per load entity
    common_kw: float
    zone_occupied: np.ndarray  # per HVAC zone
    waste_heat_kw_th: np.ndarray  # per thermal storage unit
    heat_demand_kw_th: np.ndarray  # per thermal storage unit
    wind_speed_m_s: np.ndarray  # per direct green supply line, at its farm's hub height


@dataclass(frozen=True)
class _DayTable:
    start_us: int
    values: np.ndarray  # (rows, 1441): every continuous series stacked, interpolated at once
    occupied: np.ndarray  # (zones, 1441)


class Exogenous:
    def __init__(self, park: ParkConfig, layout: ParkLayout, seed: int):
        self._park = park
        self._layout = layout
        self._seed = seed
        orientations = sorted({(u.tilt_deg, u.azimuth_deg) for u in layout.pv})
        self._pv_orientation = np.array(
            [orientations.index((u.tilt_deg, u.azimuth_deg)) for u in layout.pv], dtype=np.intp)
        self._weather = WeatherModel(park.park, park.simulation, seed, orientations)
        n_ent, n_tank = len(layout.entities), len(layout.thermal)
        self._line_ids = [d.id for d in park.devices
                          if d.kind == DeviceKind.DIRECT_GREEN_METER]
        sizes = {"temp": 1, "freq": 1, "poa": len(orientations), "process": n_ent,
                 "gas": n_ent, "common": 1, "waste": n_tank, "demand": n_tank,
                 "wind": len(self._line_ids)}
        self._rows: dict[str, slice] = {}
        start = 0
        for name, size in sizes.items():
            self._rows[name] = slice(start, start + size)
            start += size
        self._tables: dict[int, _DayTable] = {}
        self._shades: list[tuple[int, int, float]] = []

    def shade(self, start_us: int, end_us: int, retained: float) -> None:
        """A cloud no forecast knew of: the sun on every plane times `retained` in the window."""
        if not (0.0 <= retained <= 1.0 and start_us < end_us):
            raise ValueError(f"a shade needs 0 <= retained <= 1 and start before end, got "
                             f"{retained}, {start_us}..{end_us}")
        self._shades.append((start_us, end_us, retained))

    def _retained(self, t_us: int) -> float:
        factor = 1.0
        for start_us, end_us, retained in self._shades:
            if start_us <= t_us < end_us:
                factor *= retained
        return factor

    def sample(self, t_us: int) -> ExoSnapshot:
        table = self._table(day_index(t_us))
        minute = (t_us - table.start_us) / US_PER_MINUTE
        left = min(int(minute), table.values.shape[1] - 2)
        weight = minute - left
        values = table.values[:, left] * (1.0 - weight) + table.values[:, left + 1] * weight
        rows = self._rows
        return ExoSnapshot(
            t_us=t_us,
            outdoor_temp_c=float(values[rows["temp"]][0]),
            grid_frequency_hz=float(values[rows["freq"]][0]),
            poa_w_m2=values[rows["poa"]][self._pv_orientation] * self._retained(t_us),
            process_kw=values[rows["process"]],
            gas_nm3_per_h=values[rows["gas"]],
            common_kw=float(values[rows["common"]][0]),
            zone_occupied=table.occupied[:, left],
            waste_heat_kw_th=values[rows["waste"]],
            heat_demand_kw_th=values[rows["demand"]],
            wind_speed_m_s=values[rows["wind"]],
        )

    def _table(self, day: int) -> _DayTable:
        table = self._tables.get(day)
        if table is None:
            table = self._build(day)
            self._tables[day] = table
            for old in sorted(self._tables)[:-CACHED_DAYS]:
                del self._tables[old]
        return table

    def _build(self, day: int) -> _DayTable:
        clock = day_clock(day, self._park.park.timezone)
        layout, seed = self._layout, self._seed
        weather = self._weather.day(clock)
        parts = [
            weather.outdoor_temp_c[None, :],
            weather.grid_frequency_hz[None, :],
            weather.poa_w_m2,
            loads.process_load_kw(clock, layout.entities, seed),
            loads.gas_flow_nm3_per_h(clock, layout.entities, seed),
            loads.common_load_kw(clock, self._park.simulation.common_load_kw, seed)[None, :],
            loads.waste_heat_kw_th(clock, layout.thermal, layout.thermal_shifts),
            loads.heat_demand_kw_th(clock, layout.thermal, weather.outdoor_temp_c),
            wind_speed_day_m_s(seed, self._line_ids, clock.day),
        ]
        return _DayTable(start_us=clock.start_us, values=np.vstack(parts),
                         occupied=loads.zone_occupied(clock, layout.zone_occupancy_shifts))
