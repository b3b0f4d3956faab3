"""The gas boiler behind a waste-heat tank (device_io/simulator/thermal_storage.py): the heat
its users lack comes from gas, so a comparison can bill it.

Truth by hand, on the test park's morning heat peak (06:00-07:00 local, before the source
enterprise's shift: no waste heat): the users' heat is the same whatever the tank does, so the
boiler gives exactly what the tank does not. A tank held at 0 kW_th leaves the boiler all of
it; the boiler then gives more than a tank left alone by that tank's own metered discharge;
a tank charged at 100 kW_th (from the boiler: no waste heat) costs 100 kWh_th more in the hour.
"""

from __future__ import annotations

import pytest

from tests.device_io.simulator.test_twin import at_local, make_twin, value

HOUR_START, HOUR_END = at_local(6.0), at_local(7.0)


def boiler_over_the_hour(setpoint_kw_th: float | None) -> tuple[float, float]:
    """(boiler kWh_th, the tank's metered discharge kWh_th) over the hour."""
    twin = make_twin(at_local(5.0))
    twin.advance_to(HOUR_START)
    if setpoint_kw_th is not None:
        twin.write_point("ts-1", "power_setpoint_kw_th", setpoint_kw_th)  # an hour's override
    boiler_before = twin.backup_heat_kwh_th()
    discharged_before = value(twin, "ts-1", "heat_discharged_kwh_th")
    for minute in range(60):  # the tank gives heat all hour when left alone
        twin.advance_to(at_local(6.0 + minute / 60.0))
        if setpoint_kw_th is None:
            assert value(twin, "ts-1", "thermal_power_kw_th") > 0.0
    twin.advance_to(HOUR_END)
    return (twin.backup_heat_kwh_th() - boiler_before,
            value(twin, "ts-1", "heat_discharged_kwh_th") - discharged_before)


def test_the_boiler_gives_the_heat_the_tank_does_not() -> None:
    alone_kwh, alone_discharged_kwh = boiler_over_the_hour(None)
    held_kwh, held_discharged_kwh = boiler_over_the_hour(0.0)
    charged_kwh, _ = boiler_over_the_hour(-100.0)
    assert alone_discharged_kwh > 20.0 and held_discharged_kwh == 0.0
    assert held_kwh == pytest.approx(alone_kwh + alone_discharged_kwh, rel=1e-9)
    assert charged_kwh == pytest.approx(held_kwh + 100.0, rel=1e-9)
