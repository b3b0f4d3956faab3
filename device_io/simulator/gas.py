"""Gas meters: an enterprise's process gas (split over its meters), volume-corrected to Nm3."""

from __future__ import annotations

import numpy as np

from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask, split_fractions

LHV_KWH_PER_NM3 = 9.97  # natural gas, lower heating value: the chemical power behind a flow
SUPPLY_PRESSURE_KPA = 300.0
PRESSURE_DROP_AT_DESIGN = 0.05  # the regulator sags a little at full flow
GROUND_TEMP_C = 12.0
GROUND_COUPLING = 0.4  # buried pipes damp the outdoor swing


class GasFleet:
    def __init__(self, device_ids: list[str], entity: list[int], design_nm3_per_h: list[float],
                 seed: int):
        self.device_ids = device_ids
        self.entity = np.array(entity, dtype=np.intp)
        self.fraction = split_fractions(seed, device_ids, self.entity)
        self.design_nm3_per_h = np.maximum(np.array(design_nm3_per_h) * self.fraction * 1.3, 1.0)
        self.flow_nm3_per_h = np.zeros(len(device_ids))
        self.volume_total_nm3 = initial_counters(seed, device_ids, "gas", 1e3, 5e5)

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        flow = exo.gas_nm3_per_h[self.entity] * self.fraction
        self.flow_nm3_per_h = np.where(mask, flow, self.flow_nm3_per_h)

    def integrate(self, dt_s: float) -> None:
        self.volume_total_nm3 += self.flow_nm3_per_h * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        return None

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = len(self.device_ids)
        load = self.flow_nm3_per_h / self.design_nm3_per_h
        gas_temp_c = GROUND_TEMP_C + GROUND_COUPLING * (exo.outdoor_temp_c - GROUND_TEMP_C)
        return {
            "flow_nm3_per_h": self.flow_nm3_per_h.copy(),
            "gas_temperature_c": gas_temp_c + 0.1 * rng.standard_normal(n),
            "pressure_kpa": (SUPPLY_PRESSURE_KPA * (1.0 - PRESSURE_DROP_AT_DESIGN * load)
                             + 0.3 * rng.standard_normal(n)),
            "volume_total_nm3": self.volume_total_nm3.copy(),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.flow_nm3_per_h * LHV_KWH_PER_NM3

