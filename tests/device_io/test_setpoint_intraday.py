"""The intraday step of the setpoints cycle against real parts: the day-ahead run's warehouse
(tests/jobs/dispatch/test_day_ahead.py), its plan landed, the park's simulator on loopback,
HiGHS in the warm solver service. Checked against physics, not the code's own output: a
battery measured at its minimum SOC cannot discharge, whatever the day-ahead plan says."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import time

import pandas as pd
import pytest

from device_io.point_io import ModbusPointIO
from device_io.setpoints.writer import SetpointWriter
from jobs.common import landing
from jobs.common.frames import to_frame
from jobs.dispatch.day_ahead import run_day_ahead
from jobs.dispatch.intraday_live import IntradayStep
from jobs.dispatch.solver_service import SolverClient
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.published import connect_published
from tests.device_io.test_harvest_integration import running_park
from tests.jobs.dispatch.test_day_ahead import PLAN_DAY, built, park_dict  # noqa: F401

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    """Running (a zombie has exited: only its exit status is left)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def planned(built):  # noqa: F811 - the fixture imported above
    """The day-ahead plan for PLAN_DAY landed; the interval it discharges a battery most."""
    settings, issued = built
    result = run_day_ahead(settings, PLAN_DAY, ClearSkyClimatology(), now_utc=issued,
                           run_id="dayahead-intraday-test")
    assert result.status == "optimal"
    rows = result.plan_rows
    discharge = rows[(rows["asset_kind"] == "battery") & (rows["quantity"] == "setpoint_kw")]
    peak = discharge.loc[discharge["value"].idxmax()]
    assert peak["value"] > 50.0, "the test needs a planned discharge"
    client = SolverClient(settings.data_root)
    yield settings, peak["asset_id"], float(peak["value"]), peak["interval_start_utc"]
    client.stop()


def _at_min_soc(settings):
    """The park whose batteries hold their minimum SOC now (the simulator's truth)."""
    assets = settings.park.assets
    batteries = [b.model_copy(update={"initial_soc_pct": b.soc_min_pct})
                 for b in assets.batteries]
    park = settings.park.model_copy(update={"assets": assets.model_copy(
        update={"batteries": batteries})})
    return dataclasses.replace(settings, park=park)


def _with_deadline(settings, deadline_s: float):
    dispatch = settings.park.dispatch.model_copy(update={"intraday_deadline_s": deadline_s})
    return dataclasses.replace(settings, park=settings.park.model_copy(
        update={"dispatch": dispatch}))


def _cycles(settings, times, deadlines):
    """One writer cycle per time, each with its intraday deadline; the service's pid after
    each (None: none runs)."""
    async def run():
        async with running_park(_at_min_soc(settings), start=times[0]) as (_, clock):
            io = ModbusPointIO(settings)
            client = SolverClient(settings.data_root)
            try:
                out = []
                for at, deadline_s in zip(times, deadlines, strict=True):
                    clock.set(at)
                    step = IntradayStep(_with_deadline(settings, deadline_s), client)
                    writer = SetpointWriter(settings, io, intraday=step)
                    cycle = await writer.run_cycle(at)
                    out.append((cycle, (client.ping() or {}).get("pid")))
                return out
            finally:
                await io.close()
    return asyncio.run(run())


def _battery_requested_kw(cycle, battery: str) -> float:
    rows = cycle.rows
    rows = rows[(rows["asset_id"] == battery) & (rows["point"] == "power_setpoint_kw")]
    assert len(rows), "no battery setpoint in the audit"
    return float(rows["requested"].sum())


def test_intraday_setpoints_follow_the_measured_soc_in_a_warm_service(planned):
    """The plan discharges at its peak interval from the SOC it expected; measured at the
    minimum SOC the battery has nothing to give, so the re-solve asks for no discharge. Two
    cycles are solved by the same service process, and none is left after stop."""
    settings, battery, planned_kw, interval = planned
    now = interval.to_pydatetime() + dt.timedelta(seconds=5)
    (first, pid_1), (second, pid_2) = _cycles(
        settings, [now, now + dt.timedelta(minutes=15)], [300.0, 300.0])
    assert first.decided_by == "intraday", first.decided_by
    assert first.plan_run_id.startswith("intraday-") and \
        first.plan_run_id.endswith("dayahead-intraday-test")
    assert _battery_requested_kw(first, battery) <= 1e-6 < planned_kw
    battery_rows = first.rows[first.rows["asset_id"] == battery]
    assert set(battery_rows["source"]) == {"intraday", "heartbeat"}
    assert set(first.rows["decided_by"]) == {"intraday"}
    assert second.decided_by == "intraday"
    assert pid_1 is not None and pid_1 == pid_2  # warm: the same process both cycles
    landed = landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()
    assert "intraday" in set(landed["decided_by"])
    SolverClient(settings.data_root).stop()
    assert not _alive(pid_1)


def test_a_missed_deadline_falls_back_to_the_day_ahead_plan_and_the_next_cycle_re_solves(
        planned):
    """A budget the step cannot meet: the day-ahead plan's value is what the battery is asked
    for, and the audit says why; the next cycle, with its budget, is intraday again."""
    settings, battery, planned_kw, interval = planned
    now = interval.to_pydatetime() + dt.timedelta(seconds=7)  # not the first test's instants
    (late, _), (next_cycle, pid) = _cycles(
        settings, [now, now + dt.timedelta(minutes=15)], [1e-3, 300.0])
    assert late.decided_by.startswith("day_ahead_fallback: deadline"), late.decided_by
    assert late.plan_run_id == "dayahead-intraday-test"
    assert _battery_requested_kw(late, battery) == pytest.approx(planned_kw)
    rows = late.rows[late.rows["asset_id"] == battery]
    assert set(rows["source"]) == {"plan", "heartbeat"}
    assert all(reason.startswith("day_ahead_fallback") for reason in late.rows["decided_by"])
    assert next_cycle.decided_by == "intraday" and pid is not None
    # the platform team sees it in the mart
    report = build_warehouse(settings, unit_tests=False)
    assert report.success, [(n.unique_id, n.message) for n in report.nodes
                            if n.status not in ("success", "pass", "warn")]
    with connect_published(settings) as connection:
        marked = to_frame(connection.execute(
            "select cycle_id, any_value(decided_by) as decided_by, "
            "bool_and(is_intraday_fallback) as fallback from fct_setpoint_audit "
            "where cycle_id in (?, ?) group by cycle_id",
            [late.cycle_id, next_cycle.cycle_id])).set_index("cycle_id")
    assert marked.loc[late.cycle_id, "decided_by"] == late.decided_by
    assert bool(marked.loc[late.cycle_id, "fallback"])
    assert marked.loc[next_cycle.cycle_id, "decided_by"] == "intraday"
    assert not marked.loc[next_cycle.cycle_id, "fallback"]


def test_a_solve_that_overruns_kills_the_service_and_the_next_one_starts_afresh(planned):
    """Real HiGHS on the day's re-solve with a budget too short for it: abandoned, the
    service killed (no process left); the next call starts a new one that answers."""
    from jobs.dispatch.day_ahead import prepare_inputs
    from jobs.dispatch.solve import SolveOptions

    settings, *_ = planned
    inputs = prepare_inputs(settings, PLAN_DAY, ClearSkyClimatology(),
                            pd.Timestamp(f"{PLAN_DAY}", tz="UTC").to_pydatetime()).inputs
    client = SolverClient(settings.data_root)
    options = SolveOptions(rel_gap=0.001, time_limit_s=60)
    warm = client.solve(inputs, options, 120.0)
    assert warm.answer.attempt.solve.status == "optimal"
    late = client.solve(inputs, options, 0.01)
    assert late.answer.attempt.flows is None
    assert "abandoned" in late.answer.attempt.solve.message
    assert late.pid == warm.pid and not _alive(warm.pid)
    again = client.solve(inputs, options, 120.0)
    assert again.answer.attempt.solve.status == "optimal" and again.started
    assert again.pid != warm.pid
    client.stop()
    assert not _alive(again.pid) and os.path.exists(client.folder)


# -- the fallbacks, each followed by a cycle that recovers ---------------------------------------
def _with_battery_power(settings, power_kw: float):
    """The park with every battery's power rating set to power_kw, as the config loader would
    never let through (model_copy skips its validation): the contradiction for the
    infeasible case."""
    assets = settings.park.assets
    batteries = [b.model_copy(update={"power_kw": power_kw}) for b in assets.batteries]
    park = settings.park.model_copy(update={"assets": assets.model_copy(
        update={"batteries": batteries})})
    return dataclasses.replace(settings, park=park)


def _run(settings, start, steps):
    """Cycles on the simulator (batteries at their minimum SOC): steps is a list of
    (at, make_step, before) with make_step() -> the writer's intraday step and before(), if
    any, run first (outside the event loop's hurry: it may wait)."""
    async def run():
        async with running_park(_at_min_soc(settings), start=start) as (_, clock):
            io = ModbusPointIO(settings)
            try:
                out = []
                for at, make_step, before in steps:
                    if before is not None:
                        await asyncio.to_thread(before)
                    clock.set(at)
                    writer = SetpointWriter(settings, io, intraday=make_step())
                    out.append(await writer.run_cycle(at))
                return out
            finally:
                await io.close()
    return asyncio.run(run())


def _assert_fell_back(cycle, battery: str, planned_kw: float, why: str) -> None:
    """The day-ahead plan's own value went to the battery, every row says why."""
    assert cycle.decided_by.startswith(f"day_ahead_fallback: {why}"), cycle.decided_by
    assert cycle.plan_run_id == "dayahead-intraday-test"
    assert _battery_requested_kw(cycle, battery) == pytest.approx(planned_kw)
    assert set(cycle.rows[cycle.rows["asset_id"] == battery]["source"]) == {"plan",
                                                                           "heartbeat"}
    assert set(cycle.rows["decided_by"]) == {cycle.decided_by}


def test_an_infeasible_re_solve_falls_back_and_the_next_cycle_re_solves(planned):
    """A hand-made contradiction in the re-solve's inputs: every battery's power rating is
    -50 kW, so its charging power must be >= 0 and <= -50 kW at once. HiGHS proves it
    infeasible, the relaxed second attempt too (it relaxes the import limit and the end SOC,
    not this); the writer, which reads the true park, sends the day-ahead plan's value. The
    next cycle, on the true park, re-solves."""
    settings, battery, planned_kw, interval = planned
    now = interval.to_pydatetime() + dt.timedelta(seconds=11)
    client = SolverClient(settings.data_root)
    contradiction = _with_battery_power(settings, -50.0)
    broken, recovered = _run(settings, now, [
        (now, lambda: IntradayStep(contradiction, client), None),
        (now + dt.timedelta(minutes=15), lambda: IntradayStep(settings, client), None)])
    _assert_fell_back(broken, battery, planned_kw, "infeasible")
    assert recovered.decided_by == "intraday"
    assert _battery_requested_kw(recovered, battery) <= 1e-6  # at its minimum SOC


class _NanAtTheBoundary(SolverClient):
    """The real service's real answer, with one value made NaN where it enters the step: the
    battery's discharge in the interval being written (what a solver result that is not
    finite would bring)."""

    def __init__(self, data_root: str, battery: str):
        super().__init__(data_root)
        self.battery = battery

    def solve(self, inputs, options, wall_limit_s):
        reply = super().solve(inputs, options, wall_limit_s)
        flows = reply.answer.attempt.flows
        assert flows is not None, reply.answer.attempt.solve
        discharge = flows.battery_discharge_kw.copy()
        discharge.iloc[0, discharge.columns.get_loc(self.battery)] = float("nan")
        attempt = dataclasses.replace(reply.answer.attempt, flows=dataclasses.replace(
            flows, battery_discharge_kw=discharge))
        return dataclasses.replace(reply, answer=dataclasses.replace(reply.answer,
                                                                     attempt=attempt))


def test_a_non_finite_re_solved_setpoint_falls_back_and_the_next_cycle_re_solves(planned):
    """The step refuses the solution, naming the flow and the asset (the plan's rows would
    have dropped the NaN setpoint silently, leaving the battery without a command); the
    day-ahead plan's value is sent instead, and the next cycle's clean answer is used."""
    settings, battery, planned_kw, interval = planned
    now = interval.to_pydatetime() + dt.timedelta(seconds=13)
    poisoned = _NanAtTheBoundary(settings.data_root, battery)
    clean = SolverClient(settings.data_root)
    broken, recovered = _run(settings, now, [
        (now, lambda: IntradayStep(settings, poisoned), None),
        (now + dt.timedelta(minutes=15), lambda: IntradayStep(settings, clean), None)])
    _assert_fell_back(broken, battery, planned_kw, "non-finite values")
    assert f"battery_discharge_kw {battery}" in broken.decided_by
    assert recovered.decided_by == "intraday"


def test_an_idle_service_exits_by_itself_and_the_cycles_after_it_fall_back_or_restart_it(
        planned):
    """A service with idle_exit_s of 3 s (the config allows no less than two intervals; the
    mechanism is the same): after one cycle it exits by itself, leaving no process and no
    socket. The next cycle finds none, and its 2 s budget cannot cover the inputs and a
    fresh service's start: it falls back (deadline) and leaves no half-started service. The
    cycle after that, with its budget, starts a new service and re-solves."""
    settings, battery, planned_kw, interval = planned
    SolverClient(settings.data_root).stop()  # this test's own service from the start
    now = interval.to_pydatetime() + dt.timedelta(seconds=17)
    idle = SolverClient(settings.data_root, idle_exit_s=3.0)
    first_pid: list[int] = []
    after_idle: dict[str, bool] = {}

    def until_idle_exit() -> None:
        first_pid.append(idle._service_pid())
        assert first_pid[0] is not None
        gone_by = time.monotonic() + 60.0
        while _alive(first_pid[0]) and time.monotonic() < gone_by:
            time.sleep(0.2)
        after_idle.update(alive=_alive(first_pid[0]), pinged=idle.ping() is not None,
                          socket=(idle.folder / "solver.sock").exists())

    first, late, recovered = _run(settings, now, [
        (now, lambda: IntradayStep(settings, idle), None),
        (now + dt.timedelta(minutes=15),
         lambda: IntradayStep(_with_deadline(settings, 2.0), idle), until_idle_exit),
        (now + dt.timedelta(minutes=30),
         lambda: IntradayStep(_with_deadline(settings, 300.0), idle), None)])
    assert first.decided_by == "intraday"
    # it went by itself, cleanly (a killed one's socket file would be left behind)
    assert after_idle == {"alive": False, "pinged": False, "socket": False}, after_idle
    _assert_fell_back(late, battery, planned_kw, "deadline")
    assert recovered.decided_by == "intraday"
    now_pid = (idle.ping() or {}).get("pid")
    assert now_pid is not None and now_pid != first_pid[0]
    idle.stop()
    assert not _alive(now_pid)


def test_the_cycle_the_cli_and_the_demo_run_re_solves_unless_told_day_ahead_only(planned):
    """`park setpoints` and the demo run jobs.dispatch.setpoint_cycle: by default the same
    intraday step as the flow (the battery at its minimum SOC is asked for nothing), with
    --day-ahead-only the plan as it is (its discharge, which the battery cannot give: the
    safety pipeline's live SOC check is what stands between)."""
    from jobs.dispatch.setpoint_cycle import decision_text, run_setpoint_cycle

    settings, battery, planned_kw, interval = planned
    now = interval.to_pydatetime() + dt.timedelta(seconds=19)

    async def run():
        async with running_park(_at_min_soc(settings), start=now) as (_, clock):
            re_solved = await run_setpoint_cycle(settings, now_utc=now)
            later = now + dt.timedelta(seconds=2)
            clock.set(later)
            as_planned = await run_setpoint_cycle(settings, day_ahead_only=True,
                                                  now_utc=later)
            return re_solved, as_planned

    re_solved, as_planned = asyncio.run(run())
    assert re_solved.decided_by == "intraday"
    assert _battery_requested_kw(re_solved, battery) <= 1e-6 < planned_kw
    assert decision_text(re_solved) == f"intraday re-solve {re_solved.plan_run_id}"
    assert as_planned.decided_by == "day_ahead"
    assert as_planned.plan_run_id == "dayahead-intraday-test"
    assert _battery_requested_kw(as_planned, battery) == pytest.approx(planned_kw)
    assert "intraday re-solve off" in decision_text(as_planned)
    landed = landing.read_dataset(settings.landing_root, "setpoint_audit").to_pandas()
    mine = landed[landed["cycle_id"].isin([re_solved.cycle_id, as_planned.cycle_id])]
    assert set(mine["decided_by"]) == {"intraday", "day_ahead"}
