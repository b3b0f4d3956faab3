"""How far a controllable device may be driven: its power rating, and the write bounds of its
power setpoints narrowed to that rating.

A register map describes a device model and is shared by every device of that model, whatever
its size (one `bess_pcs` map serves a 500 kW and a 1,000 kW PCS), so the map's write bounds are
the model's register limits, not any one device's. The device's rating comes from park.yaml:
`rated_kw` on the device, else the rating of the asset it drives (a battery's `power_kw`, a
thermal store's larger charge/discharge power, an EV charger's `max_kw`, a PV site's
`inverter_kw`, an HVAC zone's `rated_electric_kw`). A writable point measured in kW or kW_th
may only be driven within +-rating (0..rating where the map allows no negative value):
`rated_write_bounds` gives those bounds, and validation refuses a controllable device whose
power points cannot be bounded that way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from jobs.common.park_assets import Assets
from jobs.common.park_sections import Device, DeviceKind
from jobs.common.register_map import Point, RegisterMap

POWER_UNITS = frozenset({"kW", "kW_th"})
# Assets one device drives whole: their planned power must fit the device's rating.
SINGLE_DEVICE_ASSETS = frozenset({DeviceKind.BESS, DeviceKind.THERMAL_STORAGE,
                                  DeviceKind.EV_CHARGER})


def asset_power_kw(assets: Assets, asset_id: str | None) -> float | None:
    """The asset's power rating (kW, or kW_th for a thermal store); None if unknown."""
    for battery in assets.batteries:
        if battery.id == asset_id:
            return battery.power_kw
    for store in assets.thermal_storage:
        if store.id == asset_id:
            return max(store.max_charge_kw_th, store.max_discharge_kw_th)
    for charger in assets.ev_chargers:
        if charger.id == asset_id:
            return charger.max_kw
    for site in assets.pv:
        if site.id == asset_id:
            return site.inverter_kw
    for zone in assets.hvac_zones:
        if zone.id == asset_id:
            return zone.largest_electric_kw
    return None


def device_rating_kw(device: Device, assets: Assets) -> float | None:
    return device.rated_kw if device.rated_kw is not None else asset_power_kw(assets,
                                                                              device.asset)


def is_power_point(point: Point) -> bool:
    return point.writable and point.unit in POWER_UNITS


def rated_write_bounds(device: Device, point: Point, assets: Assets) -> tuple[float, float]:
    """The range a setpoint may be written in on this device: the map's write bounds, and for
    a power point also +-the device's rating. (Validation guarantees both exist and overlap.)"""
    low, high = float(point.write_min or 0.0), float(point.write_max or 0.0)
    rating = device_rating_kw(device, assets)
    if is_power_point(point) and rating is not None:
        low, high = max(low, -rating), min(high, rating)
    return low, high


def rating_problems(index: int, device: Device, register_map: RegisterMap,
                    assets: Assets, devices: Sequence[Device] = ()) -> list[str]:
    """Why a controllable device's power setpoints cannot be held within its rating.
    `devices`: the park's, so that an asset driven by several devices (a battery behind two
    PCS, each given its share of the plan) is weighed against their ratings together."""
    if not device.controllable:
        return []
    where = f"devices[{index}]({device.id})"
    problems = []
    rating = device_rating_kw(device, assets)
    for point in filter(is_power_point, register_map.writable_points):
        if rating is None:
            problems.append(f"{where}.rated_kw: the device is controllable and its point "
                            f"{point.name!r} is a power in {point.unit}, but neither the device "
                            "nor its asset has a rating to bound it: set rated_kw")
            continue
        low, high = rated_write_bounds(device, point, assets)
        if low > high:
            problems.append(f"{where}.rated_kw: the map's bounds for {point.name!r} "
                            f"[{point.write_min:g}, {point.write_max:g}] {point.unit} leave "
                            f"nothing within the rating +-{rating:g}")
    planned = asset_power_kw(assets, device.asset)
    if device.kind in SINGLE_DEVICE_ASSETS and device.rated_kw is not None \
            and planned is not None:
        sharing = [d for d in devices if d.asset == device.asset and d.kind == device.kind
                   and d.controllable] or [device]
        ratings_kw = [d.rated_kw for d in sharing if d.rated_kw is not None]
        if len(ratings_kw) < len(sharing):
            together = device.rated_kw
            names = f"the device's rating {device.rated_kw:g} kW"
        else:
            together = math.fsum(ratings_kw)
            names = (f"the device's rating {device.rated_kw:g} kW" if len(sharing) == 1 else
                     f"the {len(sharing)} devices' ratings together, {together:g} kW")
        if planned > together + 1e-9:
            problems.append(f"{where}.rated_kw: asset {device.asset!r} is planned at up to "
                            f"{planned:g} kW, above {names}")
    return problems
