"""PV potential from the offline clear-sky provider: physically sane by hand (night, noon,
inverter cap, cloud scaling), and on a clear day close to what the digital twin's arrays
produce (an independent model of the same sun)."""

from __future__ import annotations

import datetime as dt

import pytest

from device_io.simulator.park_generator import generate_park
from device_io.simulator.runner import HISTORY_STEP_S
from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import ParkConfig
from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology
from tests.conftest import settings_for

DAY = dt.date(2026, 7, 15)


def test_clear_sky_potential_is_physically_sane(demo_park_dict):
    park = ParkConfig.model_validate(demo_park_dict)
    index = local_day_intervals(DAY, park.park.timezone)
    clear = pv_potential_kw(park.park, park.assets.pv, ClearSkyClimatology(cloud_loss=0.0)
                            .forecast(park.park, index), index, 15)
    cloudy = pv_potential_kw(park.park, park.assets.pv, ClearSkyClimatology(cloud_loss=0.5)
                             .forecast(park.park, index), index, 15)
    local_hours = index.tz_convert(park.park.timezone).hour
    assert (clear[(local_hours < 4) | (local_hours >= 20)] == 0).all().all()  # night
    for system in park.assets.pv:
        assert clear[system.id].max() <= system.inverter_kw + 1e-9
        # a clear July day in Suzhou: 5-7.5 kWh per kWp after losses
        kwh_per_kwp = clear[system.id].sum() * 0.25 / system.kwp
        assert 5.0 < kwh_per_kwp < 7.5, (system.id, kwh_per_kwp)
    # half the irradiance: about half the energy (a little more: cooler cells)
    ratio = cloudy.to_numpy().sum() / clear.to_numpy().sum()
    assert 0.48 < ratio < 0.56


def test_clear_day_forecast_is_close_to_the_twins_generation(tmp_path):
    park_dict = generate_park(30, seed=5)
    park_dict["simulation"]["cloudiness"] = 0.0
    settings = settings_for(park_dict, tmp_path / "data")
    park = settings.park
    index = local_day_intervals(DAY, park.park.timezone)
    forecast = pv_potential_kw(park.park, park.assets.pv, ClearSkyClimatology(0.0).forecast(
        park.park, index), index, 15)
    twin = ParkTwin(park, settings.register_maps, index[0].to_pydatetime(),
                    step_s=HISTORY_STEP_S)
    inverters = {d.id: d.asset for d in park.devices if d.kind.value == "pv_inverter"}
    start = {i: twin.point_values(i)["energy_total_kwh"] for i in inverters}
    twin.advance_to((index[-1] + dt.timedelta(minutes=15)).to_pydatetime())
    for system in park.assets.pv:
        made = sum(twin.point_values(i)["energy_total_kwh"] - start[i]
                   for i, asset in inverters.items() if asset == system.id)
        predicted = forecast[system.id].sum() * 0.25
        assert predicted == pytest.approx(made, rel=0.10), system.id
