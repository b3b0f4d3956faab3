"""Waste-heat storage tanks: heat only, no electricity.

A tank charges from its source enterprise's waste heat during shifts and discharges into a
morning heat demand; when both are present only the net flows through the tank. Standing losses
are loss_pct_per_hour of the stored heat. A written power_setpoint_kw_th (positive = discharge)
overrides the automatic behaviour for the next hour; its read-back is 0 once it has lapsed.
The heat the users need that neither the waste heat nor the tank gives comes from a gas boiler
(the dispatch model's backup heat): `backup_heat_kwh_th` counts it, so a comparison can put
its gas on every controller's bill (a tank emptied early leaves the boiler to burn).
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.assets import ThermalUnit
from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask, seeded_uniform

OVERRIDE_US = 3600 * 1_000_000
TANK_TEMP_EMPTY_C = 40.0
TANK_TEMP_FULL_C = 90.0


class ThermalFleet:
    def __init__(self, units: list[ThermalUnit], seed: int):
        n = len(units)
        self.device_ids = [u.device_id for u in units]
        self.capacity_kwh_th = np.array([u.capacity_kwh_th for u in units], dtype=float)
        self.max_charge_kw_th = np.array([u.max_charge_kw_th for u in units], dtype=float)
        self.max_discharge_kw_th = np.array([u.max_discharge_kw_th for u in units], dtype=float)
        self.loss_per_h = np.array([u.loss_pct_per_hour / 100.0 for u in units], dtype=float)
        self.stored_kwh_th = self.capacity_kwh_th * seeded_uniform(seed, "tank_soc",
                                                                   self.device_ids, 0.2, 0.8)
        self.override_kw_th = np.zeros(n)
        self.override_until_us = np.zeros(n, dtype=np.int64)
        self.override_active = np.zeros(n, dtype=bool)
        self.power_kw_th = np.zeros(n)  # positive = discharge to the heat users
        self.loss_kw_th = np.zeros(n)
        self.heat_charged_kwh_th = initial_counters(seed, self.device_ids, "heat_in", 1e3, 1e5)
        self.heat_discharged_kwh_th = 0.9 * self.heat_charged_kwh_th
        self.backup_kw_th = np.zeros(n)  # the boiler's heat this step (ground truth)
        self.backup_heat_kwh_th = np.zeros(n)  # integrated since the twin started

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        active = now_us < self.override_until_us
        automatic = exo.heat_demand_kw_th - exo.waste_heat_kw_th
        target = np.clip(np.where(active, self.override_kw_th, automatic),
                         -self.max_charge_kw_th, self.max_discharge_kw_th)
        # Losses are held over the step like every other flow, so the heat balance is exact.
        loss = self.loss_per_h * self.stored_kwh_th
        most_out = np.maximum(self.stored_kwh_th * 3600.0 / dt_s - loss, 0.0)
        most_in = np.maximum((self.capacity_kwh_th - self.stored_kwh_th) * 3600.0 / dt_s + loss,
                             0.0)
        power = np.clip(target, -most_in, most_out)
        self.override_active = np.where(mask, active, self.override_active)
        self.power_kw_th = np.where(mask, power, self.power_kw_th)
        self.loss_kw_th = np.where(mask, loss, self.loss_kw_th)
        # waste heat not taken by the tank feeds the users directly; what they still lack
        # (demand - waste - discharge, with a charge as a negative discharge) the boiler gives
        backup = np.maximum(exo.heat_demand_kw_th - exo.waste_heat_kw_th - power, 0.0)
        self.backup_kw_th = np.where(mask, backup, self.backup_kw_th)

    def integrate(self, dt_s: float) -> None:
        self.stored_kwh_th += (-self.power_kw_th - self.loss_kw_th) * dt_s / 3600.0
        self.heat_charged_kwh_th += np.maximum(-self.power_kw_th, 0.0) * dt_s / 3600.0
        self.heat_discharged_kwh_th += np.maximum(self.power_kw_th, 0.0) * dt_s / 3600.0
        self.backup_heat_kwh_th += self.backup_kw_th * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        if point != "power_setpoint_kw_th":
            return None
        self.override_kw_th[device_row] = value
        self.override_until_us[device_row] = now_us + OVERRIDE_US
        return np.array([device_row])

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        soc = self.stored_kwh_th / self.capacity_kwh_th
        return {
            "stored_heat_kwh_th": self.stored_kwh_th.copy(),
            "state_of_charge_pct": 100.0 * soc,
            "thermal_power_kw_th": self.power_kw_th.copy(),
            "tank_temp_c": TANK_TEMP_EMPTY_C + (TANK_TEMP_FULL_C - TANK_TEMP_EMPTY_C) * soc,
            "heat_charged_kwh_th": self.heat_charged_kwh_th.copy(),
            "heat_discharged_kwh_th": self.heat_discharged_kwh_th.copy(),
            "power_setpoint_kw_th": np.where(self.override_active, self.override_kw_th, 0.0),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.power_kw_th.copy()
