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


class WeatherProvider(Protocol):
    name: str

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
        return WeatherForecast(self.name, frame)
