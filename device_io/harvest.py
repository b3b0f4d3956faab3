"""Run harvest cycles on a fixed cadence: the plain function the Prefect flow and the CLI share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from device_io.clock import Clock
from device_io.poller import CycleReport, Harvester
from jobs.common.settings import Settings


async def harvest_cycles(settings: Settings, poll_groups: list[str] | None = None, *,
                         cycles: int = 1, interval_s: float = 60.0, clock: Clock | None = None,
                         respect_intervals: bool = True,
                         on_cycle: Callable[[CycleReport], None] | None = None
                         ) -> list[CycleReport]:
    """Poll `cycles` times: the first at once, each later one on the next wall-clock multiple
    of `interval_s`.

    Aligning to the wall clock matters because a device is due when its poll interval's
    wall-clock bucket has advanced: cycles spaced `interval_s` apart on a monotonic clock could
    jitter into the same bucket and silently skip a poll. A cycle that overruns the interval
    starts the next one at once rather than piling up.
    """
    if cycles < 1:
        raise ValueError("cycles must be at least 1")
    harvester = Harvester(settings, poll_groups, clock=clock,
                          respect_intervals=respect_intervals)
    reports: list[CycleReport] = []
    try:
        for index in range(cycles):
            started_unix_s = time.time()
            report = await harvester.run_cycle()
            reports.append(report)
            if on_cycle is not None:
                on_cycle(report)
            if index < cycles - 1:
                await asyncio.sleep(_seconds_to_next_cycle(started_unix_s, time.time(), interval_s))
    finally:
        await harvester.close()
    return reports


def _seconds_to_next_cycle(started_unix_s: float, now_unix_s: float, interval_s: float
                           ) -> float:
    """Seconds until just after the boundary that follows the cycle's start (0 if the cycle
    overran it); the small margin keeps the wake-up on the far side of the boundary despite
    timer granularity."""
    next_boundary = (started_unix_s // interval_s + 1) * interval_s
    return max(0.0, next_boundary - now_unix_s + min(0.01, interval_s / 20))
