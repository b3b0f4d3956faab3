"""Sanity bounds every forecast passes before a plan is trusted for control.

A forecast can be well formed and still absurd (a consumer at 0 kW all day because its only
like-day was still in progress). These checks compare it with what is physically plausible:
load against the consumer's own recent minimum and maximum, PV against the clear sky. Each
failure is one line naming the asset, how many intervals and the bound; the day-ahead run
publishes a plan built on a failing forecast as `untrusted_forecast`, which the setpoint writer
refuses (it falls back to the devices' safe defaults).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs.common.park_config import Park, PvSystem
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology

LOAD_LOW_FACTOR = 0.9  # below 90 % of the lowest load measured recently
LOAD_HIGH_FACTOR = 1.1  # above 110 % of the highest
CLEAR_SKY_FACTOR = 1.1  # a 15-minute mean can pass clear sky a little (cloud edges)
CLEAR_SKY_SLACK_KW_PER_KW = 0.05  # of the clear-sky peak: hourly feeds blur dawn and dusk
COLD_AIR_C = -10.0


def load_problems(forecast_kw: pd.DataFrame, history_kw: pd.DataFrame, what: str) -> list[str]:
    """Per consumer (column): intervals with no forecast, or outside [0.9 x recent min,
    1.1 x recent max] of its measured history."""
    problems = []
    for consumer in forecast_kw.columns:
        values = forecast_kw[consumer].to_numpy(dtype=float)
        measured = history_kw[consumer].dropna() if consumer in history_kw else pd.Series()
        missing = int((~np.isfinite(values)).sum())
        if missing:
            problems.append(f"{what} {consumer}: {missing} of {len(values)} intervals have no "
                            "forecast")
        if measured.empty:
            problems.append(f"{what} {consumer}: no measured history to bound it")
            continue
        low_kw = LOAD_LOW_FACTOR * float(measured.min())
        high_kw = LOAD_HIGH_FACTOR * float(measured.max())
        finite = values[np.isfinite(values)]
        below, above = int((finite < low_kw).sum()), int((finite > high_kw).sum())
        if below:
            problems.append(f"{what} {consumer}: {below} of {len(values)} intervals below "
                            f"{LOAD_LOW_FACTOR:g} x its recent minimum ({low_kw:,.1f} kW); "
                            f"lowest {finite.min():,.1f} kW")
        if above:
            problems.append(f"{what} {consumer}: {above} of {len(values)} intervals above "
                            f"{LOAD_HIGH_FACTOR:g} x its recent maximum ({high_kw:,.1f} kW); "
                            f"highest {finite.max():,.1f} kW")
    return problems


def pv_problems(forecast_kw: pd.DataFrame, clear_sky_kw: pd.DataFrame) -> list[str]:
    """Per PV system (column): intervals not finite, negative, or above what a cloudless sky
    would give the same system."""
    problems = []
    for system in forecast_kw.columns:
        values = forecast_kw[system].to_numpy(dtype=float)
        bad = int((~np.isfinite(values)).sum() + (values < 0).sum())
        if bad:
            problems.append(f"PV forecast {system}: {bad} of {len(values)} intervals not a "
                            "finite non-negative power")
        if system not in clear_sky_kw:
            continue
        clear = clear_sky_kw[system].reindex(forecast_kw.index).fillna(0.0).to_numpy(float)
        ceiling = CLEAR_SKY_FACTOR * clear + CLEAR_SKY_SLACK_KW_PER_KW * float(clear.max())
        over = np.isfinite(values) & (values > ceiling)
        if over.any():
            worst = int(np.argmax(np.where(over, values - ceiling, -np.inf)))
            problems.append(f"PV forecast {system}: {int(over.sum())} of {len(values)} intervals "
                            f"above {CLEAR_SKY_FACTOR:g} x clear sky (worst "
                            f"{values[worst]:,.1f} kW against {clear[worst]:,.1f} kW at "
                            f"{forecast_kw.index[worst]:%Y-%m-%d %H:%M} UTC)")
    return problems


def clear_sky_pv_kw(park: Park, systems: list[PvSystem], intervals_utc: pd.DatetimeIndex,
                    interval_minutes: int) -> pd.DataFrame:
    """What each system gives under a cloudless sky on a cold day (cold cells yield more):
    a ceiling no weather forecast should pass."""
    weather = ClearSkyClimatology(cloud_loss=0.0, temp_air_c=COLD_AIR_C).forecast(
        park, intervals_utc)
    return pv_potential_kw(park, systems, weather, intervals_utc, interval_minutes)
