"""Battery PCS + BMS: remote setpoint with a heartbeat watchdog, SOC window, round-trip losses.

Sign: positive power = discharge to the AC bus. In local mode (control_mode 0) the PCS idles at
0 kW. In remote mode it follows power_setpoint_kw, clamped to its rating and to what keeps SOC in
[soc_min, soc_max] over the step, unless the watchdog has expired: the controller must change
watchdog_counter at least every watchdog_timeout_s, or the PCS goes to safe mode at 0 kW.
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.assets import BatteryUnit
from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask, seeded_uniform
from device_io.simulator.timebase import US_PER_S

DEFAULT_WATCHDOG_TIMEOUT_S = 60.0
ST_STANDBY, ST_CHARGING, ST_DISCHARGING, ST_SAFE_MODE = 0, 1, 2, 4
PACK_VOLTAGE_EMPTY_V = 690.0
PACK_VOLTAGE_SPAN_V = 120.0  # from empty to full
PACK_VOLTAGE_SAG_V = 15.0  # at full discharge power (internal resistance)
ROOM_TEMP_C = 25.0  # the container is air-conditioned; outdoor air leaks in a little
CELL_HEATING_AT_RATED_K = 8.0
SOC_LIMIT_TOLERANCE_KWH = 1e-6


class BatteryFleet:
    def __init__(self, units: list[BatteryUnit], seed: int, start_us: int):
        n = len(units)
        self.device_ids = [u.device_id for u in units]
        self.capacity_kwh = np.array([u.capacity_kwh for u in units], dtype=float)
        self.rated_kw = np.array([u.power_kw for u in units], dtype=float)
        self.charge_efficiency = np.array([u.charge_efficiency for u in units], dtype=float)
        self.discharge_efficiency = np.array([u.discharge_efficiency for u in units], dtype=float)
        self.soc_min_kwh = self.capacity_kwh * [u.soc_min_pct / 100.0 for u in units]
        self.soc_max_kwh = self.capacity_kwh * [u.soc_max_pct / 100.0 for u in units]
        self.soc_kwh = self.capacity_kwh * [u.initial_soc_pct / 100.0 for u in units]
        self.soh_pct = seeded_uniform(seed, "bess_soh", self.device_ids, 97.0, 99.0)
        self.control_mode = np.zeros(n, dtype=np.int64)
        self.setpoint_kw = np.zeros(n)
        self.watchdog_counter = np.zeros(n)
        self.watchdog_timeout_s = np.full(n, DEFAULT_WATCHDOG_TIMEOUT_S)
        self.watchdog_changed_us = np.full(n, start_us, dtype=np.int64)
        self.safe_mode = np.zeros(n, dtype=bool)
        self.power_kw = np.zeros(n)  # AC side, positive = discharge
        cycles_kwh = self.capacity_kwh * initial_counters(seed, self.device_ids, "bess", 5, 150)
        self.energy_charged_kwh = cycles_kwh / 0.9  # charged exceeds discharged by the losses
        self.energy_discharged_kwh = cycles_kwh.copy()

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        remote = self.control_mode == 1
        quiet_s = (now_us - self.watchdog_changed_us) / US_PER_S
        safe = remote & (quiet_s >= self.watchdog_timeout_s)
        target = np.where(remote & ~safe,
                          np.clip(self.setpoint_kw, -self.rated_kw, self.rated_kw), 0.0)
        power = np.clip(target, -self._charge_headroom_kw(dt_s),
                        self._discharge_headroom_kw(dt_s))
        self.safe_mode = np.where(mask, safe, self.safe_mode)
        self.power_kw = np.where(mask, power, self.power_kw)

    def _discharge_headroom_kw(self, dt_s: float) -> np.ndarray:
        """The most AC power that leaves SOC at or above soc_min after dt_s."""
        usable_kwh = np.maximum(self.soc_kwh - self.soc_min_kwh, 0.0)
        return usable_kwh * self.discharge_efficiency * 3600.0 / dt_s

    def _charge_headroom_kw(self, dt_s: float) -> np.ndarray:
        room_kwh = np.maximum(self.soc_max_kwh - self.soc_kwh, 0.0)
        return room_kwh / self.charge_efficiency * 3600.0 / dt_s

    def integrate(self, dt_s: float) -> None:
        discharge_kw = np.maximum(self.power_kw, 0.0)
        charge_kw = np.maximum(-self.power_kw, 0.0)
        self.soc_kwh += (charge_kw * self.charge_efficiency
                         - discharge_kw / self.discharge_efficiency) * dt_s / 3600.0
        self.energy_charged_kwh += charge_kw * dt_s / 3600.0
        self.energy_discharged_kwh += discharge_kw * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        if point == "power_setpoint_kw":
            self.setpoint_kw[device_row] = value
        elif point == "control_mode":
            mode = int(round(value))
            if mode == 1 and self.control_mode[device_row] != 1:
                # Entering remote mode arms the watchdog from now, not from the last heartbeat.
                self.watchdog_changed_us[device_row] = now_us
            self.control_mode[device_row] = mode
        elif point == "watchdog_counter":
            if value != self.watchdog_counter[device_row]:
                self.watchdog_changed_us[device_row] = now_us
            self.watchdog_counter[device_row] = value
        elif point == "watchdog_timeout_s":
            self.watchdog_timeout_s[device_row] = value
        else:
            return None
        return np.array([device_row])

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        soc_fraction = self.soc_kwh / self.capacity_kwh
        load = self.power_kw / self.rated_kw
        full = self.soc_kwh >= self.soc_max_kwh - SOC_LIMIT_TOLERANCE_KWH
        empty = self.soc_kwh <= self.soc_min_kwh + SOC_LIMIT_TOLERANCE_KWH
        state = np.where(self.safe_mode, ST_SAFE_MODE,
                         np.where(self.power_kw > 0, ST_DISCHARGING,
                                  np.where(self.power_kw < 0, ST_CHARGING, ST_STANDBY)))
        return {
            "soc_pct": 100.0 * soc_fraction,
            "soh_pct": self.soh_pct.copy(),
            "active_power_kw": self.power_kw.copy(),
            "dc_voltage_v": (PACK_VOLTAGE_EMPTY_V + PACK_VOLTAGE_SPAN_V * soc_fraction
                             - PACK_VOLTAGE_SAG_V * load),
            "max_charge_power_kw": np.where(full, 0.0, self.rated_kw),
            "max_discharge_power_kw": np.where(empty, 0.0, self.rated_kw),
            "cell_temp_max_c": (ROOM_TEMP_C + 0.15 * (exo.outdoor_temp_c - ROOM_TEMP_C)
                                + CELL_HEATING_AT_RATED_K * np.abs(load)),
            "energy_charged_kwh": self.energy_charged_kwh.copy(),
            "energy_discharged_kwh": self.energy_discharged_kwh.copy(),
            "operating_state": state.astype(float),
            "power_setpoint_kw": self.setpoint_kw.copy(),
            "control_mode": self.control_mode.astype(float),
            "watchdog_counter": self.watchdog_counter.copy(),
            "watchdog_timeout_s": self.watchdog_timeout_s.copy(),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.power_kw.copy()
