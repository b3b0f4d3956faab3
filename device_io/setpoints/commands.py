"""What each controllable device should be told in one interval: the plan's setpoints for the
assets, translated to the points their register maps offer, or the devices' safe defaults.

Plan quantity (per asset, in the unit plan_units converts it to) -> device point(s)
  battery setpoint_kw (discharge +)  -> power_setpoint_kw (each PCS its share by rated kW) and
                                        control_mode 1 (remote)
  hvac_zone cooling_kw / heating_kw -> setpoint_c of every controller of the zone, the one that
                                        makes its proportional controller draw that power over
                                        the interval (hvac_power.py), and hvac_mode cool/heat;
                                        the zone's temperatures unread: the plan's setpoint_c
  hvac_zone setpoint_c               -> setpoint_c of every controller of the zone (plans
                                        without a planned power)
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

from device_io.setpoints.hvac_power import (
    IDLE_MARGIN_K,
    MODE_AUTO,
    MODE_COOL,
    MODE_HEAT,
    MODE_OFF,
    zone_command,
)
from device_io.setpoints.plan_source import PlanInForce, PlanRefusal
from device_io.setpoints.plan_units import COMMAND_UNITS
from jobs.common.park_config import Device, DeviceKind, ParkConfig
from jobs.common.register_map import RegisterMap

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
    # why the command must not be taken (a plan row refused by meaning): the safety
    # pipeline's first rule refuses it with this reason
    refused: str = ""


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
    # a non-finite power stays non-finite (the safety pipeline refuses it), never 0 A
    return "current_limit_a", amps if amps >= IEC_61851_MIN_A or not math.isfinite(amps) \
        else 0.0


def _charger_normal_limit(park: ParkConfig, device: Device, register_map: RegisterMap
                          ) -> tuple[str, float]:
    if register_map.has_point("power_limit_kw"):
        charger = next((c for c in park.assets.ev_chargers if c.id == device.asset), None)
        point = register_map.point("power_limit_kw")
        return "power_limit_kw", charger.max_kw if charger else float(point.write_max or 0)
    return "current_limit_a", float(register_map.point("current_limit_a").write_max or 0)


# the zones' planned heat pump power, cooling or heating: the writer's setpoint delivers it
HVAC_POWER = {("hvac_zone", "cooling_kw"), ("hvac_zone", "heating_kw")}
HVAC_INTERVAL_H = 0.25  # the writer's interval, over which the setpoint is held
HVAC_GAIN = "gain_kw"  # the zone's gains the plan assumed: the inversion takes the same
EV_FLEET_POWER = ("ev_group", "power_kw")  # summed over the groups, shared by the chargers
# the plan's asset kinds that one device point per device carries, and that point
ASSET_DEVICES = {"battery": (DeviceKind.BESS, "power_setpoint_kw"),
                 "hvac_zone": (DeviceKind.HVAC, "setpoint_c"),
                 "pv": (DeviceKind.PV_INVERTER, "power_limit_pct"),
                 "thermal_storage": (DeviceKind.THERMAL_STORAGE, "power_setpoint_kw_th")}


def plan_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], plan: PlanInForce,
                  live: Mapping[str, Mapping[str, float | None]]) -> list[Command]:
    """The plan's interval as device commands; `live`: each device's points read now.

    Every commanded plan quantity becomes commands or refused commands (with the reason, for
    the audit): one the plan refused (unit, value, duplicates), one whose asset no controllable
    device carries."""
    source = "fallback_plan" if plan.is_fallback else "plan"
    commands: list[Command] = []
    by_power: dict[str, dict[str, float]] = {}
    for (kind, asset, quantity), value in plan.setpoints.items():
        if (kind, quantity) in HVAC_POWER:
            by_power.setdefault(asset, {})[quantity] = value
    for zone_id, powers in by_power.items():
        quantity, value = _zone_direction(park, live, zone_id, powers)
        commands += _zone_commands(park, maps, plan, live, zone_id, quantity, value, source)
    for (kind, asset, quantity), value in plan.setpoints.items():
        if (kind, quantity) in HVAC_POWER:
            continue
        if kind == "hvac_zone" and (asset in by_power or quantity == HVAC_GAIN):
            continue  # the planned power decides; the planned temperature is its fallback
        elif kind in ASSET_DEVICES:
            commands += _asset_commands(park, kind, asset, quantity, value, source)
    for refusal in plan.refusals:
        commands += _refused_commands(park, refusal, source)
    commands += _ev_commands(park, maps, plan, live, source)
    return commands


def _zone_direction(park: ParkConfig, live: Mapping[str, Mapping[str, float | None]],
                    zone_id: str, powers: Mapping[str, float]) -> tuple[str, float]:
    """The one direction a zone's heat pump runs in this interval, of the plan's cooling_kw
    and heating_kw (a plan carries both where the zone may run against its day's mode): the
    larger; both idle, the direction the zone's controller is held in (an idle setpoint for
    the other would make a controller held in heat, or in cool, draw power)."""
    if len(powers) == 1:
        return next(iter(powers.items()))
    cooling_kw, heating_kw = powers.get("cooling_kw", 0.0), powers.get("heating_kw", 0.0)
    if max(cooling_kw, heating_kw) > 1e-6 or not all(map(math.isfinite, powers.values())):
        return ("heating_kw", heating_kw) if heating_kw > cooling_kw else \
            ("cooling_kw", cooling_kw)
    held = [live.get(d.id, {}).get("hvac_mode")
            for d in _by_asset(park, DeviceKind.HVAC).get(zone_id, [])]
    return ("heating_kw", heating_kw) if MODE_HEAT in held else ("cooling_kw", cooling_kw)


def _zone_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], plan: PlanInForce,
                   live: Mapping[str, Mapping[str, float | None]], zone_id: str, quantity: str,
                   planned_kw: float, source: str) -> list[Command]:
    """The setpoint (and mode) that makes the zone's controller draw the planned power, from
    the zone and outdoor temperatures read now; unread, the plan's temperature as before."""
    devices = _by_asset(park, DeviceKind.HVAC).get(zone_id)
    zone = next((z for z in park.assets.hvac_zones if z.id == zone_id), None)
    if not devices or zone is None:
        return [_unmapped("hvac_zone", zone_id, quantity, planned_kw, source)]
    # the band and heat pump input of the interval's day, as the plan had them
    when = plan.interval_start_utc if plan.interval_start_utc is not None \
        else plan.created_at_utc
    zone = zone.in_season(park.assets.heating_at(when, park.park.timezone))
    measured = [(live.get(d.id, {}).get("zone_temp_c"), live.get(d.id, {}).get("outdoor_temp_c"))
                for d in devices]
    known = [(t, o) for t, o in measured if t is not None and o is not None]
    if not known:
        planned_c = plan.setpoints.get(("hvac_zone", zone_id, "setpoint_c"), math.nan)
        why = "" if math.isfinite(planned_c) else (
            f"plan row hvac_zone {zone_id} {quantity}: the zone's temperatures were not read "
            "this cycle and the plan has no setpoint_c for it")
        return [Command(d.id, zone_id, "setpoint_c", planned_c, source,
                        "zone temperatures not read: the planned temperature", refused=why)
                for d in devices]
    try:
        # a solver's -1e-9 is zero; a clearly negative power is a bad plan, refused below
        wanted = zone_command(zone, planned_kw if planned_kw < -1e-6 else max(planned_kw, 0.0),
                              quantity == "cooling_kw", *known[0], HVAC_INTERVAL_H,
                              plan.setpoints.get(("hvac_zone", zone_id, HVAC_GAIN)))
    except ValueError as exc:
        return [Command(d.id, zone_id, "setpoint_c", math.nan, source, refused=str(exc))
                for d in devices]
    commands = []
    for device in devices:
        commands.append(Command(device.id, zone_id, "setpoint_c", wanted.setpoint_c, source,
                                wanted.note))
        held = live.get(device.id, {}).get("hvac_mode")
        # the mode only where the power needs it (a zone its schedule has off, a heat pump in
        # the other mode; auto cools as asked): the mode's history is the zones' occupancy
        # the day-ahead learns (jobs/dispatch/day_ahead.py), an idle zone keeps its schedule
        needs_mode = planned_kw > 0.0 and held != wanted.mode and not (
            wanted.mode == MODE_COOL and held == MODE_AUTO)
        if needs_mode and maps[device.register_map].has_point("hvac_mode"):
            commands.append(Command(device.id, zone_id, "hvac_mode", wanted.mode, source,
                                    f"the zone's controller was in mode {held}"))
        elif _override_runs_past_plan(zone, planned_kw, held, wanted.mode, *known[0]) \
                and maps[device.register_map].has_point("hvac_mode"):
            commands.append(Command(device.id, zone_id, "hvac_mode", MODE_OFF, source,
                                    "planned idle beyond the lowest setpoint: override ended"))
    return commands


def _override_runs_past_plan(zone, planned_kw: float, held: float | None, mode: float,
                             zone_temp_c: float, outdoor_temp_c: float) -> bool:
    """A zone planned idle, in the platform's heat (cool) override, and already beyond the
    band's edge by more than its controller band: no setpoint the writer allows keeps it off
    (it never writes one beyond that, so that a setpoint left behind is a sane one), and the
    override holds until the schedule's next change, so the controller would run flat out
    against the plan. Winter 12 January (issue 16): empty zones the plans had pre-heated sat at
    14-16 C in their heat override with the setpoint at 17 C, drawing 260-480 kW more than
    planned at night. Ending the override is what the plan asked for: the heat pump off."""
    if planned_kw > 0.0 or held != mode:
        return False
    if mode == MODE_HEAT:
        return zone_temp_c - IDLE_MARGIN_K < zone.comfort_min_c - zone.controller_band_k
    return zone_temp_c + IDLE_MARGIN_K > zone.comfort_max_c + zone.controller_band_k


def _unmapped(kind: str, asset: str, quantity: str, value: float, source: str) -> Command:
    """A plan quantity no device carries: audited under the plan's names for it."""
    return Command(asset, asset, quantity, value, source,
                   refused=f"plan row {kind} {asset} {quantity}: no controllable device of "
                           "the park config carries this asset")


def _asset_commands(park: ParkConfig, kind: str, asset: str, quantity: str, value: float,
                    source: str) -> list[Command]:
    device_kind, point = ASSET_DEVICES[kind]
    devices = _by_asset(park, device_kind).get(asset)
    if not devices:
        return [_unmapped(kind, asset, quantity, value, source)]
    commands = []
    for device_id, share in _shares(devices).items():
        if kind == "battery":
            commands.append(Command(device_id, asset, point, value * share, source,
                                    f"{share:.0%} of {value:.1f} kW"))
            commands.append(Command(device_id, asset, "control_mode", 1.0, source))
        elif kind == "thermal_storage":
            commands.append(Command(device_id, asset, point, value * share, source))
        else:
            commands.append(Command(device_id, asset, point, value, source))
            if kind == "pv":
                commands.append(Command(device_id, asset, "power_limit_enabled", 1.0, source))
    return commands


def _refused_commands(park: ParkConfig, refusal: PlanRefusal, source: str) -> list[Command]:
    """The devices the refused quantity would have gone to, each refused with the reason
    (the requested value as the plan gave it); the plan's names where no device carries it."""
    kind, asset = refusal.asset_kind, refusal.asset_id
    value = math.nan if refusal.value is None else refusal.value
    if (kind, refusal.quantity) == EV_FLEET_POWER and _chargers(park):
        return []  # the fleet's plugged-in chargers are refused together (_ev_commands)
    device_kind, point = ASSET_DEVICES.get(kind, (None, refusal.quantity))
    devices = _by_asset(park, device_kind).get(asset) if device_kind is not None else None
    if not devices or (kind, refusal.quantity) not in COMMAND_UNITS:
        return [Command(asset, asset, refusal.quantity, value, source, refused=refusal.reason)]
    return [Command(device.id, asset, point, value, source, refused=refusal.reason)
            for device in devices]


def _chargers(park: ParkConfig) -> list[Device]:
    return [d for d in park.devices if d.kind == DeviceKind.EV_CHARGER]


def _ev_commands(park: ParkConfig, maps: Mapping[str, RegisterMap], plan: PlanInForce,
                 live: Mapping[str, Mapping[str, float | None]], source: str) -> list[Command]:
    groups = {asset: value for (kind, asset, _), value in plan.setpoints.items()
              if kind == "ev_group"}
    refused = [r for r in plan.refusals if (r.asset_kind, r.quantity) == EV_FLEET_POWER]
    if not groups and not refused:
        return []
    chargers = _chargers(park)
    if not chargers:
        return [_unmapped("ev_group", asset, "power_kw", value, source)
                for asset, value in groups.items()]
    # the groups' power is shared among the fleet: one refused group leaves the sum unknown
    why_not = "; ".join(r.reason for r in refused)
    planned_kw = math.fsum(groups.values()) if not refused else math.nan
    rating = {c.id: c.max_kw for c in park.assets.ev_chargers}
    plugged = [d for d in chargers if live.get(d.id, {}).get("charger_state") in CONNECTED_STATES]
    total_kw = sum(rating.get(d.asset or "", d.rated_kw or 0.0) for d in plugged)
    commands = []
    for device in chargers:
        register_map = maps[device.register_map]
        if device in plugged and total_kw > 0:
            own_kw = rating.get(device.asset or "", device.rated_kw or 0.0)
            kw = min(planned_kw * own_kw / total_kw, own_kw) if math.isfinite(planned_kw) \
                else planned_kw
            point, value = _charger_kw_to_limit(park, device, register_map, kw)
            note = f"{kw:.1f} kW of the plan's {planned_kw:.1f} kW for {len(plugged)} cars"
            commands.append(Command(device.id, device.asset, point, value, source, note,
                                    refused=why_not))
        else:
            point, value = _charger_normal_limit(park, device, register_map)
            commands.append(Command(device.id, device.asset, point, value, source,
                                    "no car plugged in: normal limit"))
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
