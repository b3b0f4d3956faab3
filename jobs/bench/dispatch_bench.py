"""Dispatch benchmark: prepare + build + solve of a day-ahead plan, build and HiGHS time apart.

(a) the demo park: its batteries, PV systems, 24 HVAC zones, waste-heat tank and tariff, a
load shaped like its tenants', a hot July day, ten groups of EV sessions and a two-hour
demand-response event;
(b) a large park: 20 batteries, 1,000 EV sessions each its own group (no aggregation, so the
model is as large as it gets), 100 HVAC zones and the tank.
Both solve to a 0.1 % gap, in process (build and HiGHS timed apart) and again through the
production path: a forkserver child under the watchdog (jobs/dispatch/isolated.py), whose
extra wall time is the price of the hard time limit.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from jobs.bench.common import machine, save_result
from jobs.common.park_config import ParkConfig
from jobs.common.settings import DEFAULT_CONFIG_DIR
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.inputs import EV_GROUP_COLUMNS, DispatchInputs
from jobs.dispatch.isolated import attempt_isolated
from jobs.dispatch.model import build_model
from jobs.dispatch.park_assets import (
    battery_table,
    grid_terms,
    hvac_zone_table,
    thermal_store_table,
)
from jobs.dispatch.solve import SolveOptions, solve
from jobs.dispatch.tariff import interval_prices
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology

console = Console(width=150)
DAY = dt.date(2026, 7, 15)
TARGETS_S = {"demo park": 5.0, "large park": 60.0}


def _load_shape_kw(index: pd.DatetimeIndex, zone: str, peak_kw: float) -> pd.Series:
    hours = index.tz_convert(zone).hour + index.tz_convert(zone).minute / 60.0
    working = ((hours >= 8) & (hours < 20)).astype(float)
    return pd.Series(peak_kw * (0.45 + 0.55 * working), index=index)


def _hot_day_c(index: pd.DatetimeIndex, zone: str) -> pd.Series:
    """28-36 C, warmest at 15:00 local."""
    hours = index.tz_convert(zone).hour + index.tz_convert(zone).minute / 60.0
    return pd.Series(32.0 + 4.0 * np.cos((hours - 15.0) / 24.0 * 2 * np.pi), index=index)


def _zones(park: ParkConfig, outdoor_c: pd.Series, count: int) -> pd.DataFrame:
    """The demo park's zones, repeated (with new ids) up to `count`."""
    table = hvac_zone_table(park, outdoor_c)
    repeats = [table.iloc[i % len(table)] for i in range(count)]
    return pd.DataFrame(repeats, index=[f"zone-{i:03d}" for i in range(count)])


def _heat_profiles(park: ParkConfig, index: pd.DatetimeIndex, zone: str):
    """Waste heat offered during the day shift, a morning heat demand peak (kW_th)."""
    hours = index.tz_convert(zone).hour
    tanks = [tank.id for tank in park.assets.thermal_storage]
    waste = pd.DataFrame({t: np.where((hours >= 8) & (hours < 20), 400.0, 0.0) for t in tanks},
                         index=index)
    demand = pd.DataFrame({t: np.where((hours >= 5) & (hours < 10), 600.0, 50.0)
                           for t in tanks}, index=index)
    return waste, demand


def _dr_event(index: pd.DatetimeIndex, zone: str) -> pd.DataFrame:
    local = index.tz_convert(zone)
    start = index[(local.hour == 14) & (local.minute == 0)][0]
    return pd.DataFrame({"DR-BENCH": {"start_utc": start, "end_utc": start + pd.Timedelta(hours=2),
                                      "requested_reduction_kw": 500.0,
                                      "compensation_cny_per_kwh": 3.0, "enterprise_id": None}}).T


def _inputs(park: ParkConfig, batteries: pd.DataFrame, ev_groups: pd.DataFrame,
            peak_kw: float, zones: int) -> DispatchInputs:
    zone = park.park.timezone
    index = local_day_intervals(DAY, zone)
    prices = interval_prices(park.tariffs, index, zone)
    weather = ClearSkyClimatology().forecast(park.park, index)
    outdoor_c = _hot_day_c(index, zone)
    waste, demand = _heat_profiles(park, index, zone)
    dispatch = park.dispatch
    return DispatchInputs(
        interval_start_utc=index, interval_h=0.25,
        base_load_kw=_load_shape_kw(index, zone, peak_kw),
        pv_potential_kw=pv_potential_kw(park.park, park.assets.pv, weather, index, 15),
        batteries=batteries, ev_groups=ev_groups,
        grid=grid_terms(park, prices, month_peak_so_far_kw=0.7 * peak_kw,
                        grid_kgco2_per_kwh=0.5366),
        hvac_zones=_zones(park, outdoor_c, zones), outdoor_temp_c=outdoor_c,
        comfort_breach_cny_per_kh=dispatch.comfort_breach_cny_per_kh,
        thermal_stores=thermal_store_table(park), waste_heat_kw_th=waste,
        heat_demand_kw_th=demand, backup_heat_cny_per_kwh_th=dispatch.backup_heat_cny_per_kwh_th,
        backup_heat_kgco2_per_kwh_th=dispatch.backup_heat_kgco2_per_kwh_th,
        dr_events=_dr_event(index, zone))


def _ev_groups(sessions: pd.DataFrame, groups: int) -> pd.DataFrame:
    """Sessions alike in arrival and departure pooled, as the EV forecast pools them."""
    key = pd.Series(np.arange(len(sessions)) % groups, index=sessions.index)
    pooled = sessions.groupby(key).agg(arrival_utc=("arrival_utc", "max"),
                                       departure_utc=("departure_utc", "min"),
                                       energy_kwh=("energy_kwh", "sum"), max_kw=("max_kw", "sum"))
    hours = (pooled["departure_utc"] - pooled["arrival_utc"]).dt.total_seconds() / 3600.0
    pooled["energy_kwh"] = np.minimum(pooled["energy_kwh"], 0.9 * pooled["max_kw"] * hours)
    pooled.index = [f"ev-group-{i:02d}" for i in pooled.index]
    return pooled[list(EV_GROUP_COLUMNS)]


def _ev_sessions(count: int, index: pd.DatetimeIndex, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arrival = rng.integers(28, 40, count)  # 07:00-10:00 local: workplace charging
    stay = rng.integers(24, 40, count)  # 6-10 hours
    departure = np.minimum(arrival + stay, len(index) - 1)
    max_kw = rng.choice([7.0, 11.0, 22.0, 60.0], count, p=[0.4, 0.3, 0.2, 0.1])
    energy = np.minimum(rng.uniform(8, 45, count), 0.9 * max_kw * (departure - arrival) / 4)
    return pd.DataFrame({"arrival_utc": index[arrival], "departure_utc": index[departure],
                         "energy_kwh": energy, "max_kw": max_kw},
                        index=[f"ev-{i:04d}" for i in range(count)])[list(EV_GROUP_COLUMNS)]


def _timed(name: str, make_inputs) -> dict:
    started = time.perf_counter()
    inputs = make_inputs()
    prepared = time.perf_counter()
    model = build_model(inputs)
    built = time.perf_counter()
    options = SolveOptions(rel_gap=0.001, time_limit_s=120)
    result = solve(model, options)
    total = time.perf_counter() - started
    watched_started = time.perf_counter()
    watched = attempt_isolated(inputs, options)
    watched_s = time.perf_counter() - watched_started + (prepared - started)
    return {"case": name, "intervals": len(inputs.periods), "batteries": len(inputs.batteries),
            "ev_groups": len(inputs.ev_groups), "hvac_zones": len(inputs.hvac_zones),
            "variables": model.nvariables(), "constraints": model.nconstraints(),
            "prepare_s": round(prepared - started, 2), "build_s": round(built - prepared, 2),
            "highs_s": round(result.solve_s, 2), "total_s": round(total, 2),
            "with_watchdog_s": round(watched_s, 2), "status": result.status,
            "watchdog_status": watched.solve.status, "target_s": TARGETS_S[name],
            "verdict": "PASS" if max(total, watched_s) <= TARGETS_S[name]
            and result.status == watched.solve.status == "optimal" else "MISS"}


def run() -> dict:
    import yaml

    park = ParkConfig.model_validate(yaml.safe_load(
        (DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")))
    index = local_day_intervals(DAY, park.park.timezone)
    demo_sessions = _ev_sessions(int(1.6 * len(park.assets.ev_chargers)), index)
    demo = _timed("demo park", lambda: _inputs(park, battery_table(park),
                                               _ev_groups(demo_sessions, 10), 3000.0, 24))
    one = battery_table(park).iloc[0]
    many = pd.DataFrame([one] * 20, index=[f"bess-{i:02d}" for i in range(20)])
    large = _timed("large park", lambda: _inputs(park, many, _ev_sessions(1000, index), 5000.0,
                                                 100))
    cases = [demo, large]
    result = {"date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": machine(), "cases": cases}
    columns = ("case", "hvac_zones", "ev_groups", "variables", "constraints", "prepare_s",
               "build_s", "highs_s", "total_s", "with_watchdog_s", "target_s", "status",
               "verdict")
    table = Table(title="day-ahead dispatch (96 intervals, 0.1 % gap)")
    for column in columns:
        table.add_column(column)
    for case in cases:
        table.add_row(*(str(case[c]) for c in columns))
    console.print(table)
    save_result("dispatch", result)
    return result
