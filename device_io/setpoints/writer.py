"""One setpoint cycle: the plan's current interval (or the safe defaults) through the safety
pipeline to the devices, each write read back and every attempt audited.

    writer = SetpointWriter(settings, io)          # io: a PointIO (Modbus, or the twin)
    cycle = await writer.run_cycle(now_utc)        # lands the audit, returns it

Order of work in a cycle, chosen so that a writer killed at any moment leaves every device at
its previous setpoint or at the new one, and the next cycle says which:
1. recover: if the last cycle's journal is not empty, it died mid-cycle: read back what those
   devices hold and audit it (`recovery`);
2. read every controlled device's writable points and live values, and the grid meter;
3. commands (plan or safe defaults, plus heartbeats) -> safety pipeline -> decisions;
4. save the journal of the writes about to be made, then write one point at a time (each is
   one Modbus request, so it lands whole or not at all), reading each back; a mismatch is
   written again up to verify_retries times, then the device's breaker opens;
5. clear the journal, save the state, land the audit (one file per cycle).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from device_io.point_io import PointIO, PointIOError
from device_io.setpoints.commands import (
    Command,
    controlled_devices,
    heartbeat_commands,
    plan_commands,
    safe_default_commands,
)
from device_io.setpoints.plan_source import PlanInForce, plan_for_interval
from device_io.setpoints.safety import Decision, GridWatch, SafetyPipeline, tolerance
from device_io.setpoints.schema import AUDIT_SCHEMA
from device_io.setpoints.state import Breaker, PendingWrite, WriterState
from jobs.common import landing
from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings, join_path

INTERVAL = dt.timedelta(minutes=15)
LIVE_POINTS = {DeviceKind.BESS: ("soc_pct", "active_power_kw"),
               DeviceKind.EV_CHARGER: ("charger_state",)}
# within a device: the setpoint before the switch to remote control, and the timeout before
# the first heartbeat; going back to local control, the switch first
WRITE_ORDER = {"watchdog_timeout_s": 0, "power_setpoint_kw": 1, "control_mode": 2,
               "watchdog_counter": 3}


LiveValues = Mapping[str, Mapping[str, float | None]]
CommandSource = Callable[[LiveValues], Sequence[Command]]


def interval_start(now_utc: dt.datetime) -> dt.datetime:
    seconds = INTERVAL.total_seconds()
    return dt.datetime.fromtimestamp(now_utc.timestamp() // seconds * seconds, dt.UTC)


@dataclass(frozen=True)
class CycleAudit:
    cycle_id: str
    interval_start_utc: dt.datetime
    plan_run_id: str | None
    why_no_plan: str
    rows: pd.DataFrame  # AUDIT_SCHEMA columns
    paths: list[str]

    def count(self, outcome: str) -> int:
        return int((self.rows["outcome"] == outcome).sum()) if len(self.rows) else 0


class SetpointWriter:
    def __init__(self, settings: Settings, io: PointIO, *, state_path: str | None = None,
                 dry_run: bool | None = None):
        self.settings = settings
        self.park = settings.park
        self.maps = settings.register_maps
        self.io = io
        self.rules = self.park.setpoints
        self.zone = zoneinfo.ZoneInfo(self.park.park.timezone)
        if dry_run is not None:
            self.rules = self.rules.model_copy(update={"dry_run": dry_run})
        self.state_path = state_path or join_path(settings.data_root, "state", "setpoints.json")
        self._rows: list[dict] = []
        self._sequence = 0

    # -- the cycle ------------------------------------------------------------------------
    async def run_cycle(self, now_utc: dt.datetime | None = None, *,
                        commands_from: CommandSource | None = None) -> CycleAudit:
        """commands_from: another controller's commands from the live readings (the closed
        loop's rule-based controller), put through the same safety path instead of a plan."""
        now = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        interval = interval_start(now)
        cycle_id = f"setpoints-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self._rows, self._sequence = [], 0
        state = WriterState.load(self.state_path)
        await self._recover(state, now, interval, cycle_id)
        live = await self._read_live()
        if commands_from is not None:
            plan, why = None, "commands from another controller"
            commands = list(commands_from(live))
        else:
            plan, why = plan_for_interval(self.settings.landing_root, interval, now,
                                          self.rules.max_plan_age_h)
            commands = (plan_commands(self.park, self.maps, plan, live) if plan is not None
                        else safe_default_commands(self.park, self.maps, why))
        commands += heartbeat_commands(self.park, self.maps, state.heartbeat,
                                       self.rules.device_watchdog_s)
        decisions = self._decide(commands, live, state, now)
        writes = [d for d in decisions if d.write]
        state.journal = [PendingWrite(d.command.device_id, d.command.point, d.current,
                                      float(d.clamped or 0.0), d.command.source,
                                      plan.run_id if plan else None, interval.isoformat())
                         for d in writes]
        state.journal_cycle_id = cycle_id
        state.save(self.state_path)
        for decision in decisions:
            if decision.write:
                await self._write(decision, state, now, plan, interval, cycle_id)
            else:
                self._audit(decision, now, plan, interval, cycle_id)
        state.journal, state.journal_cycle_id = [], None
        state.heartbeat = (state.heartbeat + 1) % 65536
        state.save(self.state_path)
        rows = pd.DataFrame(self._rows, columns=AUDIT_SCHEMA.names)
        paths = landing.write_partitioned(
            self.settings.landing_root, "setpoint_audit",
            pa.Table.from_pandas(rows, schema=AUDIT_SCHEMA, preserve_index=False), cycle_id,
            ts_column="attempt_ts_utc")
        return CycleAudit(cycle_id, interval, plan.run_id if plan else None, why, rows, paths)

    async def _read_live(self) -> dict[str, dict[str, float | None]]:
        """Each controlled device's writable and live points, and the grid meter's power."""
        live: dict[str, dict[str, float | None]] = {}
        for device in controlled_devices(self.park):
            register_map = self.maps[device.register_map]
            points = [p.name for p in register_map.writable_points]
            points += [p for p in LIVE_POINTS.get(device.kind, ()) if register_map.has_point(p)]
            try:
                live[device.id] = await self.io.read_points(device.id, points)
            except PointIOError:
                live[device.id] = {}
        meter = self.park.park.grid_connection.meter_device_id
        try:
            live[meter] = await self.io.read_points(meter, ["active_power_kw"])
        except PointIOError:
            live[meter] = {}
        return live

    def _decide(self, commands: Sequence[Command], live: dict[str, dict[str, float | None]],
                state: WriterState, now: dt.datetime) -> list[Decision]:
        pipeline = SafetyPipeline(self.park, self.maps, self.rules, state, now)
        connection = self.park.park.grid_connection
        import_kw = live.get(connection.meter_device_id, {}).get("active_power_kw")
        grid = GridWatch(import_kw, connection.import_limit_kw,
                         self._month_peak(state, now, import_kw))
        safe = any(c.source == "safe_default" for c in commands)
        ordered = sorted(commands, key=lambda c: (
            c.device_id, -WRITE_ORDER.get(c.point, 1) if safe and c.point == "control_mode"
            else WRITE_ORDER.get(c.point, 1)))
        decisions = []
        for command in ordered:
            if not live.get(command.device_id):
                decisions.append(Decision(command, None, False, "write_error",
                                          "device not readable this cycle: nothing written"))
                continue
            decisions.append(pipeline.decide(command, live[command.device_id], grid))
        return decisions

    def _month_peak(self, state: WriterState, now: dt.datetime, import_kw: float | None
                    ) -> float | None:
        """The month's peak before this cycle (the guard's limit), then updated with the
        import metered now. None with the guard off or before the month's first reading."""
        month = now.astimezone(self.zone).strftime("%Y-%m")
        peak = state.month_peak_kw.get(month)
        if import_kw is not None:
            state.month_peak_kw = {month: max(peak or import_kw, import_kw)}
        return peak if self.rules.peak_guard else None

    # -- writing --------------------------------------------------------------------------
    async def _write(self, decision: Decision, state: WriterState, now: dt.datetime,
                     plan: PlanInForce | None, interval: dt.datetime, cycle_id: str) -> None:
        command = decision.command
        point = self._point(command.device_id, command.point)
        value = float(decision.clamped if decision.clamped is not None else command.value)
        memory = state.point(command.device_id, command.point)
        for attempt in range(self.rules.verify_retries + 1):
            result = await self.io.write_point(command.device_id, command.point, value)
            memory.record_write(value, now.timestamp())
            if not result.ok:
                self._audit(decision, now, plan, interval, cycle_id, written=value,
                            outcome="write_error", reason=result.detail)
                return
            try:
                read_back = (await self.io.read_points(command.device_id,
                                                       [command.point])).get(command.point)
            except PointIOError as exc:
                read_back, why = None, f"read-back failed: {exc}"
            else:
                why = f"read back {read_back}" if read_back is not None else "no read-back"
            if read_back is not None and abs(read_back - value) <= tolerance(point):
                self._audit(decision, now, plan, interval, cycle_id, written=value,
                            read_back=read_back, outcome="written")
                return
            last = attempt == self.rules.verify_retries
            self._audit(decision, now, plan, interval, cycle_id, written=value,
                        read_back=read_back, outcome="verify_failed",
                        reason=f"{why}, not {value:g}" + (
                            ": circuit breaker opened" if last else f": retry {attempt + 1}"))
        state.breakers[command.device_id] = Breaker(
            command.point, value, f"the device does not hold {value:g} after "
            f"{self.rules.verify_retries + 1} writes", now.timestamp())

    def _point(self, device_id: str, point: str):
        device = next(d for d in self.park.devices if d.id == device_id)
        return self.maps[device.register_map].point(point)

    async def _recover(self, state: WriterState, now: dt.datetime, interval: dt.datetime,
                       cycle_id: str) -> None:
        """The last cycle died with writes pending: audit what the devices hold now."""
        for pending in state.journal:
            try:
                held = (await self.io.read_points(pending.device_id, [pending.point])
                        ).get(pending.point)
            except PointIOError:
                held = None
            near = tolerance(self._point(pending.device_id, pending.point))
            if held is not None and abs(held - pending.value) <= near:
                outcome, reason = "written", "the write reached the device before the stop"
            elif held is not None and pending.previous is not None and \
                    abs(held - pending.previous) <= near:
                outcome, reason = "unchanged", "the write was not made: the previous setpoint holds"
            else:
                outcome, reason = "verify_failed", f"the device holds {held}"
            command = Command(pending.device_id, None, pending.point, pending.value, "recovery")
            self._audit(Decision(command, pending.value, False, outcome, ""), now, None,
                        interval, cycle_id, read_back=held, outcome=outcome,
                        reason=f"writer stopped during cycle {state.journal_cycle_id}: {reason}")
        state.journal, state.journal_cycle_id = [], None

    def _audit(self, decision: Decision, now: dt.datetime, plan: PlanInForce | None,
               interval: dt.datetime, cycle_id: str, *, written: float | None = None,
               read_back: float | None = None, outcome: str | None = None,
               reason: str | None = None) -> None:
        command = decision.command
        device = next((d for d in self.park.devices if d.id == command.device_id), None)
        register_map = self.maps.get(device.register_map) if device else None
        unit = register_map.point(command.point).unit \
            if register_map is not None and register_map.has_point(command.point) else ""
        # attempts within a cycle are ordered by a microsecond each, so every row has its key
        self._sequence += 1
        self._rows.append({
            "attempt_ts_utc": pd.Timestamp(now) + pd.Timedelta(microseconds=self._sequence),
            "cycle_id": cycle_id, "plan_run_id": plan.run_id if plan else None,
            "plan_solver_status": plan.solver_status if plan else None,
            "interval_start_utc": pd.Timestamp(interval), "device_id": command.device_id,
            "asset_id": command.asset_id or (device.asset if device else None),
            "point": command.point, "unit": unit, "source": command.source,
            "requested": command.value, "clamped": decision.clamped, "written": written,
            # an unchanged point was read this cycle: that reading is its read-back
            "read_back": read_back if read_back is not None else (
                decision.current if decision.outcome == "unchanged" else None),
            "outcome": outcome or decision.outcome,
            "reason": reason if reason is not None else (decision.reason or None),
            "dry_run": self.rules.dry_run})
