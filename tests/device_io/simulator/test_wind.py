"""The direct green supply line (绿电直连) in the twin: the wind farm's power curve and the
park's share of it against values computed by hand, and the line inside the park's balance
(the grid meter is the rest, its counter the integral of its power)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from device_io.simulator.twin import ParkTwin
from device_io.simulator.wind import available_kw, delivered_kw, wind_speed_day_m_s
from jobs.common.park_config import ParkConfig
from tests.device_io.simulator.test_twin import MAPS, WEDNESDAY, at_local, park_dict, power_parts

RATED_KW = 3000.0


@pytest.mark.parametrize(("wind_m_s", "expected_kw"), [
    (0.0, 0.0),
    (2.9, 0.0),  # below cut-in (3 m/s)
    (3.0, 0.0),  # cut-in: the cubic starts from zero
    # (7^3 - 3^3) / (11.5^3 - 3^3) = 316 / 1493.875 of the 3,000 kW share, less 10 % losses
    (7.0, 571.132),  # 0.211531 x 2,700 kW
    (11.5, 2700.0),  # rated: 3,000 kW less 10 % wake and line losses
    (20.0, 2700.0),
    (25.0, 2700.0),  # still turning at cut-out
    (25.1, 0.0),  # storm shutdown
])
def test_the_farm_share_follows_the_turbine_curve(wind_m_s, expected_kw):
    offered = available_kw(np.array([wind_m_s]), np.array([RATED_KW]))
    assert offered[0] == pytest.approx(expected_kw, abs=1e-3)


def test_the_park_takes_the_line_only_up_to_its_net_demand():
    offered = np.array([600.0, 200.0])
    # demand above the offer: all of it
    assert delivered_kw(offered, 1000.0).tolist() == [600.0, 200.0]
    # 500 kW of room for 800 kW offered: 500 x 600/800 and 500 x 200/800
    assert delivered_kw(offered, 500.0) == pytest.approx([375.0, 125.0])
    # the park exports already (PV surplus): the line is curtailed to nothing
    assert delivered_kw(offered, -50.0).tolist() == [0.0, 0.0]
    assert delivered_kw(np.array([0.0]), 100.0).tolist() == [0.0]


def test_the_wind_is_a_seeded_smooth_series_with_a_coastal_mean():
    first = wind_speed_day_m_s(2025, ["line-a", "line-b"], 20_000)
    assert first.shape == (2, 1441)
    assert np.array_equal(first, wind_speed_day_m_s(2025, ["line-a", "line-b"], 20_000))
    assert not np.array_equal(first, wind_speed_day_m_s(2026, ["line-a", "line-b"], 20_000))
    # a day ends where the next one starts, whichever is computed first
    assert first[:, -1] == pytest.approx(wind_speed_day_m_s(2025, ["line-a", "line-b"],
                                                            20_001)[:, 0])
    assert np.abs(np.diff(first, axis=1)).max() < 0.5  # m/s per minute: no jumps
    year = np.concatenate([wind_speed_day_m_s(2025, ["line-a"], day)[0, :-1]
                           for day in range(20_000, 20_365)])
    assert (year >= 0).all()
    assert 5.5 < year.mean() < 7.5  # the 6.5 m/s hub-height mean of the site
    # capacity factor of an onshore farm in Jiangsu: about 2,000 full-load hours a year
    capacity_factor = available_kw(year, np.array(1.0)).mean()
    assert 0.18 < capacity_factor < 0.30


def _twin_with_line(start: dt.datetime, rated_kw: float = 1500.0) -> ParkTwin:
    park = park_dict()
    park["devices"].append({"id": "wind-line", "kind": "direct_green_meter",
                            "register_map": "meter_3ph_u32", "host": "127.0.0.1",
                            "port": 15020, "unit_id": 100, "rated_kw": rated_kw,
                            "source_plant": "test wind farm"})
    return ParkTwin(ParkConfig.model_validate(park), MAPS, start, step_s=60.0)


def _line_kw(twin: ParkTwin) -> float:
    frame = twin.readings_frame()
    return float(frame.loc[(frame["device_id"] == "wind-line")
                           & (frame["point"] == "active_power_kw"), "value"].iloc[0])


def test_the_line_closes_the_balance_and_yields_to_pv_all_day():
    twin = _twin_with_line(WEDNESDAY)
    seen_line = seen_capped = False
    for quarter in range(1, 24 * 4):
        twin.advance_to(at_local(quarter / 4))
        parts, line_kw = power_parts(twin), _line_kw(twin)
        net_kw = parts["sub"] + parts["common"] + parts["ev"] - parts["bess"] - parts["pv"]
        assert parts["grid"] == pytest.approx(net_kw - line_kw, abs=1e-6)
        assert 0.0 <= line_kw <= 1500.0 * 0.9 + 1e-9
        if net_kw <= 0:  # PV covers the park: nothing from the line, the surplus is exported
            assert line_kw == 0.0
            seen_capped = True
        elif line_kw > 0 and parts["grid"] == pytest.approx(0.0, abs=1e-6):
            seen_capped = True  # the line fills the whole net demand, the grid takes nothing
        seen_line |= line_kw > 1.0
    assert seen_line and seen_capped


def test_the_lines_counter_is_the_integral_of_its_power():
    twin = _twin_with_line(at_local(0.0))
    counter_0 = twin.point_values("wind-line")["energy_import_kwh"]
    integral_kwh = 0.0
    for minute in range(1, 181):  # three night hours, one power per 60 s step
        integral_kwh += _line_kw(twin) * 60.0 / 3600.0
        twin.advance_to(at_local(minute / 60))
    counter_3h = twin.point_values("wind-line")["energy_import_kwh"]
    assert counter_0 is not None and counter_3h is not None
    assert counter_3h - counter_0 == pytest.approx(integral_kwh, rel=1e-9, abs=1e-6)
    assert integral_kwh > 0  # the test night has wind


def test_a_line_without_its_contracted_capacity_is_refused():
    park = park_dict()
    park["devices"].append({"id": "wind-line", "kind": "direct_green_meter",
                            "register_map": "meter_3ph_u32", "host": "127.0.0.1",
                            "port": 15020, "unit_id": 100, "source_plant": "test wind farm"})
    with pytest.raises(ValueError, match=r"\['wind-line'\].*rated_kw"):
        ParkTwin(ParkConfig.model_validate(park), MAPS, WEDNESDAY, step_s=60.0)
