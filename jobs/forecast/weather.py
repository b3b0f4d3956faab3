"""Weather forecasts behind one interface. A provider returns irradiance (GHI/DNI/DHI, W/m2),
air temperature and cloud cover on a UTC index, and says who it is so the plan can record
which provider was used.

`ClearSkyClimatology` is the offline provider (demo, tests, and the fallback when a remote
provider fails): pvlib's Ineichen clear sky with its bundled Linke turbidity climatology (no
network), scaled by a climatological cloud loss.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import pvlib

from jobs.common.park_config import Park

WEATHER_COLUMNS = ("ghi_w_m2", "dni_w_m2", "dhi_w_m2", "temp_air_c", "cloud_cover_pct")


@dataclass(frozen=True)
class WeatherForecast:
    provider: str
    frame: pd.DataFrame  # UTC index; WEATHER_COLUMNS
    # False: temp_air_c is a climatological constant, not a forecast; the caller may put a
    # better stand-in (recent measured temperatures) in its place
    forecasts_temperature: bool = True


class WeatherProvider(Protocol):
    @property
    def name(self) -> str: ...

    def forecast(self, park: Park, times_utc: pd.DatetimeIndex) -> WeatherForecast: ...


@dataclass(frozen=True)
class ClearSkyClimatology:
    """Clear sky x (1 - cloud_loss); a flat temperature climatology by default."""

    cloud_loss: float = 0.35  # Suzhou's mean share of clear-sky irradiance lost to clouds
    temp_air_c: float = 18.0
    name: str = "clear_sky_climatology"

    def forecast(self, park: Park, times_utc: pd.DatetimeIndex) -> WeatherForecast:
        if not 0.0 <= self.cloud_loss < 1.0:
            raise ValueError("cloud_loss must be in [0, 1)")
        location = pvlib.location.Location(park.latitude_deg, park.longitude_deg, "UTC")
        with warnings.catch_warnings():
            # pvlib 0.16 calls DatetimeIndex.dayofyear, deprecated in pandas 3: not ours
            warnings.simplefilter("ignore", DeprecationWarning)
            sky = location.get_clearsky(times_utc, model="ineichen")
        retained = 1.0 - self.cloud_loss
        frame = pd.DataFrame({
            "ghi_w_m2": sky["ghi"] * retained, "dni_w_m2": sky["dni"] * retained,
            "dhi_w_m2": sky["dhi"] * retained, "temp_air_c": self.temp_air_c,
            "cloud_cover_pct": 100.0 * self.cloud_loss}, index=times_utc)
        return WeatherForecast(self.name, frame, forecasts_temperature=False)


class WeatherProviderError(RuntimeError):
    """A provider could not deliver a usable forecast (network, HTTP, payload)."""


OPEN_METEO_HOURLY = {
    # Open-Meteo variable -> our column; radiation is the mean of the preceding hour
    "shortwave_radiation": "ghi_w_m2",
    "direct_normal_irradiance": "dni_w_m2",
    "diffuse_radiation": "dhi_w_m2",
    "temperature_2m": "temp_air_c",
    "cloud_cover": "cloud_cover_pct",
}
RADIATION_COLUMNS = ("ghi_w_m2", "dni_w_m2", "dhi_w_m2")


@dataclass(frozen=True)
class OpenMeteo:
    """The Open-Meteo forecast API (hourly, UTC). Radiation values are the mean of the
    preceding hour, so they are stamped at the middle of that hour before interpolation."""

    base_url: str = "https://api.open-meteo.com"
    timeout_s: float = 10.0
    name: str = "open_meteo"

    def forecast(self, park: Park, times_utc: pd.DatetimeIndex) -> WeatherForecast:
        import httpx

        first = (times_utc[0] - pd.Timedelta(hours=1)).date()
        last = (times_utc[-1] + pd.Timedelta(hours=1)).date()
        params = {"latitude": park.latitude_deg, "longitude": park.longitude_deg,
                  "hourly": ",".join(OPEN_METEO_HOURLY), "timezone": "GMT",
                  "start_date": first.isoformat(), "end_date": last.isoformat()}
        try:
            response = httpx.get(f"{self.base_url.rstrip('/')}/v1/forecast", params=params,
                                 timeout=self.timeout_s)
            payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WeatherProviderError(f"open_meteo: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200 or payload.get("error"):
            raise WeatherProviderError(f"open_meteo: HTTP {response.status_code}: "
                                       f"{payload.get('reason', 'no reason given')}")
        return WeatherForecast(self.name, _open_meteo_frame(payload, times_utc))


def _open_meteo_frame(payload: dict, times_utc: pd.DatetimeIndex) -> pd.DataFrame:
    hourly = payload.get("hourly") or {}
    missing = [v for v in ("time", *OPEN_METEO_HOURLY) if v not in hourly]
    if missing or payload.get("utc_offset_seconds", 0) != 0:
        raise WeatherProviderError(f"open_meteo: unusable payload (missing {missing}, "
                                   f"utc_offset_seconds={payload.get('utc_offset_seconds')})")
    stamps = pd.DatetimeIndex(pd.to_datetime(hourly["time"])).tz_localize("UTC")
    frame = pd.DataFrame({ours: pd.to_numeric(pd.Series(hourly[theirs]), errors="coerce")
                          .to_numpy() for theirs, ours in OPEN_METEO_HOURLY.items()},
                         index=stamps)
    radiation = frame[list(RADIATION_COLUMNS)]
    radiation.index = radiation.index - pd.Timedelta(minutes=30)  # mean of the preceding hour
    others = frame.drop(columns=list(RADIATION_COLUMNS))
    every = radiation.index.union(others.index).union(times_utc)
    merged = pd.concat([radiation.reindex(every), others.reindex(every)], axis=1)
    merged = merged.interpolate(method="time", limit_area="inside")
    result = merged.reindex(times_utc)
    if result.isna().to_numpy().any():
        raise WeatherProviderError("open_meteo: the forecast does not cover the requested "
                                   f"times {times_utc[0]} .. {times_utc[-1]}")
    result[list(RADIATION_COLUMNS)] = result[list(RADIATION_COLUMNS)].clip(lower=0.0)
    return result[list(WEATHER_COLUMNS)]


@dataclass(frozen=True)
class WithFallback:
    """Try the primary provider; if it fails, use the fallback and say so in the name."""

    primary: WeatherProvider
    fallback: WeatherProvider

    @property
    def name(self) -> str:
        return f"{self.primary.name} (else {self.fallback.name})"

    def forecast(self, park: Park, times_utc: pd.DatetimeIndex) -> WeatherForecast:
        try:
            return self.primary.forecast(park, times_utc)
        except WeatherProviderError as exc:
            result = self.fallback.forecast(park, times_utc)
            return WeatherForecast(f"{result.provider} (fallback: {exc})", result.frame,
                                   result.forecasts_temperature)


def provider_named(name: str) -> WeatherProvider:
    """The provider a config or command names: "offline" or "open_meteo" (which falls back to
    the offline provider and says so in the plan)."""
    if name == "offline":
        return ClearSkyClimatology()
    if name == "open_meteo":
        return WithFallback(OpenMeteo(), ClearSkyClimatology())
    raise ValueError(f"unknown weather provider {name!r}: offline or open_meteo")
