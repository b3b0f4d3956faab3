"""The safety pipeline: every command passes these rules in this order, and a refusal or a
change of value says which rule and why (it goes to the audit).

0. a command the plan's rows refused (unit, duplicates: plan_source) and a value that is not
   a finite number are refused first, as is a point whose map bounds or ramp limit are not
   finite numbers (the config refuses those at load; this holds whatever gets through);
1. only writable points (register map) of controllable devices (config);
2. a device a person holds in manual override is left alone; a device whose circuit breaker
   is open is left alone unless a healthy read shows it holding the wanted value;
3. the map's write bounds, then live limits (a battery's measured SOC against its window; the
   grid import measured now against the contract limit less a headroom: charging is cut and,
   where PV dropped, discharge added as a live correction), then the ramp limit per interval
   (from the value the device holds now, and from the last value written in proportion to
   the time since: see _ramp); last, a value that is not finite or not inside the map's
   bounds after all that is refused;
4. nothing is written if the device already holds the value (EEPROM wear), except points a
   device lets lapse (kept alive), and at most max_writes_per_hour setpoint writes per device
   (heartbeats apart);
5. (the writer) write, read back, retry a bounded number of times, then open the breaker.
Dry-run (shadow) mode stops each command after rule 4, as `dry_run`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from device_io.setpoints.commands import Command
from device_io.setpoints.state import WriterState
from jobs.common.device_rating import rated_write_bounds
from jobs.common.park_config import Battery, Device, DeviceKind, ParkConfig, SetpointSettings
from jobs.common.register_map import Point, RegisterMap

# points a device forgets after a while (the tank's override lasts an hour): renewed when the
# last write is older than this even if the value is unchanged
KEEP_ALIVE_S = {"power_setpoint_kw_th": 1800.0}
ALWAYS_WRITTEN = frozenset({"watchdog_counter"})  # a heartbeat must change to count
HEARTBEAT_POINTS = frozenset({"watchdog_counter", "watchdog_timeout_s", "power_limit_revert_s"})
INTERVAL_S = 900.0  # the ramp limits are per settlement interval


@dataclass(frozen=True)
class Decision:
    command: Command
    clamped: float | None  # the value after rule 3 (None: refused before it)
    write: bool
    outcome: str | None  # set when nothing is to be written: refused / unchanged / ...
    reason: str = ""
    current: float | None = None  # what the device held when read this cycle


def tolerance(point: Point) -> float:
    """Half a register step: two values closer than this are the same setpoint."""
    if point.scale_factor_point is not None:
        return 0.005 * ((point.write_max or 100.0) - (point.write_min or 0.0))
    return 0.5 * (point.scale or 1.0) + 1e-9


def finite_or_none(value: float | None) -> float | None:
    """A reading or a remembered value to reason from: a non-finite one is as good as none."""
    return value if value is not None and math.isfinite(value) else None


def clamp_to_bounds(value: float, low: float, high: float) -> float:
    """The value held inside [low, high] (low <= high)."""
    return min(max(value, low), high)


@dataclass
class GridWatch:
    """The grid import measured now, updated as battery decisions change it (kW)."""

    import_kw: float | None
    limit_kw: float
    # the month's peak import so far, which charging must not exceed (None: no guard)
    peak_kw: float | None = None


class SafetyPipeline:
    def __init__(self, park: ParkConfig, maps: Mapping[str, RegisterMap], rules: SetpointSettings,
                 state: WriterState, now: dt.datetime):
        self.park = park
        self.maps = maps
        self.rules = rules
        self.state = state
        self.now = now
        self.devices = {d.id: d for d in park.devices}
        self.batteries = {b.id: b for b in park.assets.batteries}

    def decide(self, command: Command, live: Mapping[str, float | None], grid: GridWatch
               ) -> Decision:
        if command.refused:
            return Decision(command, None, False, "refused", command.refused)
        if not math.isfinite(command.value):
            return Decision(command, None, False, "refused",
                            f"requested value {command.value} is not a finite number")
        device = self.devices.get(command.device_id)
        if device is None:
            return Decision(command, None, False, "refused", "unknown device")
        register_map = self.maps[device.register_map]
        current = finite_or_none(live.get(command.point))
        if not device.controllable:
            return Decision(command, None, False, "refused", "device not marked controllable",
                            current)
        if not register_map.has_point(command.point) or \
                not register_map.point(command.point).writable:
            return Decision(command, None, False, "refused",
                            f"{command.point} is not a writable point of {register_map.model}",
                            current)
        point = register_map.point(command.point)
        unusable = self._unusable_limits(register_map, point)
        if unusable:
            return Decision(command, None, False, "refused", unusable, current)
        override = self.state.overrides.get(device.id)
        if override is not None and override.active(self.now):
            return Decision(command, None, False, "override",
                            f"manual override until {override.until_utc}: {override.note}",
                            current)
        breaker = self.state.breakers.get(device.id)
        if breaker is not None:
            if breaker.point == command.point and current is not None and \
                    abs(current - command.value) <= tolerance(point):
                del self.state.breakers[device.id]  # a healthy read: the device took it
            else:
                return Decision(command, None, False, "breaker_open",
                                f"circuit breaker open since a failed write of {breaker.point}"
                                f": {breaker.reason}", current)
        value, reasons, command = self._clamp(command, device, point, live, grid)
        if value is None:
            return Decision(command, None, False, "refused", "; ".join(reasons), current)
        # the last word: whatever the rules above computed, nothing leaves this pipeline that
        # is not finite and inside the map's bounds and the device's rating
        low, high = rated_write_bounds(device, point, self.park.assets)
        if not (math.isfinite(value) and low <= value <= high):
            return Decision(command, value, False, "refused",
                            f"{value} {point.unit} after the safety rules is outside the "
                            f"device's bounds [{low:g}, {high:g}] (map and rating)", current)
        return self._change_rules(command, point, value, current, reasons)

    def _unusable_limits(self, register_map: RegisterMap, point: Point) -> str:
        """Why the map's bounds or the point's ramp limit cannot be applied ("" if they can):
        the config checks them at load, this holds whatever reaches the pipeline."""
        low, high = point.write_min, point.write_max
        where = f"{register_map.model} {point.name}"
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            return f"the map's write bounds [{low}, {high}] of {where} are not finite numbers"
        if low > high:
            return f"the map's write bounds [{low:g}, {high:g}] of {where} are inverted"
        ramp = self.rules.ramp_limits.get(point.name)
        if ramp is not None and not (math.isfinite(ramp) and ramp > 0):
            return f"the ramp limit {ramp} of {point.name} is not a finite positive number"
        return ""

    def _clamp(self, command: Command, device: Device, point: Point,
               live: Mapping[str, float | None], grid: GridWatch
               ) -> tuple[float | None, list[str], Command]:
        reasons: list[str] = []
        low, high = float(point.write_min), float(point.write_max)  # type: ignore[arg-type]
        value = clamp_to_bounds(command.value, low, high)
        if value != command.value:
            reasons.append(f"held to the map's bounds [{low:g}, {high:g}]")
        # the map is the model's register range; this device may be a smaller one of the model
        rated_low, rated_high = rated_write_bounds(device, point, self.park.assets)
        if (rated_low, rated_high) != (low, high):
            rated = clamp_to_bounds(value, rated_low, rated_high)
            if rated != value:
                reasons.append(f"held to the device's rating [{rated_low:g}, {rated_high:g}] "
                               f"{point.unit}")
            value = rated
        if device.kind == DeviceKind.BESS and command.point == "power_setpoint_kw":
            value, command = self._battery_limits(command, device, value, live, grid, reasons)
        ramped = self._ramp(command, point, value, finite_or_none(live.get(command.point)),
                            reasons)
        return ramped, reasons, command

    def _ramp(self, command: Command, point: Point, value: float, held: float | None,
              reasons: list[str]) -> float | None:
        """The ramp limit holds per interval, not per call: the value may move `ramp` from
        what the device holds now, and from the last value written only in proportion to the
        time since (a full interval: the whole ramp), so cycles run close together share one
        interval's ramp. None (refused) when neither is known."""
        ramp = self.rules.ramp_limits.get(command.point)
        if ramp is None:
            return value
        memory = self.state.point(command.device_id, command.point)
        last = finite_or_none(memory.value)
        anchors: list[tuple[float, float, str]] = []  # (from, most change, described)
        if held is not None:
            anchors.append((held, ramp, f"{held:g} held now"))
        if last is not None and memory.at_unix_s is not None:
            elapsed_s = max(0.0, self.now.timestamp() - memory.at_unix_s)
            if elapsed_s < INTERVAL_S:
                anchors.append((last, ramp * elapsed_s / INTERVAL_S,
                                 f"{last:g} written {elapsed_s:.0f} s ago"))
            elif held is None:
                anchors.append((last, ramp, f"{last:g} last written"))
        if not anchors:
            reasons.append(f"{command.point} is not readable and was never written: the ramp "
                           "limit has nothing to start from")
            return None
        lowest = max(start - most for start, most, _ in anchors)
        highest = min(start + most for start, most, _ in anchors)
        if lowest > highest:  # the device holds something far from what was written
            reasons.append(f"ramp limit: no room between {' and '.join(a[2] for a in anchors)}"
                           ": held")
            return held if held is not None else last
        limited = clamp_to_bounds(value, lowest, highest)
        if limited != value:
            binding = next((a[2] for a in anchors if limited in (a[0] - a[1], a[0] + a[1])),
                           anchors[0][2])
            reasons.append(f"ramp limited to {ramp:g} {point.unit} per interval from "
                           f"{binding}")
        return limited

    def _battery_limits(self, command: Command, device: Device, value: float,
                        live: Mapping[str, float | None], grid: GridWatch, reasons: list[str]
                        ) -> tuple[float, Command]:
        battery: Battery | None = self.batteries.get(device.asset or "")
        soc = finite_or_none(live.get("soc_pct"))
        margin = self.rules.soc_margin_pct
        if battery is not None and soc is not None:
            if value > 0 and soc <= battery.soc_min_pct + margin:
                value = 0.0
                reasons.append(f"SOC {soc:.1f} % at its floor: no discharge")
            elif value < 0 and soc >= battery.soc_max_pct - margin:
                value = 0.0
                reasons.append(f"SOC {soc:.1f} % at its ceiling: no charging")
        elif soc is None:
            value = 0.0
            reasons.append("SOC not readable: battery held at 0 kW")
        now_kw = finite_or_none(live.get("active_power_kw")) or 0.0
        cap_kw = grid.limit_kw - self.rules.import_headroom_kw
        if grid.import_kw is None:
            if value < 0:
                value = 0.0
                reasons.append("grid import not readable: no charging")
            return value, command
        without_kw = grid.import_kw + now_kw  # the import if this PCS were idle
        least_kw = without_kw - cap_kw  # the setpoint that keeps the import at the cap
        if value < least_kw:
            can_discharge = battery is None or soc is None or soc > battery.soc_min_pct + margin
            # in the safe default the PCS is in local mode: a setpoint would not act
            can_discharge = can_discharge and command.source != "safe_default"
            most_kw = (device.rated_kw or least_kw) if can_discharge else 0.0
            corrected = min(least_kw, max(most_kw, value))
            if corrected > value:
                reasons.append(f"grid import would be {without_kw - value:.0f} kW, above the "
                               f"{cap_kw:.0f} kW the contract leaves: "
                               + ("discharge added" if corrected > 0 else "charging cut"))
                if corrected > max(value, 0.0):
                    command = replace(command, source="live_correction")
                value = corrected
        if value < 0 and grid.peak_kw is not None and without_kw - value > grid.peak_kw:
            allowed = min(0.0, without_kw - grid.peak_kw)  # the most charging under the peak
            reasons.append(f"charging cut to {-allowed:.0f} kW: the import would set a new "
                           f"monthly peak above {grid.peak_kw:.0f} kW")
            value = allowed
        grid.import_kw = without_kw - value
        return value, command

    def _device_writes_last_hour(self, device_id: str, now_s: float) -> int:
        """Setpoint writes to the device in the last hour (heartbeats are volatile registers
        a device expects every cycle: they do not count)."""
        return sum(memory.writes_in_last_hour(now_s) for key, memory in self.state.points.items()
                   if key.startswith(f"{device_id}/") and key.split("/", 1)[1]
                   not in HEARTBEAT_POINTS)

    def _change_rules(self, command: Command, point: Point, value: float,
                      current: float | None, reasons: list[str]) -> Decision:
        memory = self.state.point(command.device_id, command.point)
        now_s = self.now.timestamp()
        reason = "; ".join(reasons)
        same = current is not None and abs(current - value) <= tolerance(point)
        keep_alive = KEEP_ALIVE_S.get(command.point)
        stale = keep_alive is not None and (memory.at_unix_s is None
                                            or now_s - memory.at_unix_s >= keep_alive)
        if same and command.point not in ALWAYS_WRITTEN and not stale:
            return Decision(command, value, False, "unchanged", reason or "device holds it",
                            current)
        if command.source != "heartbeat" and \
                self._device_writes_last_hour(command.device_id, now_s) \
                >= self.rules.max_writes_per_hour:
            return Decision(command, value, False, "refused",
                            f"write cap: {self.rules.max_writes_per_hour} setpoint writes to "
                            f"{command.device_id} in the last hour", current)
        if self.rules.dry_run:
            return Decision(command, value, False, "dry_run", reason, current)
        return Decision(command, value, True, None, reason, current)
