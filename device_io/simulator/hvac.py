"""HVAC zones: a 1R1C thermal model under a proportional controller toward the setpoint.

    C dT/dt = (T_out - T) / R + internal gain - Q_cool + Q_heat,   Q = COP x electric power

Over a step the inputs are constant, so the zone temperature follows the exact exponential
solution: stable for any step and identical however a step is split. The schedule runs the zone
in auto (3) while occupied and off (0) otherwise; a written hvac_mode overrides the schedule
until its next change (the usual BMS "override until next event"); a written setpoint persists.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask, seeded_uniform
from jobs.common.park_assets import HeatingSeason
from jobs.common.park_config import HvacZone

MODE_OFF, MODE_COOL, MODE_HEAT, MODE_AUTO = 0, 1, 2, 3
NO_OVERRIDE = -1
AUTO_HEAT_DEADBAND_K = 1.0  # auto heats only this far below the setpoint: no cool/heat chatter
STABILITY_SHARE = 0.5  # cap the loop gain so one step never overshoots (discrete stability)


class HvacFleet:
    """State rows are zones; several controllers (device rows) may share a zone."""

    def __init__(self, zones: list[HvacZone], device_ids: list[str], device_zone: list[int],
                 seed: int, season: HeatingSeason | None = None, timezone: str = "UTC"):
        n = len(zones)
        # the heating season's band, setpoint and heat pump input, from the first step's day
        self._zones, self._season, self._timezone = list(zones), season, ZoneInfo(timezone)
        self._heating = False  # the arrays below are the year-round zones' until a step says
        self._season_until_us = -1  # the next local midnight (UTC us): check the season again
        self.device_ids = device_ids
        self.device_zone = np.array(device_zone, dtype=np.intp)
        self.zone_ids = [z.id for z in zones]
        self.rated_kw = np.array([z.rated_electric_kw for z in zones], dtype=float)
        self.cop = np.array([z.cop for z in zones], dtype=float)
        self.resistance_k_per_kw = np.array([z.thermal_resistance_k_per_kw for z in zones],
                                            dtype=float)
        self.capacitance_kwh_per_k = np.array([z.thermal_capacitance_kwh_per_k for z in zones],
                                              dtype=float)
        self.internal_gain_kw = np.array([z.internal_gain_kw for z in zones], dtype=float)
        # machines and people leave an empty zone; servers and lights stay (the plan's model
        # takes the same share from the config)
        self.unoccupied_gain_share = np.array([z.unoccupied_gain_share for z in zones],
                                              dtype=float)
        # full power at this distance from the setpoint (the zone's configured controller)
        self.band_k = np.array([z.controller_band_k for z in zones], dtype=float)
        self.setpoint_c = np.array([z.normal_setpoint_c for z in zones], dtype=float)
        self.zone_temp_c = self.setpoint_c + seeded_uniform(seed, "zone_temp", self.zone_ids,
                                                            -1.0, 2.0)
        self.override_mode = np.full(n, NO_OVERRIDE, dtype=np.int64)
        self.mode = np.zeros(n, dtype=np.int64)
        self.last_occupied: np.ndarray | None = None
        self.electric_kw = np.zeros(n)
        self.thermal_kw = np.zeros(n)  # positive heats the zone
        self.gain_kw = np.zeros(n)
        self.outdoor_temp_c = np.zeros(n)
        self.energy_kwh = initial_counters(seed, self.zone_ids, "hvac", 2e3, 2e5)
        self.comfort_min_c = np.array([z.comfort_min_c for z in zones], dtype=float)
        self.comfort_max_c = np.array([z.comfort_max_c for z in zones], dtype=float)
        # kelvin-hours outside the comfort band while occupied (ground truth): a controller
        # that lets the zones drift saves on the bill what the occupants pay for in comfort
        self.comfort_violation_kh = np.zeros(n)

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.zone_ids))
        if now_us >= self._season_until_us:
            self._follow_season(now_us)
        occupied = exo.zone_occupied
        self._follow_schedule(occupied, mask)
        cool_kw, heat_kw = self._controller_kw(dt_s)
        gain_kw = self.internal_gain_kw * np.where(occupied, 1.0, self.unoccupied_gain_share)
        self.electric_kw = np.where(mask, cool_kw + heat_kw, self.electric_kw)
        self.thermal_kw = np.where(mask, self.cop * (heat_kw - cool_kw), self.thermal_kw)
        self.gain_kw = np.where(mask, gain_kw, self.gain_kw)
        self.outdoor_temp_c = np.where(mask, exo.outdoor_temp_c, self.outdoor_temp_c)

    def _follow_season(self, now_us: int) -> None:
        """At a change of season the zones take that season's band, heat pump input and
        setpoint (the BMS's seasonal changeover resets a written setpoint too)."""
        local = dt.datetime.fromtimestamp(now_us / 1e6, dt.UTC).astimezone(self._timezone)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(),
                                       self._timezone)
        self._season_until_us = int(midnight.timestamp() * 1e6)
        heating = self._season is not None and self._season.contains(local.date())
        if heating == self._heating:
            return
        self._heating = heating
        zones = [zone.in_season(heating) for zone in self._zones]
        self.rated_kw = np.array([z.rated_electric_kw for z in zones], dtype=float)
        self.comfort_min_c = np.array([z.comfort_min_c for z in zones], dtype=float)
        self.comfort_max_c = np.array([z.comfort_max_c for z in zones], dtype=float)
        self.setpoint_c = np.array([z.normal_setpoint_c for z in zones], dtype=float)

    def _follow_schedule(self, occupied: np.ndarray, mask: np.ndarray) -> None:
        """Auto while occupied, off otherwise; a schedule change ends a written override."""
        if self.last_occupied is None:
            self.last_occupied = occupied.copy()
        changed = mask & (occupied != self.last_occupied)
        self.override_mode = np.where(changed, NO_OVERRIDE, self.override_mode)
        self.last_occupied = np.where(mask, occupied, self.last_occupied)
        scheduled = np.where(occupied, MODE_AUTO, MODE_OFF)
        mode = np.where(self.override_mode != NO_OVERRIDE, self.override_mode, scheduled)
        self.mode = np.where(mask, mode, self.mode)

    def _controller_kw(self, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Electric power for cooling and for heating (at most one is non-zero)."""
        dt_h = dt_s / 3600.0
        stable_gain = STABILITY_SHARE * self.capacitance_kwh_per_k / (dt_h * self.cop)
        gain_kw_per_k = np.minimum(self.rated_kw / self.band_k, stable_gain)
        error_k = self.zone_temp_c - self.setpoint_c
        cooling = (self.mode == MODE_COOL) | (self.mode == MODE_AUTO)
        heat_error_k = np.where(self.mode == MODE_AUTO, -error_k - AUTO_HEAT_DEADBAND_K, -error_k)
        heating = (self.mode == MODE_HEAT) | (self.mode == MODE_AUTO)
        cool_kw = np.where(cooling, np.clip(gain_kw_per_k * error_k, 0.0, self.rated_kw), 0.0)
        heat_kw = np.where(heating, np.clip(gain_kw_per_k * heat_error_k, 0.0, self.rated_kw),
                           0.0)
        return cool_kw, heat_kw

    def integrate(self, dt_s: float) -> None:
        tau_h = self.resistance_k_per_kw * self.capacitance_kwh_per_k
        settle_c = self.outdoor_temp_c + self.resistance_k_per_kw * (self.gain_kw
                                                                      + self.thermal_kw)
        decay = np.exp(-dt_s / 3600.0 / tau_h)
        start_c = self.zone_temp_c
        self.zone_temp_c = settle_c + (self.zone_temp_c - settle_c) * decay
        # the step's mean temperature (trapezoid: the exponential path over a 1-minute step)
        mean_c = (start_c + self.zone_temp_c) / 2.0
        outside_k = np.maximum(mean_c - self.comfort_max_c, 0.0) \
            + np.maximum(self.comfort_min_c - mean_c, 0.0)
        occupied = self.last_occupied if self.last_occupied is not None else True
        self.comfort_violation_kh += np.where(occupied, outside_k, 0.0) * dt_s / 3600.0
        self.energy_kwh += self.electric_kw * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        zone = self.device_zone[device_row]
        if point == "setpoint_c":
            self.setpoint_c[zone] = value
        elif point == "hvac_mode":
            self.override_mode[zone] = int(round(value))
        else:
            return None
        return np.array([zone])

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        z = self.device_zone
        return {
            "zone_temp_c": self.zone_temp_c[z],
            "outdoor_temp_c": self.outdoor_temp_c[z],
            "electric_power_kw": self.electric_kw[z],
            "energy_kwh": self.energy_kwh[z],
            "setpoint_c": self.setpoint_c[z],
            "hvac_mode": self.mode[z].astype(float),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.electric_kw[self.device_zone]
