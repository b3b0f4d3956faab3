"""The park's weather for one UTC day: sun on each PV plane, clouds, outdoor air, grid frequency.

Clear-sky irradiance comes from pvlib (Ineichen with the bundled Linke turbidity climatology, no
network), transposed to each orientation. Clouds are a seeded process whose mean loss equals
`simulation.cloudiness`: a day-level draw per local date (so there are clear days and overcast
days) plus smooth intra-day variation that is strongest on partly cloudy days.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

from device_io.simulator.streams import smooth_noise_day, stream_rng
from device_io.simulator.timebase import DayClock
from jobs.common.park_config import Park, Simulation

# Day-level cloud loss ~ Beta(c k, (1 - c) k): a small k makes days either clear or overcast.
CLOUD_CONCENTRATION = 1.6
CLOUD_INTRADAY_SHARE = 0.9  # how much of the room to 0 or 1 the intra-day variation may use
SEASONAL_SWING_PER_DAILY_SWING = 1.5  # east-China climate: seasons swing more than days
WARMEST_DAY_OF_YEAR = 200  # mid-July in the northern hemisphere
WARMEST_SOLAR_HOUR = 15.0
TEMP_NOISE_K = 1.5
NOMINAL_FREQUENCY_HZ = 50.0
SOLAR_EVERY_MIN = 5  # 1440 is a multiple, so both midnights are solved exactly
FREQUENCY_NOISE_HZ = 0.015
FREQUENCY_BAND_HZ = 0.05


@dataclass(frozen=True)
class WeatherDay:
    poa_w_m2: np.ndarray  # (orientations, 1441) plane-of-array irradiance after clouds
    outdoor_temp_c: np.ndarray  # (1441,)
    grid_frequency_hz: np.ndarray  # (1441,)


class WeatherModel:
    """Weather as a pure function of (seed, time) for one park location."""

    def __init__(self, park: Park, simulation: Simulation, seed: int,
                 orientations: list[tuple[float, float]]):
        self._park = park
        self._simulation = simulation
        self._seed = seed
        self._location = pvlib.location.Location(park.latitude_deg, park.longitude_deg, "UTC",
                                                 park.altitude_m)
        self._tilt_deg = np.array([o[0] for o in orientations], dtype=float)[:, None]
        self._azimuth_deg = np.array([o[1] for o in orientations], dtype=float)[:, None]

    def day(self, clock: DayClock) -> WeatherDay:
        retained = self._cloud_retained(clock)
        return WeatherDay(poa_w_m2=self._clear_sky_poa(clock) * retained,
                          outdoor_temp_c=self._outdoor_temp(clock),
                          grid_frequency_hz=self._grid_frequency(clock))

    def _clear_sky_poa(self, clock: DayClock) -> np.ndarray:
        """Clear-sky irradiance per plane, solved every 5 min (it is smooth) and interpolated."""
        n_minutes = len(clock.times_utc)
        if self._tilt_deg.size == 0:
            return np.zeros((0, n_minutes))
        with warnings.catch_warnings():
            # pvlib 0.16 still calls DatetimeIndex.dayofyear, deprecated in pandas 3: not ours.
            warnings.simplefilter("ignore", DeprecationWarning)
            poa = self._clear_sky_poa_at(clock.times_utc[::SOLAR_EVERY_MIN])
        minutes = np.arange(n_minutes)
        coarse = minutes[::SOLAR_EVERY_MIN]
        return np.array([np.interp(minutes, coarse, row) for row in poa])

    def _clear_sky_poa_at(self, times: pd.DatetimeIndex) -> np.ndarray:
        sun = self._location.get_solarposition(times)
        turbidity = pvlib.clearsky.lookup_linke_turbidity(times, self._park.latitude_deg,
                                                          self._park.longitude_deg)
        sky = self._location.get_clearsky(times, model="ineichen", solar_position=sun,
                                          linke_turbidity=turbidity)
        zenith = sun["apparent_zenith"].to_numpy()[None, :]
        poa = pvlib.irradiance.get_total_irradiance(
            self._tilt_deg, self._azimuth_deg, zenith, sun["azimuth"].to_numpy()[None, :],
            sky["dni"].to_numpy()[None, :], sky["ghi"].to_numpy()[None, :],
            sky["dhi"].to_numpy()[None, :], model="isotropic",
        )["poa_global"]
        poa = np.where(zenith >= 90.0, 0.0, np.nan_to_num(np.asarray(poa, dtype=float)))
        return np.clip(poa, 0.0, None)

    def _cloud_retained(self, clock: DayClock) -> np.ndarray:
        day_loss = self._day_cloud_loss(clock.local_ordinal)
        wiggle = np.tanh(smooth_noise_day(self._seed, "cloud", ["park"], clock.day, 20)[0])
        # tanh keeps the wiggle in (-1, 1) and symmetric, so it never needs clipping and the
        # mean loss stays the day-level mean, i.e. simulation.cloudiness.
        room = CLOUD_INTRADAY_SHARE * np.minimum(day_loss, 1.0 - day_loss)
        return 1.0 - (day_loss + room * wiggle)

    def _day_cloud_loss(self, local_ordinal: np.ndarray) -> np.ndarray:
        mean_loss = self._simulation.cloudiness
        losses = np.empty(len(local_ordinal))
        for ordinal in np.unique(local_ordinal):
            if mean_loss <= 1e-6 or mean_loss >= 1 - 1e-6:
                loss = mean_loss
            else:
                rng = stream_rng(self._seed, "cloud_day", "", int(ordinal))
                loss = rng.beta(mean_loss * CLOUD_CONCENTRATION,
                                (1.0 - mean_loss) * CLOUD_CONCENTRATION)
            losses[local_ordinal == ordinal] = loss
        return losses

    def _outdoor_temp(self, clock: DayClock) -> np.ndarray:
        sim = self._simulation
        times = clock.times_utc
        day_of_year = times.day_of_year.to_numpy() + times.hour.to_numpy() / 24.0
        hemisphere = 1.0 if self._park.latitude_deg >= 0 else -1.0
        seasonal = (SEASONAL_SWING_PER_DAILY_SWING * sim.outdoor_temp_amplitude_c * hemisphere
                    * np.cos(2 * np.pi * (day_of_year - WARMEST_DAY_OF_YEAR) / 365.25))
        # The daily cycle follows the sun (solar time), not the clock of the time zone.
        solar_hour = (times.hour.to_numpy() + times.minute.to_numpy() / 60.0
                      + self._park.longitude_deg / 15.0) % 24.0
        daily = sim.outdoor_temp_amplitude_c * np.cos(
            2 * np.pi * (solar_hour - WARMEST_SOLAR_HOUR) / 24.0)
        noise = TEMP_NOISE_K * smooth_noise_day(self._seed, "outdoor_temp", ["park"], clock.day,
                                                180)[0]
        return sim.outdoor_temp_mean_c + seasonal + daily + noise

    def _grid_frequency(self, clock: DayClock) -> np.ndarray:
        noise = smooth_noise_day(self._seed, "grid_frequency", ["park"], clock.day, 2)[0]
        return NOMINAL_FREQUENCY_HZ + np.clip(FREQUENCY_NOISE_HZ * noise, -FREQUENCY_BAND_HZ,
                                              FREQUENCY_BAND_HZ)
