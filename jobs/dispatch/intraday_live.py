"""The intraday re-solve in production: a step of the setpoints cycle that turns the day-ahead
plan in force into the current interval's setpoints from what the platform has measured.

- The day's inputs are the day-ahead run's, rebuilt from the published warehouse as the run
  saw them (prepare_inputs with the run's creation time, so the same history, DR events and
  the month's peak floor; the PV potential is the forecast the run landed). Tomorrow's join
  once its plan is in force. The day-ahead plan stays the commitment: its DR obligations
  are constraints of the re-solve as they were of the plan.
- The state is measured: battery SOC, zone temperatures and stored heat from the latest good
  landed readings (the published warehouse's view of the landing zone), the SOC overlaid
  by what the writer read from the PCS this cycle; the chargers with a car plugged in from the
  same read; the month's peak import from the warehouse's balance and the writer's meter.
- The corrections (jobs/dispatch/intraday.py) use the last hours of the warehouse's
  interval marts: PV potential per system, base load and EV charging.
The solve runs in the warm solver service (solver_service.py) within the configured budget;
whatever goes wrong is an outcome with the reason, never an exception: the writer then
follows the day-ahead plan and its audit says why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import time
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from device_io.setpoints.plan_source import (
    TRUSTED_STATUSES,
    PlanInForce,
    plan_for_interval,
    plan_in_force_from_rows,
)
from device_io.setpoints.plan_units import COMMAND_UNITS
from jobs.common import landing
from jobs.common.frames import to_frame
from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings
from jobs.dispatch import green_line, line_forecast_file
from jobs.dispatch import measured as warehouse_state
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.day_ahead import prepare_inputs
from jobs.dispatch.extract import plan_rows
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.intraday import Measured, intraday_inputs
from jobs.dispatch.line_forecast_store import LineForecastStore
from jobs.dispatch.plan_flows import PlanFlows
from jobs.dispatch.pv_held import held_systems, pv_columns
from jobs.dispatch.solve import SolveOptions
from jobs.dispatch.solver_service import SolverClient
from jobs.forecast.calibration import measured_potential_kw
from jobs.forecast.weather import ClearSkyClimatology, WeatherProvider
from jobs.warehouse.published import connect_published

_log = logging.getLogger(__name__)

RECENT_H = 6  # the history the corrections look at (their windows are shorter)
CONNECTED_STATES = (1.0, 2.0)  # charger_state: connected, charging
# outdoor air the zones' sensors can honestly read in a Chinese park (records: about -53 to
# +50 C); anything outside is a failed sensor, not weather
OUTDOOR_PLAUSIBLE_C = (-55.0, 60.0)
LiveValues = Mapping[str, Mapping[str, float | None]]


@dataclass(frozen=True)
class IntradayOutcome:
    plan: PlanInForce | None  # the re-solved current interval; None: follow the day-ahead
    why_not: str  # "" with a plan
    wall_s: float  # the whole step, as the cycle waited
    service_pid: int | None = None
    notes: tuple[str, ...] = ()


class IntradayStep:
    """Called once per setpoints cycle (the writer's `intraday`)."""

    def __init__(self, settings: Settings, client: SolverClient | None = None,
                 provider: WeatherProvider | None = None):
        self.settings = settings
        dispatch = settings.park.dispatch
        self.deadline_s = dispatch.intraday_deadline_s
        self.client = client  # made at the first call: its folder may fail, as a fallback
        # the temperature and the load come from the warehouse's history offline; the PV is
        # the day-ahead run's landed forecast, whatever provider made it
        self.provider = provider or ClearSkyClimatology()

    def __call__(self, day_ahead: PlanInForce, live: LiveValues, now_utc: dt.datetime,
                 metered_peak_kw: float | None = None) -> IntradayOutcome:
        begun = time.perf_counter()
        try:
            self.client = self.client or SolverClient(
                self.settings.data_root, self.settings.park.dispatch.intraday_idle_exit_s)
            inputs, notes = self._inputs(day_ahead, live, pd.Timestamp(now_utc), metered_peak_kw)
        except Exception as exc:  # noqa: BLE001 - any failure here is a fallback with its reason
            return IntradayOutcome(None, f"inputs: {type(exc).__name__}: {exc}",
                                   time.perf_counter() - begun)
        left_s = self.deadline_s - (time.perf_counter() - begun)
        if left_s <= 0:
            return IntradayOutcome(None, f"deadline: the inputs took the whole "
                                   f"{self.deadline_s:g} s budget", time.perf_counter() - begun)
        dispatch = self.settings.park.dispatch
        options = SolveOptions(rel_gap=dispatch.rel_gap,
                               time_limit_s=max(min(dispatch.time_limit_s, left_s - 1.0), 0.1))
        reply = self.client.solve(inputs, options, left_s)
        wall_s = time.perf_counter() - begun
        solve = reply.answer.attempt.solve
        if reply.answer.attempt.flows is None:
            reason = "deadline" if solve.status == "time_limit" else solve.status
            return IntradayOutcome(None, f"{reason}: {solve.message}", wall_s, reply.pid, notes)
        if solve.status not in TRUSTED_STATUSES:
            return IntradayOutcome(None, f"solver status {solve.status!r} is not trusted",
                                   wall_s, reply.pid, notes)
        # before plan_rows, which drops rows without a value (a DR event's outside its
        # window), so a NaN setpoint would vanish and leave its device without a command
        broken = _non_finite_flows(reply.answer.attempt.flows)
        rows = plan_rows(inputs, reply.answer.attempt.flows)
        rows = rows[rows["interval_start_utc"] == inputs.interval_start_utc[0]]
        commanded = rows[[(k, q) in COMMAND_UNITS for k, q in zip(rows["asset_kind"],
                                                                    rows["quantity"],
                                                                    strict=True)]]
        broken += [f"{r.asset_id} {r.quantity}"
                   for r in commanded[~commanded["value"].map(math.isfinite)].itertuples()]
        if broken:
            return IntradayOutcome(None, "non-finite values: " + ", ".join(broken), wall_s,
                                   reply.pid, notes)
        run_id = f"intraday-{pd.Timestamp(now_utc):%Y%m%dT%H%M}-{day_ahead.run_id}"
        plan = plan_in_force_from_rows(rows, run_id, now_utc, solve.status)
        return IntradayOutcome(plan, "", wall_s, reply.pid, notes)

    # -- inputs -------------------------------------------------------------------------------
    def _inputs(self, day_ahead: PlanInForce, live: LiveValues, now: pd.Timestamp,
                metered_peak_kw: float | None) -> tuple[DispatchInputs, tuple[str, ...]]:
        settings = self.settings
        park = settings.park
        zone = park.park.timezone
        today = now.tz_convert(zone).date()
        days = [self._day(today, day_ahead)]
        tomorrow = today + dt.timedelta(days=1)
        first = local_day_intervals(tomorrow, zone, park.dispatch.interval_minutes)[0]
        ahead = plan_for_interval(settings.landing_root, first.to_pydatetime(), now,
                                  park.setpoints.max_plan_age_h).plan
        if ahead is not None:
            days.append(self._day(tomorrow, ahead))
        state = self._measured(live, now, metered_peak_kw)
        inputs, corrections = intraday_inputs(days, state, park.dispatch.peak_margin_pct)
        return inputs, corrections.notes

    def _day(self, day: dt.date, plan: PlanInForce) -> DispatchInputs:
        """The day-ahead run's inputs, as it made them, with the PV it landed."""
        prepared = prepare_inputs(self.settings, day, self.provider,
                                  plan.created_at_utc.to_pydatetime())
        inputs = prepared.inputs
        forecast = _landed_pv_forecast(self.settings, plan.run_id, inputs.interval_start_utc)
        if not forecast.empty:
            inputs = replace(inputs, pv_potential_kw=forecast.reindex(
                index=inputs.interval_start_utc, columns=inputs.pv_potential_kw.columns)
                .fillna(inputs.pv_potential_kw))
        return inputs

    def _measured(self, live: LiveValues, now: pd.Timestamp, metered_peak_kw: float | None
                  ) -> Measured:
        settings, park = self.settings, self.settings.park
        path = settings.warehouse_path
        soc = warehouse_state.latest_by_asset(path, park, DeviceKind.BESS, "soc_pct", now)
        soc.update(_live_by_asset(park, live, DeviceKind.BESS, "soc_pct"))
        plugged_kw = sum(d.rated_kw or 0.0 for d in park.devices
                         if d.kind == DeviceKind.EV_CHARGER
                         and live.get(d.id, {}).get("charger_state") in CONNECTED_STATES)
        return Measured(
            now_utc=now, soc_pct=soc, outdoor_temp_c=outdoor_reading_c(park, live),
            zone_temp_c=warehouse_state.latest_by_asset(path, park, DeviceKind.HVAC,
                                                        "zone_temp_c", now),
            stored_heat_kwh_th=warehouse_state.latest_by_asset(
                path, park, DeviceKind.THERMAL_STORAGE, "stored_heat_kwh_th", now, "sum"),
            month_peak_kw=max(_month_peak_kw(settings, now), metered_peak_kw or 0.0),
            ev_plugged_kw=plugged_kw, recent=_recent(settings, now),
            **_operator_forecast(settings, now))


def _operator_forecast(settings: Settings, now: pd.Timestamp) -> dict:
    """The line operator's forecast for Measured (jobs/dispatch/green_line.py), if any."""
    if not green_line.has_direct_green(settings.park):
        return {}
    # the operator sends an ultra-short-term issue every 15 minutes: take in what arrived
    for result in line_forecast_file.load_folder(settings.data_root, settings.landing_root,
                                                 settings.park):
        if not result.accepted:
            _log.warning("line forecast %s refused: %s", result.source.name,
                         "; ".join(result.problems))
    forecast, as_issued = green_line.operator_forecast(
        LineForecastStore(settings.landing_root), now, settings.park.dispatch.interval_minutes)
    return {"green_forecast_kw": forecast, "green_as_issued_kw": as_issued}


def _non_finite_flows(flows: PlanFlows) -> list[str]:
    """`<flow> <asset>` for every flow of the solution with a value that is not finite,
    anywhere in the horizon: such a solution is not used at all."""
    found = []
    for item in dataclasses.fields(flows):
        values = getattr(flows, item.name)
        if isinstance(values, pd.DataFrame):
            numbers = values.to_numpy(dtype=float)
            found += [f"{item.name} {column}" for column, ok in
                      zip(values.columns, np.isfinite(numbers).all(axis=0), strict=True)
                      if not ok]
        elif values is not None and not np.isfinite(np.asarray(values, dtype=float)).all():
            found.append(item.name)
    return found


def outdoor_reading_c(park, live: LiveValues) -> float | None:
    """The outdoor temperature the zones' controllers read this cycle (the forecast's
    correction): the median over the zones, so one bad sensor cannot move it, of the finite
    readings inside what weather can be (OUTDOOR_PLAUSIBLE_C); None when no zone has one."""
    low, high = OUTDOOR_PLAUSIBLE_C
    readings = sorted(c for c in _live_by_asset(park, live, DeviceKind.HVAC,
                                                 "outdoor_temp_c").values()
                      if math.isfinite(c) and low <= c <= high)
    return float(np.median(readings)) if readings else None


def _live_by_asset(park, live: LiveValues, kind: DeviceKind, point: str) -> dict[str, float]:
    by_asset: dict[str, list[float]] = {}
    for device in park.devices:
        value = live.get(device.id, {}).get(point)
        if device.kind == kind and device.asset is not None and value is not None:
            by_asset.setdefault(device.asset, []).append(float(value))
    return {asset: sum(values) / len(values) for asset, values in by_asset.items()}


def _month_peak_kw(settings: Settings, now: pd.Timestamp) -> float:
    """The month's highest 15-minute import the warehouse has balanced so far."""
    local = now.tz_convert(zoneinfo.ZoneInfo(settings.park.park.timezone))
    with connect_published(settings) as connection:
        row = connection.execute(
            "select coalesce(max(import_demand_kw), 0) from fct_energy_balance "
            "where local_date >= ? and local_date <= ?",
            [local.date().replace(day=1), local.date()]).fetchone()
    return float(row[0]) if row else 0.0


def _recent(settings: Settings, now: pd.Timestamp) -> pd.DataFrame:
    """The last RECENT_H hours per interval: `pv_kw:<system>` (what the arrays offered),
    `base_load_kw` and `ev_kw` (the consumers' charging), and where the park has direct
    green lines `green_kw` and `import_kw`."""
    since = now - pd.Timedelta(hours=RECENT_H)
    minutes = settings.park.dispatch.interval_minutes
    pv = _recent_pv(settings, since, now)
    with connect_published(settings.warehouse_path) as connection:
        loads = to_frame(connection.execute(
            "select interval_start_utc, sum(consumption_kwh - coalesce(hvac_kwh, 0) "
            "- coalesce(ev_charging_kwh, 0)) as base_kwh, "
            "sum(coalesce(ev_charging_kwh, 0)) as ev_kwh from fct_enterprise_interval_energy "
            "where interval_start_utc >= ? and interval_start_utc < ? group by all",
            [since.to_pydatetime(), now.to_pydatetime()]))
        # the direct green lines' delivery and the grid's import (green_line.nowcast_kw)
        lines = to_frame(connection.execute(
            "select interval_start_utc, grid_import_kwh, direct_green_import_kwh, "
            "coalesce(battery_discharge_kwh, 0) - coalesce(battery_charge_kwh, 0) storage_kwh "
            "from fct_energy_balance where interval_start_utc >= ? and interval_start_utc < ?",
            [since.to_pydatetime(), now.to_pydatetime()]))
    per_h = 60.0 / minutes
    recent = pv
    if len(loads):
        loads.index = pd.DatetimeIndex(loads.pop("interval_start_utc")).tz_convert("UTC")
        recent = recent.join(pd.DataFrame({"base_load_kw": loads["base_kwh"] * per_h,
                                           "ev_kw": loads["ev_kwh"] * per_h}), how="outer")
    if len(lines) and lines["direct_green_import_kwh"].notna().any():
        lines.index = pd.DatetimeIndex(lines.pop("interval_start_utc")).tz_convert("UTC")
        recent = recent.join(pd.DataFrame({
            "import_kw": lines["grid_import_kwh"] * per_h,
            "green_kw": lines["direct_green_import_kwh"] * per_h,
            "storage_kw": lines["storage_kwh"] * per_h}), how="outer")
    return recent.sort_index()


def _recent_pv(settings: Settings, since: pd.Timestamp, now: pd.Timestamp) -> pd.DataFrame:
    """`pv_kw:<system>` and `pv_held_kw:<system>` per interval (jobs/dispatch/pv_held.py):
    metered generation, marked held from the harvested power-limit registers (the writer's
    last curtailment as the inverter reports it) and the metered export against the
    protection's limit."""
    park = settings.park
    minutes = park.dispatch.interval_minutes
    output = measured_potential_kw(settings.warehouse_path, since.to_pydatetime(),
                                   now.to_pydatetime(), minutes, quantity="generation_kwh")
    inverters = [d for d in park.devices
                 if d.kind == DeviceKind.PV_INVERTER and d.asset is not None]
    ids = [d.id for d in inverters]
    enabled = warehouse_state.interval_means(settings.warehouse_path, "power_limit_enabled",
                                             ids, since, now, minutes)
    limit_pct = warehouse_state.interval_means(settings.warehouse_path, "power_limit_pct", ids,
                                               since, now, minutes)
    with connect_published(settings.warehouse_path) as connection:
        export = to_frame(connection.execute(
            "select interval_start_utc, grid_export_kwh from fct_energy_balance "
            "where interval_start_utc >= ? and interval_start_utc < ?",
            [since.to_pydatetime(), now.to_pydatetime()]))
    export_kw = {pd.Timestamp(t).tz_convert("UTC"): float(kwh) * 60.0 / minutes
                 for t, kwh in zip(export["interval_start_utc"], export["grid_export_kwh"],
                                   strict=True) if kwh is not None and not pd.isna(kwh)}

    def measured(frame: pd.DataFrame, start: pd.Timestamp, device: str) -> float | None:
        if start not in frame.index or device not in frame.columns:
            return None
        value = frame.at[start, device]
        return None if pd.isna(value) else float(value)

    rows = {}
    for start, kw in output.iterrows():
        held = held_systems(((d.asset, measured(enabled, start, d.id),
                              measured(limit_pct, start, d.id)) for d in inverters),
                            export_kw.get(start), park.park.grid_connection.export_limit_kw)
        rows[start] = pv_columns(kw.dropna().to_dict(), held)
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def _landed_pv_forecast(settings: Settings, run_id: str, index: pd.DatetimeIndex
                        ) -> pd.DataFrame:
    """The PV potential per system (kW) the day-ahead run landed for these intervals."""
    paths = [path for day in sorted({t.date() for t in index})
             for path in landing.list_partition_files(settings.landing_root, "forecasts", day)
             if run_id in path.rsplit("/", 1)[-1]]
    if not paths:
        return pd.DataFrame()
    rows = landing.read_files(paths).to_pandas()
    rows = rows[(rows["run_id"] == run_id) & (rows["asset_kind"] == "pv")]
    wide = rows.pivot_table(index="interval_start_utc", columns="asset_id", values="value")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide
