"""The day-ahead run: forecast -> optimise -> publish, for one local date.

Every run has a run_id; its forecasts land in `forecasts` and its plan in `plans` (one file
per run and UTC date, named after the run, so a re-run of the same run replaces its files and
a new run adds a newer plan beside the old). A plan that could not be optimised is the
rule-based baseline, flagged `is_fallback`, never nothing.

What the plan starts from is measured where the platform measures it (battery SOC, zone
temperatures, stored heat: the latest good reading, at most measured.MAX_STATE_AGE old) and
configured otherwise; every such substitution is listed in the result's `notes`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from jobs.common import landing
from jobs.common.dispatch_schemas import FORECASTS_SCHEMA, PLANS_SCHEMA
from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings
from jobs.dispatch import green_line, measured
from jobs.dispatch.baseline import no_control_consumer_load_kw, rule_based_flows
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.extract import PlanSummary, plan_rows, summarise
from jobs.dispatch.inputs import EV_GROUP_COLUMNS, DispatchInputs
from jobs.dispatch.occupancy import hvac_mode_history
from jobs.dispatch.optimise import optimise
from jobs.dispatch.park_assets import (
    battery_table,
    grid_terms,
    hvac_zone_table,
    thermal_store_table,
)
from jobs.dispatch.solve import SolveOptions, SolveResult
from jobs.dispatch.tariff import interval_prices
from jobs.forecast.calibration import calibrated_systems, pv_calibration_factors
from jobs.forecast.ev import charger_ratings, ev_session_history, expected_ev_groups
from jobs.forecast.load import (
    LIKE_DAYS,
    Profile,
    consumption_history_kw,
    profile_forecast,
    profile_with_methods,
)
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.sanity import clear_sky_pv_kw, load_check, pv_problems
from jobs.forecast.weather import WeatherProvider
from jobs.warehouse.published import connect_published

HISTORY_DAYS = 28
TEMPERATURE_DAYS = 3  # the offline stand-in for a temperature forecast: recent days' profile
OCCUPIED_SHARE = 0.5  # a zone counts as occupied in a slot it was running in most days
UNTRUSTED_FORECAST = "untrusted_forecast"  # a status the setpoint writer does not trust
CONSUMER_MODEL = "profile_4_like_days"


class DispatchDataError(RuntimeError):
    """The warehouse cannot support a plan yet (no history to forecast load from)."""


@dataclass(frozen=True)
class PreparedDay:
    inputs: DispatchInputs
    pv_kw: pd.DataFrame  # forecast PV potential per system (kW)
    consumer_load_kw: pd.DataFrame  # forecast load per consumer (kW): landed and scored
    # the optimiser's view of the same, rebuilt from its parts with no control (kW)
    consumer_no_control_kw: pd.DataFrame
    weather_provider: str
    notes: tuple[str, ...] = ()  # what was assumed for want of a measurement
    # the sanity bounds the forecasts failed (forecast.sanity): the plan is not for control
    forecast_problems: tuple[str, ...] = ()
    # how each consumer's landed load forecast was made (forecast.load.LIKE_DAYS or a fallback)
    load_methods: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DayAheadResult:
    run_id: str
    plan_date: dt.date
    intervals: int
    solve: SolveResult
    # optimal / time_limit / relaxed / fallback, or untrusted_forecast (whatever the solver
    # did): the forecasts failed their sanity bounds, the setpoint writer will not use it
    status: str
    plan: PlanSummary
    baseline: PlanSummary
    weather_provider: str
    plan_rows: pd.DataFrame  # what was published, as landed in `plans`
    plan_paths: list[str]
    forecast_paths: list[str]
    breaches: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    forecast_problems: tuple[str, ...] = ()

    @property
    def is_fallback(self) -> bool:
        return self.status == "fallback"

    @property
    def is_trusted(self) -> bool:
        """False: published for the record, not for control."""
        return self.status != UNTRUSTED_FORECAST

    @property
    def saving_cny(self) -> float:
        return self.baseline.total_cost_cny - self.plan.total_cost_cny


def _warehouse_facts(settings: Settings, local_date: dt.date) -> tuple[float, float]:
    """The month's peak import so far (kW) and the location-based grid factor (kgCO2/kWh)."""
    month_start = local_date.replace(day=1)
    with connect_published(settings) as connection:
        peak = connection.execute(
            "select coalesce(max(import_demand_kw), 0) from fct_energy_balance "
            "where local_date >= ? and local_date < ?", [month_start, local_date]).fetchone()
        factor = connection.execute(
            "select location_kgco2_per_kwh "
            "from intermediate.int_accounting_factors_selected").fetchone()
    return float(peak[0]) if peak else 0.0, float(factor[0]) if factor else 0.0


def _outdoor_temperature_c(settings: Settings, weather, index: pd.DatetimeIndex,
                           known_until: pd.Timestamp, notes: list[str]) -> pd.Series:
    """The provider's temperature forecast; from an offline provider (no forecast) the mean
    measured profile of the last TEMPERATURE_DAYS days (the HVAC controllers' outdoor
    sensors), else its climatological constant."""
    forecast = weather.frame["temp_air_c"]
    if weather.forecasts_temperature:
        return forecast
    sensors = [d.id for d in settings.park.devices if d.kind == DeviceKind.HVAC]
    history = measured.interval_means(
        settings.warehouse_path, "outdoor_temp_c", sensors,
        known_until - pd.Timedelta(days=TEMPERATURE_DAYS + 1), known_until,
        settings.park.dispatch.interval_minutes)
    if history.empty:
        notes.append("outdoor temperature: no forecast and no measurements, climatology used")
        return forecast
    profile = profile_forecast(history.mean(axis=1).to_frame("t"), index,
                               settings.park.park.timezone, days=TEMPERATURE_DAYS,
                               by_day_type=False)["t"]
    notes.append(f"outdoor temperature: the last {TEMPERATURE_DAYS} days' measured profile "
                 "(the weather provider does not forecast it)")
    return profile.fillna(float(forecast.mean()))


def _zone_occupancy(settings: Settings, index: pd.DatetimeIndex, known_until: pd.Timestamp,
                    notes: list[str]) -> pd.DataFrame | None:
    """Occupied where the zone's schedule ran its controller (hvac_mode not off, the
    platform's own overrides taken out: occupancy.py) on most recent days of the same type;
    None (always occupied) without history."""
    park = settings.park
    devices = measured._asset_devices(park, DeviceKind.HVAC)
    history = hvac_mode_history(
        settings.warehouse_path, sum(devices.values(), []),
        known_until - pd.Timedelta(days=HISTORY_DAYS), known_until,
        park.dispatch.interval_minutes)
    if history.empty:
        notes.append("HVAC occupancy: no hvac_mode history, every zone taken as occupied")
        return None
    running = (history > 0).astype(float).where(history.notna())
    share = profile_forecast(running, index, park.park.timezone)
    occupied = pd.DataFrame(index=index)
    for zone in park.assets.hvac_zones:
        columns = [d for d in devices.get(zone.id, []) if d in share.columns]
        occupied[zone.id] = (share[columns].mean(axis=1) >= OCCUPIED_SHARE) if columns \
            else True
    return occupied


def _heat_forecasts(settings: Settings, index: pd.DatetimeIndex, known_until: pd.Timestamp,
                    notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Waste heat on offer and heat wanted per tank (kW_th): the profiles of the heat each
    tank stored and released on recent days of the same type."""
    tanks = [tank.id for tank in settings.park.assets.thermal_storage]
    waste, demand = pd.DataFrame(0.0, index=index, columns=tanks), \
        pd.DataFrame(0.0, index=index, columns=tanks)
    if not tanks:
        return waste, demand
    history = measured.heat_flow_history_kw_th(
        settings.warehouse_path, known_until - pd.Timedelta(days=HISTORY_DAYS), known_until,
        settings.park.dispatch.interval_minutes)
    for tank in tanks:
        for flow, target in (("stored", waste), ("released", demand)):
            if (tank, flow) in history.columns:
                series = history[(tank, flow)].to_frame("kw")
                target[tank] = profile_forecast(series, index, settings.park.park.timezone)[
                    "kw"].fillna(0.0).clip(lower=0.0)
            else:
                notes.append(f"thermal store {tank}: no heat {flow} history, taken as none")
    return waste, demand


def _ev_groups(settings: Settings, index: pd.DatetimeIndex, known_until: pd.Timestamp,
               notes: list[str]) -> pd.DataFrame:
    """Tomorrow's EV sessions, pooled into groups of alike arrival and departure hours, from
    the sessions the chargers reported on recent days of the same type."""
    park = settings.park
    chargers = charger_ratings(park)
    if chargers.empty:
        return pd.DataFrame(columns=list(EV_GROUP_COLUMNS))
    sessions = ev_session_history(
        settings.warehouse_path, (known_until - pd.Timedelta(days=HISTORY_DAYS)).to_pydatetime())
    groups = expected_ev_groups(sessions[sessions["departure_utc"] < known_until], index,
                                park.park.timezone, chargers, complete_before_utc=known_until)
    if groups.empty:
        notes.append("EV charging: no session history, no EV sessions expected")
    return groups


def _consumption_profile(settings: Settings, index: pd.DatetimeIndex,
                         known_until: pd.Timestamp, part: str, problems: list[str],
                         notes: list[str]) -> Profile:
    """Each consumer's like-day profile of `part` (see forecast.load.CONSUMPTION_PARTS); what
    fails its sanity bounds is added to `problems` (how a bound was made without a complete
    day of the type to `notes`), and a consumer with no forecast at all gets 0 kW (the plan
    is then untrusted)."""
    history = consumption_history_kw(
        settings.warehouse_path, (known_until - pd.Timedelta(days=HISTORY_DAYS)).to_pydatetime(),
        settings.park.dispatch.interval_minutes, part=part)
    history = history[history.index < known_until]
    if history.empty:
        raise DispatchDataError(f"no consumption history before {index[0]} in the warehouse: "
                                "build it from harvested readings first")
    profile = profile_with_methods(history, index, settings.park.park.timezone)
    check = load_check(profile.kw, history, f"load forecast ({part})",
                       settings.park.park.timezone)
    problems += check.problems
    notes += check.notes
    return Profile(profile.kw.fillna(0.0), profile.methods)


def _calibrated_pv(settings: Settings, known_until: pd.Timestamp, notes: list[str]):
    """The PV systems as their measured history shows them (kWp x the clear-sky derate)."""
    park = settings.park
    if not park.assets.pv:
        return []
    factors = pv_calibration_factors(
        settings.warehouse_path, park.park, park.assets.pv,
        (known_until - pd.Timedelta(days=HISTORY_DAYS)).to_pydatetime(),
        known_until.to_pydatetime(), park.dispatch.interval_minutes)
    for system, row in factors.iterrows():
        if row["status"] != "calibrated":
            notes.append(f"PV {system}: calibration {row['status']}, factor {row['factor']:.2f}")
    return calibrated_systems(park.assets.pv, factors)


def _pv_forecast(settings: Settings, weather, index: pd.DatetimeIndex,
                 known_until: pd.Timestamp, notes: list[str], problems: list[str]
                 ) -> pd.DataFrame:
    """PV potential per system from the weather forecast, checked against the clear sky."""
    park = settings.park
    systems = _calibrated_pv(settings, known_until, notes)
    minutes = park.dispatch.interval_minutes
    pv_kw = pv_potential_kw(park.park, systems, weather, index, minutes)
    problems += pv_problems(pv_kw, clear_sky_pv_kw(park.park, systems, index, minutes))
    return pv_kw


def _state_now(settings: Settings, known_until: pd.Timestamp,
               soc_now_pct: Mapping[str, float] | None, notes: list[str]):
    park = settings.park
    path = settings.warehouse_path
    if soc_now_pct is None:
        soc_now_pct = measured.latest_by_asset(path, park, DeviceKind.BESS, "soc_pct",
                                               known_until)
    zone_temps = measured.latest_by_asset(path, park, DeviceKind.HVAC, "zone_temp_c",
                                          known_until)
    stored = measured.latest_by_asset(path, park, DeviceKind.THERMAL_STORAGE,
                                      "stored_heat_kwh_th", known_until, combine="sum")
    for kind, assets, found in (("battery", park.assets.batteries, soc_now_pct),
                                ("HVAC zone", park.assets.hvac_zones, zone_temps),
                                ("thermal store", park.assets.thermal_storage, stored)):
        missing = [asset.id for asset in assets if asset.id not in found]
        if missing:
            notes.append(f"{kind} state not measured for {', '.join(missing)}: configured "
                         "initial state used")
    return soc_now_pct, zone_temps, stored


def prepare_inputs(settings: Settings, local_date: dt.date, provider: WeatherProvider,
                   now_utc: dt.datetime, soc_now_pct: Mapping[str, float] | None = None
                   ) -> PreparedDay:
    """The optimiser's inputs for `local_date`, and the forecasts behind them."""
    park = settings.park
    zone = park.park.timezone
    minutes = park.dispatch.interval_minutes
    notes: list[str] = []
    problems: list[str] = []
    index = local_day_intervals(local_date, zone, minutes)
    prices = interval_prices(park.tariffs, index, zone)
    # what was known when the forecast was issued, and no more (a re-run for a past date must
    # not peek at the day itself)
    known_until = min(pd.Timestamp(now_utc), index[0])
    weather = provider.forecast(park.park, index)
    outdoor_c = _outdoor_temperature_c(settings, weather, index, known_until, notes)
    pv_kw = _pv_forecast(settings, weather, index, known_until, notes, problems)
    base_kw = _consumption_profile(settings, index, known_until, "base", problems,
                                   notes).kw
    soc_now_pct, zone_temps, stored = _state_now(settings, known_until, soc_now_pct, notes)
    waste_kw_th, demand_kw_th = _heat_forecasts(settings, index, known_until, notes)
    month_peak_kw, grid_factor = _warehouse_facts(settings, local_date)
    dispatch = park.dispatch
    inputs = DispatchInputs(
        interval_start_utc=index, interval_h=minutes / 60.0,
        base_load_kw=base_kw.sum(axis=1), consumer_base_load_kw=base_kw,
        pv_potential_kw=pv_kw, batteries=battery_table(park, soc_now_pct),
        pv_rated_kw=pd.Series({system.id: system.inverter_kw for system in park.assets.pv},
                              dtype=float),
        ev_groups=_ev_groups(settings, index, known_until, notes),
        grid=grid_terms(park, prices, month_peak_so_far_kw=month_peak_kw * (
            1.0 - dispatch.peak_margin_pct / 100.0), grid_kgco2_per_kwh=grid_factor),
        ev_unserved_penalty_cny_per_kwh=dispatch.ev_unserved_penalty_cny_per_kwh,
        hvac_zones=hvac_zone_table(park, outdoor_c, zone_temps), outdoor_temp_c=outdoor_c,
        hvac_occupied=_zone_occupancy(settings, index, known_until, notes),
        comfort_breach_cny_per_kh=dispatch.comfort_breach_cny_per_kh,
        thermal_stores=thermal_store_table(park, stored), waste_heat_kw_th=waste_kw_th,
        heat_demand_kw_th=demand_kw_th,
        backup_heat_cny_per_kwh_th=dispatch.backup_heat_cny_per_kwh_th,
        backup_heat_kgco2_per_kwh_th=dispatch.backup_heat_kgco2_per_kwh_th,
        dr_events=measured.dr_events_between(settings.warehouse_path, index[0],
                                             index[-1] + pd.Timedelta(minutes=minutes)),
        direct_green_kw=green_line.forecast_kw(settings.warehouse_path, park, index,
                                               known_until, settings.landing_root, notes))
    # the consumer forecast that is landed and scored: the like-day profile of whole
    # consumption; base profile + HVAC thermostats + EVs (what the optimiser needs split) is
    # measurably worse on the twin (make bench, week: 21.2 against 17.3 kW MAE)
    consumer = _consumption_profile(settings, index, known_until, "consumption", problems,
                                    notes)
    notes += consumer.notes("load forecast")
    return PreparedDay(inputs, pv_kw, consumer.kw, no_control_consumer_load_kw(inputs),
                       weather.provider, tuple(notes), tuple(problems), consumer.methods)


def _forecast_table(run_id: str, issued: dt.datetime, day: PreparedDay) -> pa.Table:
    """provider: the weather provider (PV); for a consumer the load model, with the fallback
    it used where it had no complete like-day."""
    parts = []
    for kind, frame, quantity in (("pv", day.pv_kw, "potential_kw"),
                                  ("consumer", day.consumer_load_kw, "load_kw")):
        long = frame.rename_axis("interval_start_utc").reset_index().melt(
            id_vars="interval_start_utc", var_name="asset_id", value_name="value")
        long["asset_kind"], long["quantity"], long["unit"] = kind, quantity, "kW"
        long["provider"] = day.weather_provider if kind == "pv" else long["asset_id"].map(
            lambda asset: _consumer_model(day.load_methods.get(asset, LIKE_DAYS)))
        parts.append(long)
    table = pd.concat(parts, ignore_index=True)
    table["run_id"], table["issued_at_utc"] = run_id, pd.Timestamp(issued)
    table["horizon_h"] = (table["interval_start_utc"] - pd.Timestamp(issued)).dt.total_seconds() \
        / 3600.0
    return pa.Table.from_pandas(table[FORECASTS_SCHEMA.names], schema=FORECASTS_SCHEMA,
                                preserve_index=False)


def _consumer_model(method: str) -> str:
    return CONSUMER_MODEL if method == LIKE_DAYS else f"{CONSUMER_MODEL}; fallback: {method}"


def run_day_ahead(settings: Settings, local_date: dt.date, provider: WeatherProvider, *,
                  now_utc: dt.datetime | None = None, run_id: str | None = None,
                  soc_now_pct: Mapping[str, float] | None = None,
                  options: SolveOptions | None = None,
                  prepared: PreparedDay | None = None) -> DayAheadResult:
    """prepared: inputs made elsewhere (the closed loop's perfect-foresight plan), else
    prepare_inputs from the warehouse."""
    park = settings.park
    issued = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    run_id = run_id or f"dayahead-{local_date:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    day = prepared or prepare_inputs(settings, local_date, provider, issued, soc_now_pct)
    inputs = day.inputs
    options = options or SolveOptions(rel_gap=park.dispatch.rel_gap,
                                      time_limit_s=park.dispatch.time_limit_s)
    outcome = optimise(inputs, options,
                       wall_limit_s=options.time_limit_s + park.dispatch.watchdog_grace_s)
    baseline = summarise(inputs, rule_based_flows(inputs))
    summary = summarise(inputs, outcome.flows)
    status = UNTRUSTED_FORECAST if day.forecast_problems else outcome.status
    rows = plan_rows(inputs, outcome.flows).assign(
        run_id=run_id, created_at_utc=pd.Timestamp(issued), plan_date=local_date,
        solver_status=status, is_fallback=outcome.is_fallback,
        objective_cny=summary.total_cost_cny, baseline_cost_cny=baseline.total_cost_cny,
        weather_provider=day.weather_provider,
        breached_bounds="; ".join([*outcome.breaches, *(
            f"forecast: {problem}" for problem in day.forecast_problems)]) or None)
    plan_table = pa.Table.from_pandas(rows[PLANS_SCHEMA.names], schema=PLANS_SCHEMA,
                                      preserve_index=False)
    plan_paths = landing.write_partitioned(settings.landing_root, "plans", plan_table,
                                           run_id, ts_column="interval_start_utc")
    forecast_paths = landing.write_partitioned(
        settings.landing_root, "forecasts",
        _forecast_table(run_id, issued, day),
        run_id, ts_column="interval_start_utc")
    return DayAheadResult(run_id=run_id, plan_date=local_date, intervals=len(inputs.periods),
                          solve=outcome.solve, status=status, plan=summary,
                          baseline=baseline, weather_provider=day.weather_provider,
                          plan_rows=rows, plan_paths=plan_paths, forecast_paths=forecast_paths,
                          breaches=outcome.breaches, notes=day.notes,
                          forecast_problems=day.forecast_problems)
