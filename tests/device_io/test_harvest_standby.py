"""The hot standby: a second long-running run of a poll group waits on the group's lock while the
active run holds it, never polls beside it, and takes over the moment the active run dies.
Real simulator in its own process, real processes killed with SIGKILL, 1- and 2-second poll
slots; the truth is the wall clock's slots and the landed readings, counted independently of
the harvester."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from device_io.harvest import Gap, HarvestBusy, harvest_cycles
from device_io.harvest_state import HarvestState
from device_io.poller import CycleReport
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import Settings, load_settings
from tests.conftest import CONFIG_DIR, PROJECT_ROOT
from tests.jobs.common.test_object_store_s3 import (
    BUCKET,
    s3_env,  # noqa: F401 (a fixture, shared)
)

pytestmark = pytest.mark.integration


def _park(tmp_path: Path, poll_interval_s: int) -> tuple[Path, Settings]:
    park = relocate_to_free_ports(generate_park(10, seed=6))
    park["devices"] = [{**d, "poll_interval_s": poll_interval_s} for d in park["devices"]]
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    return park_file, load_settings(CONFIG_DIR, str(tmp_path / "data"), str(park_file))


def _landed_slots(settings: Settings, interval_s: float) -> dict[int, set[str]]:
    """The harvest cycles whose readings landed in each slot (from the landing zone)."""
    table = landing.read_dataset(settings.landing_root, "readings")
    slots: dict[int, set[str]] = {}
    for ts, cycle in zip(table["ts_utc"].to_pylist(), table["cycle_id"].to_pylist(),
                         strict=True):
        slots.setdefault(int(ts.timestamp() // interval_s), set()).add(cycle)
    return slots


def test_active_and_standby_never_poll_at_once_and_hand_over_at_the_boundary(tmp_path: Path):
    interval_s = 1.0
    park_file, settings = _park(tmp_path, 1)
    reports: dict[str, list[CycleReport]] = {}
    gaps: list[Gap] = []

    async def run(name: str, until: float, start_delay_s: float) -> None:
        await asyncio.sleep(start_delay_s)
        mine = reports.setdefault(name, [])
        # as the flow does: a long-running run waits for the lock until its own end (a
        # standby whose active run lived until then gets HarvestBusy)
        with contextlib.suppress(HarvestBusy):
            await harvest_cycles(settings, ["meters"], cycles=None, interval_s=interval_s,
                                 until_unix_s=until, lock_wait_s=until - time.time(),
                                 on_cycle=mine.append, on_gap=gaps.append)

    async def two_periods(boundary: float) -> None:
        # each period's active and standby runs start together; the second period's pair
        # 0.3 s before the boundary (a worker's prefetch), while the first pair still runs
        ahead_s = boundary - time.time() - 0.3
        await asyncio.gather(run("active-1", boundary, 0.0), run("standby-1", boundary, 0.05),
                             run("active-2", boundary + 3.0, ahead_s),
                             run("standby-2", boundary + 3.0, ahead_s + 0.05))

    with simulator_process(CONFIG_DIR, str(park_file)):
        boundary = math.floor(time.time()) + 4.0
        asyncio.run(two_periods(boundary))

    cycles = sorted((r.started_utc.timestamp(), r.duration_s, name)
                    for name, rs in reports.items() for r in rs)
    assert cycles and all(r.readings > 0 for rs in reports.values() for r in rs)
    # one run at a time: each cycle ends before the next one (of any run) starts
    for (start, duration, _), (next_start, _, _) in zip(cycles, cycles[1:], strict=False):
        assert start + duration <= next_start
    # one cycle per slot, every slot from the first to the last: no double poll, no hole
    slots = [int(start // interval_s) for start, _, _ in cycles]
    assert slots == list(range(slots[0], slots[-1] + 1))
    assert all(start < boundary for start, _, name in cycles if name.endswith("-1"))
    assert not gaps
    landed = _landed_slots(settings, interval_s)
    assert all(len(landed[slot]) == 1 for slot in slots)  # one cycle's readings per slot


def _beside_an_active_harvester(park_file: Path, data: Path | str, interval_s: float,
                                scenario: Callable[[subprocess.Popen], Awaitable[float]]
                                ) -> float:
    """Runs the scenario (it returns when it killed the active run) beside a simulator and an
    active harvester process, which is killed at the end whatever happened."""
    with simulator_process(CONFIG_DIR, str(park_file)):
        active = subprocess.Popen(_active_harvester(park_file, data, interval_s),
                                  cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            return asyncio.run(scenario(active))
        finally:
            active.kill()
            active.wait(timeout=10)


def _state_saved_for_the_newest_slot(settings: Settings, data: Path | str,
                                     interval_s: float) -> bool:
    # a cycle lands its readings, then saves the harvest state: killed between the two, the
    # standby reads the slot as not polled and polls it again (a second reading of a slot,
    # nothing lost). The take-over is measured from a kill after both.
    polled = [device.last_polled_unix_s for device in HarvestState.load(
        f"{data}/state/harvest-meters.json").devices.values()
        if device.last_polled_unix_s is not None]
    landed = _landed_slots(settings, interval_s)
    return bool(polled and landed) and int(max(polled) // interval_s) == max(landed)


def _active_harvester(park_file: Path, data: Path | str, interval_s: float) -> list[str]:
    return [sys.executable, "-m", "jobs.cli", "harvest", "--config-dir", str(CONFIG_DIR),
            "--park-file", str(park_file), "--data-root", str(data), "-g", "meters",
            "--cycles", "100000", "--interval-s", str(interval_s)]


def test_the_standby_takes_over_within_one_interval_of_the_active_runs_kill(tmp_path: Path):
    interval_s = 2.0
    park_file, settings = _park(tmp_path, 2)
    data = tmp_path / "data"
    standby: list[CycleReport] = []
    gaps: list[Gap] = []

    async def standby_run(until: float) -> None:
        await harvest_cycles(settings, ["meters"], cycles=None, interval_s=interval_s,
                             until_unix_s=until, lock_wait_s=until - time.time(),
                             on_cycle=standby.append, on_gap=gaps.append)

    async def cycles_landed(cycles: int) -> None:
        deadline = time.monotonic() + 60
        while len(list(data.glob("landing/readings/date=*/*.parquet"))) < cycles:
            assert time.monotonic() < deadline, "the active harvester landed too few cycles"
            await asyncio.sleep(0.02)

    async def scenario(active: subprocess.Popen) -> float:
        await cycles_landed(1)  # the active run holds the lock: the standby waits on it
        until = time.time() + 30.0
        standby_task = asyncio.create_task(standby_run(until))
        await cycles_landed(3)
        while not _state_saved_for_the_newest_slot(settings, data, interval_s):
            await asyncio.sleep(0.02)
        os.kill(active.pid, signal.SIGKILL)  # just after a cycle: the longest wait
        killed = time.time()
        while not standby and not standby_task.done():
            await asyncio.sleep(0.02)
        assert not standby_task.done(), standby_task.result()
        await asyncio.sleep(2.5 * interval_s)  # a few cycles of the standby
        standby_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await standby_task
        return killed

    killed = _beside_an_active_harvester(park_file, data, interval_s, scenario)

    takeover_s = standby[0].started_utc.timestamp() - killed
    print(f"kill -> the standby's first cycle: {takeover_s:.2f} s (interval {interval_s} s)")
    assert 0 < takeover_s <= interval_s
    landed = _landed_slots(settings, interval_s)
    before = [slot for slot in landed if slot * interval_s < killed]
    after = sorted({int(r.started_utc.timestamp() // interval_s) for r in standby})
    # the standby polls the slot after the active run's last one, and every slot after it:
    # none lost, and never two runs' readings in one slot
    assert after == list(range(max(before) + 1, max(before) + 1 + len(after)))
    assert all(len(landed[slot]) == 1 for slot in [*before, *after])
    assert not gaps


def test_on_an_object_store_the_standby_takes_over_when_the_short_lease_runs_out(
        tmp_path: Path, s3_env):  # noqa: F811
    # a lease lives half an interval and is renewed mid-interval: a standby trying every
    # quarter interval takes over well inside the interval after the holder's death. It has
    # a quarter interval to spare for the holder's last cycle and the object store's round
    # trips: at 4 s (1 s to spare) a loaded machine lost the next slot, so 10 s
    interval_s = 10.0
    park_file, _ = _park(tmp_path, 4)
    data_root = f"s3://{BUCKET}/parks/standby"
    settings = load_settings(CONFIG_DIR, data_root, str(park_file))
    standby: list[CycleReport] = []
    gaps: list[Gap] = []

    def cycles_landed() -> int:
        day = dt.datetime.now(dt.UTC).date()
        return len(landing.list_partition_files(settings.landing_root, "readings", day))


    async def scenario(active: subprocess.Popen) -> float:
        deadline = time.monotonic() + 150
        while cycles_landed() < 1:
            assert time.monotonic() < deadline, "the active harvester landed nothing"
            await asyncio.sleep(0.1)
        until = time.time() + 90.0
        standby_task = asyncio.create_task(harvest_cycles(
            settings, ["meters"], cycles=None, interval_s=interval_s, until_unix_s=until,
            lock_wait_s=until - time.time(), on_cycle=standby.append, on_gap=gaps.append))
        while cycles_landed() < 3 or not _state_saved_for_the_newest_slot(
                settings, data_root, interval_s):
            assert time.monotonic() < deadline, "the active harvester landed too few cycles"
            await asyncio.sleep(0.1)
        os.kill(active.pid, signal.SIGKILL)  # just after a cycle and its lease renewal
        killed = time.time()
        while not standby and not standby_task.done():
            await asyncio.sleep(0.05)
        assert not standby_task.done(), standby_task.result()
        standby_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await standby_task
        return killed

    killed = _beside_an_active_harvester(park_file, data_root, interval_s, scenario)

    takeover_s = standby[0].started_utc.timestamp() - killed
    print(f"object store: kill -> the standby's first cycle: {takeover_s:.2f} s "
          f"(interval {interval_s} s)")
    assert 0 < takeover_s <= interval_s
    landed = _landed_slots(settings, interval_s)
    before = [slot for slot in landed if slot * interval_s < killed]
    assert int(standby[0].started_utc.timestamp() // interval_s) == max(before) + 1
    assert not gaps
