"""The setpoint that makes a zone's own controller draw the planned power over an interval.

A zone controller (VRF, AHU) takes a temperature setpoint, not a power: it is proportional,
drawing `rated_electric_kw` at `controller_band_k` from the setpoint and proportionally less
nearer (cooling above it, heating below it). Writing the plan's temperature as the setpoint
gives a power proportional to the distance still to go, which the zone never closes: the
planned power is not delivered. So the writer inverts the controller instead, from the zone's
configured 1R1C and controller band and the temperatures measured now:

    C dT/dt = (T_out - T)/R + G - COP k (T - sp),   k = rated / band

is linear in T while the controller is not saturated (the same form cooling or heating: the
sign of T - sp is the mode), so with a constant setpoint T relaxes exponentially to

    T_ss = (T_out/R + G + COP k sp) / a,   a = 1/R + COP k,   time constant tau = C / a,

and the interval's mean of T - sp, which is the mean power over k, is linear in sp: one
setpoint gives the planned energy exactly. The zone is not driven past its comfort band by it
(the end temperature is held at the band's edge) and the setpoint stays within one controller
band of the comfort band, so a setpoint left behind by a platform that stops is still a sane
one for the zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from jobs.common.park_config import HvacZone

MODE_OFF, MODE_COOL, MODE_HEAT, MODE_AUTO = 0.0, 1.0, 2.0, 3.0  # the register map's hvac_mode
# a zone planned idle: the setpoint this far beyond where it drifts (two register steps, so
# that the register's rounding keeps it off). Small, because the setpoint ramp limit counts
# from here: at 0.5 K, idle to flat out took 1.5-2 K, and a 1 K ramp held the first interval
# of a cooling block to about 60 % of its planned energy (tests/device_io/test_hvac_power.py)
IDLE_MARGIN_K = 0.2


@dataclass(frozen=True)
class ZoneCommand:
    setpoint_c: float
    mode: float
    note: str


def _closed_loop(zone: HvacZone, zone_temp_c: float, outdoor_temp_c: float, hours: float
                 ) -> tuple[float, float, float, float, float]:
    """(q, r, f, decay, k): T_ss = q + r sp, the interval's mean T = T_ss + (T0 - T_ss) f,
    its end T = T_ss + (T0 - T_ss) decay, k the controller's gain (kW per K)."""
    k = zone.rated_electric_kw / zone.controller_band_k
    a = 1.0 / zone.thermal_resistance_k_per_kw + zone.cop * k
    q = (outdoor_temp_c / zone.thermal_resistance_k_per_kw + zone.internal_gain_kw) / a
    r = zone.cop * k / a
    x = hours * a / zone.thermal_capacitance_kwh_per_k
    decay = math.exp(-x)
    f = -math.expm1(-x) / x  # (1 - e^-x) / x, exact for small x too
    return q, r, f, decay, k


def zone_command(zone: HvacZone, planned_kw: float, cooling: bool, zone_temp_c: float,
                 outdoor_temp_c: float, hours: float, gain_kw: float | None = None
                 ) -> ZoneCommand:
    """The setpoint and mode for `planned_kw` (electric, >= 0) of cooling or heating over
    the next `hours`, the zone at `zone_temp_c` now. gain_kw: the internal gains the plan
    assumed for the interval (an empty zone keeps only a share of them, and the controller
    makes up the rest: with the configured full gains an empty zone drew about 0.7 G / COP
    more than planned); None: the configured gains."""
    values = (planned_kw, zone_temp_c, outdoor_temp_c, hours,
              zone.internal_gain_kw if gain_kw is None else gain_kw)
    if not all(math.isfinite(v) for v in values) or planned_kw < 0 or hours <= 0 \
            or values[-1] < 0:
        raise ValueError(f"HVAC zone {zone.id}: planned power {planned_kw} kW, zone "
                         f"{zone_temp_c} C, outdoor {outdoor_temp_c} C over {hours} h, gains "
                         f"{values[-1]} kW: each must be finite, the power and the gains >= 0 "
                         "and the interval > 0")
    if gain_kw is not None:
        zone = zone.model_copy(update={"internal_gain_kw": gain_kw})
    q, r, f, decay, k = _closed_loop(zone, zone_temp_c, outdoor_temp_c, hours)
    sign = 1.0 if cooling else -1.0  # cooling draws k (T - sp), heating k (sp - T)
    mode = MODE_COOL if cooling else MODE_HEAT
    power_kw = min(planned_kw, zone.rated_electric_kw)
    if power_kw <= 0.0:
        # idle: beyond where the zone drifts with the heat pump off, so it stays off
        free_end_c = _open_loop_end_c(zone, zone_temp_c, outdoor_temp_c, hours, 0.0)
        drift_c = max(zone_temp_c, free_end_c) if cooling else min(zone_temp_c, free_end_c)
        setpoint = drift_c + sign * IDLE_MARGIN_K
        note = "planned idle"
    else:
        # the mean of (T - sp) over the interval is sign x power / k, linear in sp
        wanted_k = sign * power_kw / k
        setpoint = (wanted_k - (1.0 - f) * q - f * zone_temp_c) / ((1.0 - f) * r - 1.0)
        if power_kw >= zone.rated_electric_kw * (1.0 - 1e-9):
            # flat out: keep the controller saturated to the interval's end
            end_c = _flat_out_end_c(zone, zone_temp_c, outdoor_temp_c, hours, cooling)
            edge_c = min(zone_temp_c, end_c) if cooling else max(zone_temp_c, end_c)
            setpoint = min(setpoint, edge_c - zone.controller_band_k) if cooling \
                else max(setpoint, edge_c + zone.controller_band_k)
        # not past the comfort band by the interval's end: T_end = (1-decay)(q + r sp) + decay T0
        edge_c = zone.comfort_min_c if cooling else zone.comfort_max_c
        at_edge = ((edge_c - decay * zone_temp_c) / (1.0 - decay) - q) / r
        setpoint = max(setpoint, at_edge) if cooling else min(setpoint, at_edge)
        note = f"{power_kw:.1f} kW {'cooling' if cooling else 'heating'} from {zone_temp_c:.2f} C"
    low = zone.comfort_min_c - zone.controller_band_k
    high = zone.comfort_max_c + zone.controller_band_k
    return ZoneCommand(min(max(setpoint, low), high), mode, note)


def _flat_out_end_c(zone: HvacZone, zone_temp_c: float, outdoor_temp_c: float, hours: float,
                    cooling: bool) -> float:
    thermal_kw = zone.cop * zone.rated_electric_kw * (-1.0 if cooling else 1.0)
    return _open_loop_end_c(zone, zone_temp_c, outdoor_temp_c, hours, thermal_kw)


def _open_loop_end_c(zone: HvacZone, zone_temp_c: float, outdoor_temp_c: float, hours: float,
                     thermal_kw: float) -> float:
    """The zone's temperature after `hours` at a constant heat pump output (thermal kW)."""
    resistance = zone.thermal_resistance_k_per_kw
    settle_c = outdoor_temp_c + resistance * (zone.internal_gain_kw + thermal_kw)
    decay = math.exp(-hours / (resistance * zone.thermal_capacitance_kwh_per_k))
    return settle_c + (zone_temp_c - settle_c) * decay
