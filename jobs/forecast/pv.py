"""PV potential (kW AC, before any curtailment) per PV system from a weather forecast:
transposition to each array's plane (pvlib, isotropic sky: it needs no extra
data), the Faiman cell temperature model, PVWatts DC with the array's losses, and the
inverter's efficiency and rating. Interval values are the mean over the interval, from
5-minute solar samples."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pvlib

from jobs.common.park_config import Park, PvSystem
from jobs.forecast.weather import WeatherForecast

TEMP_COEFF_PER_K = -0.0037  # crystalline silicon, PVWatts' default for standard modules
INVERTER_EFFICIENCY = 0.96  # PVWatts' nominal
SAMPLE = "5min"


def _sun(park: Park, times: pd.DatetimeIndex) -> pd.DataFrame:
    """Solar position at the park, once per run: every array shares it."""
    location = pvlib.location.Location(park.latitude_deg, park.longitude_deg, "UTC")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return location.get_solarposition(times)


def _poa_w_m2(system: PvSystem, weather: pd.DataFrame, sun: pd.DataFrame) -> pd.Series:
    poa = pvlib.irradiance.get_total_irradiance(
        system.tilt_deg, system.azimuth_deg, sun["apparent_zenith"], sun["azimuth"],
        weather["dni_w_m2"], weather["ghi_w_m2"], weather["dhi_w_m2"], model="isotropic",
    )["poa_global"]
    return poa.where(sun["apparent_zenith"] < 90.0, 0.0).fillna(0.0).clip(lower=0.0)


def pv_potential_kw(park: Park, systems: list[PvSystem], forecast: WeatherForecast,
                    intervals_utc: pd.DatetimeIndex, interval_minutes: int) -> pd.DataFrame:
    """One column per PV system, one row per interval start: mean AC potential (kW)."""
    end = intervals_utc[-1] + pd.Timedelta(minutes=interval_minutes)
    samples = pd.date_range(intervals_utc[0], end, freq=SAMPLE, inclusive="left")
    weather = forecast.frame.reindex(forecast.frame.index.union(samples)).interpolate(
        method="time").reindex(samples).ffill().bfill()
    sun = _sun(park, samples)
    columns = {}
    for system in systems:
        poa = _poa_w_m2(system, weather, sun)
        cell_c = pvlib.temperature.faiman(poa, weather["temp_air_c"])
        dc_kw = pvlib.pvsystem.pvwatts_dc(poa, cell_c, system.kwp, TEMP_COEFF_PER_K) \
            * (1.0 - system.losses_pct / 100.0)
        ac_kw = np.minimum(np.maximum(dc_kw, 0.0) * INVERTER_EFFICIENCY, system.inverter_kw)
        columns[system.id] = pd.Series(np.asarray(ac_kw, dtype=float), index=samples)
    frame = pd.DataFrame(columns, index=samples)
    return frame.resample(f"{interval_minutes}min").mean().reindex(intervals_utc)
