"""Every rule of the setpoint safety pipeline at its boundary, in both directions: exactly at
the boundary (taken as asked) and one register step beyond (held to it, or refused), for the
lower and the upper bound, the ramp up and down, the SOC floor and ceiling, the hourly cap,
and values that are not finite numbers wherever they come from (plan, config, map).

The expected values come from the text of each rule and the register map (hvac_controller
setpoint_c: s16, 0.1 degC, write bounds [16, 30]; bess_pcs power_setpoint_kw: s32, 0.1 kW,
[-5000, 5000]; ramp limits 1 degC and 500 kW per 15-minute interval), never from the code.
No devices: the pipeline is plain code, given the live values a cycle would have read.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from device_io.setpoints.commands import Command
from device_io.setpoints.safety import GridWatch, SafetyPipeline
from device_io.setpoints.state import WriterState
from device_io.simulator.park_generator import generate_park
from tests.conftest import settings_for

NOW = dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC)
HVAC, ZONE = "hvac-park-01", "zone-park-01"
BESS, BATTERY = "bess-01-pcs", "bess-01"
STEP_C, STEP_KW = 0.1, 0.1  # one register step of each point
NO_RAMP: dict[str, float] = {}


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return settings_for(generate_park(40, seed=3), tmp_path_factory.mktemp("safety") / "data")


@pytest.fixture(scope="module")
def big_pcs(tmp_path_factory):
    """The same park with bess-01 an 8 MW battery: its rating lies beyond the map's bounds, so
    the map's [-5000, 5000] is what holds."""
    park = generate_park(40, seed=3)
    next(d for d in park["devices"] if d["id"] == BESS)["rated_kw"] = 8000
    next(b for b in park["assets"]["batteries"] if b["id"] == BATTERY)["power_kw"] = 8000
    return settings_for(park, tmp_path_factory.mktemp("safety-big") / "data")


def pipeline(settings, *, state: WriterState | None = None, now: dt.datetime = NOW,
             maps=None, **rules) -> SafetyPipeline:
    setpoint_rules = settings.park.setpoints.model_copy(update=rules)
    return SafetyPipeline(settings.park, maps or settings.register_maps, setpoint_rules,
                          state or WriterState(), now)


def roomy_grid() -> GridWatch:
    """A grid that limits nothing: no import now, a limit far above any battery."""
    return GridWatch(import_kw=0.0, limit_kw=1e6)


def hvac(settings, requested: float, held: float | None = 24.0, **kwargs):
    command = Command(HVAC, ZONE, "setpoint_c", requested, "plan")
    return pipeline(settings, **kwargs).decide(command, {"setpoint_c": held}, roomy_grid())


def battery(settings, requested: float, held: float = 0.0, soc: float | None = 50.0,
            grid: GridWatch | None = None, **kwargs):
    command = Command(BESS, BATTERY, "power_setpoint_kw", requested, "plan")
    live = {"power_setpoint_kw": held, "soc_pct": soc, "active_power_kw": held}
    return pipeline(settings, **kwargs).decide(command, live, grid or roomy_grid())


# -- the map's bounds ------------------------------------------------------------------------
@pytest.mark.parametrize(("requested", "expected", "held_to_bounds"), [
    (16.0, 16.0, False),             # exactly the lower bound: taken
    (16.0 - STEP_C, 16.0, True),     # one step below: held to it
    (-40.0, 16.0, True),
    (30.0, 30.0, False),             # exactly the upper bound
    (30.0 + STEP_C, 30.0, True),     # one step above
    (85.0, 30.0, True),
])
def test_hvac_setpoint_is_held_to_the_maps_bounds_in_both_directions(
        settings, requested, expected, held_to_bounds):
    decision = hvac(settings, requested, held=23.0, ramp_limits=NO_RAMP)
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)
    assert ("held to the map's bounds [16, 30]" in decision.reason) == held_to_bounds


@pytest.mark.parametrize(("requested", "expected"), [
    (-5000.0, -5000.0), (-5000.0 - STEP_KW, -5000.0), (-9000.0, -5000.0),
    (5000.0, 5000.0), (5000.0 + STEP_KW, 5000.0), (9000.0, 5000.0)])
def test_battery_setpoint_is_held_to_the_maps_bounds_in_both_directions(
        big_pcs, requested, expected):
    decision = battery(big_pcs, requested, ramp_limits=NO_RAMP)
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)
    assert ("held to the map's bounds [-5000, 5000]" in decision.reason) == (
        abs(requested) > 5000)


# -- the device's rating (bess-01-pcs: rated_kw 1000, inside the map's +-5000) ---------------
@pytest.mark.parametrize(("requested", "expected", "held"), [
    (-1000.0, -1000.0, False), (-1000.0 - STEP_KW, -1000.0, True), (-5000.0, -1000.0, True),
    (1000.0, 1000.0, False), (1000.0 + STEP_KW, 1000.0, True), (9000.0, 1000.0, True)])
def test_battery_setpoint_is_held_to_the_devices_rating_in_both_directions(
        settings, requested, expected, held):
    """A map serves every size of its model; a 1,000 kW PCS is never sent 5,000 kW."""
    decision = battery(settings, requested, ramp_limits=NO_RAMP)
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)
    assert ("held to the device's rating [-1000, 1000] kW" in decision.reason) == held


# -- the ramp limit --------------------------------------------------------------------------
@pytest.mark.parametrize(("requested", "expected", "limited"), [
    (25.0, 25.0, False),             # exactly one ramp (1 degC) up from 24: taken
    (25.0 + STEP_C, 25.0, True),     # one step more: held to the ramp
    (23.0, 23.0, False),             # exactly one ramp down
    (23.0 - STEP_C, 23.0, True),
    (16.0, 23.0, True),              # the lower bound is far: the ramp holds first
])
def test_hvac_ramp_from_what_the_device_holds_up_and_down(settings, requested, expected,
                                                          limited):
    decision = hvac(settings, requested, held=24.0)
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)
    assert ("ramp limited to 1 degC per interval" in decision.reason) == limited


@pytest.mark.parametrize(("held", "requested", "expected"), [
    (0.0, 500.0, 500.0), (0.0, 500.0 + STEP_KW, 500.0), (0.0, 2000.0, 500.0),
    (0.0, -500.0, -500.0), (0.0, -500.0 - STEP_KW, -500.0), (-1000.0, -5000.0, -1500.0)])
def test_battery_ramp_up_and_down(big_pcs, held, requested, expected):
    decision = battery(big_pcs, requested, held=held)
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)


def _written(state: WriterState, device: str, point: str, value: float, at: dt.datetime):
    state.point(device, point).record_write(value, at.timestamp())


def test_four_cycles_in_six_seconds_share_one_intervals_ramp(settings):
    """The incident: four calls 2 s apart took a battery from 0 to 2,000 kW against 500 kW
    per 15 minutes. The ramp holds per interval: the first call may move 500 kW, each later
    one only its share of the interval since the last write (500 kW x 2 s / 900 s)."""
    state = WriterState()
    held = 0.0
    for second in (0, 2, 4, 6):
        now = NOW + dt.timedelta(seconds=second)
        decision = battery(settings, 2000.0, held=held, state=state, now=now)
        assert decision.write
        held = decision.clamped
        _written(state, BESS, "power_setpoint_kw", held, now)
    assert held == pytest.approx(500.0 + 3 * 500.0 * 2 / 900, abs=1e-6)  # 503.3 kW, not 2,000


@pytest.mark.parametrize(("after_s", "requested", "expected"), [
    (450, 750.0, 750.0),             # half an interval: half the ramp, exactly
    (450, 750.0 + STEP_KW, 750.0),   # one step more: held
    (450, 250.0, 250.0),             # and down alike
    (450, 250.0 - STEP_KW, 250.0),
    (900, 1000.0, 1000.0),           # a whole interval later: the whole ramp again
    (900, 1000.0 + STEP_KW, 1000.0),
    (3600, 5000.0, 1000.0),          # idle an hour: still one ramp, from what it holds
])
def test_the_ramp_from_the_last_write_grows_with_the_time_since(settings, after_s, requested,
                                                                 expected):
    state = WriterState()
    _written(state, BESS, "power_setpoint_kw", 500.0, NOW)
    decision = battery(settings, requested, held=500.0, state=state,
                       now=NOW + dt.timedelta(seconds=after_s))
    assert decision.write and decision.clamped == pytest.approx(expected, abs=1e-9)


def test_a_device_moved_far_from_the_last_write_is_held_where_it_is(settings):
    """Written 24 degC a minute ago, but the zone's controller holds 28 (set locally): no
    value is within a ramp of both, so the device keeps what it holds."""
    state = WriterState()
    _written(state, HVAC, "setpoint_c", 24.0, NOW - dt.timedelta(minutes=1))
    decision = hvac(settings, 20.0, held=28.0, state=state)
    assert not decision.write and decision.outcome == "unchanged"
    assert "ramp limit: no room" in decision.reason


def test_a_point_never_read_nor_written_is_refused_rather_than_jumped(settings):
    decision = hvac(settings, 29.0, held=None)
    assert decision.outcome == "refused" and "nothing to start from" in decision.reason


def test_a_held_value_outside_the_bounds_is_not_ramped_into_a_write(settings):
    """The controller holds 35 degC (above the map's 30): one ramp toward 30 is 34, still out
    of bounds, so nothing is written; the reason says so."""
    decision = hvac(settings, 30.0, held=35.0)
    assert not decision.write and decision.outcome == "refused"
    assert "outside the device's bounds [16, 30]" in decision.reason


# -- the battery's SOC window ----------------------------------------------------------------
# bess-01: soc_min_pct 10, soc_max_pct 95, the rules' soc_margin_pct 2
@pytest.mark.parametrize(("soc", "requested", "expected"), [
    (12.0, 300.0, 0.0),              # at floor + margin: no discharge
    (12.0 + 0.1, 300.0, 300.0),      # just above it: discharge taken
    (12.0, -300.0, -300.0),          # charging at the floor is fine
    (93.0, -300.0, 0.0),             # at ceiling - margin: no charging
    (93.0 - 0.1, -300.0, -300.0),
    (93.0, 300.0, 300.0),            # discharging at the ceiling is fine
    (None, 300.0, 0.0),              # SOC unreadable: held at 0
])
def test_battery_soc_floor_and_ceiling(settings, soc, requested, expected):
    decision = battery(settings, requested, soc=soc)
    assert decision.clamped == pytest.approx(expected, abs=1e-9)


def test_charging_is_cut_at_the_contract_limit(settings):
    """Import 4,500 kW now, limit 5,000 less 100 headroom: 400 kW of charging at most."""
    grid = GridWatch(import_kw=4500.0, limit_kw=5000.0)
    decision = battery(settings, -450.0, grid=grid)
    assert decision.clamped == pytest.approx(-400.0, abs=1e-9)
    grid = GridWatch(import_kw=4500.0, limit_kw=5000.0)
    assert battery(settings, -400.0, grid=grid).clamped == pytest.approx(-400.0, abs=1e-9)


# -- write on change and the hourly cap ------------------------------------------------------
def test_nothing_is_written_when_the_device_holds_the_value_within_half_a_step(settings):
    assert hvac(settings, 24.04, held=24.0).outcome == "unchanged"
    assert hvac(settings, 24.1, held=24.0).write


@pytest.mark.parametrize(("writes", "allowed"), [(11, True), (12, False)])
def test_the_hourly_write_cap_at_its_boundary(settings, writes, allowed):
    """max_writes_per_hour 12: the 12th write of the hour is taken, the 13th refused."""
    state = WriterState()
    for minute in range(writes):
        _written(state, HVAC, "setpoint_c", 24.0, NOW - dt.timedelta(minutes=59 - minute))
    decision = hvac(settings, 24.5, held=24.0, state=state)
    assert decision.write == allowed
    assert allowed or "write cap" in decision.reason


# -- not a finite number, from wherever it comes ---------------------------------------------
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_value_that_is_not_finite_is_refused_first(settings, value):
    decision = hvac(settings, value)
    assert decision.outcome == "refused" and not decision.write
    assert "is not a finite number" in decision.reason


def test_a_plan_row_refused_by_meaning_is_refused_with_its_reason(settings):
    command = Command(HVAC, ZONE, "setpoint_c", 75.2, "plan", refused="unit 'degR' is not one")
    decision = pipeline(settings).decide(command, {"setpoint_c": 24.0}, roomy_grid())
    assert decision.outcome == "refused" and decision.reason == "unit 'degR' is not one"


@pytest.mark.parametrize("bound", ["write_min", "write_max"])
def test_a_map_bound_that_is_not_finite_refuses_the_point(settings, bound):
    """The config refuses this at load; the pipeline holds even if it gets through."""
    hvac_map = settings.register_maps["hvac_controller"]
    point = hvac_map.point("setpoint_c").model_copy(update={bound: float("nan")})
    broken = hvac_map.model_copy(update={"points": [
        point if p.name == "setpoint_c" else p for p in hvac_map.points]})
    maps = {**settings.register_maps, "hvac_controller": broken}
    assert math.isnan(getattr(broken.point("setpoint_c"), bound))  # the copy took the NaN
    decision = hvac(settings, 24.5, maps=maps)
    assert decision.outcome == "refused" and "are not finite numbers" in decision.reason


def test_a_ramp_limit_that_is_not_finite_refuses_the_point(settings):
    decision = hvac(settings, 24.5, ramp_limits={"setpoint_c": float("inf")})
    assert decision.outcome == "refused" and "ramp limit inf" in decision.reason


def test_a_remembered_value_that_is_not_finite_is_as_good_as_none(settings):
    state = WriterState()
    _written(state, HVAC, "setpoint_c", float("nan"), NOW - dt.timedelta(seconds=10))
    decision = hvac(settings, 25.0, held=24.0, state=state)
    assert decision.write and decision.clamped == pytest.approx(25.0)
