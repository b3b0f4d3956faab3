"""PV inverters: sun on the plane x clouds, system losses, heat derating, clipping, power limit,
and the park's export protection (device_io/simulator/grid_protection.py) on top.

The power limit is SunSpec model 123's WMaxLimPct: it binds only while WMaxLim_Ena = 1, and
reverts to 100 % `power_limit_revert_s` after the last write when that is > 0 (a watchdog that
stops a crashed controller from curtailing the plant forever).
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.assets import PvUnit
from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, measured_frequency_hz, row_mask
from device_io.simulator.timebase import US_PER_S

INVERTER_EFFICIENCY = 0.975
POWER_TEMP_COEFF_PER_K = -0.0037  # crystalline silicon
CELL_HEATING_K_PER_W_M2 = 0.03  # Ross coefficient of a roof-mounted array
SLEEP_FRACTION = 0.002  # below 0.2 % of rating the inverter cannot hold an MPP and sleeps
MPP_VOLTAGE_STC_V = 620.0
MPP_VOLTAGE_TEMP_COEFF_PER_K = -0.0035
MPP_VOLTAGE_LOG_IRRADIANCE = 0.03
PHASE_VOLTAGE_V = 230.0
VOLTAGE_NOISE = 0.004  # relative, clipped to +-1 %
ST_SLEEPING, ST_MPPT, ST_THROTTLED = 2, 4, 5
LIFETIME_KWH_PER_KWP = (500.0, 4500.0)  # a few months to four years of yield


class PvFleet:
    def __init__(self, units: list[PvUnit], seed: int, start_us: int):
        n = len(units)
        self.device_ids = [u.device_id for u in units]
        self.kwp = np.array([u.kwp for u in units], dtype=float)
        self.inverter_kw = np.array([u.inverter_kw for u in units], dtype=float)
        self.loss_fraction = np.array([u.losses_pct / 100.0 for u in units], dtype=float)
        self.limit_pct = np.full(n, 100.0)
        self.limit_enabled = np.zeros(n, dtype=bool)
        self.revert_s = np.zeros(n)
        self.last_limit_write_us = np.full(n, start_us, dtype=np.int64)
        self.potential_kw = np.zeros(n)  # what the array offers (0 while asleep)
        self.limited_kw = np.zeros(n)  # after the power-limit setpoint
        self.ac_kw = np.zeros(n)  # after the export protection too: what is fed
        self.potential_kwh = np.zeros(n)  # ground truth for perfect foresight, from 0
        self.poa_w_m2 = np.zeros(n)
        self.cell_temp_c = np.zeros(n)
        self.state = np.full(n, ST_SLEEPING)
        self._own_state = self.state.copy()  # as the inverter decided, before protection
        low, high = LIFETIME_KWH_PER_KWP
        self.energy_total_kwh = self.kwp * initial_counters(seed, self.device_ids, "pv", low, high)

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        self._revert_expired_limits(now_us, mask)
        poa = exo.poa_w_m2
        cell_temp_c = exo.outdoor_temp_c + CELL_HEATING_K_PER_W_M2 * poa
        derate = np.maximum(1.0 + POWER_TEMP_COEFF_PER_K * (cell_temp_c - 25.0), 0.0)
        dc_kw = self.kwp * poa / 1000.0 * (1.0 - self.loss_fraction) * derate
        available = np.minimum(dc_kw * INVERTER_EFFICIENCY, self.inverter_kw)
        cap = np.where(self.limit_enabled, self.inverter_kw * self.limit_pct / 100.0,
                       self.inverter_kw)
        asleep = available < SLEEP_FRACTION * self.inverter_kw
        ac = np.where(asleep, 0.0, np.minimum(available, cap))
        state = np.where(asleep, ST_SLEEPING, np.where(available > cap, ST_THROTTLED, ST_MPPT))
        self.potential_kw = np.where(mask, np.where(asleep, 0.0, available), self.potential_kw)
        self.limited_kw = np.where(mask, ac, self.limited_kw)
        self._own_state = np.where(mask, state, self._own_state)
        self.apply_protection(1.0)  # the twin applies its export protection next
        self.poa_w_m2 = np.where(mask, poa, self.poa_w_m2)
        self.cell_temp_c = np.where(mask, cell_temp_c, self.cell_temp_c)

    def apply_protection(self, scale: float) -> None:
        """Every inverter's output times scale (< 1: held down by the export protection,
        which the inverter reports as throttled)."""
        self.ac_kw = self.limited_kw * scale
        self.state = np.where((scale < 1.0) & (self.limited_kw > 0), ST_THROTTLED,
                              self._own_state)

    def _revert_expired_limits(self, now_us: int, mask: np.ndarray) -> None:
        quiet_s = (now_us - self.last_limit_write_us) / US_PER_S
        expired = mask & (self.revert_s > 0) & (quiet_s >= self.revert_s)
        self.limit_pct = np.where(expired, 100.0, self.limit_pct)

    def integrate(self, dt_s: float) -> None:
        self.energy_total_kwh += self.ac_kw * dt_s / 3600.0
        self.potential_kwh += self.potential_kw * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        if point == "power_limit_pct":
            self.limit_pct[device_row] = value
        elif point == "power_limit_enabled":
            self.limit_enabled[device_row] = value >= 0.5
        elif point == "power_limit_revert_s":
            self.revert_s[device_row] = value
            return np.array([device_row])
        else:
            return None
        self.last_limit_write_us[device_row] = now_us
        return np.array([device_row])

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = len(self.device_ids)
        phase_v = PHASE_VOLTAGE_V * (1.0 + np.clip(VOLTAGE_NOISE * rng.standard_normal((n, 3)),
                                                   -0.01, 0.01))
        producing = self.ac_kw > 0
        irradiance = np.maximum(self.poa_w_m2, 50.0)
        mpp_v = MPP_VOLTAGE_STC_V * (
            1.0 + MPP_VOLTAGE_TEMP_COEFF_PER_K * (self.cell_temp_c - 25.0)
            + MPP_VOLTAGE_LOG_IRRADIANCE * np.log(irradiance / 1000.0))
        return {
            # SunSpec A is the total AC current: the sum of the three phase currents.
            "ac_current_a": self.ac_kw * 1000.0 / 3.0 * (1.0 / phase_v).sum(axis=1),
            "voltage_l1_v": phase_v[:, 0],
            "voltage_l2_v": phase_v[:, 1],
            "voltage_l3_v": phase_v[:, 2],
            "ac_power_kw": self.ac_kw.copy(),
            "frequency_hz": measured_frequency_hz(exo, rng, n),
            "energy_total_kwh": self.energy_total_kwh.copy(),
            "dc_voltage_v": np.where(producing, mpp_v, 0.0),
            "dc_power_kw": self.ac_kw / INVERTER_EFFICIENCY,
            "cabinet_temp_c": exo.outdoor_temp_c + 5.0 + 15.0 * self.ac_kw / self.inverter_kw,
            "operating_state": self.state.astype(float),
            "power_limit_pct": self.limit_pct.copy(),
            "power_limit_revert_s": self.revert_s.copy(),
            "power_limit_enabled": self.limit_enabled.astype(float),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.ac_kw.copy()
