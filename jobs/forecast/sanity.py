"""Sanity bounds every forecast passes before a plan is trusted for control.

A forecast can be well formed and still absurd (a consumer at 0 kW all day because its only
like-day was still in progress). These checks compare it with what is physically plausible:
load against the consumer's own recent minimum and maximum on days of the same type (a Sunday
against weekends, see _band), PV against the clear sky. Each
failure is one line naming the asset, how many intervals and the bound; the day-ahead run
publishes a plan built on a failing forecast as `untrusted_forecast`, which the setpoint writer
refuses (it falls back to the devices' safe defaults).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.common.park_config import Park, PvSystem
from jobs.forecast.load import complete_days, type_scale, weekend_mask
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology

LOAD_LOW_FACTOR = 0.9  # below 90 % of the lowest load measured recently
LOAD_HIGH_FACTOR = 1.1  # above 110 % of the highest
CLEAR_SKY_FACTOR = 1.1  # a 15-minute mean can pass clear sky a little (cloud edges)
CLEAR_SKY_SLACK_KW_PER_KW = 0.05  # of the clear-sky peak: hourly feeds blur dawn and dusk
COLD_AIR_C = -10.0


@dataclass(frozen=True)
class LoadCheck:
    """What fails the bounds (the plan is then untrusted) and, apart, how the bounds were
    made where a day type had no complete day (said, not a failure)."""

    problems: list[str]
    notes: list[str]


@dataclass(frozen=True)
class _Band:
    low_kw: float
    high_kw: float
    basis: str  # "weekend", "working-day" or the fallback in words
    note: str = ""


def _band(measured: pd.Series, timezone: str, weekend: bool) -> _Band:
    """The load range a day of this type may have, from the consumer's measured history.

    A weekend is lower than a working day for most consumers, so a range taken over both lets
    a correct weekend forecast fail (and a working-day level pass on a weekend). The range is
    the type's own where the history holds a complete day of it; else every day's range, its
    ends moved by the ratio the like-day fallback scaled by (forecast.load.type_scale): the
    fallback forecast is bounded as it was made, and zeros still fail."""
    kind = "weekend" if weekend else "working-day"
    minutes = float(pd.Series(measured.index).diff().min().total_seconds() / 60.0) \
        if len(measured) > 1 else 15.0
    is_weekend = weekend_mask(measured.index, timezone)
    local_dates = pd.Series(measured.index.tz_convert(timezone).date, index=measured.index)
    own = measured[is_weekend == weekend]
    complete = complete_days(own, local_dates[own.index], timezone, minutes)
    if complete:
        return _Band(LOAD_LOW_FACTOR * float(own.min()), LOAD_HIGH_FACTOR * float(own.max()),
                     kind)
    scale = type_scale(measured, timezone, weekend)
    ratio, why = 1.0, f"no complete {kind} day" + (" and none measured" if own.empty else "")
    if scale is not None:
        ratio = scale[0]
        why += f"; its {scale[1]} measured intervals at {ratio:.2f} x the other type's"
    basis = f"every day's range{'' if ratio == 1.0 else f' x {ratio:.2f}'}"
    return _Band(LOAD_LOW_FACTOR * float(measured.min()) * min(ratio, 1.0),
                 LOAD_HIGH_FACTOR * float(measured.max()) * max(ratio, 1.0), basis,
                 f"bounded by {basis} ({why})")


def load_check(forecast_kw: pd.DataFrame, history_kw: pd.DataFrame, what: str,
               timezone: str) -> LoadCheck:
    """Per consumer (column): intervals with no forecast, or outside [0.9 x min, 1.1 x max]
    of its measured history on days of the same type (working day or weekend, local time);
    see _band for a type the history has no complete day of."""
    problems: list[str] = []
    noted: dict[str, list[str]] = {}  # a bound's note -> the consumers it holds for
    forecast_weekend = weekend_mask(forecast_kw.index, timezone)
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
        for weekend in (False, True):
            rows = forecast_weekend == weekend
            if not rows.any():
                continue
            band = _band(measured, timezone, weekend)
            if band.note:
                noted.setdefault(band.note, []).append(str(consumer))
            finite = values[rows & np.isfinite(values)]
            below = int((finite < band.low_kw).sum())
            above = int((finite > band.high_kw).sum())
            if below:
                problems.append(f"{what} {consumer}: {below} of {len(values)} intervals below "
                                f"{LOAD_LOW_FACTOR:g} x its recent minimum ({band.basis}: "
                                f"{band.low_kw:,.1f} kW); lowest {finite.min():,.1f} kW")
            if above:
                problems.append(f"{what} {consumer}: {above} of {len(values)} intervals above "
                                f"{LOAD_HIGH_FACTOR:g} x its recent maximum ({band.basis}: "
                                f"{band.high_kw:,.1f} kW); highest {finite.max():,.1f} kW")
    return LoadCheck(problems, [f"{what} for {', '.join(consumers)}: {note}"
                                for note, consumers in noted.items()])


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
