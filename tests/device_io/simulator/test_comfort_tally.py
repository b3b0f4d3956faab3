"""The twin's comfort tally: kelvin-hours outside a zone's band while it is occupied, against
the zone's exact 1R1C path worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from device_io.simulator.hvac import MODE_OFF, HvacFleet
from jobs.common.park_assets import HvacZone


def test_a_drifting_occupied_zone_counts_its_kelvin_hours_and_an_empty_one_does_not():
    """R = 2 K/kW, C = 10 kWh/K (tau 20 h), no gains, the heat pump off, 30 C outside, the
    zone at 26 C (the band's top). T(t) = 30 - 4 exp(-t/20), so the first hour is
    int_0^1 4 (1 - exp(-t/20)) dt = 4 (1 - 20 (1 - exp(-1/20))) = 0.098352 K h outside.
    The second hour it is empty: nothing more, though it drifts further."""
    zone = HvacZone(id="z", rated_electric_kw=10, thermal_resistance_k_per_kw=2,
                    thermal_capacitance_kwh_per_k=10, comfort_min_c=22, comfort_max_c=26)
    fleet = HvacFleet([zone], ["hvac-z"], [0], seed=1)
    fleet.zone_temp_c = np.array([26.0])
    fleet.outdoor_temp_c = np.array([30.0])
    fleet.mode = np.array([MODE_OFF])
    fleet.electric_kw = np.zeros(1)
    fleet.thermal_kw = np.zeros(1)
    fleet.gain_kw = np.zeros(1)
    fleet.last_occupied = np.array([True])
    for _ in range(60):
        fleet.integrate(60.0)
    hand = 4.0 * (1.0 - 20.0 * (1.0 - math.exp(-1.0 / 20.0)))
    assert fleet.comfort_violation_kh[0] == pytest.approx(hand, rel=1e-4)
    fleet.last_occupied = np.array([False])
    for _ in range(60):
        fleet.integrate(60.0)
    assert fleet.comfort_violation_kh[0] == pytest.approx(hand, rel=1e-4)
    assert fleet.zone_temp_c[0] == pytest.approx(30.0 - 4.0 * math.exp(-2.0 / 20.0), rel=1e-9)
