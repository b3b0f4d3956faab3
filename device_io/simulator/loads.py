"""Demand-side series for one UTC day: process loads, gas, common areas, occupancy, heat.

Shift hours are in the park's local time (a factory's clock, not UTC). A shift (22, 6) wraps
midnight. The weekend factor scales only the shift part of a load: base load (compressed air,
cooling of process water, servers) runs through weekends.
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.assets import LoadEntity, ThermalUnit
from device_io.simulator.streams import smooth_noise_day
from device_io.simulator.timebase import DayClock

LOAD_NOISE_KNOT_MIN = 10
GAS_IDLE_FRACTION = 0.03  # pilot flames and space heating outside shifts
GAS_NOISE_FRACTION = 0.05
COMMON_NIGHT_FRACTION = 0.45  # lighting, pumps and IT of the common areas never stop
COMMON_WEEKEND_DAY_FRACTION = 0.3  # share of the daytime office load that works weekends
COMMON_EVENING_FRACTION = 0.1  # road and car park lighting after dusk
COMMON_NOISE_FRACTION = 0.04
WASTE_HEAT_SHARE = 0.7  # waste heat during shifts, as a share of the tank's charge rating
HEAT_DEMAND_SHARE = 0.8  # morning heat peak, as a share of the tank's discharge rating
HEAT_MORNING_PEAK_H = 7.5
HEAT_MORNING_HALF_WIDTH_H = 2.5
HEAT_BALANCE_TEMP_C = 20.0  # no space heat needed above this outdoor temperature
HEAT_TEMP_SPAN_K = 12.0


def in_shifts(local_hour: np.ndarray, shifts: list[tuple[int, int]]) -> np.ndarray:
    """True where the local hour falls in any [start, end) shift; start > end wraps midnight."""
    inside = np.zeros(local_hour.shape, dtype=bool)
    for start, end in shifts:
        if start <= end:
            inside |= (local_hour >= start) & (local_hour < end)
        else:
            inside |= (local_hour >= start) | (local_hour < end)
    return inside


def shift_weight(clock: DayClock, shifts: list[tuple[int, int]],
                 weekend_factor: float) -> np.ndarray:
    """1 during weekday shifts, weekend_factor during weekend shifts, 0 outside shifts."""
    factor = np.where(clock.local_weekend, weekend_factor, 1.0)
    return in_shifts(clock.local_hour, shifts) * factor


def process_load_kw(clock: DayClock, entities: list[LoadEntity], seed: int) -> np.ndarray:
    """Each load entity's process load, shape (entities, 1441)."""
    if not entities:
        return np.zeros((0, len(clock.local_hour)))
    noise = smooth_noise_day(seed, "process_load", [e.key for e in entities], clock.day,
                             LOAD_NOISE_KNOT_MIN)
    rows = []
    for entity, wiggle in zip(entities, noise, strict=True):
        p = entity.profile
        level = p.base_kw + p.shift_kw * shift_weight(clock, list(p.shifts), p.weekend_factor)
        rows.append(level * (1.0 + p.noise_pct / 100.0 * wiggle))
    return np.clip(np.array(rows), 0.0, None)


def gas_flow_nm3_per_h(clock: DayClock, entities: list[LoadEntity], seed: int) -> np.ndarray:
    """Each entity's process gas, shape (entities, 1441): the profile rate during shifts."""
    if not entities:
        return np.zeros((0, len(clock.local_hour)))
    noise = smooth_noise_day(seed, "gas_flow", [e.key for e in entities], clock.day,
                             LOAD_NOISE_KNOT_MIN)
    rows = []
    for entity, wiggle in zip(entities, noise, strict=True):
        p = entity.profile
        working = shift_weight(clock, list(p.shifts), p.weekend_factor)
        level = p.gas_nm3_per_h * np.maximum(working, GAS_IDLE_FRACTION)
        rows.append(level * (1.0 + GAS_NOISE_FRACTION * wiggle))
    return np.clip(np.array(rows), 0.0, None)


def common_load_kw(clock: DayClock, daytime_kw: float, seed: int) -> np.ndarray:
    """Common areas: `daytime_kw` on weekday office hours, a lighting/pump floor at night."""
    hour = clock.local_hour
    office = _plateau(hour, 7.0, 8.0, 18.0, 19.0)
    office = office * np.where(clock.local_weekend, COMMON_WEEKEND_DAY_FRACTION, 1.0)
    evening = _plateau(hour, 18.0, 18.5, 22.5, 23.0)
    shape = (COMMON_NIGHT_FRACTION + (1.0 - COMMON_NIGHT_FRACTION) * office
             + COMMON_EVENING_FRACTION * evening)
    noise = smooth_noise_day(seed, "common_load", ["park"], clock.day, LOAD_NOISE_KNOT_MIN)[0]
    return np.clip(daytime_kw * shape * (1.0 + COMMON_NOISE_FRACTION * noise), 0.0, None)


def _plateau(hour: np.ndarray, rise_start: float, rise_end: float, fall_start: float,
             fall_end: float) -> np.ndarray:
    """0 -> 1 -> 0 with linear ramps: people and lights do not all switch at one instant."""
    rise = np.clip((hour - rise_start) / (rise_end - rise_start), 0.0, 1.0)
    fall = np.clip((fall_end - hour) / (fall_end - fall_start), 0.0, 1.0)
    return np.minimum(rise, fall)


def zone_occupied(clock: DayClock,
                  occupancy: list[tuple[list[tuple[int, int]], bool]]) -> np.ndarray:
    """Whether each HVAC zone is occupied, shape (zones, 1441)."""
    # Many zones share their enterprise's schedule: evaluate each distinct schedule once.
    distinct: dict[str, np.ndarray] = {}
    rows = []
    for shifts, weekends in occupancy:
        key = repr((shifts, weekends))
        if key not in distinct:
            distinct[key] = in_shifts(clock.local_hour, shifts) & (weekends | ~clock.local_weekend)
        rows.append(distinct[key])
    return np.array(rows, dtype=bool).reshape(len(occupancy), len(clock.local_hour))


def waste_heat_kw_th(clock: DayClock, units: list[ThermalUnit],
                     source_shifts: list[tuple[list[tuple[int, int]], float]]) -> np.ndarray:
    """Waste heat offered to each tank while its source enterprise works, (tanks, 1441)."""
    rows = [WASTE_HEAT_SHARE * unit.max_charge_kw_th * shift_weight(clock, shifts, weekend)
            for unit, (shifts, weekend) in zip(units, source_shifts, strict=True)]
    return np.array(rows, dtype=float).reshape(len(units), len(clock.local_hour))


def heat_demand_kw_th(clock: DayClock, units: list[ThermalUnit],
                      outdoor_temp_c: np.ndarray) -> np.ndarray:
    """A morning heat peak (wash water, warm-up of halls), larger on cold days, (tanks, 1441)."""
    distance = np.abs(clock.local_hour - HEAT_MORNING_PEAK_H) / HEAT_MORNING_HALF_WIDTH_H
    bump = np.where(distance < 1.0, np.cos(np.pi / 2 * distance) ** 2, 0.0)
    cold = np.clip((HEAT_BALANCE_TEMP_C - outdoor_temp_c) / HEAT_TEMP_SPAN_K + 0.3, 0.3, 1.5)
    rows = [HEAT_DEMAND_SHARE * unit.max_discharge_kw_th * bump * cold for unit in units]
    return np.array(rows, dtype=float).reshape(len(units), len(clock.local_hour))
