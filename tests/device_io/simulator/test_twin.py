"""The digital twin against independent truths: physics, the park's config, and arithmetic.

Expected values come from the config (ratings, efficiencies, profiles), from the twin's own
reported powers integrated here by hand, or from astronomy, never from re-running twin code.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import ParkConfig
from jobs.common.register_map import PointRole, load_register_maps

MAPS = load_register_maps(Path(__file__).resolve().parents[3] / "config" / "register_maps")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Wednesday 2025-06-04, local midnight.
WEDNESDAY = dt.datetime(2025, 6, 4, tzinfo=SHANGHAI).astimezone(dt.UTC)
LONGITUDE_DEG = 120.7
LOAD_A = {"base_kw": 200.0, "shift_kw": 400.0, "shifts": [[8, 20]], "weekend_factor": 0.5,
          "noise_pct": 5.0, "gas_nm3_per_h": 60.0}


def _device(i: int, device_id: str, kind: str, register_map: str, **extra: Any) -> dict:
    return {"id": device_id, "kind": kind, "register_map": register_map, "host": "127.0.0.1",
            "port": 15020, "unit_id": i + 1, **extra}


def park_dict(**simulation: Any) -> dict:
    """Two enterprises (one profiled, one on the seeded default), every device kind."""
    specs = [
        ("grid", "grid_meter", "meter_3ph_u32", {}),
        ("common-1", "common_meter", "meter_f32_din", {}),
        ("meter-a-1", "sub_meter", "meter_3ph_u32", {"enterprise": "ent-a"}),
        ("meter-a-2", "sub_meter", "meter_f32_din", {"enterprise": "ent-a"}),
        ("meter-b-1", "sub_meter", "meter_3ph_u32", {"enterprise": "ent-b"}),
        ("gas-a", "gas_meter", "gas_meter", {"enterprise": "ent-a"}),
        ("water-a", "water_meter", "water_meter", {"enterprise": "ent-a"}),
        ("pv-1", "pv_inverter", "sunspec_inverter_103", {"asset": "pv-roof"}),
        ("pv-2", "pv_inverter", "sunspec_inverter_103", {"asset": "pv-roof"}),
        ("bess-1", "bess", "bess_pcs", {"asset": "bess"}),
        ("ev-ac", "ev_charger", "ev_charger_ac", {"asset": "evse-ac"}),
        ("ev-dc", "ev_charger", "ev_charger_dc", {"asset": "evse-dc"}),
        ("hvac-a", "hvac", "hvac_controller", {"enterprise": "ent-a", "asset": "zone-a"}),
        ("ts-1", "thermal_storage", "thermal_storage_controller",
         {"enterprise": "ent-a", "asset": "tank"}),
    ]
    sim = {"seed": 11, "cloudiness": 0.35, "load_profiles": {"ent-a": LOAD_A},
           "common_load_kw": 80.0, "ev_sessions_per_charger_day": 4.0, **simulation}
    return {
        "park": {"id": "test-park", "name_zh": "测试园区", "name_en": "Test Park",
                 "timezone": "Asia/Shanghai", "latitude_deg": 31.3,
                 "longitude_deg": LONGITUDE_DEG, "altitude_m": 5.0, "province": "江苏",
                 "grid_region": "华东",
                 "grid_connection": {"meter_device_id": "grid", "import_limit_kw": 3000,
                                     "export_limit_kw": 500, "contract_demand_kw": 2000}},
        "enterprises": [{"id": e, "name_zh": e, "name_en": e, "industry": "test"}
                        for e in ("ent-a", "ent-b")],
        "devices": [_device(i, d, k, m, **x) for i, (d, k, m, x) in enumerate(specs)],
        "assets": {
            # DC/AC 1.5: the inverters clip on a clear day.
            "pv": [{"id": "pv-roof", "kwp": 300.0, "inverter_kw": 200.0, "tilt_deg": 20.0,
                    "azimuth_deg": 180.0}],
            "batteries": [{"id": "bess", "capacity_kwh": 200.0, "power_kw": 100.0,
                           "charge_efficiency": 0.95, "discharge_efficiency": 0.93,
                           "soc_min_pct": 10.0, "soc_max_pct": 90.0, "initial_soc_pct": 50.0}],
            "ev_chargers": [{"id": "evse-ac", "kind": "ac", "max_kw": 22.0},
                            {"id": "evse-dc", "kind": "dc", "max_kw": 60.0}],
            "hvac_zones": [
                {"id": "zone-a", "enterprise": "ent-a", "rated_electric_kw": 50.0, "cop": 3.2,
                 "thermal_resistance_k_per_kw": 0.1, "thermal_capacitance_kwh_per_k": 60.0,
                 "internal_gain_kw": 20.0},
                # No controller: it still draws power, through the common meter.
                {"id": "zone-park", "rated_electric_kw": 20.0,
                 "thermal_resistance_k_per_kw": 0.3, "thermal_capacitance_kwh_per_k": 20.0,
                 "internal_gain_kw": 5.0},
            ],
            "thermal_storage": [{"id": "tank", "capacity_kwh_th": 1000.0,
                                 "max_charge_kw_th": 250.0, "max_discharge_kw_th": 250.0}],
        },
        "simulation": sim,
    }


def make_twin(start: dt.datetime = WEDNESDAY, *, step_s: float = 60.0, seed: int | None = None,
              **simulation: Any) -> ParkTwin:
    park = ParkConfig.model_validate(park_dict(**simulation))
    return ParkTwin(park, MAPS, start, seed=seed, step_s=step_s)


def at_local(hour: float, day: dt.datetime = WEDNESDAY) -> dt.datetime:
    return day + dt.timedelta(hours=hour)


def value(twin: ParkTwin, device_id: str, point: str) -> float:
    reading = twin.point_values(device_id)[point]
    assert reading is not None, (device_id, point)
    return reading


def power_parts(twin: ParkTwin) -> dict[str, float]:
    frame = twin.readings_frame()
    kinds = {d.id: d.kind.value for d in twin.park.devices}
    frame["kind"] = frame["device_id"].map(kinds)

    def total(kind: str, point: str) -> float:
        return float(frame.loc[(frame["kind"] == kind) & (frame["point"] == point),
                               "value"].sum())

    return {"grid": total("grid_meter", "active_power_kw"),
            "sub": total("sub_meter", "active_power_kw"),
            "common": total("common_meter", "active_power_kw"),
            "ev": total("ev_charger", "charging_power_kw"),
            "bess": total("bess", "active_power_kw"),
            "pv": total("pv_inverter", "ac_power_kw")}


def keep_battery_remote(twin: ParkTwin, setpoint_kw: float) -> None:
    twin.write_point("bess-1", "watchdog_timeout_s", 3600)
    twin.write_point("bess-1", "control_mode", 1)
    twin.write_point("bess-1", "power_setpoint_kw", setpoint_kw)


# -- topology ---------------------------------------------------------------------------------

def test_grid_meter_is_the_sum_of_the_parts_all_day() -> None:
    twin = make_twin()
    keep_battery_remote(twin, -60.0)
    seen_pv = seen_ev = seen_bess = False
    for quarter in range(1, 24 * 4):
        twin.advance_to(at_local(quarter / 4))
        parts = power_parts(twin)
        expected = (parts["sub"] + parts["common"] + parts["ev"] - parts["bess"] - parts["pv"])
        assert parts["grid"] == pytest.approx(expected, abs=1e-6)
        seen_pv |= parts["pv"] > 1
        seen_ev |= parts["ev"] > 1
        seen_bess |= abs(parts["bess"]) > 1
    assert seen_pv and seen_ev and seen_bess  # every term was exercised


def test_sub_meters_follow_the_load_profile_in_local_time() -> None:
    twin = make_twin()
    twin.write_point("hvac-a", "hvac_mode", 0)  # so the feeders carry process load only
    twin.advance_to(at_local(3.0))
    night_kw = value(twin, "meter-a-1", "active_power_kw") + value(twin, "meter-a-2",
                                                                   "active_power_kw")
    twin.advance_to(at_local(12.0))
    twin.write_point("hvac-a", "hvac_mode", 0)
    twin.advance_to(at_local(12.5))
    day_kw = value(twin, "meter-a-1", "active_power_kw") + value(twin, "meter-a-2",
                                                                 "active_power_kw")
    # 5 % noise: allow four standard deviations.
    assert night_kw == pytest.approx(LOAD_A["base_kw"], rel=0.2)
    assert day_kw == pytest.approx(LOAD_A["base_kw"] + LOAD_A["shift_kw"], rel=0.2)


def test_weekend_scales_the_shift_load() -> None:
    saturday = WEDNESDAY + dt.timedelta(days=3)
    twin = make_twin(at_local(12.0, saturday))
    twin.write_point("hvac-a", "hvac_mode", 0)
    twin.advance_to(at_local(12.5, saturday))
    load_kw = value(twin, "meter-a-1", "active_power_kw") + value(twin, "meter-a-2",
                                                                  "active_power_kw")
    expected = LOAD_A["base_kw"] + LOAD_A["weekend_factor"] * LOAD_A["shift_kw"]
    assert load_kw == pytest.approx(expected, rel=0.2)


def test_hvac_power_shows_in_its_enterprise_feeders() -> None:
    park = ParkConfig.model_validate(park_dict())
    on, off = (ParkTwin(park, MAPS, at_local(14.0)) for _ in range(2))
    off.write_point("hvac-a", "hvac_mode", 0)
    on.write_point("hvac-a", "setpoint_c", 18.0)  # far below: full cooling power
    feeders = ("meter-a-1", "meter-a-2")
    difference_kw = sum(value(on, m, "active_power_kw") - value(off, m, "active_power_kw")
                        for m in feeders)
    assert value(on, "hvac-a", "electric_power_kw") == pytest.approx(50.0)
    assert difference_kw == pytest.approx(50.0, abs=1e-6)


# -- counters ---------------------------------------------------------------------------------

COUNTERS = {  # device -> counter point -> (power point, sign: +1 positive part, -1 negative part)
    "grid": {"energy_import_kwh": ("active_power_kw", 1),
             "energy_export_kwh": ("active_power_kw", -1)},
    "meter-a-2": {"energy_import_kwh": ("active_power_kw", 1)},
    "common-1": {"energy_import_kwh": ("active_power_kw", 1)},
    "pv-1": {"energy_total_kwh": ("ac_power_kw", 1)},
    "bess-1": {"energy_discharged_kwh": ("active_power_kw", 1),
               "energy_charged_kwh": ("active_power_kw", -1)},
    "ev-ac": {"energy_total_kwh": ("charging_power_kw", 1),
              "session_energy_kwh": ("charging_power_kw", 1)},
    "ev-dc": {"energy_total_kwh": ("charging_power_kw", 1)},
    "hvac-a": {"energy_kwh": ("electric_power_kw", 1)},
    "ts-1": {"heat_discharged_kwh_th": ("thermal_power_kw_th", 1),
             "heat_charged_kwh_th": ("thermal_power_kw_th", -1)},
    "gas-a": {"volume_total_nm3": ("flow_nm3_per_h", 1)},
    "water-a": {"volume_total_m3": ("flow_m3_per_h", 1)},
}


def test_every_counter_is_the_integral_of_its_power() -> None:
    """Sum P dt over the spans in which the twin holds its powers (steps, split by writes)."""
    small = {"base_kw": 20.0, "shift_kw": 30.0, "shifts": [[8, 20]], "gas_nm3_per_h": 10.0}
    # Small loads, so that PV and the battery push the park into export at times.
    twin = make_twin(at_local(11.0), step_s=30.0, ev_sessions_per_charger_day=30.0,
                     common_load_kw=10.0, load_profiles={"ent-a": small, "ent-b": small})
    end = at_local(14.0)
    keep_battery_remote(twin, 80.0)
    start_values = {d: twin.point_values(d) for d in COUNTERS}
    integral = {(d, c): 0.0 for d, counters in COUNTERS.items() for c in counters}
    writes = {at_local(12.0) + dt.timedelta(seconds=7): -90.0,  # off the step grid
              at_local(13.0): 40.0}
    while twin.now_utc < end:
        for beat, (moment, setpoint) in enumerate(writes.items(), start=1):
            if twin.now_utc == moment:
                twin.write_point("bess-1", "watchdog_counter", beat)  # within the hour
                twin.write_point("bess-1", "power_setpoint_kw", setpoint)
        values = {d: twin.point_values(d) for d in COUNTERS}
        upcoming = [m for m in writes if m > twin.now_utc]
        segment_end = min([twin.next_step_utc, end, *upcoming])
        dt_h = (segment_end - twin.now_utc).total_seconds() / 3600.0
        for device_id, counters in COUNTERS.items():
            for counter, (power_point, sign) in counters.items():
                power = values[device_id][power_point] or 0.0
                integral[(device_id, counter)] += max(sign * power, 0.0) * dt_h
        twin.advance_to(segment_end)
    for (device_id, counter), expected in integral.items():
        if counter == "session_energy_kwh":
            continue  # resets at a new session; checked in the EV test
        grown = value(twin, device_id, counter) - start_values[device_id][counter]
        assert grown == pytest.approx(expected, rel=1e-9, abs=1e-6), (device_id, counter)
    assert integral[("bess-1", "energy_charged_kwh")] > 0
    assert integral[("bess-1", "energy_discharged_kwh")] > 0
    assert integral[("ev-dc", "energy_total_kwh")] > 0
    assert integral[("grid", "energy_import_kwh")] > 0
    assert integral[("grid", "energy_export_kwh")] > 0


def test_counters_start_at_plausible_history() -> None:
    twin = make_twin()
    for device_id, counters in COUNTERS.items():
        for counter in counters:
            if counter == "session_energy_kwh":
                continue
            start = value(twin, device_id, counter)
            assert 50.0 <= start <= 5e6, (device_id, counter, start)


# -- PV ---------------------------------------------------------------------------------------

def _solar_noon_utc(day: dt.date) -> dt.datetime:
    """Solar noon from the equation of time (Spencer-style fit), independent of pvlib."""
    b = math.radians(360.0 / 365.0 * (day.timetuple().tm_yday - 81))
    equation_of_time_min = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
    minutes = 720.0 - 4.0 * LONGITUDE_DEG - equation_of_time_min
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(minutes=minutes)


def test_pv_is_zero_at_night_peaks_at_solar_noon_and_respects_the_inverter() -> None:
    twin = make_twin(cloudiness=0.0)
    samples = []
    for five in range(1, 24 * 12):
        twin.advance_to(at_local(five / 12))
        samples.append((twin.now_utc, value(twin, "pv-1", "ac_power_kw"),
                        value(twin, "pv-1", "operating_state")))
    frame = pd.DataFrame(samples, columns=["t", "kw", "state"])
    local_hour = frame["t"].map(lambda t: t.astimezone(SHANGHAI).hour)
    night = (local_hour < 4) | (local_hour >= 20)
    assert (frame.loc[night, "kw"] == 0).all()
    assert (frame.loc[night, "state"] == 2).all()
    assert frame["kw"].max() <= 100.0 + 1e-9  # each of two inverters has half of 200 kW
    assert frame["kw"].max() == pytest.approx(100.0)  # DC/AC 1.5 clips on a clear day
    # The clipped plateau is centred on solar noon.
    plateau = frame.loc[frame["kw"] >= 100.0 - 1e-9, "t"]
    centre = plateau.iloc[0] + (plateau.iloc[-1] - plateau.iloc[0]) / 2
    noon = _solar_noon_utc(WEDNESDAY.astimezone(SHANGHAI).date())
    assert abs((centre - noon).total_seconds()) <= 20 * 60
    morning = frame.loc[(local_hour >= 9) & (local_hour < 10)]
    assert (morning["state"] == 4).all()
    assert (morning["kw"] > 0).all()


def test_pv_dc_side_and_grid_values_are_plausible() -> None:
    twin = make_twin(at_local(10.0), cloudiness=0.0)
    values = twin.point_values("pv-1")
    assert values["dc_power_kw"] > values["ac_power_kw"] > 0
    assert 0.96 <= values["ac_power_kw"] / values["dc_power_kw"] <= 0.99
    assert 400 <= values["dc_voltage_v"] <= 1000
    assert 49.95 <= values["frequency_hz"] <= 50.05
    for phase in ("l1", "l2", "l3"):
        assert 227.7 <= values[f"voltage_{phase}_v"] <= 232.3


def test_pv_power_limit_throttles_and_reverts() -> None:
    twin = make_twin(at_local(11.0), cloudiness=0.0)
    twin.write_point("pv-1", "power_limit_revert_s", 600)
    twin.write_point("pv-1", "power_limit_pct", 40)
    twin.write_point("pv-1", "power_limit_enabled", 1)
    assert value(twin, "pv-1", "ac_power_kw") == pytest.approx(40.0)
    assert value(twin, "pv-1", "operating_state") == 5
    assert value(twin, "pv-2", "ac_power_kw") > 40.0  # only the written inverter obeys
    twin.advance_to(at_local(11.0) + dt.timedelta(seconds=540))
    assert value(twin, "pv-1", "ac_power_kw") == pytest.approx(40.0)
    twin.advance_to(at_local(11.0) + dt.timedelta(seconds=660))
    assert value(twin, "pv-1", "power_limit_pct") == 100
    assert value(twin, "pv-1", "ac_power_kw") > 40.0
    assert value(twin, "pv-1", "operating_state") == 4


# -- battery ----------------------------------------------------------------------------------

def test_battery_idles_in_local_mode() -> None:
    twin = make_twin(at_local(10.0))
    twin.write_point("bess-1", "power_setpoint_kw", 50)
    twin.advance_to(at_local(10.5))
    assert value(twin, "bess-1", "active_power_kw") == 0
    assert value(twin, "bess-1", "operating_state") == 0


def test_battery_soc_moves_by_power_times_efficiency() -> None:
    twin = make_twin(at_local(10.0))
    keep_battery_remote(twin, -80.0)  # charge
    soc_before = value(twin, "bess-1", "soc_pct")
    assert value(twin, "bess-1", "active_power_kw") == -80.0
    twin.advance_to(at_local(10.0) + dt.timedelta(minutes=30))
    expected_pct = 80.0 * 0.95 * 0.5 / 200.0 * 100.0
    assert value(twin, "bess-1", "soc_pct") - soc_before == pytest.approx(expected_pct, abs=1e-9)
    twin.write_point("bess-1", "power_setpoint_kw", 5000)  # clamped to the rating
    assert value(twin, "bess-1", "active_power_kw") == 100.0
    assert value(twin, "bess-1", "operating_state") == 2
    soc_before = value(twin, "bess-1", "soc_pct")
    twin.advance_to(at_local(10.0) + dt.timedelta(minutes=36))
    expected_pct = -100.0 / 0.93 * 0.1 / 200.0 * 100.0
    assert value(twin, "bess-1", "soc_pct") - soc_before == pytest.approx(expected_pct, abs=1e-9)


def advance_with_heartbeat(twin: ParkTwin, until: dt.datetime) -> None:
    """What a live controller does: move the watchdog counter well within its timeout."""
    while twin.now_utc < until:
        twin.advance_to(min(until, twin.now_utc + dt.timedelta(minutes=30)))
        beat = value(twin, "bess-1", "watchdog_counter")
        twin.write_point("bess-1", "watchdog_counter", (beat + 1) % 65536)


def test_battery_stops_at_its_soc_limits() -> None:
    twin = make_twin(at_local(10.0))
    keep_battery_remote(twin, -100.0)
    advance_with_heartbeat(twin, at_local(13.0))  # 300 kWh offered, 80 kWh of room
    assert value(twin, "bess-1", "soc_pct") == pytest.approx(90.0, abs=1e-6)
    assert value(twin, "bess-1", "active_power_kw") == 0
    assert value(twin, "bess-1", "max_charge_power_kw") == 0
    assert value(twin, "bess-1", "max_discharge_power_kw") == 100.0
    twin.write_point("bess-1", "power_setpoint_kw", 100.0)
    advance_with_heartbeat(twin, at_local(16.0))
    assert value(twin, "bess-1", "soc_pct") == pytest.approx(10.0, abs=1e-6)
    assert value(twin, "bess-1", "active_power_kw") == 0
    assert value(twin, "bess-1", "max_discharge_power_kw") == 0


def test_battery_watchdog_expiry_forces_zero_until_the_counter_changes() -> None:
    start = at_local(10.0)
    twin = make_twin(start, step_s=5.0)
    twin.write_point("bess-1", "watchdog_timeout_s", 30)
    twin.write_point("bess-1", "control_mode", 1)
    twin.write_point("bess-1", "power_setpoint_kw", 70)
    twin.advance_to(start + dt.timedelta(seconds=20))
    twin.write_point("bess-1", "watchdog_counter", 1)  # heartbeat
    twin.advance_to(start + dt.timedelta(seconds=45))
    assert value(twin, "bess-1", "active_power_kw") == 70.0
    twin.write_point("bess-1", "watchdog_counter", 1)  # the same value is no heartbeat
    twin.advance_to(start + dt.timedelta(seconds=55))
    assert value(twin, "bess-1", "active_power_kw") == 0
    assert value(twin, "bess-1", "operating_state") == 4
    twin.write_point("bess-1", "watchdog_counter", 2)
    assert value(twin, "bess-1", "active_power_kw") == 70.0
    assert value(twin, "bess-1", "operating_state") == 2


# -- EV ---------------------------------------------------------------------------------------

def test_ev_sessions_deliver_the_requested_energy_then_finish() -> None:
    twin = make_twin()
    finished = []
    demand = None
    for minute in range(1, 3 * 24 * 60):
        twin.advance_to(WEDNESDAY + dt.timedelta(minutes=minute))
        values = twin.point_values("ev-ac")
        if values["charger_state"] == 2:
            session = twin.active_ev_session("ev-ac")
            assert session is not None
            demand = session.demand_kwh
            assert values["charging_power_kw"] <= 22.0 + 1e-9
        elif values["charger_state"] == 3 and demand is not None:
            assert values["session_energy_kwh"] == pytest.approx(demand, abs=1e-6)
            assert values["charging_power_kw"] == 0
            finished.append(demand)
            demand = None
    assert finished, "no session finished in three days"


def test_ev_energy_a_car_leaves_without_is_tallied() -> None:
    """Both chargers paused from the start (0 A, 0 kW): every car that comes and goes leaves
    with nothing, so the twin's tally of unserved energy is the sum of the demands of the
    sessions that ended (read from the cars as they were plugged in), and the cars still
    plugged in at the end are not in it yet."""
    twin = make_twin(ev_sessions_per_charger_day=8.0)
    twin.write_point("ev-ac", "current_limit_a", 0.0)
    twin.write_point("ev-dc", "power_limit_kw", 0.0)
    seen: dict[tuple[str, int], float] = {}
    for minute in range(1, 24 * 60):
        twin.advance_to(WEDNESDAY + dt.timedelta(minutes=minute))
        for charger in ("ev-ac", "ev-dc"):
            assert value(twin, charger, "charging_power_kw") == 0
            session = twin.active_ev_session(charger)
            if session is not None:
                seen[(charger, session.arrival_us)] = session.demand_kwh
    plugged = {(c, s.arrival_us) for c in ("ev-ac", "ev-dc")
               if (s := twin.active_ev_session(c)) is not None}
    left = sum(demand for key, demand in seen.items() if key not in plugged)
    assert len(seen) - len(plugged) >= 4 and left > 0
    assert twin.ev_unserved_kwh() == pytest.approx(left, rel=1e-9)


def test_ev_current_limit_sets_the_charging_power() -> None:
    twin = make_twin(ev_sessions_per_charger_day=30.0)
    for minute in range(1, 24 * 60):
        twin.advance_to(WEDNESDAY + dt.timedelta(minutes=minute))
        if twin.point_values("ev-ac")["charger_state"] == 2:
            break
    else:
        pytest.fail("no car charged")
    twin.write_point("ev-ac", "current_limit_a", 10.0)
    phase_v = 400.0 / math.sqrt(3)
    assert value(twin, "ev-ac", "charging_power_kw") == pytest.approx(3 * phase_v * 10 / 1000)
    twin.write_point("ev-ac", "current_limit_a", 5.0)  # below the IEC minimum: pause
    assert value(twin, "ev-ac", "charging_power_kw") == 0
    assert value(twin, "ev-ac", "charger_state") == 1


def test_dc_charger_reports_vehicle_soc_only_with_a_car() -> None:
    twin = make_twin(ev_sessions_per_charger_day=30.0)
    saw_car = saw_none = False
    for minute in range(1, 24 * 60, 5):
        twin.advance_to(WEDNESDAY + dt.timedelta(minutes=minute))
        values = twin.point_values("ev-dc")
        if values["charger_state"] == 0:
            saw_none |= values["vehicle_soc_pct"] is None
        else:
            soc = values["vehicle_soc_pct"]
            saw_car |= soc is not None and 0 < soc <= 100
    assert saw_car and saw_none


# -- HVAC and heat ----------------------------------------------------------------------------

def test_hvac_cooling_pulls_the_zone_toward_the_setpoint() -> None:
    twin = make_twin(at_local(13.0))
    twin.write_point("hvac-a", "hvac_mode", 1)
    twin.write_point("hvac-a", "setpoint_c", 20.0)
    gaps = []
    for quarter in range(1, 17):
        gaps.append(value(twin, "hvac-a", "zone_temp_c") - 20.0)
        assert 0 < value(twin, "hvac-a", "electric_power_kw") <= 50.0 + 1e-9
        twin.advance_to(at_local(13.0 + quarter / 4))
    assert gaps[0] > 1.0
    assert all(later < earlier for earlier, later in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] < 0.4 * gaps[0]


def test_hvac_zone_obeys_the_1r1c_equation_over_a_step() -> None:
    """C dT/dt = (T_out - T)/R + gain - COP P, solved by hand from the zone's config."""
    twin = make_twin(at_local(13.0))  # occupied: full internal gain
    twin.write_point("hvac-a", "setpoint_c", value(twin, "hvac-a", "zone_temp_c") - 0.4)
    before = twin.point_values("hvac-a")
    twin.advance_to(twin.next_step_utc)
    r_k_per_kw, c_kwh_per_k, gain_kw, cop = 0.1, 60.0, 20.0, 3.2
    step_h = (twin.next_step_utc - twin.now_utc).total_seconds() / 3600.0
    heat_kw = gain_kw - cop * before["electric_power_kw"]
    settle_c = before["outdoor_temp_c"] + r_k_per_kw * heat_kw
    expected = settle_c + (before["zone_temp_c"] - settle_c) * math.exp(
        -step_h / (r_k_per_kw * c_kwh_per_k))
    assert 0 < before["electric_power_kw"] < 50.0  # proportional, not saturated
    assert value(twin, "hvac-a", "zone_temp_c") == pytest.approx(expected, abs=1e-9)


def test_hvac_follows_the_occupancy_schedule() -> None:
    twin = make_twin(at_local(3.0))
    assert value(twin, "hvac-a", "hvac_mode") == 0
    assert value(twin, "hvac-a", "electric_power_kw") == 0
    twin.advance_to(at_local(9.0))  # ent-a works 08-20
    assert value(twin, "hvac-a", "hvac_mode") == 3
    outdoor = [value(twin, "hvac-a", "outdoor_temp_c")]
    twin.advance_to(at_local(15.0))
    outdoor.append(value(twin, "hvac-a", "outdoor_temp_c"))
    assert 5 < outdoor[0] < outdoor[1] < 45  # a June afternoon is warmer than the morning


def test_thermal_storage_override_lasts_an_hour() -> None:
    twin = make_twin(at_local(3.0))
    twin.write_point("ts-1", "power_setpoint_kw_th", 150)
    assert value(twin, "ts-1", "thermal_power_kw_th") == 150
    soc = value(twin, "ts-1", "state_of_charge_pct")
    assert value(twin, "ts-1", "tank_temp_c") == pytest.approx(40 + 50 * soc / 100)
    assert value(twin, "ts-1", "stored_heat_kwh_th") == pytest.approx(10 * soc)
    twin.advance_to(at_local(3.5))
    assert value(twin, "ts-1", "state_of_charge_pct") < soc - 7.0  # 75 kWh of 1000 out
    twin.advance_to(at_local(4.1))
    assert value(twin, "ts-1", "power_setpoint_kw_th") == 0
    assert value(twin, "ts-1", "thermal_power_kw_th") == 0  # night: no heat in or out


def test_gas_follows_the_shift() -> None:
    twin = make_twin(at_local(3.0))
    night = value(twin, "gas-a", "flow_nm3_per_h")
    twin.advance_to(at_local(10.0))
    day = value(twin, "gas-a", "flow_nm3_per_h")
    assert day == pytest.approx(LOAD_A["gas_nm3_per_h"], rel=0.25)
    assert night < 0.1 * day


# -- meters -----------------------------------------------------------------------------------

def test_meter_electrical_values_are_consistent() -> None:
    twin = make_twin(at_local(10.0))
    for device_id, phase_v in (("meter-a-1", 230.0), ("grid", 10_000 / math.sqrt(3))):
        v = twin.point_values(device_id)
        p, q, pf = v["active_power_kw"], v["reactive_power_kvar"], v["power_factor"]
        assert pf == pytest.approx(p / math.hypot(p, q))
        for phase in ("l1", "l2", "l3"):
            assert abs(v[f"voltage_{phase}_v"] / phase_v - 1) <= 0.01
        apparent = sum(v[f"voltage_{ph}_v"] * v[f"current_{ph}_a"] for ph in ("l1", "l2", "l3"))
        assert apparent / 1000 == pytest.approx(math.hypot(p, q), rel=1e-9)
        assert 49.95 <= v["frequency_hz"] <= 50.05
        assert v["device_time_unix_s"] == twin.now_utc.timestamp()
    assert 0.92 <= value(twin, "meter-a-1", "power_factor") <= 0.99


# -- time, determinism, interface -------------------------------------------------------------

def test_going_back_in_time_is_an_error_and_standing_still_a_no_op() -> None:
    twin = make_twin(at_local(10.0))
    twin.advance_to(at_local(11.0))
    before = twin.readings_frame()
    twin.advance_to(at_local(11.0))
    pd.testing.assert_frame_equal(before, twin.readings_frame())
    with pytest.raises(ValueError):
        twin.advance_to(at_local(10.5))
    with pytest.raises(ValueError):
        twin.advance_to(dt.datetime(2025, 6, 5))  # naive


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    frames = []
    for seed in (5, 5, 6):
        twin = make_twin(at_local(6.0), seed=seed)
        twin.advance_to(at_local(12.0))
        frames.append(twin.readings_frame())
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert not np.allclose(frames[0]["value"], frames[2]["value"], equal_nan=True)


def test_chunking_of_advance_does_not_change_the_result() -> None:
    start = at_local(7.0)
    write_at = start + dt.timedelta(hours=1, seconds=3)
    end = start + dt.timedelta(hours=3)
    one, many = make_twin(start, step_s=10.0), make_twin(start, step_s=10.0)
    rng = np.random.default_rng(0)
    for twin, chunked in ((one, False), (many, True)):
        for target in (write_at, end):
            while twin.now_utc < target:
                step = dt.timedelta(milliseconds=int(rng.integers(1, 400_000)))
                twin.advance_to(min(target, twin.now_utc + step) if chunked else target)
            if target == write_at:
                keep_battery_remote(twin, -50.0)
                twin.write_point("hvac-a", "setpoint_c", 21.0)
    a, b = one.readings_frame(), many.readings_frame()
    assert a["device_id"].tolist() == b["device_id"].tolist()
    assert a["point"].tolist() == b["point"].tolist()
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-9, atol=1e-9)


def test_frame_and_point_values_cover_every_landed_point() -> None:
    twin = make_twin(at_local(10.0))
    frame = twin.readings_frame()
    assert list(frame.columns) == ["device_id", "point", "value"]
    assert frame["value"].dtype == np.float64
    expected_rows = sum(len(MAPS[d.register_map].landed_points) for d in twin.park.devices)
    assert len(frame) == expected_rows
    for device in twin.park.devices:
        register_map = MAPS[device.register_map]
        values = twin.point_values(device.id)
        assert set(values) == {p.name for p in register_map.landed_points}
        assert not any(p.role == PointRole.SCALE_FACTOR and p.name in values
                       for p in register_map.points)
        rows = frame[frame["device_id"] == device.id].set_index("point")["value"]
        for name, reading in values.items():
            if reading is None:
                assert np.isnan(rows[name])
            else:
                assert rows[name] == reading
    assert set(twin.true_power_kw()) == {d.id for d in twin.park.devices}


def test_writes_are_checked_against_the_map() -> None:
    twin = make_twin(at_local(10.0))
    with pytest.raises(ValueError):
        twin.write_point("bess-1", "soc_pct", 50)  # not writable
    with pytest.raises(ValueError):
        twin.write_point("bess-1", "control_mode", 2)  # outside write bounds
    with pytest.raises(ValueError):
        twin.write_point("bess-1", "no_such_point", 1)
    twin.write_point("bess-1", "power_setpoint_kw", -25.5)
    assert value(twin, "bess-1", "power_setpoint_kw") == -25.5


# -- speed ------------------------------------------------------------------------------------

def big_park(n_blocks: int) -> ParkConfig:
    """The test park's devices repeated: ~13 devices per block, one grid meter in all."""
    base = park_dict()
    devices, enterprises, assets = [], [], {k: [] for k in base["assets"]}
    profiles = {}
    for block in range(n_blocks):
        rename = {e["id"]: f"{e['id']}-{block}" for e in base["enterprises"]}
        rename.update({a["id"]: f"{a['id']}-{block}"
                       for group in base["assets"].values() for a in group})
        for e in base["enterprises"]:
            enterprises.append({**e, "id": rename[e["id"]]})
        for group, items in base["assets"].items():
            for a in items:
                item = {**a, "id": rename[a["id"]]}
                if "enterprise" in item:
                    item["enterprise"] = rename[item["enterprise"]]
                assets[group].append(item)
        profiles[rename["ent-a"]] = LOAD_A
        for d in base["devices"]:
            if d["id"] == "grid" and block:
                continue
            device = {**d, "id": d["id"] if d["id"] == "grid" else f"{d['id']}-{block}",
                      "unit_id": len(devices) % 247 + 1, "port": 20000 + len(devices) // 247}
            for key in ("enterprise", "asset"):
                if key in device:
                    device[key] = rename[device[key]]
            devices.append(device)
    base.update(devices=devices, enterprises=enterprises, assets=assets)
    base["simulation"]["load_profiles"] = profiles
    return ParkConfig.model_validate(base)


def test_a_thousand_devices_advance_together_and_each_block_reads_as_the_small_park() -> None:
    """84 copies of the test park in one twin read as the one-block park: the first copy in
    every point (but the grid and common meters, which sum the whole park, and frequency and
    gas pressure, which carry per-reading noise); the last copy in its noise-free points (the
    loads of later copies draw their own noise). How fast a thousand devices step is measured
    by `make bench --only harvest`, not asserted here."""
    start = at_local(9.0)

    def frame_after_five_minutes(park: ParkConfig):
        twin = ParkTwin(park, MAPS, start, step_s=10.0)
        twin.advance_to(start + dt.timedelta(minutes=5))
        return twin.readings_frame().set_index(["device_id", "point"])["value"]

    park = big_park(84)
    assert len(park.devices) >= 1000
    big, small = frame_after_five_minutes(park), frame_after_five_minutes(big_park(1))
    assert set(big.index.get_level_values("device_id")) == {d.id for d in park.devices}
    noise_free = {"ac_power_kw", "dc_power_kw", "soc_pct", "electric_power_kw",
                  "thermal_power_kw_th", "setpoint_c", "power_limit_pct"}
    compared = {"first": 0, "last": 0}
    for (device_id, point), value in small.items():
        if device_id == "grid" or device_id.startswith("common-") or point in (
                "frequency_hz", "pressure_kpa"):
            continue
        assert big[(device_id, point)] == pytest.approx(value, rel=1e-9, nan_ok=True), (
            device_id, point)
        compared["first"] += 1
        if point in noise_free:
            last = big[(device_id.removesuffix("-0") + "-83", point)]
            assert last == pytest.approx(value, rel=1e-9, nan_ok=True), (device_id, point)
            compared["last"] += 1
    assert compared["first"] > 100 and compared["last"] >= 10


def test_the_demo_park_exports_on_a_sunny_summer_weekend_midday_and_imports_at_night():
    """Later stages (curtailment, absorption, storage) need a park whose PV can exceed its load."""
    from jobs.common.settings import load_settings

    settings = load_settings()
    noon = dt.datetime(2026, 6, 20, 4, 0, tzinfo=dt.UTC)  # Saturday 12:00 in Suzhou
    twin = ParkTwin(settings.park, settings.register_maps, noon - dt.timedelta(hours=12),
                    step_s=60)
    twin.advance_to(noon)
    grid = settings.park.park.grid_connection.meter_device_id
    assert twin.point_values(grid)["active_power_kw"] < 0
    twin.advance_to(noon + dt.timedelta(hours=10))
    assert twin.point_values(grid)["active_power_kw"] > 1000


def test_a_water_meter_follows_its_enterprises_process_load() -> None:
    # ent-a's process load: 200 kW base, +400 kW on its 08-20 shift (LOAD_A, noise 5 %);
    # water intensity 0.002 m3/kWh -> about 0.4 m3/h at night and 1.2 m3/h on shift
    night, day = make_twin(at_local(3.0)), make_twin(at_local(12.0))
    assert value(night, "water-a", "flow_m3_per_h") == pytest.approx(0.4, rel=0.2)
    assert value(day, "water-a", "flow_m3_per_h") == pytest.approx(1.2, rel=0.2)
