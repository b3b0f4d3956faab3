"""What each controllable device should be told in one interval: the plan's setpoints for the
assets, translated to the points their register maps offer, or the devices' safe defaults.

Plan quantity (per asset)            -> device point(s)
  battery setpoint_kw (discharge +)  -> power_setpoint_kw (each PCS its share by rated kW) and
                                        control_mode 1 (remote)
  hvac_zone setpoint_c               -> setpoint_c of every controller of the zone
  pv power_limit_pct                 -> power_limit_pct of every inverter of the system, with
                                        power_limit_enabled 1
  thermal_storage setpoint_kw_th     -> power_setpoint_kw_th (each controller its share)
  ev_group power_kw (summed)         -> the chargers with a car plugged in share it by rating:
                                        current_limit_a (AC; below 6 A a car cannot charge,
                                        so 0 pauses it) or power_limit_kw (DC); chargers
                                        without a car get their normal limit
Safe defaults (no trusted plan): battery 0 kW in local mode (the PCS's own safe behaviour),
chargers at their normal limit, HVAC at its normal setpoint, PV unlimited (100 %), and the
waste-heat tank left to its own controller (nothing written: its override lapses by itself).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from device_io.register_map import RegisterMap
from device_io.setpoints.plan_source import PlanInForce
from jobs.common.park_config import Device, DeviceKind, ParkConfig

IEC_61851_MIN_A = 6.0  # below this an AC charger cannot deliver: 0 A pauses charging
CONNECTED_STATES = (1.0, 2.0)  # charger_state: connected (not charging), charging
CONTROLLED_KINDS = (DeviceKind.BESS, DeviceKind.EV_CHARGER, DeviceKind.HVAC,
                    DeviceKind.PV_INVERTER, DeviceKind.THERMAL_STORAGE)


@dataclass(frozen=True)
class Command:
    """One point of one device and the value wanted for it, before the safety pipeline."""

    device_id: str
    asset_id: str | None
    point: str
    value: float
    source: str  # plan / fallback_plan / safe_default / heartbeat / live_correction
    note: str = ""


def controlled_devices(park: ParkConfig) -> list[Device]:
    return [d for d in park.devices if d.kind in CONTROLLED_KINDS]


def _by_asset(park: ParkConfig, kind: DeviceKind) -> dict[str, list[Device]]:
    grouped: dict[str, list[Device]] = defaultdict(list)
    for device in park.devices:
        if device.kind == kind and device.asset is not None:
            grouped[device.asset].append(device)
    return grouped


def _shares(devices: list[Device]) -> dict[str, float]:
    """Each device's share of its asset: by rated kW where all are rated, else equal."""
    rated = [d.rated_kw for d in devices]
    if all(r is not None for r in rated):
        total = sum(r for r in rated if r is not None)
        return {d.id: (d.rated_kw or 0.0) / total for d in devices}
    return {d.id: 1.0 / len(devices) for d in devices}


def _charger_kw_to_limit(park: ParkConfig, device: Device, register_map: RegisterMap,
                         kw: float) -> tuple[str, float]:
    """The point and value that let a charger draw about `kw`."""
    charger = next((c for c in park.assets.ev_chargers if c.id == device.asset), None)
    if register_map.has_point("power_limit_kw"):
        return "power_limit_kw", kw
    phases = charger.phases if charger else 1
    voltage = charger.voltage_v if charger else 230.0
    phase_v = voltage / math.sqrt(3) if phases == 3 else voltage
    amps = kw * 1000.0 / (phases * phase_v)
    return "current_limit_a", amps if amps >= IEC_61851_MIN_A else 0.0


def _charger_normal_limit(park: ParkConfig, device: Device, register_map: RegisterMap
                          ) -> tuple[str, float]:
    if register_map.has_point("power_limit_kw"):
        charger = next((c for c in park.assets.ev_chargers if c.id == device.asset), None)
        point = register_map.point("power_limit_kw")
        return "power_limit_kw", charger.max_kw if charger else float(point.write_max or 0)
    return "current_limit_a", float(register_map.point("current_limit_a").write_max or 0)


def plan_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], plan: PlanInForce,
                  live: Mapping[str, Mapping[str, float | None]]) -> list[Command]:
    """The plan's interval as device commands; `live`: each device's points read now."""
    source = "fallback_plan" if plan.is_fallback else "plan"
    commands: list[Command] = []
    for asset, devices in _by_asset(park, DeviceKind.BESS).items():
        planned = plan.value(asset, "setpoint_kw")
        if planned is None:
            continue
        for device_id, share in _shares(devices).items():
            commands.append(Command(device_id, asset, "power_setpoint_kw", planned * share,
                                    source, f"{share:.0%} of {planned:.1f} kW"))
            commands.append(Command(device_id, asset, "control_mode", 1.0, source))
    for asset, devices in _by_asset(park, DeviceKind.HVAC).items():
        if (setpoint := plan.value(asset, "setpoint_c")) is not None:
            commands += [Command(d.id, asset, "setpoint_c", setpoint, source) for d in devices]
    for asset, devices in _by_asset(park, DeviceKind.PV_INVERTER).items():
        if (limit := plan.value(asset, "power_limit_pct")) is not None:
            for device in devices:
                commands.append(Command(device.id, asset, "power_limit_pct", limit, source))
                commands.append(Command(device.id, asset, "power_limit_enabled", 1.0, source))
    for asset, devices in _by_asset(park, DeviceKind.THERMAL_STORAGE).items():
        if (heat_kw := plan.value(asset, "setpoint_kw_th")) is not None:
            commands += [Command(device_id, asset, "power_setpoint_kw_th", heat_kw * share,
                                 source) for device_id, share in _shares(devices).items()]
    commands += _ev_commands(park, maps, plan, live, source)
    return commands


def _ev_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], plan: PlanInForce,
                 live: Mapping[str, Mapping[str, float | None]], source: str) -> list[Command]:
    groups = plan.rows[(plan.rows["asset_kind"] == "ev_group")
                       & (plan.rows["quantity"] == "power_kw")]
    if groups.empty:
        return []
    planned_kw = float(groups["value"].sum())
    chargers = [d for d in park.devices if d.kind == DeviceKind.EV_CHARGER]
    rating = {c.id: c.max_kw for c in park.assets.ev_chargers}
    plugged = [d for d in chargers if live.get(d.id, {}).get("charger_state") in CONNECTED_STATES]
    total_kw = sum(rating.get(d.asset or "", d.rated_kw or 0.0) for d in plugged)
    commands = []
    for device in chargers:
        register_map = maps[device.register_map]
        if device in plugged and total_kw > 0:
            own_kw = rating.get(device.asset or "", device.rated_kw or 0.0)
            kw = min(planned_kw * own_kw / total_kw, own_kw)
            point, value = _charger_kw_to_limit(park, device, register_map, kw)
            note = f"{kw:.1f} kW of the plan's {planned_kw:.1f} kW for {len(plugged)} cars"
        else:
            point, value = _charger_normal_limit(park, device, register_map)
            note = "no car plugged in: normal limit"
        commands.append(Command(device.id, device.asset, point, value, source, note))
    return commands


def safe_default_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], reason: str
                          ) -> list[Command]:
    commands = []
    normal_c = {z.id: z.normal_setpoint_c for z in park.assets.hvac_zones}
    for device in controlled_devices(park):
        note = f"safe default: {reason}"
        if device.kind == DeviceKind.BESS:
            commands.append(Command(device.id, device.asset, "power_setpoint_kw", 0.0,
                                    "safe_default", note))
            commands.append(Command(device.id, device.asset, "control_mode", 0.0,
                                    "safe_default", note))
        elif device.kind == DeviceKind.EV_CHARGER:
            point, value = _charger_normal_limit(park, device, maps[device.register_map])
            commands.append(Command(device.id, device.asset, point, value, "safe_default", note))
        elif device.kind == DeviceKind.HVAC and device.asset in normal_c:
            commands.append(Command(device.id, device.asset, "setpoint_c",
                                    normal_c[device.asset], "safe_default", note))
        elif device.kind == DeviceKind.PV_INVERTER:
            commands.append(Command(device.id, device.asset, "power_limit_pct", 100.0,
                                    "safe_default", note))
    return commands


def heartbeat_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], counter: int,
                       watchdog_s: int) -> list[Command]:
    """Keep the devices' own watchdogs fed, so that they fall back to their safe mode by
    themselves if the platform stops: a PCS heartbeat and its timeout, an inverter's power
    limit revert time."""
    commands = []
    for device in controlled_devices(park):
        register_map = maps[device.register_map]
        if register_map.has_point("watchdog_counter"):
            commands.append(Command(device.id, device.asset, "watchdog_timeout_s",
                                    float(watchdog_s), "heartbeat"))
            commands.append(Command(device.id, device.asset, "watchdog_counter",
                                    float(counter % 65536), "heartbeat"))
        if register_map.has_point("power_limit_revert_s"):
            commands.append(Command(device.id, device.asset, "power_limit_revert_s",
                                    float(watchdog_s), "heartbeat"))
    return commands
