"""Run the park simulator: in the foreground (`park simulate`) or as a child process.

The child-process form is what the demo and the benchmarks use, so the poller and the
simulator do not share a CPU-bound event loop, exactly as with real devices. The child prints
one READY line once every endpoint listens, and stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from device_io.clock import AcceleratedClock, Clock, WallClock
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from jobs.common.settings import Settings

READY_PREFIX = "SIMULATOR READY"
# The backfill samples once a minute with this step; the catch-up must integrate identically.
HISTORY_STEP_S = 60.0
# Live, a real meter refreshes its registers about every second.
LIVE_STEP_S = 1.0


async def serve(settings: Settings, *, speed: float = 1.0, start_utc: dt.datetime | None = None,
                history_start_utc: dt.datetime | None = None,
                duration_s: float | None = None) -> None:
    """Serve the configured park until a signal (or `duration_s`) says stop.

    With `history_start_utc` the twin starts there and catches up to `start_utc` first, so
    live counters continue exactly where a backfill from that start left them.
    """
    start = start_utc or dt.datetime.now(dt.UTC)
    twin = ParkTwin(settings.park, settings.register_maps, history_start_utc or start,
                    step_s=HISTORY_STEP_S)
    twin.advance_to(start)
    twin.set_step(LIVE_STEP_S)
    # In real time the twin follows the wall clock itself, so a catch-up that took a while
    # leaves no lag behind (device clocks then read true time).
    clock: Clock = (WallClock() if start_utc is None and speed == 1.0
                    else AcceleratedClock(start, speed))
    simulator = ParkSimulator(settings.park, settings.register_maps, twin, clock,
                              seed=settings.park.simulation.seed)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await simulator.start()
    print(f"{READY_PREFIX} {len(simulator.listening)} endpoints, "
          f"{len(settings.park.devices)} devices, pid {os.getpid()}", flush=True)
    try:
        if duration_s is None:
            await stop.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), duration_s)
    finally:
        await simulator.stop()


@contextlib.contextmanager
def simulator_process(config_dir: Path, park_file: str = "park.yaml", *, speed: float = 1.0,
                      history_start_utc: dt.datetime | None = None,
                      ready_timeout_s: float = 300.0) -> Iterator[subprocess.Popen]:
    """Start `park simulate` as a child process; stop it (and only it) on exit."""
    command = [sys.executable, "-m", "jobs.cli", "simulate", "--config-dir", str(config_dir),
               "--park-file", park_file, "--speed", str(speed)]
    if history_start_utc is not None:
        command += ["--history-start", history_start_utc.isoformat()]
    # stderr goes to a file: a pipe nobody reads would fill up and stall the simulator.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True,
                                   start_new_session=True)
        try:
            _wait_ready(process, ready_timeout_s, errors)
            yield process
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen, timeout_s: float, errors: IO[str]) -> None:
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(READY_PREFIX):
            return
        if not line and process.poll() is not None:
            errors.seek(0)
            raise RuntimeError(f"simulator exited with {process.returncode}:\n"
                               f"{errors.read()[-4000:]}")
    raise TimeoutError(f"simulator not ready within {timeout_s} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
    if process.stdout is not None:
        process.stdout.close()
