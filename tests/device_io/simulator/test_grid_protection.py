"""The grid connection's limits as the twin's physics (device_io/simulator/grid_protection.py).

Truth: the same seeded park and hour with a connection too large to bind (its readings are what
the loads and the sun are), against the limit: export above it must be curtailed at the
inverters, in proportion, and the curtailed energy equal the surplus above the cap integrated
by hand from the unconstrained run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import ParkConfig
from tests.device_io.simulator.test_twin import MAPS, WEDNESDAY, keep_battery_remote, park_dict

SATURDAY_11H = WEDNESDAY + dt.timedelta(days=3, hours=11)
STEP_S = 60.0


def big_pv_twin(start: dt.datetime, **connection: Any) -> ParkTwin:
    """The test park with ten times the PV (3 MWp on 2 MW of inverters) on a cloudless day."""
    park = park_dict(cloudiness=0.0)
    park["assets"]["pv"][0].update(kwp=3000.0, inverter_kw=2000.0)
    park["park"]["grid_connection"].update(connection)
    return ParkTwin(ParkConfig.model_validate(park), MAPS, start, step_s=STEP_S)


def minute_by_minute(twin: ParkTwin, start: dt.datetime, minutes: int) -> dict[str, np.ndarray]:
    """Grid kW (+ import) and each inverter's kW at the start of every step."""
    grid, pv1, pv2 = [], [], []
    for minute in range(minutes):
        twin.advance_to(start + dt.timedelta(minutes=minute))
        grid.append(twin.point_values("grid")["active_power_kw"])
        pv1.append(twin.point_values("pv-1")["ac_power_kw"])
        pv2.append(twin.point_values("pv-2")["ac_power_kw"])
    twin.advance_to(start + dt.timedelta(minutes=minutes))
    return {"grid": np.array(grid), "pv-1": np.array(pv1), "pv-2": np.array(pv2)}


def test_export_above_the_limit_is_curtailed_at_the_inverters_within_the_step() -> None:
    free = big_pv_twin(SATURDAY_11H, export_limit_kw=50_000.0)
    capped = big_pv_twin(SATURDAY_11H, export_limit_kw=500.0)
    capped.reset_grid_tally()
    truth = minute_by_minute(free, SATURDAY_11H, 60)
    seen = minute_by_minute(capped, SATURDAY_11H, 60)
    surplus_kw = -truth["grid"] - 500.0
    assert surplus_kw.min() > 200.0  # the hand-made case: a surplus all hour
    # export held at the cap, every minute
    assert seen["grid"] == pytest.approx(np.full(60, -500.0), abs=1e-6)
    # in proportion: both inverters keep the same share of what they offered
    for inverter in ("pv-1", "pv-2"):
        share = seen[inverter] / truth[inverter]
        expected = 1.0 - surplus_kw / (truth["pv-1"] + truth["pv-2"])
        assert share == pytest.approx(expected, rel=1e-9)
    assert capped.point_values("pv-1")["operating_state"] == 5  # throttled
    tally = capped.grid_tally
    curtailed_kwh = float(surplus_kw.sum() * STEP_S / 3600.0)
    assert tally.pv_curtailed_by_protection_kwh == pytest.approx(curtailed_kwh, rel=1e-9)
    assert tally.pv_curtailed_by_setpoint_kwh == 0.0
    assert tally.grid_export_kwh == pytest.approx(500.0, rel=1e-9)
    assert tally.export_over_limit_kwh == pytest.approx(0.0, abs=1e-9)
    assert tally.pv_potential_kwh == pytest.approx(
        float((truth["pv-1"] + truth["pv-2"]).sum() * STEP_S / 3600.0), rel=1e-9)


def test_setpoint_curtailment_is_told_apart_from_the_protections() -> None:
    free = big_pv_twin(SATURDAY_11H, export_limit_kw=50_000.0)
    capped = big_pv_twin(SATURDAY_11H, export_limit_kw=200.0)
    for twin in (free, capped):  # pv-1 held at 80 % of its 1000 kW share by a setpoint
        twin.write_point("pv-1", "power_limit_pct", 80)
        twin.write_point("pv-1", "power_limit_enabled", 1)
    capped.reset_grid_tally()
    truth = minute_by_minute(free, SATURDAY_11H, 60)
    minute_by_minute(capped, SATURDAY_11H, 60)
    offered = big_pv_twin(SATURDAY_11H, export_limit_kw=50_000.0)
    offered_kw = minute_by_minute(offered, SATURDAY_11H, 60)["pv-1"]
    by_setpoint_kwh = float((offered_kw - truth["pv-1"]).sum() * STEP_S / 3600.0)
    by_protection_kwh = float(np.maximum(-truth["grid"] - 200.0, 0.0).sum() * STEP_S / 3600.0)
    assert by_setpoint_kwh > 100.0 and by_protection_kwh > 100.0
    assert capped.grid_tally.pv_curtailed_by_setpoint_kwh == pytest.approx(by_setpoint_kwh,
                                                                           rel=1e-9)
    assert capped.grid_tally.pv_curtailed_by_protection_kwh == pytest.approx(
        by_protection_kwh, rel=1e-9)


def test_import_above_the_limit_is_a_recorded_breach() -> None:
    night = WEDNESDAY + dt.timedelta(hours=2)
    free = big_pv_twin(night, import_limit_kw=50_000.0)
    truth = minute_by_minute(free, night, 60)
    limit_kw = float(np.quantile(truth["grid"], 0.5))  # over the limit about half the hour
    tight = big_pv_twin(night, import_limit_kw=limit_kw)
    tight.reset_grid_tally()
    seen = minute_by_minute(tight, night, 60)
    assert seen["grid"] == pytest.approx(truth["grid"])  # nothing curtails a load
    over = truth["grid"] > limit_kw
    episodes = int(over[0]) + int(np.count_nonzero(over[1:] & ~over[:-1]))
    tally = tight.grid_tally
    assert tally.import_breaches == episodes >= 1
    assert tally.import_over_limit_kwh == pytest.approx(
        float((truth["grid"] - limit_kw)[over].sum() * STEP_S / 3600.0), rel=1e-9)
    assert tally.import_max_kw == pytest.approx(float(truth["grid"].max()))


def test_battery_export_beyond_the_limit_with_no_pv_left_is_an_export_breach() -> None:
    night = WEDNESDAY + dt.timedelta(hours=2)
    twin = big_pv_twin(night, export_limit_kw=0.0, import_limit_kw=50_000.0)
    keep_battery_remote(twin, 100.0)  # discharging at night: nothing to curtail
    twin.reset_grid_tally()
    seen = minute_by_minute(twin, night, 10)
    exported_kw = np.maximum(-seen["grid"], 0.0)
    assert twin.grid_tally.export_over_limit_kwh == pytest.approx(
        float(exported_kw.sum() * STEP_S / 3600.0), rel=1e-9)
    assert twin.grid_tally.pv_curtailed_by_protection_kwh == 0.0
