"""Which physical thing each twin device stands for, resolved once from the park config.

A device names its asset (`device.asset`); several devices on one asset (string inverters of one
PV system) each get an equal share of it. A device whose asset is missing gets a seeded stand-in,
so any valid park runs. Loads belong to "load entities": enterprises (and, for a sub-meter or gas
meter without an enterprise, the meter itself), each with a load profile.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from device_io.simulator.streams import stream_rng
from jobs.common.park_config import (
    Battery,
    Device,
    DeviceKind,
    EvCharger,
    HvacZone,
    LoadProfile,
    ParkConfig,
    PvSystem,
    ThermalStorage,
)

AssetT = TypeVar("AssetT", PvSystem, Battery, EvCharger, ThermalStorage)
OFFICE_HOURS = [(8, 18)]  # occupancy of zones whose enterprise has no configured shifts
LOAD_KINDS = (DeviceKind.SUB_METER, DeviceKind.GAS_METER)


@dataclass(frozen=True)
class PvUnit:
    device_id: str
    kwp: float
    inverter_kw: float
    tilt_deg: float
    azimuth_deg: float
    losses_pct: float


@dataclass(frozen=True)
class BatteryUnit:
    device_id: str
    capacity_kwh: float
    power_kw: float
    charge_efficiency: float
    discharge_efficiency: float
    soc_min_pct: float
    soc_max_pct: float
    initial_soc_pct: float


@dataclass(frozen=True)
class ChargerUnit:
    device_id: str
    is_dc: bool
    max_kw: float
    phases: int
    phase_voltage_v: float  # line-to-neutral: what one phase's current is multiplied by


@dataclass(frozen=True)
class ThermalUnit:
    device_id: str
    enterprise: str | None
    capacity_kwh_th: float
    max_charge_kw_th: float
    max_discharge_kw_th: float
    loss_pct_per_hour: float


@dataclass(frozen=True)
class LoadEntity:
    key: str  # the enterprise id, or the device id of an enterprise-less meter
    profile: LoadProfile
    has_sub_meter: bool


@dataclass(frozen=True)
class ParkLayout:
    """Every simulated asset, in a fixed order the fleets index by."""

    pv: list[PvUnit]
    batteries: list[BatteryUnit]
    chargers: list[ChargerUnit]
    zones: list[HvacZone]
    zone_of_hvac_device: dict[str, int]
    thermal: list[ThermalUnit]
    entities: list[LoadEntity]
    entity_of_device: dict[str, int]  # sub-meters and gas meters
    zone_occupancy_shifts: list[tuple[list[tuple[int, int]], bool]]  # (shifts, weekends too)
    thermal_shifts: list[tuple[list[tuple[int, int]], float]]  # (shifts, weekend factor)


def resolve_layout(park: ParkConfig, seed: int) -> ParkLayout:
    """Pair every device with its (share of an) asset and every load with a profile."""
    shares = Counter(d.asset for d in park.devices if d.asset is not None)
    by_kind: dict[DeviceKind, list[Device]] = {kind: [] for kind in DeviceKind}
    for device in park.devices:
        by_kind[device.kind].append(device)
    entities, entity_of_device = _load_entities(park, seed)
    zones, zone_of_device = _zones(park, by_kind[DeviceKind.HVAC], seed)
    thermal = [_thermal_unit(park, d, shares, seed) for d in by_kind[DeviceKind.THERMAL_STORAGE]]
    return ParkLayout(
        pv=[_pv_unit(park, d, shares, seed) for d in by_kind[DeviceKind.PV_INVERTER]],
        batteries=[_battery_unit(park, d, shares, seed) for d in by_kind[DeviceKind.BESS]],
        chargers=[_charger_unit(park, d, shares) for d in by_kind[DeviceKind.EV_CHARGER]],
        zones=zones,
        zone_of_hvac_device=zone_of_device,
        thermal=thermal,
        entities=entities,
        entity_of_device=entity_of_device,
        zone_occupancy_shifts=[_occupancy(park, zone.enterprise) for zone in zones],
        thermal_shifts=[_heat_source_shifts(park, unit.enterprise, seed) for unit in thermal],
    )


def _find(assets: Sequence[AssetT], asset_id: str | None) -> AssetT | None:
    return next((asset for asset in assets if asset.id == asset_id), None)


def _pv_unit(park: ParkConfig, device: Device, shares: Counter, seed: int) -> PvUnit:
    system = _find(park.assets.pv, device.asset)
    if system is None:
        rng = stream_rng(seed, "default_pv", device.id)
        inverter_kw = device.rated_kw or float(rng.choice([50.0, 60.0, 100.0]))
        return PvUnit(device.id, inverter_kw * 1.2, inverter_kw, 15.0, 180.0, 14.0)
    n = shares[system.id]
    return PvUnit(device.id, system.kwp / n, system.inverter_kw / n, system.tilt_deg,
                  system.azimuth_deg, system.losses_pct)


def _battery_unit(park: ParkConfig, device: Device, shares: Counter, seed: int) -> BatteryUnit:
    battery = _find(park.assets.batteries, device.asset)
    if battery is None:
        power_kw = device.rated_kw or 250.0
        battery = Battery(id="default", capacity_kwh=2 * power_kw, power_kw=power_kw)
        n = 1
    else:
        n = shares[battery.id]
    return BatteryUnit(device.id, battery.capacity_kwh / n, battery.power_kw / n,
                       battery.charge_efficiency, battery.discharge_efficiency,
                       battery.soc_min_pct, battery.soc_max_pct, battery.initial_soc_pct)


def _charger_unit(park: ParkConfig, device: Device, shares: Counter) -> ChargerUnit:
    charger = _find(park.assets.ev_chargers, device.asset)
    if charger is None:
        is_dc = "dc" in device.register_map
        charger = EvCharger(id="default", kind="dc" if is_dc else "ac",
                            max_kw=device.rated_kw or (60.0 if is_dc else 7.0),
                            phases=3 if is_dc else 1, voltage_v=400.0 if is_dc else 230.0)
    n = shares.get(charger.id, 1)
    # A three-phase charger's voltage_v is line-to-line; one phase carries 1/sqrt(3) of it.
    phase_v = charger.voltage_v / math.sqrt(3) if charger.phases == 3 else charger.voltage_v
    return ChargerUnit(device.id, charger.kind == "dc", charger.max_kw / n, charger.phases,
                       phase_v)


def _zones(park: ParkConfig, hvac_devices: list[Device],
           seed: int) -> tuple[list[HvacZone], dict[str, int]]:
    """All configured zones (they draw power even without a controller) plus stand-ins."""
    zones = list(park.assets.hvac_zones)
    index = {zone.id: i for i, zone in enumerate(zones)}
    zone_of_device: dict[str, int] = {}
    for device in hvac_devices:
        if device.asset in index:
            zone_of_device[device.id] = index[str(device.asset)]
            continue
        zones.append(_default_zone(device, seed))
        zone_of_device[device.id] = len(zones) - 1
    return zones, zone_of_device


def _default_zone(device: Device, seed: int) -> HvacZone:
    rng = stream_rng(seed, "default_zone", device.id)
    rated_kw = device.rated_kw or float(rng.choice([20.0, 30.0, 60.0]))
    cop = 3.2
    resistance = 10.0 / (rated_kw * cop)  # full cooling holds ~10 K below outdoors
    return HvacZone(id=f"zone-{device.id}", enterprise=device.enterprise,
                    rated_electric_kw=rated_kw, cop=cop,
                    thermal_resistance_k_per_kw=resistance,
                    thermal_capacitance_kwh_per_k=8.0 / resistance,
                    internal_gain_kw=0.25 * rated_kw * cop)


def _thermal_unit(park: ParkConfig, device: Device, shares: Counter, seed: int) -> ThermalUnit:
    tank = _find(park.assets.thermal_storage, device.asset)
    if tank is None:
        rng = stream_rng(seed, "default_tank", device.id)
        capacity = float(rng.choice([1000.0, 2000.0]))
        tank = ThermalStorage(id="default", capacity_kwh_th=capacity,
                              max_charge_kw_th=capacity / 4, max_discharge_kw_th=capacity / 4)
    n = shares.get(tank.id, 1)
    return ThermalUnit(device.id, device.enterprise, tank.capacity_kwh_th / n,
                       tank.max_charge_kw_th / n, tank.max_discharge_kw_th / n,
                       tank.loss_pct_per_hour)


def _load_entities(park: ParkConfig, seed: int) -> tuple[list[LoadEntity], dict[str, int]]:
    """Enterprises seen by a sub-meter or gas meter; a meter without an enterprise is its own."""
    keys: list[str] = []
    entity_of_device: dict[str, int] = {}
    has_sub: dict[str, bool] = {}
    has_gas: dict[str, bool] = {}
    for device in park.devices:
        if device.kind not in LOAD_KINDS:
            continue
        key = device.enterprise or device.id
        if key not in has_sub:
            keys.append(key)
            has_sub[key] = has_gas[key] = False
        has_sub[key] |= device.kind == DeviceKind.SUB_METER
        has_gas[key] |= device.kind == DeviceKind.GAS_METER
        entity_of_device[device.id] = keys.index(key)
    entities = [LoadEntity(key, profile_for(park, key, seed, with_gas=has_gas[key]), has_sub[key])
                for key in keys]
    return entities, entity_of_device


def profile_for(park: ParkConfig, key: str, seed: int, *, with_gas: bool = False) -> LoadProfile:
    """The configured load profile, or a seeded one-shift default for an unprofiled enterprise."""
    configured = park.simulation.load_profiles.get(key)
    if configured is not None:
        return configured
    rng = stream_rng(seed, "default_profile", key)
    base_kw = float(rng.uniform(40.0, 250.0))
    return LoadProfile(base_kw=round(base_kw, 1),
                       shift_kw=round(base_kw * float(rng.uniform(1.0, 3.0)), 1),
                       shifts=[(8, 18)], weekend_factor=0.4, noise_pct=5.0,
                       gas_nm3_per_h=round(float(rng.uniform(20.0, 120.0)), 1) if with_gas else 0.0)


def _occupancy(park: ParkConfig, enterprise: str | None) -> tuple[list[tuple[int, int]], bool]:
    """A zone is occupied during its enterprise's shifts, else office hours on weekdays."""
    profile = park.simulation.load_profiles.get(enterprise or "")
    if profile is None:
        return OFFICE_HOURS, False
    return list(profile.shifts), profile.weekend_factor > 0


def _heat_source_shifts(park: ParkConfig, enterprise: str | None,
                        seed: int) -> tuple[list[tuple[int, int]], float]:
    """Waste heat flows while the source enterprise works (office hours when none is named)."""
    if enterprise is None:
        return OFFICE_HOURS, 0.0
    profile = profile_for(park, enterprise, seed)
    return list(profile.shifts), profile.weekend_factor
