"""One setpoint cycle: the plan's current interval (or the safe defaults) through the safety
pipeline to the devices, each write read back and every attempt audited.

    writer = SetpointWriter(settings, io)          # io: a PointIO (Modbus, or the twin)
    cycle = await writer.run_cycle(now_utc)        # lands the audit, returns it

Order of work in a cycle, chosen so that a writer killed at any moment leaves every device at
its previous setpoint or at the new one, and loses no audit row (journal.py):
1. land what an earlier cycle left in its journal (it died): each write it announced and never
   saw the end of is read back from the device and audited as `written` or `interrupted`;
2. read every controlled device's writable points and live values, and the grid meter;
3. commands (plan or safe defaults, plus heartbeats) -> safety pipeline -> decisions;
4. one decision at a time: a row that describes no write goes to the journal; a write's row is
   fsynced to the journal as pending before the write is sent (each write is one Modbus
   request, so it lands whole or not at all), then read back, its outcome journalled; a
   mismatch is written again up to verify_retries times, then the device's breaker opens.
   Whatever a device or its transport does (an exception included) stays that device's
   failure: it is audited and the other devices still get their setpoints and heartbeats;
5. save the state, land the journal as the cycle's audit file, delete the journal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd
import pyarrow as pa

from device_io.point_io import PointIO, WriteResult
from device_io.setpoints.commands import (
    Command,
    controlled_devices,
    heartbeat_commands,
    plan_commands,
    safe_default_commands,
)
from device_io.setpoints.journal import AuditJournal, adopt_legacy_journal
from device_io.setpoints.plan_source import PlanChoice, PlanInForce, plan_for_interval
from device_io.setpoints.safety import Decision, GridWatch, SafetyPipeline, tolerance
from device_io.setpoints.schema import AUDIT_SCHEMA
from device_io.setpoints.state import Breaker, WriterState
from jobs.common import landing
from jobs.common.park_config import Device, DeviceKind
from jobs.common.register_map import Point
from jobs.common.settings import Settings, join_path

INTERVAL = dt.timedelta(minutes=15)
LIVE_POINTS = {DeviceKind.BESS: ("soc_pct", "active_power_kw"),
               DeviceKind.EV_CHARGER: ("charger_state",),
               # the setpoint that delivers a planned HVAC power depends on both
               DeviceKind.HVAC: ("zone_temp_c", "outdoor_temp_c")}
# within a device: the setpoint before the switch to remote control, and the timeout before
# the first heartbeat; going back to local control, the switch first
WRITE_ORDER = {"watchdog_timeout_s": 0, "power_setpoint_kw": 1, "control_mode": 2,
               "watchdog_counter": 3}


LiveValues = Mapping[str, Mapping[str, float | None]]
CommandSource = Callable[[LiveValues], Sequence[Command]]


class IntradayResult(Protocol):
    plan: PlanInForce | None  # the re-solved current interval; None: follow the day-ahead
    why_not: str


class IntradayStep(Protocol):
    """What the writer needs of an intraday re-solve (jobs/dispatch/intraday_live.py has the
    production one): described here so that device I/O does not import the optimiser's layer."""

    def __call__(self, day_ahead: PlanInForce, live: LiveValues, now_utc: dt.datetime,
                 metered_peak_kw: float | None = None) -> IntradayResult: ...


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
    # plan files skipped, plan ties resolved: what the engineer should know besides the rows
    notes: tuple[str, ...] = ()
    # rows of earlier cycles that died, landed by this one (under their own cycle ids)
    recovered: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=AUDIT_SCHEMA.names))
    # what decided the setpoints: intraday, day_ahead, day_ahead_fallback: <why>; None
    # without a plan
    decided_by: str | None = None

    def count(self, outcome: str) -> int:
        return int((self.rows["outcome"] == outcome).sum()) if len(self.rows) else 0


def _finite(value: float | None) -> float | None:
    """The audit stores what is not a number as null (its reason says what it was)."""
    return value if value is not None and math.isfinite(value) else None


class SetpointWriter:
    def __init__(self, settings: Settings, io: PointIO, *, state_path: str | None = None,
                 dry_run: bool | None = None, intraday: IntradayStep | None = None):
        """intraday: the re-solve that turns the day-ahead plan in force into this interval's
        setpoints (jobs/dispatch/intraday_live.py); None: the day-ahead plan as it is."""
        self.intraday = intraday
        self.settings = settings
        self.park = settings.park
        self.maps = settings.register_maps
        self.io = io
        self.rules = self.park.setpoints
        self.zone = zoneinfo.ZoneInfo(self.park.park.timezone)
        if dry_run is not None:
            self.rules = self.rules.model_copy(update={"dry_run": dry_run})
        self.state_path = state_path or join_path(settings.data_root, "state", "setpoints.json")
        self.state_folder = self.state_path.rsplit("/", 1)[0]
        self._devices = {d.id: d for d in self.park.devices}
        self._journal = AuditJournal.for_cycle(self.state_folder, "none")
        self._sequence = 0

    # -- the cycle ------------------------------------------------------------------------
    async def run_cycle(self, now_utc: dt.datetime | None = None, *,
                        commands_from: CommandSource | None = None) -> CycleAudit:
        """commands_from: another controller's commands from the live readings (the closed
        loop's rule-based controller), put through the same safety path instead of a plan."""
        now = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        interval = interval_start(now)
        cycle_id = f"setpoints-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        adopt_legacy_journal(self.state_path, self.state_folder)
        state = WriterState.load(self.state_path)
        recovered = await self._land_leftover_journals(state, now)
        self._journal, self._sequence = AuditJournal.for_cycle(self.state_folder, cycle_id), 0
        live = await self._read_live()
        if commands_from is not None:
            choice = PlanChoice(None, "commands from another controller")
            commands = list(commands_from(live))
        else:
            choice = plan_for_interval(self.settings.landing_root, interval, now,
                                       self.rules.max_plan_age_h)
            commands = (plan_commands(self.park, self.maps, choice.plan, live)
                        if choice.plan is not None
                        else safe_default_commands(self.park, self.maps, choice.why_no_plan))
        plan = choice.plan
        decided_by = None if plan is None else "day_ahead"
        if plan is not None and self.intraday is not None:
            plan, decided_by, commands = await self._intraday(plan, live, state, now, commands)
        commands += heartbeat_commands(self.park, self.maps, state.heartbeat,
                                       self.rules.device_watchdog_s)
        context = _Context(now, plan, interval, cycle_id, decided_by)
        for decision in self._decide(commands, live, state, now):
            try:
                if decision.write:
                    await self._write(decision, state, context)
                else:
                    self._audit(decision, context)
            except Exception as exc:  # noqa: BLE001 - one device's failure stays its own
                self._fail(decision, context, f"the writer failed on this point "
                                              f"({type(exc).__name__}: {exc}): nothing more sent")
        state.heartbeat = (state.heartbeat + 1) % 65536
        self._journal.sync()
        state.save(self.state_path)
        rows, paths = self._land(self._journal)
        return CycleAudit(cycle_id, interval, plan.run_id if plan else None,
                          choice.why_no_plan, rows, paths, choice.notes, recovered, decided_by)

    async def _intraday(self, day_ahead: PlanInForce, live: LiveValues, state: WriterState,
                        now: dt.datetime, commands: list[Command]
                        ) -> tuple[PlanInForce, str, list[Command]]:
        """The intraday plan and its commands (source `intraday`), or the day-ahead plan's
        commands as they are with the reason it is followed. The re-solve waits in a thread:
        the devices' connections stay served meanwhile."""
        month = now.astimezone(self.zone).strftime("%Y-%m")
        try:
            outcome = await asyncio.to_thread(self.intraday, day_ahead, live, now,
                                              state.month_peak_kw.get(month))
        except Exception as exc:  # noqa: BLE001 - the day-ahead plan is the fallback
            return day_ahead, f"day_ahead_fallback: {type(exc).__name__}: {exc}", commands
        if outcome.plan is None:
            return day_ahead, f"day_ahead_fallback: {outcome.why_not}", commands
        intraday = [dataclasses.replace(c, source="intraday")
                    for c in plan_commands(self.park, self.maps, outcome.plan, live)]
        return outcome.plan, "intraday", intraday

    def _land(self, journal: AuditJournal) -> tuple[pd.DataFrame, list[str]]:
        """The journal's rows as the cycle's audit file (named by the cycle: idempotent), then
        the journal goes."""
        rows = pd.DataFrame(journal.rows(), columns=AUDIT_SCHEMA.names)
        # a journal of a writer before the column (a leftover after an upgrade) has none
        rows["decided_by"] = rows["decided_by"].astype(object).where(
            rows["decided_by"].notna(), None)
        paths = landing.write_partitioned(
            self.settings.landing_root, "setpoint_audit",
            pa.Table.from_pandas(rows, schema=AUDIT_SCHEMA, preserve_index=False),
            journal.cycle_id, ts_column="attempt_ts_utc")
        journal.delete()
        return rows, paths

    async def _read_live(self) -> dict[str, dict[str, float | None]]:
        """Each controlled device's writable and live points, and the grid meter's power; a
        value that is not finite is as unknown as one not read."""
        live: dict[str, dict[str, float | None]] = {}
        meter = self.park.park.grid_connection.meter_device_id
        wanted = {device.id: self._live_points(device) for device in controlled_devices(self.park)}
        wanted[meter] = ["active_power_kw"]
        for device_id, points in wanted.items():
            try:
                values = await self.io.read_points(device_id, points)
            except Exception:  # noqa: BLE001 - unreadable this cycle: nothing is written to it
                values = {}
            live[device_id] = {name: _finite(value) for name, value in values.items()}
        return live

    def _live_points(self, device: Device) -> list[str]:
        register_map = self.maps[device.register_map]
        points = [p.name for p in register_map.writable_points]
        return points + [p for p in LIVE_POINTS.get(device.kind, ()) if register_map.has_point(p)]

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
            if not command.refused and not live.get(command.device_id):
                decisions.append(Decision(command, None, False, "write_error",
                                          "device not readable this cycle: nothing written"))
                continue
            try:
                decisions.append(pipeline.decide(command, live.get(command.device_id, {}), grid))
            except Exception as exc:  # noqa: BLE001 - a rule that cannot be applied refuses
                decisions.append(Decision(command, None, False, "refused",
                                          f"the safety rules could not be applied "
                                          f"({type(exc).__name__}: {exc})"))
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
    async def _write(self, decision: Decision, state: WriterState, context: _Context) -> None:
        command = decision.command
        point = self._point(command.device_id, command.point)
        value = float(decision.clamped if decision.clamped is not None else command.value)
        memory = state.point(command.device_id, command.point)
        for attempt in range(self.rules.verify_retries + 1):
            row = self._row(decision, context, written=value, outcome="interrupted",
                            reason="the writer stopped after announcing this write")
            self._journal.record(row, pending=True, previous=decision.current, durable=True)
            try:
                result = await self.io.write_point(command.device_id, command.point, value)
            except Exception as exc:  # noqa: BLE001 - the transport's refusal is this point's
                result = WriteResult(False, f"the transport refused it ({type(exc).__name__}"
                                            f": {exc})")
            memory.record_write(value, context.now.timestamp())
            if not result.ok:
                self._finish(row, outcome="write_error", reason=result.detail)
                return
            try:
                read_back = _finite((await self.io.read_points(command.device_id,
                                                               [command.point])).get(command.point))
            except Exception as exc:  # noqa: BLE001 - unread is unverified, not fatal
                read_back, why = None, f"read-back failed: {exc}"
            else:
                why = f"read back {read_back}" if read_back is not None else "no read-back"
            if read_back is not None and abs(read_back - value) <= tolerance(point):
                self._finish(row, read_back=read_back, outcome="written",
                             reason=decision.reason or None)
                return
            last = attempt == self.rules.verify_retries
            self._finish(row, read_back=read_back, outcome="verify_failed",
                         reason=f"{why}, not {value:g}" + (
                             ": circuit breaker opened" if last else f": retry {attempt + 1}"))
        state.breakers[command.device_id] = Breaker(
            command.point, value, f"the device does not hold {value:g} after "
            f"{self.rules.verify_retries + 1} writes", context.now.timestamp())

    def _point(self, device_id: str, point: str) -> Point:
        return self.maps[self._devices[device_id].register_map].point(point)

    async def _land_leftover_journals(self, state: WriterState, now: dt.datetime
                                      ) -> pd.DataFrame:
        """Cycles that died left their journals: resolve each write they announced and never
        finished by reading the device back, journal the resolution (so a re-run lands the
        same rows), land, then delete. Returns the rows landed."""
        landed = []
        for journal in AuditJournal.leftovers(self.state_folder):
            for row, previous in journal.pending():
                outcome, read_back, reason, maybe_landed = await self._resolve(row, previous)
                journal.record({**row, "outcome": outcome, "read_back": read_back,
                                "written": row["written"] if maybe_landed else None,
                                "reason": f"writer stopped during cycle {journal.cycle_id}; "
                                          f"read back at {now:%Y-%m-%d %H:%M:%S} UTC: {reason}"})
                if maybe_landed:  # the ramp and the hourly cap count it
                    state.point(row["device_id"], row["point"]).record_write(
                        row["written"], row["attempt_ts_utc"].timestamp())
            journal.sync()
            state.heartbeat = (state.heartbeat + 1) % 65536  # it may have sent this counter
            state.save(self.state_path)
            rows, _ = self._land(journal)
            landed.append(rows)
        return pd.concat(landed, ignore_index=True) if landed else \
            pd.DataFrame(columns=AUDIT_SCHEMA.names)

    async def _resolve(self, row: dict, previous: float | None
                       ) -> tuple[str, float | None, str, bool]:
        """What became of a write announced by a cycle that died: (outcome, the value held
        now, why, whether the write may have reached the device)."""
        try:
            held = _finite((await self.io.read_points(row["device_id"], [row["point"]]))
                           .get(row["point"]))
            near = tolerance(self._point(row["device_id"], row["point"]))
        except Exception as exc:  # noqa: BLE001 - unreadable: the outcome stays unknown
            return ("interrupted", None, f"the device could not be read ({exc}): unknown "
                    "whether the write landed", True)
        if held is not None and abs(held - row["written"]) <= near:
            return "written", held, "the device holds the value: the write landed", True
        if held is not None and previous is not None and abs(held - previous) <= near:
            return ("interrupted", held, f"the device still holds {previous:g}: the write "
                    "did not land", False)
        return ("interrupted", held, f"the device holds {held}: unknown whether the write "
                "landed", True)

    # -- audit rows -----------------------------------------------------------------------
    def _row(self, decision: Decision, context: _Context, *, written: float | None = None,
             read_back: float | None = None, outcome: str | None = None,
             reason: str | None = None) -> dict:
        command = decision.command
        device = self._devices.get(command.device_id)
        register_map = self.maps.get(device.register_map) if device else None
        unit = register_map.point(command.point).unit \
            if register_map is not None and register_map.has_point(command.point) else ""
        plan = context.plan
        # attempts within a cycle are ordered by a microsecond each, so every row has its key
        self._sequence += 1
        return {
            "attempt_ts_utc": pd.Timestamp(context.now)
            + pd.Timedelta(microseconds=self._sequence),
            "cycle_id": context.cycle_id, "plan_run_id": plan.run_id if plan else None,
            "plan_solver_status": plan.solver_status if plan else None,
            "interval_start_utc": pd.Timestamp(context.interval),
            "device_id": command.device_id,
            "asset_id": command.asset_id or (device.asset if device else None),
            "point": command.point, "unit": unit, "source": command.source,
            "requested": _finite(command.value), "clamped": _finite(decision.clamped),
            "written": _finite(written),
            # an unchanged point was read this cycle: that reading is its read-back
            "read_back": read_back if read_back is not None else (
                decision.current if decision.outcome == "unchanged" else None),
            "outcome": outcome or decision.outcome,
            "reason": reason if reason is not None else (decision.reason or None),
            "dry_run": self.rules.dry_run, "decided_by": context.decided_by}

    def _audit(self, decision: Decision, context: _Context, **outcome) -> None:
        """A row that describes no write (or a failure before one): journalled now, on disk
        with the next write's (or the cycle's end) fsync."""
        self._journal.record(self._row(decision, context, **outcome))

    def _fail(self, decision: Decision, context: _Context, reason: str) -> None:
        """An unexpected failure on a decision: its announced write, if any, is ended with the
        reason (and that it may have been sent), else the decision gets a row of its own."""
        command = decision.command
        announced = [row for row, _ in self._journal.pending()
                     if (row["device_id"], row["point"]) == (command.device_id, command.point)]
        for row in announced:
            self._finish(row, outcome="write_error",
                         reason=f"{reason}; whether the write reached the device is unknown")
        if not announced:
            self._audit(decision, context, outcome="write_error", reason=reason)

    def _finish(self, row: dict, **changes) -> None:
        """A write's outcome, under the key its announcement was journalled with."""
        self._journal.record({**row, **changes})


@dataclass(frozen=True)
class _Context:
    """What every audit row of one cycle shares."""

    now: dt.datetime
    plan: PlanInForce | None
    interval: dt.datetime
    cycle_id: str
    decided_by: str | None = None
