"""PV calibration: on the twin, a kWp overstated by 25 % in the configuration comes out as a
factor of 0.8 against the same system configured right, and calibrating removes most of the
forecast's error; by hand, the rules on which intervals count, too short a history, clipping,
and how a factor is applied."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common.park_config import ParkConfig, PvSystem
from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.calibration import (
    calibrated,
    calibrated_systems,
    clear_sky_array_kw,
    measured_potential_kw,
    pv_calibration_factors,
)
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

FIRST_DAY = dt.date(2026, 7, 1)
HISTORY_DAYS = 7  # at the twin's default cloudiness; its seed makes 2 July nearly clear
TEST_DAY = FIRST_DAY + dt.timedelta(days=HISTORY_DAYS)  # clear in the twin as well
OVERSTATED = "pv-roof-01"


@pytest.mark.integration
def test_an_overstated_kwp_is_found_and_the_forecast_corrected(tmp_path):
    park_dict = relocate_endpoints(generate_park(30, seed=2))  # a roof and a carport system
    settings = settings_for(park_dict, tmp_path / "data")
    park = settings.park
    zone = park.park.timezone
    start = local_day_intervals(FIRST_DAY, zone)[0].to_pydatetime()
    test_day = local_day_intervals(TEST_DAY, zone)
    test_day_end = (test_day[-1] + pd.Timedelta(minutes=15)).to_pydatetime()
    generate_history(settings, start, test_day_end + dt.timedelta(minutes=30), sample_s=300)
    assert build_warehouse(settings, unit_tests=False).success

    # the twin ran with the true kWp; the calibration is told 25 % more for one system
    wrong = [s.model_copy(update={"kwp": 1.25 * s.kwp}) if s.id == OVERSTATED else s
             for s in park.assets.pv]
    history = (settings.warehouse_path, park.park)
    until = test_day[0].to_pydatetime()
    right_factors = pv_calibration_factors(*history, park.assets.pv, start, until)
    factors = pv_calibration_factors(*history, wrong, start, until)
    assert (factors["status"] == "calibrated").all(), factors
    assert (factors["days_used"] == HISTORY_DAYS).all(), factors
    other = next(s.id for s in park.assets.pv if s.id != OVERSTATED)
    found = factors.at[OVERSTATED, "factor"]
    assert found == pytest.approx(0.8 * right_factors.at[OVERSTATED, "factor"], rel=0.02)
    assert found == pytest.approx(0.8 * factors.at[other, "factor"], rel=0.04)
    # What a right configuration keeps is the model's own bias: 18 degC air against a July
    # noon in the twin, a different cell-temperature model, and the residual cloud of the
    # history's clearest day.
    assert right_factors["factor"].between(0.85, 1.05).all(), right_factors

    # The test day is clear, so the clear sky is a perfect weather forecast for it and what is
    # left of a forecast's error is the system's, not the weather's.
    actual_kwh = measured_potential_kw(settings.warehouse_path, test_day[0].to_pydatetime(),
                                       test_day_end).sum() * 0.25
    weather = ClearSkyClimatology(cloud_loss=0.0).forecast(park.park, test_day)

    def energy_error(systems: list[PvSystem], forecast_kw: pd.DataFrame | None = None) -> float:
        if forecast_kw is None:
            forecast_kw = pv_potential_kw(park.park, systems, weather, test_day, 15)
        return abs(forecast_kw[OVERSTATED].sum() * 0.25 / actual_kwh[OVERSTATED] - 1.0)

    assert energy_error(park.assets.pv) < 0.10  # the day is indeed clear
    uncalibrated = energy_error(wrong)
    calibrated_after = energy_error(wrong, calibrated(
        pv_potential_kw(park.park, wrong, weather, test_day, 15), factors, wrong))
    calibrated_before = energy_error(calibrated_systems(wrong, factors))
    assert uncalibrated > 0.20
    assert calibrated_after < 0.3 * uncalibrated
    assert calibrated_before <= calibrated_after  # no double hold at the inverter's rating


SYSTEM = PvSystem(id="pv-test", kwp=100.0, inverter_kw=200.0, tilt_deg=15.0, azimuth_deg=180.0)
INVERTERS = ("pv-test-inv01", "pv-test-inv02")


def _warehouse(path, generation: pd.DataFrame) -> str:
    """The two tables the calibration reads, by hand: one row per inverter and interval."""
    devices = pd.DataFrame({"device_id": list(INVERTERS), "device_kind": "pv_inverter",
                            "asset_id": SYSTEM.id})
    with duckdb.connect(str(path)) as connection:
        connection.register("generation", generation)
        connection.register("devices", devices)
        connection.execute("create table fct_pv_interval_generation as select * from generation")
        connection.execute("create table dim_devices as select * from devices")
    return str(path)


def _rows(kw: pd.Series, quality: str = "measured") -> pd.DataFrame:
    """The system's kW split evenly over its inverters, as kWh per interval (none curtailed:
    what they fed is what they offered)."""
    return pd.DataFrame([
        {"interval_start_utc": start, "device_id": device, "asset_id": SYSTEM.id,
         "potential_kwh": value * 0.25 / len(INVERTERS),
         "generation_kwh": value * 0.25 / len(INVERTERS), "interval_quality": quality}
        for start, value in kw.items() for device in INVERTERS])


def _derated_history(tmp_path, park, days: int, derate: float) -> tuple[str, tuple]:
    start = local_day_intervals(FIRST_DAY, park.timezone)[0]
    index = pd.date_range(start, periods=96 * days, freq="15min")
    kw = clear_sky_array_kw(park, [SYSTEM], index, 15)[SYSTEM.id] * derate
    window = (start.to_pydatetime(), (index[-1] + pd.Timedelta(minutes=15)).to_pydatetime())
    return _warehouse(tmp_path / "warehouse.duckdb", _rows(kw)), window


@pytest.fixture
def park(demo_park_dict):
    return ParkConfig.model_validate(demo_park_dict).park


def test_a_derate_on_a_clear_history_is_the_factor(tmp_path, park):
    warehouse, window = _derated_history(tmp_path, park, days=4, derate=0.9)
    row = pv_calibration_factors(warehouse, park, [SYSTEM], *window).loc[SYSTEM.id]
    assert row["status"] == "calibrated"
    assert row["factor"] == pytest.approx(0.9, rel=1e-6)
    assert row["days_used"] == 4


def test_too_short_a_history_leaves_the_forecast_alone(tmp_path, park):
    warehouse, window = _derated_history(tmp_path, park, days=2, derate=0.9)
    unmetered = SYSTEM.model_copy(update={"id": "pv-unmetered"})
    factors = pv_calibration_factors(warehouse, park, [SYSTEM, unmetered], *window)
    assert (factors["status"] == "insufficient_history").all()
    assert (factors["factor"] == 1.0).all()
    assert factors.at[SYSTEM.id, "days_used"] == 2
    assert factors.at[unmetered.id, "intervals_used"] == 0


@pytest.mark.parametrize(("derate", "factor"), [(0.3, 0.5), (1.5, 1.2)])
def test_an_implausible_factor_is_clipped(tmp_path, park, derate, factor):
    warehouse, window = _derated_history(tmp_path, park, days=4, derate=derate)
    row = pv_calibration_factors(warehouse, park, [SYSTEM], *window).loc[SYSTEM.id]
    assert row["status"] == "clipped"
    assert row["factor"] == factor
    assert row["raw_factor"] == pytest.approx(derate, rel=1e-6)


def test_only_complete_measured_intervals_count(tmp_path):
    starts = pd.date_range("2026-07-01 04:00", periods=5, freq="15min", tz="UTC")
    rows = _rows(pd.Series(80.0, index=starts))
    unknown = (rows["interval_start_utc"] == starts[1]) & (rows["device_id"] == INVERTERS[0])
    rows.loc[unknown, "potential_kwh"] = None  # curtailed, and no peer to estimate it from
    rows.loc[rows["interval_start_utc"] == starts[2], "interval_quality"] = "estimated"
    missing = (rows["interval_start_utc"] == starts[3]) & (rows["device_id"] == INVERTERS[1])
    warehouse = _warehouse(tmp_path / "warehouse.duckdb", rows[~missing])
    measured = measured_potential_kw(warehouse, starts[0].to_pydatetime(),
                                     starts[-1].to_pydatetime())
    assert list(measured.index) == [starts[0]]  # the last is outside the window
    assert measured.at[starts[0], SYSTEM.id] == pytest.approx(80.0)


def test_a_factor_scales_its_column_up_to_the_inverter_rating():
    small = SYSTEM.model_copy(update={"id": "pv-small", "inverter_kw": 50.0})
    forecast = pd.DataFrame({SYSTEM.id: [10.0, 190.0], small.id: [10.0, 48.0]})
    factors = pd.DataFrame({"factor": [1.1]}, index=[small.id])
    result = calibrated(forecast, factors, [SYSTEM, small])
    assert result[SYSTEM.id].tolist() == [10.0, 190.0]  # no factor: left as it is
    assert result[small.id].tolist() == pytest.approx([11.0, 50.0])
    assert [s.kwp for s in calibrated_systems([SYSTEM, small], factors)] == \
        pytest.approx([100.0, 110.0])
    with pytest.raises(ValueError, match="pv-other"):
        calibrated(forecast.assign(**{"pv-other": 1.0}), factors, [SYSTEM, small])
