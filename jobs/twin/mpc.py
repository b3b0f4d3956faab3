"""The intraday controller (`mpc`) in the twin's loop: at every interval it meters the interval
just ended (energy counters, as the harvester lands them), re-solves the rest of today and
tomorrow from the state measured now (jobs/dispatch/intraday.py) in the warm solver process,
and hands the writer the new plan's current interval. A failed or late solve hands nothing:
the writer then follows the landed day-ahead plan, and the audit names that plan.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from device_io.setpoints.commands import CONNECTED_STATES, plan_commands
from device_io.setpoints.plan_source import plan_in_force_from_rows
from device_io.setpoints.writer import CommandSource
from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings
from jobs.dispatch import green_line
from jobs.dispatch.blocking import MoveBlocking, block_inputs
from jobs.dispatch.extract import plan_rows
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.intraday import Measured, intraday_inputs
from jobs.dispatch.line_forecast_store import LineForecastStore
from jobs.dispatch.pv_held import held_systems, pv_columns
from jobs.dispatch.solve import SolveOptions
from jobs.dispatch.warm_solver import WarmSolver
from jobs.twin.replan import HeldPlan, ReplanTolerance

# a re-solve later than this is abandoned (the 15-minute cycle must go on)
WALL_LIMIT_S = 20.0
RECENT_H = 6  # intervals kept for the corrections
FINISHED = 3.0  # charger_state: the car is full and still plugged in


def twin_state(twin: ParkTwin, settings: Settings, kind: DeviceKind, point: str,
               combine: str = "mean") -> dict[str, float]:
    """One point per asset as the twin's devices read now (mean or sum over the asset's)."""
    by_asset: dict[str, list[float]] = {}
    for device in settings.park.devices:
        if device.kind == kind and device.asset is not None:
            value = twin.point_values(device.id).get(point)
            if value is not None:
                by_asset.setdefault(device.asset, []).append(float(value))
    return {asset: sum(v) / (len(v) if combine == "mean" else 1) for asset, v in by_asset.items()}


COUNTERS = {DeviceKind.GRID_METER: ("energy_import_kwh", "energy_export_kwh"),
            DeviceKind.DIRECT_GREEN_METER: ("energy_import_kwh",),
            DeviceKind.PV_INVERTER: ("energy_total_kwh",),
            DeviceKind.BESS: ("energy_charged_kwh", "energy_discharged_kwh"),
            DeviceKind.HVAC: ("energy_kwh",), DeviceKind.EV_CHARGER: ("energy_total_kwh",)}


@dataclass
class IntradayLog:
    solves: int = 0
    fallbacks: int = 0
    kept: int = 0  # intervals that followed the held plan (no re-solve: replan tolerance)
    replan_reasons: list[str] = field(default_factory=list)
    solve_wall_s: list[float] = field(default_factory=list)
    fallback_reasons: list[str] = field(default_factory=list)
    pv_nowcast_min: float = 1.0  # the lowest PV nowcast factor a re-solve used
    load_error_max_kw: float = 0.0  # the largest base-load error (absolute) it corrected
    # the HVAC energy each re-solve planned for its first interval against what the zones
    # then drew in it (their energy counters): the plan is only worth what the zones deliver
    hvac_planned_kwh: dict[pd.Timestamp, float] = field(default_factory=dict)
    hvac_delivered_kwh: dict[pd.Timestamp, float] = field(default_factory=dict)

    def hvac_tracking(self) -> dict:
        both = [t for t in self.hvac_planned_kwh if t in self.hvac_delivered_kwh]
        planned = [self.hvac_planned_kwh[t] for t in both]
        delivered = [self.hvac_delivered_kwh[t] for t in both]
        return {"intervals": len(both), "planned_kwh": round(sum(planned), 1),
                "delivered_kwh": round(sum(delivered), 1),
                "abs_error_kwh": round(sum(abs(p - d) for p, d in zip(planned, delivered,
                                                                       strict=True)), 1)}

    def summary(self) -> dict:
        walls = self.solve_wall_s
        return {"solves": self.solves, "fallbacks": self.fallbacks, "kept": self.kept,
                "replan_reasons": self.replan_reasons[:5],
                "median_solve_s": round(statistics.median(walls), 3) if walls else None,
                "max_solve_s": round(max(walls), 3) if walls else None,
                "fallback_reasons": self.fallback_reasons[:5],
                "pv_nowcast_min": round(self.pv_nowcast_min, 3),
                "load_error_max_kw": round(self.load_error_max_kw, 1),
                "hvac_tracking": self.hvac_tracking()}


class IntradayController:
    def __init__(self, settings: Settings, twin: ParkTwin, solver: WarmSolver,
                 options: SolveOptions | None = None, peak_margin_pct: float | None = None,
                 correct_forecasts: bool = True, until_utc: dt.datetime | None = None,
                 replan: ReplanTolerance | None = None, blocking: MoveBlocking | None = None):
        """replan: keep the last solved plan while the measured state stays within this
        tolerance of the plan's (jobs/twin/replan.py); None re-solves every interval.
        blocking: longer steps after the first hours (jobs/dispatch/blocking.py)."""
        self.settings = settings
        self.park = settings.park
        self.twin = twin
        self.solver = solver
        dispatch = self.park.dispatch
        self.options = options or SolveOptions(rel_gap=dispatch.rel_gap,
                                               time_limit_s=min(dispatch.time_limit_s, 10.0))
        self.peak_margin_pct = dispatch.peak_margin_pct if peak_margin_pct is None \
            else peak_margin_pct
        self.correct_forecasts = correct_forecasts  # False: the inputs are the truth
        self.until_utc = pd.Timestamp(until_utc) if until_utc is not None else None
        self.days: dict[dt.date, DispatchInputs] = {}
        self.replan = replan
        self.blocking = blocking
        self._held: tuple[HeldPlan, str] | None = None  # the plan kept, and its status
        self.log = IntradayLog()
        self._devices = [d for d in self.park.devices if d.kind in COUNTERS]
        self._last: dict[tuple[str, str], float] = {}
        self._recent: dict[pd.Timestamp, dict[str, float]] = {}
        self._month_peak: dict[str, float] = {}
        self._meter = self.park.park.grid_connection.meter_device_id
        self._export_limit_kw = self.park.park.grid_connection.export_limit_kw
        # the line operator's forecasts as they land (perfect foresight has the truth)
        self._line_forecasts = LineForecastStore(settings.landing_root) \
            if correct_forecasts and green_line.has_direct_green(self.park) else None

    def add_day(self, day: dt.date, inputs: DispatchInputs | None) -> None:
        """A day-ahead plan's inputs (None: that plan is not to be used for control)."""
        if inputs is not None:
            self.days[day] = inputs
        self._held = None  # a new day's inputs: the held plan did not see them
        for old in [d for d in self.days if d < day - dt.timedelta(days=1)]:
            del self.days[old]

    def observe(self, now: dt.datetime) -> None:
        """Meter the interval that ends now (counter differences); the first call only reads."""
        values = {d.id: self.twin.point_values(d.id) for d in self._devices}
        counters = {(d.id, p): values[d.id].get(p) for d in self._devices
                    for p in COUNTERS[d.kind]}
        if self._last:
            hours = 0.25
            kwh = {key: (value - self._last[key]) if value is not None
                   and self._last.get(key) is not None else 0.0
                   for key, value in counters.items()}

            def total(kind: DeviceKind, point: str) -> float:
                return sum(kwh[(d.id, point)] for d in self._devices if d.kind == kind)

            import_kw = kwh.get((self._meter, "energy_import_kwh"), 0.0) / hours
            export_kw = kwh.get((self._meter, "energy_export_kwh"), 0.0) / hours
            pv_kw = total(DeviceKind.PV_INVERTER, "energy_total_kwh") / hours
            # the direct green lines supply the park beside the grid: without them a windy
            # hour reads as a load that vanished
            green_kw = total(DeviceKind.DIRECT_GREEN_METER, "energy_import_kwh") / hours
            storage_kw = (total(DeviceKind.BESS, "energy_discharged_kwh")
                          - total(DeviceKind.BESS, "energy_charged_kwh")) / hours
            row = {"import_kw": import_kw, "export_kw": export_kw, "green_kw": green_kw,
                   "storage_kw": storage_kw,
                   "ev_kw": total(DeviceKind.EV_CHARGER, "energy_total_kwh") / hours,
                   "base_load_kw": import_kw + green_kw - export_kw + pv_kw
                   + (total(DeviceKind.BESS, "energy_discharged_kwh")
                      - total(DeviceKind.BESS, "energy_charged_kwh")
                      - total(DeviceKind.HVAC, "energy_kwh")
                      - total(DeviceKind.EV_CHARGER, "energy_total_kwh")) / hours}
            by_system: dict[str, float] = {}
            inverters = [d for d in self._devices
                         if d.kind == DeviceKind.PV_INVERTER and d.asset is not None]
            for device in inverters:
                by_system[device.asset] = by_system.get(device.asset, 0.0) \
                    + kwh[(device.id, "energy_total_kwh")] / hours
            # the registers at the interval's end: the limit the writer left in force
            held = held_systems(((d.asset, values[d.id].get("power_limit_enabled"),
                                  values[d.id].get("power_limit_pct")) for d in inverters),
                                export_kw, self._export_limit_kw)
            row.update(pv_columns(by_system, held))
            start = pd.Timestamp(now) - pd.Timedelta(minutes=15)
            self._recent[start] = row
            self.log.hvac_delivered_kwh[start] = total(DeviceKind.HVAC, "energy_kwh")
            for old in [t for t in self._recent if t < start - pd.Timedelta(hours=RECENT_H)]:
                del self._recent[old]
            month = start.tz_convert(self.park.park.timezone).strftime("%Y-%m")
            self._month_peak = {month: max(self._month_peak.get(month, 0.0), import_kw)}
        self._last = {k: v for k, v in counters.items() if v is not None}

    def _measured(self, now: dt.datetime) -> Measured:
        twin, settings = self.twin, self.settings
        chargers = {d.id: twin.point_values(d.id) for d in self.park.devices
                    if d.kind == DeviceKind.EV_CHARGER}
        plugged_kw = sum(d.rated_kw or 0.0 for d in self.park.devices
                         if d.id in chargers
                         and chargers[d.id].get("charger_state") in CONNECTED_STATES)
        # a finished car is still plugged in and its energy is still its group's
        delivered_kwh = sum(float(values.get("session_energy_kwh") or 0.0)
                            for values in chargers.values()
                            if values.get("charger_state") in (*CONNECTED_STATES, FINISHED))
        green_forecast = green_as_issued = None
        if self._line_forecasts is not None:
            green_forecast, green_as_issued = green_line.operator_forecast(
                self._line_forecasts, pd.Timestamp(now), self.park.dispatch.interval_minutes)
        outdoor_c = list(twin_state(twin, settings, DeviceKind.HVAC, "outdoor_temp_c").values())
        return Measured(
            now_utc=pd.Timestamp(now), green_forecast_kw=green_forecast,
            outdoor_temp_c=sum(outdoor_c) / len(outdoor_c) if outdoor_c else None,
            green_as_issued_kw=green_as_issued,
            soc_pct=twin_state(twin, settings, DeviceKind.BESS, "soc_pct"),
            zone_temp_c=twin_state(twin, settings, DeviceKind.HVAC, "zone_temp_c"),
            stored_heat_kwh_th=twin_state(twin, settings, DeviceKind.THERMAL_STORAGE,
                                          "stored_heat_kwh_th", "sum"),
            month_peak_kw=max(self._month_peak.values(), default=0.0),
            ev_plugged_kw=plugged_kw, ev_delivered_kwh=delivered_kwh,
            recent=pd.DataFrame.from_dict(self._recent, orient="index").sort_index())

    def commands(self, now: dt.datetime, on_fallback: Callable[[str], None] | None = None
                 ) -> CommandSource | None:
        """The re-solved plan's current interval as a command source, or None (fall back)."""
        local = pd.Timestamp(now).tz_convert(self.park.park.timezone).date()
        days = [self.days[d] for d in (local, local + dt.timedelta(days=1)) if d in self.days]
        if local not in self.days:
            return self._fallback(f"{now:%Y-%m-%d %H:%M}: no trusted day-ahead inputs for "
                                  f"{local}", on_fallback)
        try:
            inputs, corrections = intraday_inputs(days, self._measured(now),
                                                  self.peak_margin_pct, self.correct_forecasts,
                                                  self.until_utc)
        except ValueError as exc:
            return self._fallback(f"{now:%Y-%m-%d %H:%M}: inputs refused ({exc})", on_fallback)
        self.log.pv_nowcast_min = min([self.log.pv_nowcast_min,
                                       *corrections.pv_factor.values()])
        self.log.load_error_max_kw = max(self.log.load_error_max_kw,
                                         abs(corrections.load_error_kw))
        if self.blocking is not None:
            inputs = block_inputs(inputs, self.blocking)
        if self.replan is not None and self._held is not None:
            held, status = self._held
            reason = held.drift(pd.Timestamp(now), inputs, corrections.peak_floor_kw,
                                self.replan)
            if reason is None:
                self.log.kept += 1
                return self._source(inputs, held.rows_at(pd.Timestamp(now)), now, status)
            self.log.replan_reasons.append(f"{now:%Y-%m-%d %H:%M}: {reason}")
        answer = self.solver.solve(inputs, self.options, WALL_LIMIT_S)
        self.log.solves += 1
        if answer.attempt.flows is None:
            return self._fallback(f"{now:%Y-%m-%d %H:%M}: {answer.attempt.solve.status} "
                                  f"({answer.attempt.solve.message})", on_fallback)
        self.log.solve_wall_s.append(answer.wall_s)
        # a held plan needs its every interval; otherwise only the one sent now is framed
        rows = plan_rows(inputs, answer.attempt.flows,
                         first_interval_only=self.replan is None)
        status = answer.attempt.solve.status
        if self.replan is not None:
            self._held = (HeldPlan(inputs, rows, corrections.peak_floor_kw), status)
        rows = rows[rows["interval_start_utc"] == inputs.interval_start_utc[0]]
        return self._source(inputs, rows, now, status)

    def _source(self, inputs: DispatchInputs, rows: pd.DataFrame, now: dt.datetime,
                status: str) -> CommandSource:
        """The plan's rows for the interval starting now, as the writer's command source."""
        hvac_kw = rows[(rows["asset_kind"] == "hvac_zone") & (rows["quantity"] == "electric_kw")]
        self.log.hvac_planned_kwh[pd.Timestamp(inputs.interval_start_utc[0])] = float(
            hvac_kw["value"].sum()) * inputs.interval_h
        plan = plan_in_force_from_rows(rows, f"intraday-{now:%Y%m%dT%H%M}", now, status)
        park, maps = self.park, self.settings.register_maps
        return lambda live: plan_commands(park, maps, plan, live)

    def _fallback(self, reason: str, on_fallback: Callable[[str], None] | None) -> None:
        self.log.fallbacks += 1
        self.log.fallback_reasons.append(reason)
        if on_fallback is not None:
            on_fallback(f"mpc falls back to the day-ahead plan: {reason}")
        return None
