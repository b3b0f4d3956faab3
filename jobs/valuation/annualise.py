"""From a few metered days to a year.

A battery's daily earnings follow the tariff's daily spread, much the same all year, so its
days scale by 365 / days. PV's do not: a November day yields about half a June day. PV is
therefore scaled by the project's own PV model (jobs/forecast/pv.py on the clear-sky
climatology): the modelled yield of a whole year over the modelled yield of the same days,
for the system's tilt and azimuth. The realised days keep what the model cannot know (the
actual weather, soiling, the system's real losses); the model only supplies the season."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence

import pandas as pd

from jobs.common.park_config import Park, PvSystem
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology

REFERENCE_YEAR = 2025  # any non-leap year: only the day of the year matters
DAYS_PER_YEAR = 365.0


def days_factor(days: int) -> float:
    """365 / days, the annualisation of season-free earnings (0 for no days)."""
    return DAYS_PER_YEAR / days if days > 0 else 0.0


def pv_year_factor(park: Park, systems: Sequence[PvSystem], days: Iterable[dt.date]) -> float:
    """Modelled yearly yield / modelled yield on `days` of these systems together (each with
    its orientation, losses and inverter clipping)."""
    daily = _daily_yield_kwh(park, tuple(systems))
    wanted = [min(day.timetuple().tm_yday, 365) for day in days]
    covered = float(daily.loc[wanted].sum())
    return float(daily.sum()) / covered if covered > 0 else 0.0


@functools.lru_cache(maxsize=64)
def _daily_yield_kwh(park: Park, systems: tuple[PvSystem, ...]) -> pd.Series:
    """kWh on each day of the reference year (index: day of the year, 1..365); the config
    models are frozen, so they key the cache (about 0.8 s per park and set of systems)."""
    hours = pd.date_range(f"{REFERENCE_YEAR}-01-01", f"{REFERENCE_YEAR + 1}-01-01",
                          freq="1h", tz=park.timezone, inclusive="left").tz_convert("UTC")
    forecast = ClearSkyClimatology().forecast(park, hours)
    kw = pv_potential_kw(park, list(systems), forecast, hours, 60).sum(axis=1)
    return kw.groupby(kw.index.tz_convert(park.timezone).dayofyear).sum()
