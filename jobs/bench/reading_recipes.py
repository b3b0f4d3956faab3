"""How the warehouse benchmark's synthetic park behaves: each device kind's power over the day,
how its power enters the grid connection, and how each landed point's value is made from it
(the recipes ReadingsGenerator applies; jobs/bench/readings_generator.py)."""

from __future__ import annotations

import numpy as np

from jobs.common.park_config import DeviceKind
from jobs.common.register_map import Point, PointRole

# How a device's signed power enters the net import at the grid connection.
GRID_SIGN: dict[DeviceKind, int] = {
    DeviceKind.SUB_METER: 1, DeviceKind.COMMON_METER: 1, DeviceKind.EV_CHARGER: 1,
    DeviceKind.PV_INVERTER: -1, DeviceKind.BESS: -1}
# Counters counting the negative part of their device's power (meters import positive,
# batteries and heat stores discharge positive); every other counter counts the positive part.
NEGATIVE_COUNTERS = frozenset({"energy_export_kwh", "energy_charged_kwh", "heat_charged_kwh_th"})
# The point showing a device's signed power, the first of these its map has.
POWER_POINTS = ("active_power_kw", "ac_power_kw", "charging_power_kw", "electric_power_kw",
                "flow_nm3_per_h", "thermal_power_kw_th")
# Share of its rating a device's power reaches at the top of its daily shape (drawn per device).
UTILISATION: dict[str, tuple[float, float]] = {
    DeviceKind.SUB_METER: (0.25, 0.45), DeviceKind.COMMON_METER: (0.3, 0.5),
    DeviceKind.PV_INVERTER: (0.7, 0.9), DeviceKind.BESS: (0.5, 0.8),
    DeviceKind.EV_CHARGER: (0.3, 0.6), DeviceKind.HVAC: (0.3, 0.6),
    DeviceKind.GAS_METER: (0.3, 0.6), DeviceKind.THERMAL_STORAGE: (0.4, 0.7)}
POWER_NOISE = 0.06  # relative, per minute; clipped at +-20 % so no counter nears its rate limit

# How a non-counter point's value is made (codes of _Rows.recipe); EV_STATE and EV_SESSION
# come from the cars at the chargers (jobs/bench/ev_cars.py)
COUNTER, POWER, CURRENT, LEVEL, CONSTANT, CLOCK, EV_STATE, EV_SESSION = range(8)
# LEVEL points by unit: (base, daily swing, noise); temperatures by what they measure
LEVELS: dict[str, tuple[float, float, float]] = {
    "V": (230.0, 2.0, 1.0), "Hz": (50.0, 0.0, 0.02), "kPa": (300.0, 5.0, 1.0),
    "%": (50.0, 30.0, 0.5), "degC": (25.0, 3.0, 0.2), "": (0.95, 0.02, 0.005)}
TEMPERATURES: dict[str, tuple[float, float, float]] = {
    "outdoor": (17.0, 6.0, 0.1), "zone": (24.0, 1.0, 0.1), "cabinet": (35.0, 8.0, 0.3),
    "cell": (28.0, 3.0, 0.1), "gas": (15.0, 2.0, 0.1), "tank": (85.0, 5.0, 0.2)}


def _bump(hours: np.ndarray, start: float, end: float, ramp_h: float = 1.0) -> np.ndarray:
    """1 between local hours start and end, linear ramps `ramp_h` wide, 0 elsewhere."""
    rise = np.clip((hours - start) / ramp_h + 0.5, 0.0, 1.0)
    fall = np.clip((end - hours) / ramp_h + 0.5, 0.0, 1.0)
    return np.minimum(rise, fall)


def daily_shapes(hours: np.ndarray, weekend: np.ndarray, sun: float) -> dict[str, np.ndarray]:
    """Each device kind's power over the day, as a share of its peak (signed for storage)."""
    workday = np.where(weekend, 0.6, 1.0)
    return {
        DeviceKind.SUB_METER: (0.4 + 0.6 * _bump(hours, 8, 20)) * workday,
        DeviceKind.COMMON_METER: 0.5 + 0.5 * _bump(hours, 7, 22),
        DeviceKind.PV_INVERTER: np.clip(np.sin(np.pi * (hours - 6) / 12), 0.0, None) * sun,
        # charge in the valley, discharge in the peaks (the TOU tariff's arbitrage)
        DeviceKind.BESS: _bump(hours, 8, 11) + _bump(hours, 17, 21) - _bump(hours, 0, 7),
        DeviceKind.EV_CHARGER: 0.05 + 0.9 * _bump(hours, 8, 18) * workday,
        DeviceKind.HVAC: 0.15 + 0.85 * _bump(hours, 8, 20),
        DeviceKind.GAS_METER: 0.3 + 0.7 * _bump(hours, 6, 22) * workday,
        # store waste heat by day, release it in the evening
        DeviceKind.THERMAL_STORAGE: _bump(hours, 18, 23) - _bump(hours, 9, 17),
    }



def register_values(values: np.ndarray, resolution: np.ndarray,
                     wrap: np.ndarray | None = None) -> np.ndarray:
    """Values as a poller decodes them from integer registers of the given resolution
    (0: a float register, left as it is), wrapping where `wrap` (raw) is set."""
    integer = resolution > 0
    raw = np.round(values / np.where(integer, resolution, 1.0))
    if wrap is not None:
        raw = np.where(wrap > 0, np.mod(raw, np.where(wrap > 0, wrap, 1.0)), raw)
    # as the decoder does: divide by 10^k (exact at range limits) rather than multiply
    divisor = np.round(1.0 / np.where(integer, resolution, 1.0))
    exact = integer & (resolution < 1.0) & np.isclose(divisor * resolution, 1.0)
    decoded = np.where(exact, raw / np.where(exact, divisor, 1.0), raw * resolution)
    return np.where(integer, decoded, values)


def recipe(point: Point, power_point: str | None, rating: float,
            kind: DeviceKind) -> tuple[int, float, float, float]:
    """How a point's value is made: (code, a, b, c); see readings_generator.Columns."""
    name, unit = point.name, point.unit
    if point.cumulative:
        return COUNTER, 0.0, 0.0, 0.0
    if kind == DeviceKind.EV_CHARGER and name in ("charger_state", "session_energy_kwh"):
        return (EV_STATE if name == "charger_state" else EV_SESSION), 0.0, 0.0, 0.0
    if point.role == PointRole.SETPOINT:  # as commanded: steady
        low = point.write_min if point.write_min is not None else 0.0
        high = point.write_max if point.write_max is not None else low
        return CONSTANT, high if "limit" in name else round((low + high) / 2), 0.0, 0.0
    if "time" in name and unit == "s":
        return CLOCK, 0.0, 0.0, 0.0
    if name == power_point:
        return POWER, 1.0, 0.0, 0.0
    if name.startswith("max_") and unit == "kW":
        return CONSTANT, rating, 0.0, 0.0
    if unit in ("kW", "kvar", "kW_th", "Nm3/h"):
        return POWER, {"kvar": 0.3}.get(unit, 1.03 if name.startswith("dc_") else 1.0), 0.0, 0.0
    if unit == "A":  # per phase at 230 V; single-phase for an AC wallbox
        return CURRENT, 1000.0 / 230.0 / (1 if kind == DeviceKind.EV_CHARGER else 3), 0.0, 0.0
    if unit == "V" and name.startswith("dc_"):
        return LEVEL, 700.0, 5.0, 1.0
    if unit == "degC":
        where = next((k for k in TEMPERATURES if name.startswith(k)), None)
        return (LEVEL, *(TEMPERATURES[where] if where else LEVELS["degC"]))
    if unit in ("kWh", "kWh_th"):  # a session's energy, heat in store: some share of a day's
        return LEVEL, 2.0 * rating, 1.5 * rating, 0.0
    if unit == "%" and "soh" in name:
        return CONSTANT, 97.0, 0.0, 0.0
    if unit == "" and "power_factor" not in name:  # a state or mode: steady, inside its range
        low = point.valid_min if point.valid_min is not None else 0.0
        high = point.valid_max if point.valid_max is not None else low
        return CONSTANT, float(round((low + high) / 2)), 0.0, 0.0
    return (LEVEL, *LEVELS.get(unit, (0.0, 0.0, 0.0)))

