"""Electricity meters and the park's one-bus topology behind the grid connection.

    grid = sum(enterprise sub-meters) + sum(common meters) + sum(EV charging)
           + sum(battery charging) - sum(battery discharging) - sum(PV AC output)
           - sum(direct green supply lines)

A direct green supply line (绿电直连) is a second connection beside the grid's: it carries what
its off-site farm offers up to the park's net demand (wind.py), and the grid meter the rest.

A sub-meter sees its share of the enterprise's process load plus the enterprise's HVAC zones;
common meters share the common-area load plus zones that belong to no sub-metered enterprise.
Loads that no meter sees are not simulated, so the balance holds exactly for the readings, with
one exception: HVAC zones with neither a sub-meter nor a common meter to hang under are added to
the grid directly (`unmetered_kw`), because their controllers still report them.
Sign: active power positive = import (flow from the supply side into the metered load).
"""

from __future__ import annotations

import math

import numpy as np

from device_io.simulator.assets import ParkLayout
from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import (
    initial_counters,
    measured_frequency_hz,
    seeded_uniform,
    split_fractions,
)
from device_io.simulator.wind import available_kw, delivered_kw
from jobs.common.park_config import Device, DeviceKind, ParkConfig

LV_PHASE_VOLTAGE_V = 230.0
MAX_METERED_KV = 35.0  # above this the park's substation meters on its 10 kV side
STEP_DOWN_KV = 10.0
VOLTAGE_NOISE = 0.004  # relative, clipped to +-1 %
HVAC_POWER_FACTOR = 0.95
ROLE_GRID, ROLE_SUB, ROLE_COMMON, ROLE_DIRECT = 0, 1, 2, 3
_ROLE = {DeviceKind.GRID_METER: ROLE_GRID, DeviceKind.SUB_METER: ROLE_SUB,
         DeviceKind.COMMON_METER: ROLE_COMMON, DeviceKind.DIRECT_GREEN_METER: ROLE_DIRECT}


class MeterFleet:
    def __init__(self, devices: list[Device], layout: ParkLayout, park: ParkConfig, seed: int):
        n = len(devices)
        self.device_ids = [d.id for d in devices]
        role = np.array([_ROLE[d.kind] for d in devices], dtype=np.int64)
        self._grid = np.flatnonzero(role == ROLE_GRID)
        self._sub = np.flatnonzero(role == ROLE_SUB)
        self._common = np.flatnonzero(role == ROLE_COMMON)
        self._direct = np.flatnonzero(role == ROLE_DIRECT)
        unrated = [d.id for d in devices if d.kind == DeviceKind.DIRECT_GREEN_METER
                   and d.rated_kw is None]
        if unrated:
            raise ValueError(f"direct green supply line(s) {unrated}: the twin needs rated_kw "
                             "(the contracted capacity of the line's plant share)")
        self._direct_rated_kw = np.array([devices[i].rated_kw for i in self._direct],
                                         dtype=float)
        self.direct_rated_kw = self._direct_rated_kw  # read by the twin's ground truth
        self.direct_offered_kw = np.zeros(len(self._direct))  # ground truth, before the cap
        sub_ids = [self.device_ids[i] for i in self._sub]
        self._sub_entity = np.array([layout.entity_of_device[i] for i in sub_ids], dtype=np.intp)
        self._sub_fraction = split_fractions(seed, sub_ids, self._sub_entity)
        common_ids = [self.device_ids[i] for i in self._common]
        self._common_fraction = split_fractions(seed, common_ids,
                                                np.zeros(len(common_ids), dtype=np.intp))
        self._route_zones(layout)
        # A direct line arrives at the park's substation, metered on its grid-side bus.
        self.nominal_phase_v = np.where(np.isin(role, (ROLE_GRID, ROLE_DIRECT)),
                                        _grid_phase_voltage_v(park),
                                        LV_PHASE_VOLTAGE_V)
        load_pf = seeded_uniform(seed, "meter_pf", self.device_ids, 0.92, 0.99)
        self.tan_phi = np.tan(np.arccos(load_pf))
        phase_keys = [f"{device_id}:L{k}" for k in (1, 2, 3) for device_id in self.device_ids]
        imbalance = 1.0 + seeded_uniform(seed, "phase_imbalance", phase_keys, -0.05,
                                         0.05).reshape(3, n).T
        self.phase_share = imbalance / imbalance.sum(axis=1, keepdims=True)
        self.active_kw = np.zeros(n)
        self.reactive_kvar = np.zeros(n)
        self.unmetered_kw = 0.0
        self.grid_kw = 0.0  # at the point of common coupling, + import
        self.energy_import_kwh = initial_counters(seed, self.device_ids, "import", 3e3, 3e5)
        self.energy_export_kwh = np.where(
            role == ROLE_GRID, initial_counters(seed, self.device_ids, "export", 1e2, 5e4),
            initial_counters(seed, self.device_ids, "export", 0.5, 20.0))

    def _route_zones(self, layout: ParkLayout) -> None:
        """Each HVAC zone hangs under its enterprise's feeders, else common meters, else grid."""
        n_zones = len(layout.zones)
        self._zone_entity = np.full(n_zones, -1, dtype=np.intp)
        metered_entities = {e.key: i for i, e in enumerate(layout.entities) if e.has_sub_meter}
        for zone_index, zone in enumerate(layout.zones):
            self._zone_entity[zone_index] = metered_entities.get(zone.enterprise or "", -1)
        unattached = self._zone_entity < 0
        self._zone_common = unattached & (len(self._common) > 0)
        self._zone_unmetered = unattached & (len(self._common) == 0)
        self._n_entities = len(layout.entities)

    def aggregate(self, exo: ExoSnapshot, zone_kw: np.ndarray, ev_kw: np.ndarray,
                  ev_kvar: np.ndarray, battery_kw: np.ndarray, pv_kw: np.ndarray) -> None:
        """Set every meter's power from the flows decided for this step."""
        attached = self._zone_entity >= 0
        hvac_by_entity = np.bincount(self._zone_entity[attached], weights=zone_kw[attached],
                                     minlength=self._n_entities)
        entity_kw = exo.process_kw + hvac_by_entity
        active = np.zeros(len(self.device_ids))
        active[self._sub] = self._sub_fraction * entity_kw[self._sub_entity]
        common_kw = exo.common_kw + zone_kw[self._zone_common].sum()
        active[self._common] = self._common_fraction * common_kw
        reactive = active * self.tan_phi
        self.unmetered_kw = float(zone_kw[self._zone_unmetered].sum())
        unmetered_kvar = self.unmetered_kw * math.tan(math.acos(HVAC_POWER_FACTOR))
        loads = np.concatenate([self._sub, self._common])
        net_demand_kw = (active[loads].sum() + ev_kw.sum() + self.unmetered_kw
                         - battery_kw.sum() - pv_kw.sum())
        self.direct_offered_kw = available_kw(exo.wind_speed_m_s, self._direct_rated_kw)
        direct_kw = delivered_kw(self.direct_offered_kw, float(net_demand_kw))
        active[self._direct] = direct_kw
        # The farm's inverters hold a power factor near one: the park's reactive power still
        # comes through the grid meter.
        reactive[self._direct] = 0.0
        grid_kw = net_demand_kw - direct_kw.sum()
        grid_kvar = reactive[loads].sum() + ev_kvar.sum() + unmetered_kvar
        active[self._grid] = grid_kw
        self.grid_kw = float(grid_kw)
        reactive[self._grid] = grid_kvar
        self.active_kw = active
        self.reactive_kvar = reactive

    def integrate(self, dt_s: float) -> None:
        self.energy_import_kwh += np.maximum(self.active_kw, 0.0) * dt_s / 3600.0
        self.energy_export_kwh += np.maximum(-self.active_kw, 0.0) * dt_s / 3600.0

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        return None

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        n = len(self.device_ids)
        noise = np.clip(VOLTAGE_NOISE * rng.standard_normal((n, 3)), -0.01, 0.01)
        phase_v = self.nominal_phase_v[:, None] * (1.0 + noise)
        apparent_kva = np.hypot(self.active_kw, self.reactive_kvar)
        current_a = apparent_kva[:, None] * 1000.0 * self.phase_share / phase_v
        power_factor = np.divide(self.active_kw, apparent_kva, out=np.ones(n),
                                 where=apparent_kva > 1e-9)
        return {
            "voltage_l1_v": phase_v[:, 0],
            "voltage_l2_v": phase_v[:, 1],
            "voltage_l3_v": phase_v[:, 2],
            "current_l1_a": current_a[:, 0],
            "current_l2_a": current_a[:, 1],
            "current_l3_a": current_a[:, 2],
            "active_power_kw": self.active_kw.copy(),
            "reactive_power_kvar": self.reactive_kvar.copy(),
            "power_factor": power_factor,
            "frequency_hz": measured_frequency_hz(exo, rng, n),
            "energy_import_kwh": self.energy_import_kwh.copy(),
            "energy_export_kwh": self.energy_export_kwh.copy(),
        }

    def true_power_kw(self) -> np.ndarray:
        return self.active_kw.copy()


def _grid_phase_voltage_v(park: ParkConfig) -> float:
    kv = park.park.grid_connection.voltage_kv
    return (kv if kv <= MAX_METERED_KV else STEP_DOWN_KV) * 1000.0 / math.sqrt(3.0)
