"""Run the park's digital twin in the loop, accelerated: every 15 simulated minutes the
setpoint writer runs (through an in-process transport to the twin, the same safety path as
over Modbus), the twin is read every `sample_s` the way the harvester reads it and the
readings land; every morning at 08:30 local the warehouse is built and tomorrow is planned,
as the scheduled flows do. Nothing waits for real time.

Controllers, all on the same weather, loads and cars (the twin's seeded draws):
- `none`: no writer; batteries idle in local mode, HVAC and chargers on their own;
- `rule_based`: jobs/twin/rule_controller.py, decided live each interval;
- `plan`: the day-ahead plan made each morning from the warehouse, written each interval;
- `mpc`: the same day-ahead plans, re-solved every interval from the state measured then
  (jobs/twin/mpc.py); where a re-solve fails or is late, the day-ahead plan is written;
- `perfect`: the plan made at midnight with perfect foresight of the day (its actual load,
  weather, occupancy, heat and cars, from the `none` run's warehouse; the PV the arrays
  offered, from the `none` run's twin, since the export protection hides it from the
  readings) and the batteries', zones' and tank's state in its own twin, then re-solved every
  interval from the state measured then, as the mpc is (an open-loop plan, even a perfect
  one, loses to re-solving where the model's assets and the twin's differ): the upper bound
  of planning.
The twin enforces the grid connection's limits for every controller (grid_protection.py);
each run's tally of them over the evaluated days is its `grid`.
A warm-up period (no control) is simulated once and shared: each controller starts from a
copy of the warmed-up twin and of its landing zone.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import datetime as dt
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from device_io.point_io import TwinPointIO
from device_io.setpoints.writer import SetpointWriter
from device_io.simulator.grid_protection import GridTally
from device_io.simulator.history import TwinSampler
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings
from jobs.dispatch.actuals import actual_inputs
from jobs.dispatch.baseline import no_control_consumer_load_kw
from jobs.dispatch.blocking import MoveBlocking
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.day_ahead import PreparedDay, prepare_inputs, run_day_ahead
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.park_assets import battery_table, hvac_zone_table, thermal_store_table
from jobs.dispatch.warm_solver import WarmSolver
from jobs.forecast.weather import ClearSkyClimatology
from jobs.twin.line_operator import TwinLineOperator
from jobs.twin.mpc import IntradayController, twin_state
from jobs.twin.outcome import save_backup_heat, save_grid_tally
from jobs.twin.replan import ReplanTolerance
from jobs.twin.rule_controller import rule_based_source
from jobs.warehouse.build import build_warehouse

CONTROLLERS = ("none", "rule_based", "plan", "mpc", "perfect")
INTERVAL = dt.timedelta(minutes=15)
PLANNING_TIME = dt.time(8, 30)  # local, as the day-ahead deployment
TWIN_STEP_S = 60.0
# Perfect foresight re-solves every interval, as the mpc does (None). Re-solving only when the
# twin's state left its plan's (ReplanTolerance()) saved most of its CPU, but with the zones
# run both ways and the outdoor correction the mpc's every-interval feedback beat that lazier
# bound: by 108 CNY on the cloudy test day and 13 CNY on the winter bench day (2026-12-05).
PERFECT_REPLAN: ReplanTolerance | None = None


@dataclass
class LoopTimings:
    """Wall seconds per phase (`*_s`) and CPU seconds (`*_cpu_s`): on a shared machine the
    CPU seconds are what a phase costs, the wall seconds mostly what the others' load adds.
    The writer's phase holds the mpc's and perfect's re-solves (planning_s is inside it for
    them, and outside it for the day-ahead plans)."""
    sample_s: float = 0.0
    writer_s: float = 0.0
    warehouse_s: float = 0.0
    planning_s: float = 0.0
    total_s: float = 0.0
    # CPU seconds of the run's process (its DuckDB threads too), of its warm solver (as the
    # solver reports them) and of any direct child it reaped; not of the day-ahead plans'
    # solve processes: the forkserver's children (a whole bench's tree counts them)
    cpu_s: float = 0.0
    sample_cpu_s: float = 0.0
    writer_cpu_s: float = 0.0  # this process only (the re-solves' own CPU: solver_cpu_s)
    warehouse_cpu_s: float = 0.0
    planning_cpu_s: float = 0.0  # this process only (inputs, model hand-off, extraction)
    solver_cpu_s: float = 0.0  # the warm solver process (the mpc's and perfect's re-solves)
    children_cpu_s: float = 0.0  # direct children reaped (not the forkserver's)
    builds: int = 0
    plans: int = 0
    cycles: int = 0


@contextlib.contextmanager
def _phase(timings: LoopTimings, name: str):
    """Adds the block's wall and CPU seconds (this process) to the phase `name`."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        setattr(timings, f"{name}_s", getattr(timings, f"{name}_s")
                + time.perf_counter() - wall)
        setattr(timings, f"{name}_cpu_s", getattr(timings, f"{name}_cpu_s")
                + time.process_time() - cpu)


def _children_cpu_s() -> float:
    """CPU seconds of this process's ended and reaped children so far (the forkserver's
    children, the warm solver and the plans' solves, are not this process's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class WarmedUp:
    twin: ParkTwin
    sampler: TwinSampler
    landing_root: str
    first_day: dt.date
    start_utc: dt.datetime  # the first evaluated instant (local midnight of first_day)


@dataclass
class ControllerRun:
    controller: str
    settings: Settings
    timings: LoopTimings = field(default_factory=LoopTimings)
    grid: GridTally | None = None  # the twin's truth at the connection, evaluated days
    # what the arrays offered per PV system and interval (kW, ground truth)
    pv_potential_kw: pd.DataFrame | None = None
    intraday: dict | None = None  # the mpc's re-solves: count, median time, fallbacks
    # stored energy at the comparison's start and end: what a controller leaves in the
    # batteries and the tank is not on its bill, so the comparison must see it
    stored: dict | None = None
    ev_unserved_kwh: float = 0.0  # what the cars that left wanted and did not get (truth)
    comfort_violation_kh: float = 0.0  # zones outside their band while occupied (truth)


def _local_midnight(settings: Settings, day: dt.date) -> dt.datetime:
    return local_day_intervals(day, settings.park.park.timezone)[0].to_pydatetime()


def _land(settings: Settings, tables: list[pa.Table], stem: str) -> None:
    if tables:
        landing.write_partitioned(settings.landing_root, "readings",
                                  pa.concat_tables(tables), stem)
        tables.clear()


def warm_up(settings: Settings, first_day: dt.date, warmup_days: int, sample_s: int,
            on_progress: Callable[[str], None] = print) -> WarmedUp:
    """Simulate the days before first_day with no control and land their readings."""
    start = _local_midnight(settings, first_day - dt.timedelta(days=warmup_days))
    end = _local_midnight(settings, first_day)
    twin = ParkTwin(settings.park, settings.register_maps, start, step_s=TWIN_STEP_S)
    sampler = TwinSampler(settings, twin, settings.park.simulation.seed)
    times = pd.date_range(start, end, freq=f"{sample_s}s", inclusive="left")
    for day, day_times in pd.Series(times, index=times).groupby(times.date):
        table = sampler.sample([t.to_pydatetime() for t in day_times])
        landing.write_partitioned(settings.landing_root, "readings", table,
                                  f"warmup-{day:%Y%m%d}")
        on_progress(f"warm-up {day}")
    return WarmedUp(twin, sampler, settings.landing_root, first_day, end)


def start_controller(warmed: WarmedUp, controller: str, settings: Settings) -> ControllerRun:
    """The controller's own data root, starting from a copy of the warm-up's landing zone."""
    shutil.copytree(warmed.landing_root, settings.landing_root, dirs_exist_ok=True)
    return ControllerRun(controller, settings)


def _build(run: ControllerRun) -> None:
    with _phase(run.timings, "warehouse"):
        result = build_warehouse(run.settings, unit_tests=False, quiet=True)
    if not result.success:
        raise RuntimeError(f"{run.controller}: the warehouse build failed: "
                           f"{result.summary_markdown()}")
    run.timings.builds += 1


def perfect_foresight_day(run: ControllerRun, twin: ParkTwin, truth: Settings, day: dt.date,
                          now: dt.datetime, pv_offered_kw: pd.DataFrame | None = None
                          ) -> PreparedDay:
    """The day as it will be (from the no-control run's warehouse, `truth`, and the PV its
    twin's arrays offered, `pv_offered_kw`), starting from this run's twin as it is now."""
    prepared = prepare_inputs(truth, day, ClearSkyClimatology(), now)
    actual = actual_inputs(truth, prepared.inputs)
    park = run.settings.park
    if pv_offered_kw is not None:
        actual = dataclasses.replace(actual, pv_potential_kw=pv_offered_kw.reindex(
            index=actual.interval_start_utc, columns=actual.pv_potential_kw.columns,
            fill_value=0.0).fillna(0.0))
    if actual.direct_green_kw is not None:  # the wind as it will blow (the twin's truth)
        actual = dataclasses.replace(actual, direct_green_kw=twin.direct_green_offered_kw(
            actual.interval_start_utc, park.dispatch.interval_minutes))
    actual = dataclasses.replace(
        actual,
        batteries=battery_table(park, twin_state(twin, run.settings, DeviceKind.BESS,
                                                  "soc_pct")),
        hvac_zones=hvac_zone_table(park, actual.outdoor_temp_c, twin_state(
            twin, run.settings, DeviceKind.HVAC, "zone_temp_c")),
        thermal_stores=thermal_store_table(park, twin_state(
            twin, run.settings, DeviceKind.THERMAL_STORAGE, "stored_heat_kwh_th", "sum")))
    return PreparedDay(actual, actual.pv_potential_kw, prepared.consumer_load_kw,
                       no_control_consumer_load_kw(actual), "perfect foresight (measured day)")


def stored_energy(twin: ParkTwin, settings: Settings) -> dict[str, float]:
    """The batteries' stored energy (kWh) and the tanks' heat (kWh th), as the twin holds them."""
    soc_pct = twin_state(twin, settings, DeviceKind.BESS, "soc_pct")
    battery_kwh = sum(b.capacity_kwh * soc_pct[b.id] / 100.0
                      for b in settings.park.assets.batteries if b.id in soc_pct)
    heat = twin_state(twin, settings, DeviceKind.THERMAL_STORAGE, "stored_heat_kwh_th", "sum")
    return {"battery_kwh": round(battery_kwh, 1), "heat_kwh_th": round(sum(heat.values()), 1)}


def _pv_offered_kwh_by_system(twin: ParkTwin, settings: Settings) -> dict[str, float]:
    by_system: dict[str, float] = {}
    asset_of = {d.id: d.asset for d in settings.park.devices}
    for device_id, kwh in twin.pv_potential_kwh().items():
        system = asset_of.get(device_id) or device_id
        by_system[system] = by_system.get(system, 0.0) + kwh
    return by_system


def run_controller(run: ControllerRun, warmed: WarmedUp, days: int, sample_s: int,
                   truth: Settings | None = None,
                   on_progress: Callable[[str], None] = print,
                   truth_pv_kw: pd.DataFrame | None = None) -> ControllerRun:
    """Simulate `days` days from the warm-up's end under the run's controller (perfect
    foresight: `truth` and `truth_pv_kw` from the `none` run)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    children_started = _children_cpu_s()
    settings = run.settings
    sampler = copy.deepcopy(warmed.sampler)
    twin = sampler.twin
    zone = settings.park.park.timezone
    writer = SetpointWriter(settings, TwinPointIO(twin, settings.register_maps)) \
        if run.controller != "none" else None
    if run.controller == "perfect" and truth is None:
        raise ValueError("the perfect-foresight run needs the no-control run's warehouse")
    truth_settings = truth or settings
    planned = run.controller in ("plan", "mpc")
    solver = WarmSolver() if run.controller in ("mpc", "perfect") else None
    intraday = None
    # both re-solve up to the comparison's end at most, so neither trades its last day
    # against one that is not counted
    until = warmed.start_utc + dt.timedelta(days=days)
    if run.controller == "mpc":
        intraday = IntradayController(settings, twin, solver, until_utc=until,
                                      blocking=MoveBlocking())
    elif run.controller == "perfect":  # the same re-solves, on the truth, only when the
        # twin's state leaves the plan's (the truth does not change between intervals)
        intraday = IntradayController(settings, twin, solver, correct_forecasts=False,
                                      until_utc=until, replan=PERFECT_REPLAN)
    # the wind farm's forecasts: short-term for the plans, ultra-short too for the mpc
    operator = TwinLineOperator(settings, twin, ultra_short=run.controller == "mpc") \
        if planned else None
    if planned:  # tomorrow was planned yesterday morning
        operator.short_term_before(warmed.start_utc - dt.timedelta(hours=15, minutes=30))
        _build(run)
        inputs = _plan(run, warmed.first_day,
                       warmed.start_utc - dt.timedelta(hours=15, minutes=30))
        if intraday is not None:
            intraday.add_day(warmed.first_day, inputs)
    buffer: list[pa.Table] = []
    end = warmed.start_utc + dt.timedelta(days=days)
    now = warmed.start_utc
    twin.advance_to(now)
    twin.reset_grid_tally()
    stored_start = stored_energy(twin, settings)
    unserved_before = twin.ev_unserved_kwh()
    comfort_before = twin.comfort_violation_kh()
    offered_before = _pv_offered_kwh_by_system(twin, settings)
    offered_rows: dict[pd.Timestamp, dict[str, float]] = {}
    boiler_before, boiler_by_day = twin.backup_heat_kwh_th(), {}
    while now < end:
        local = pd.Timestamp(now).tz_convert(zone)
        if run.controller == "perfect" and local.time() == dt.time(0, 0):
            with _phase(run.timings, "planning"):
                day = perfect_foresight_day(run, twin, truth_settings, local.date(), now,
                                            truth_pv_kw)
                run_day_ahead(settings, local.date(), ClearSkyClimatology(), now_utc=now,
                              run_id=f"perfect-{local.date():%Y%m%d}", prepared=day)
                intraday.add_day(local.date(), day.inputs)
                tomorrow = local.date() + dt.timedelta(days=1)
                if tomorrow < warmed.first_day + dt.timedelta(days=days):
                    intraday.add_day(tomorrow, perfect_foresight_day(
                        run, twin, truth_settings, tomorrow, now, truth_pv_kw).inputs)
            run.timings.plans += 1
        if operator is not None:
            operator.step(now)
        if planned and local.time() == PLANNING_TIME:
            _land(settings, buffer, f"loop-{now:%Y%m%dT%H%M}")
            _build(run)
            inputs = _plan(run, local.date() + dt.timedelta(days=1), now)
            if intraday is not None:
                intraday.add_day(local.date() + dt.timedelta(days=1), inputs)
        if intraday is not None:
            intraday.observe(now)
        if writer is not None:
            with _phase(run.timings, "writer"):
                commands_from = rule_based_source(settings.park, now) \
                    if run.controller == "rule_based" else None
                if intraday is not None:
                    with _phase(run.timings, "planning"):
                        commands_from = intraday.commands(now)
                asyncio.run(writer.run_cycle(now, commands_from=commands_from))
            run.timings.cycles += 1
        with _phase(run.timings, "sample"):
            times = pd.date_range(now, now + INTERVAL, freq=f"{sample_s}s", inclusive="left")
            buffer.append(sampler.sample([t.to_pydatetime() for t in times]))
        twin.advance_to(now + INTERVAL)
        offered_now = _pv_offered_kwh_by_system(twin, settings)
        offered_rows[pd.Timestamp(now)] = {
            system: (kwh - offered_before[system]) * 3600.0 / INTERVAL.total_seconds()
            for system, kwh in offered_now.items()}
        offered_before = offered_now
        now += INTERVAL
        if pd.Timestamp(now).tz_convert(zone).time() == dt.time(0, 0):
            boiler_by_day[local.date().isoformat()] = twin.backup_heat_kwh_th() - boiler_before
            boiler_before = twin.backup_heat_kwh_th()
            _land(settings, buffer, f"loop-{now:%Y%m%dT%H%M}")
            on_progress(f"{run.controller}: {local.date()} done")
    _land(settings, buffer, f"loop-{now:%Y%m%dT%H%M}")
    if solver is not None:
        solver.close()
        run.timings.solver_cpu_s = solver.worker_cpu_s
        run.intraday = intraday.log.summary()
    run.stored = {"start": stored_start, "end": stored_energy(twin, settings)}
    run.ev_unserved_kwh = round(twin.ev_unserved_kwh() - unserved_before, 1)
    run.comfort_violation_kh = round(twin.comfort_violation_kh() - comfort_before, 1)
    _build(run)
    run.grid = dataclasses.replace(twin.grid_tally)
    save_grid_tally(settings, run.grid)
    save_backup_heat(settings.data_root, boiler_by_day)
    run.pv_potential_kw = pd.DataFrame.from_dict(offered_rows, orient="index")
    run.timings.total_s = time.perf_counter() - started
    run.timings.children_cpu_s = _children_cpu_s() - children_started
    run.timings.cpu_s = (time.process_time() - cpu_started + run.timings.solver_cpu_s
                         + run.timings.children_cpu_s)
    return run


def _plan(run: ControllerRun, day: dt.date, now: dt.datetime) -> DispatchInputs | None:
    """Plan `day` as the day-ahead deployment does; its inputs, if it may steer devices."""
    with _phase(run.timings, "planning"):
        prepared = prepare_inputs(run.settings, day, ClearSkyClimatology(), now)
        result = run_day_ahead(run.settings, day, ClearSkyClimatology(), now_utc=now,
                               prepared=prepared)
    run.timings.plans += 1
    return prepared.inputs if result.is_trusted else None


def controller_root(workdir: Path, controller: str) -> Path:
    return workdir / controller
