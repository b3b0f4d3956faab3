"""Water meters: an enterprise's fresh (or reused) water, following its process load.

A plant's water use tracks its production, so the flow is the enterprise's process power times
a water intensity, split over the enterprise's water meters. A meter without an enterprise (or
of an enterprise no feeder measures) draws a small constant flow (a park's service water).
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask

WATER_M3_PER_KWH = 0.002  # 1 MW of process load draws 2 m3/h: light manufacturing
SERVICE_WATER_M3_PER_H = 0.5


class WaterFleet:
    def __init__(self, device_ids: list[str], entity: list[int], seed: int):
        self.device_ids = device_ids
        self.entity = np.array(entity, dtype=np.intp)  # -1: no load entity
        meters_per_entity = {e: int(np.sum(self.entity == e)) for e in set(entity)}
        self.share = np.array([1.0 / meters_per_entity[e] for e in entity])
        self.flow_m3_per_h = np.zeros(len(device_ids))
        self.volume_total_m3 = initial_counters(seed, device_ids, "water", 1e3, 1e6)

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        has_entity = self.entity >= 0
        process_kw = np.zeros(len(self.device_ids))
        process_kw[has_entity] = exo.process_kw[self.entity[has_entity]]
        flow = np.where(has_entity, process_kw * WATER_M3_PER_KWH * self.share,
                        SERVICE_WATER_M3_PER_H)
        self.flow_m3_per_h = np.where(mask, flow, self.flow_m3_per_h)

    def integrate(self, dt_s: float) -> None:
        self.volume_total_m3 += self.flow_m3_per_h * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        return None

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"flow_m3_per_h": self.flow_m3_per_h.copy(),
                "volume_total_m3": self.volume_total_m3.copy()}

    def true_power_kw(self) -> np.ndarray:
        return np.zeros(len(self.device_ids))  # water carries no energy the park balances
