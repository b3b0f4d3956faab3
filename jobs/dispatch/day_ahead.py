"""The day-ahead run: forecast -> optimise -> publish, for one local date.

Every run has a run_id; its forecasts land in `forecasts` and its plan in `plans` (one file
per run and UTC date, named after the run, so a re-run of the same run replaces its files and
a new run adds a newer plan beside the old). A plan that could not be optimised is the
rule-based baseline, flagged `is_fallback`, never nothing.

Inputs the platform cannot measure yet are stated, not hidden: EV charging stays inside the
consumers' load forecast (no EV session forecast yet); the batteries start from the SOC given
(the setpoint writer's latest reading) or their configured initial SOC.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from jobs.common import landing
from jobs.common.settings import Settings
from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.extract import PlanSummary, extract, plan_rows, summarise
from jobs.dispatch.inputs import EV_GROUP_COLUMNS, DispatchInputs
from jobs.dispatch.model import build_model
from jobs.dispatch.park_assets import battery_table, grid_terms
from jobs.dispatch.schemas import FORECASTS_SCHEMA, PLANS_SCHEMA
from jobs.dispatch.solve import SolveOptions, SolveResult, solve
from jobs.dispatch.tariff import interval_prices
from jobs.forecast.load import consumption_history_kw, profile_forecast
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import WeatherProvider

HISTORY_DAYS = 28
class DispatchDataError(RuntimeError):
    """The warehouse cannot support a plan yet (no history to forecast load from)."""


@dataclass(frozen=True)
class DayAheadResult:
    run_id: str
    plan_date: dt.date
    intervals: int
    solve: SolveResult
    is_fallback: bool
    plan: PlanSummary
    baseline: PlanSummary
    weather_provider: str
    plan_rows: pd.DataFrame  # what was published, as landed in `plans`
    plan_paths: list[str]
    forecast_paths: list[str]

    @property
    def saving_cny(self) -> float:
        return self.baseline.total_cost_cny - self.plan.total_cost_cny


def _warehouse_facts(settings: Settings, local_date: dt.date) -> tuple[float, float]:
    """The month's peak import so far (kW) and the location-based grid factor (kgCO2/kWh)."""
    month_start = local_date.replace(day=1)
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        peak = connection.execute(
            "select coalesce(max(import_demand_kw), 0) from fct_energy_balance "
            "where local_date >= ? and local_date < ?", [month_start, local_date]).fetchone()
        factor = connection.execute(
            "select location_kgco2_per_kwh from int_accounting_factors_selected").fetchone()
    return float(peak[0]) if peak else 0.0, float(factor[0]) if factor else 0.0


def prepare_inputs(settings: Settings, local_date: dt.date, provider: WeatherProvider,
                   now_utc: dt.datetime, soc_now_pct: Mapping[str, float] | None = None
                   ) -> tuple[DispatchInputs, pd.DataFrame, pd.DataFrame, str]:
    """The optimiser's inputs for `local_date`, and the PV and load forecasts behind them."""
    park = settings.park
    zone = park.park.timezone
    minutes = park.dispatch.interval_minutes
    index = local_day_intervals(local_date, zone, minutes)
    prices = interval_prices(park.tariffs, index, zone)
    weather = provider.forecast(park.park, index)
    pv_kw = pv_potential_kw(park.park, park.assets.pv, weather, index, minutes)
    # what was known when the forecast was issued, and no more (a re-run for a past date must
    # not peek at the day itself)
    known_until = min(pd.Timestamp(now_utc), index[0])
    history = consumption_history_kw(
        settings.warehouse_path, (known_until - pd.Timedelta(days=HISTORY_DAYS)).to_pydatetime(),
        minutes)
    history = history[history.index < known_until]
    if history.empty:
        raise DispatchDataError(f"no consumption history before {local_date} in the "
                                "warehouse: build it from harvested readings first")
    load_kw = profile_forecast(history, index, zone).fillna(0.0)
    month_peak_kw, grid_factor = _warehouse_facts(settings, local_date)
    inputs = DispatchInputs(
        interval_start_utc=index, interval_h=minutes / 60.0,
        base_load_kw=load_kw.sum(axis=1),
        pv_potential_kw=pv_kw, batteries=battery_table(park, soc_now_pct),
        ev_groups=pd.DataFrame(columns=list(EV_GROUP_COLUMNS)),
        grid=grid_terms(park, prices, month_peak_so_far_kw=month_peak_kw,
                        grid_kgco2_per_kwh=grid_factor),
        ev_unserved_penalty_cny_per_kwh=park.dispatch.ev_unserved_penalty_cny_per_kwh)
    return inputs, pv_kw, load_kw, weather.provider


def _forecast_table(run_id: str, issued: dt.datetime, pv_kw: pd.DataFrame,
                    load_kw: pd.DataFrame, provider: str) -> pa.Table:
    parts = []
    for kind, frame, quantity, source in (("pv", pv_kw, "potential_kw", provider),
                                          ("consumer", load_kw, "load_kw", "profile_4_like_days")):
        long = frame.rename_axis("interval_start_utc").reset_index().melt(
            id_vars="interval_start_utc", var_name="asset_id", value_name="value")
        long["asset_kind"], long["quantity"], long["unit"] = kind, quantity, "kW"
        long["provider"] = source
        parts.append(long)
    table = pd.concat(parts, ignore_index=True)
    table["run_id"], table["issued_at_utc"] = run_id, pd.Timestamp(issued)
    table["horizon_h"] = (table["interval_start_utc"] - pd.Timestamp(issued)).dt.total_seconds() \
        / 3600.0
    return pa.Table.from_pandas(table[FORECASTS_SCHEMA.names], schema=FORECASTS_SCHEMA,
                                preserve_index=False)


def run_day_ahead(settings: Settings, local_date: dt.date, provider: WeatherProvider, *,
                  now_utc: dt.datetime | None = None, run_id: str | None = None,
                  soc_now_pct: Mapping[str, float] | None = None,
                  options: SolveOptions | None = None) -> DayAheadResult:
    park = settings.park
    issued = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    run_id = run_id or f"dayahead-{local_date:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    inputs, pv_kw, load_kw, provider_name = prepare_inputs(settings, local_date, provider,
                                                           issued, soc_now_pct)
    options = options or SolveOptions(rel_gap=park.dispatch.rel_gap,
                                      time_limit_s=park.dispatch.time_limit_s)
    model = build_model(inputs)
    result = solve(model, options)
    baseline_flows = rule_based_flows(inputs)
    baseline = summarise(inputs, baseline_flows)
    if result.has_solution:
        rows, summary = extract(model, inputs)
        is_fallback = False
    else:  # infeasible, failed or timed out without an incumbent: the baseline, flagged
        rows, summary = plan_rows(inputs, baseline_flows), baseline
        is_fallback = True
    rows = rows.assign(run_id=run_id, created_at_utc=pd.Timestamp(issued), plan_date=local_date,
                       solver_status=result.status, is_fallback=is_fallback,
                       objective_cny=summary.total_cost_cny,
                       baseline_cost_cny=baseline.total_cost_cny,
                       weather_provider=provider_name)
    plan_table = pa.Table.from_pandas(rows[PLANS_SCHEMA.names], schema=PLANS_SCHEMA,
                                      preserve_index=False)
    plan_paths = landing.write_partitioned(settings.landing_root, "plans", plan_table,
                                           run_id, ts_column="interval_start_utc")
    forecast_paths = landing.write_partitioned(
        settings.landing_root, "forecasts",
        _forecast_table(run_id, issued, pv_kw, load_kw, provider_name), run_id,
        ts_column="interval_start_utc")
    return DayAheadResult(run_id=run_id, plan_date=local_date, intervals=len(inputs.periods),
                          solve=result, is_fallback=is_fallback, plan=summary,
                          baseline=baseline, weather_provider=provider_name,
                          plan_rows=rows, plan_paths=plan_paths, forecast_paths=forecast_paths)
