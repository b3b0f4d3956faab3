"""The winter twin (issue 16): in the heating season a demo zone has its heating band and the
heat pump input sized to its design heat loss, and holds the band at the design outdoor
temperature; out of season, with its cooling rating, it would not. Truth by hand from the
zone's numbers in config/park.yaml (zone-haoyu-newenergy-01: R 0.0532 K/kW, COP 3.3, gains
67.7 kW occupied, 30 % of that empty; heating input 110 kW, cooling rating 60 kW): flat out, a
1R1C settles at T = T_out + R (gain + COP P).

- at the design outdoor temperature, -1 C, occupied: -1 + 0.0532 (67.7 + 3.3 x 110)
  = -1 + 0.0532 x 430.7 = 21.913 C, above the band's 18 C: held;
- the same, empty (20.31 kW of gains): -1 + 0.0532 x 383.31 = 19.392 C: held too (the sizing
  credits no internal gain: 0.0532 x 363 = 19.3 K covers 18 - (-1) = 19 K);
- with the cooling rating, 60 kW, occupied: -1 + 0.0532 x (67.7 + 198) = 13.135 C: not held
  (4.9 K short of 18 C).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.hvac import MODE_HEAT, HvacFleet
from jobs.common.park_assets import HeatingSeason
from jobs.dispatch.park_assets import hvac_zone_table
from tests.conftest import CONFIG_DIR

ZONE_ID = "zone-haoyu-newenergy-01"
DESIGN_OUTDOOR_C = -1.0
WINTER_NOON_US = int(dt.datetime(2026, 1, 12, 4, 0, tzinfo=dt.UTC).timestamp() * 1e6)
SUMMER_NOON_US = int(dt.datetime(2026, 7, 6, 4, 0, tzinfo=dt.UTC).timestamp() * 1e6)
STEP_S = 3600.0  # the zone's path is exact per step; 10 days settle a 14.6 h time constant


@pytest.fixture(scope="module")
def demo():
    from jobs.common.settings import load_settings
    return load_settings(CONFIG_DIR).park


def _exo(outdoor_c: float, occupied: bool) -> ExoSnapshot:
    empty = np.zeros(0)
    return ExoSnapshot(0, outdoor_c, 50.0, empty, empty, empty, 0.0, np.array([occupied]),
                       empty, empty, np.zeros(0))


def _settled_flat_out(demo, now_us: int, occupied: bool) -> HvacFleet:
    zone = next(z for z in demo.assets.hvac_zones if z.id == ZONE_ID)
    fleet = HvacFleet([zone], ["hvac-a"], [0], seed=1, season=demo.assets.hvac_heating_season,
                      timezone=demo.park.timezone)
    fleet.decide(now_us, STEP_S, _exo(DESIGN_OUTDOOR_C, occupied))  # the season's first step
    fleet.write(0, "hvac_mode", MODE_HEAT, now_us)
    fleet.write(0, "setpoint_c", 30.0, now_us)  # far above: the controller stays saturated
    for _ in range(240):
        fleet.decide(now_us, STEP_S, _exo(DESIGN_OUTDOOR_C, occupied))
        fleet.integrate(STEP_S)
    return fleet


def test_the_config_has_what_the_hand_values_assume(demo):
    zone = next(z for z in demo.assets.hvac_zones if z.id == ZONE_ID)
    assert (zone.thermal_resistance_k_per_kw, zone.cop, zone.internal_gain_kw) == \
        (0.0532, 3.3, 67.7)
    assert (zone.rated_electric_kw, zone.heating_rated_electric_kw) == (60.0, 110.0)
    assert (zone.heating_comfort_min_c, zone.heating_comfort_max_c) == (18.0, 22.0)
    assert demo.assets.hvac_heating_season == HeatingSeason(first_day="12-01",
                                                            last_day="02-28")


@pytest.mark.parametrize(("occupied", "hand_c"), [(True, 21.913), (False, 19.392)])
def test_in_the_heating_season_the_zone_holds_its_band_at_the_design_temperature(
        demo, occupied, hand_c):
    fleet = _settled_flat_out(demo, WINTER_NOON_US, occupied)
    assert fleet.electric_kw[0] == pytest.approx(110.0)
    assert fleet.zone_temp_c[0] == pytest.approx(hand_c, abs=0.001)
    assert (fleet.comfort_min_c[0], fleet.comfort_max_c[0]) == (18.0, 22.0)
    assert fleet.zone_temp_c[0] >= fleet.comfort_min_c[0]


def test_with_its_cooling_rating_the_zone_would_not_hold_it(demo):
    fleet = _settled_flat_out(demo, SUMMER_NOON_US, True)  # out of season: 60 kW, 22-26 C
    assert fleet.electric_kw[0] == pytest.approx(60.0)
    assert fleet.zone_temp_c[0] == pytest.approx(13.135, abs=0.001)
    assert (fleet.comfort_min_c[0], fleet.comfort_max_c[0]) == (22.0, 26.0)
    assert 18.0 - fleet.zone_temp_c[0] == pytest.approx(4.865, abs=0.001)


def test_the_season_starts_and_ends_on_the_local_day(demo):
    season = demo.assets.hvac_heating_season
    assert season.contains(dt.date(2026, 12, 1)) and season.contains(dt.date(2026, 2, 28))
    assert not season.contains(dt.date(2026, 11, 30)) and not season.contains(
        dt.date(2026, 3, 1))
    # 28 Feb 16:30 UTC is 1 March 00:30 in Suzhou: out of season
    assert not demo.assets.heating_at(dt.datetime(2026, 2, 28, 16, 30, tzinfo=dt.UTC),
                                      "Asia/Shanghai")
    assert demo.assets.heating_at(dt.datetime(2026, 2, 28, 15, 30, tzinfo=dt.UTC),
                                  "Asia/Shanghai")


def test_the_plan_sees_the_season_the_twin_has(demo):
    """The dispatch model's zone table for a January and a July day: the same band, setpoint
    and heat pump input as the twin's zone on that day."""
    for day, band, kw, setpoint in ((dt.date(2026, 1, 12), (18.0, 22.0), 110.0, 20.0),
                                    (dt.date(2026, 7, 6), (22.0, 26.0), 60.0, 24.0)):
        index = pd.date_range(pd.Timestamp(day).tz_localize("Asia/Shanghai").tz_convert("UTC"),
                              periods=96, freq="15min")
        table = hvac_zone_table(demo, pd.Series(5.0, index=index))
        row = table.loc[ZONE_ID]
        assert (row["comfort_min_c"], row["comfort_max_c"]) == band
        assert (row["rated_electric_kw"], row["setpoint_c"]) == (kw, setpoint)
