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
    """Poll `cycles` times: the first at once, each later one `interval_s` after the previous
    cycle's own poll time (its `started_utc`, which decides which devices are due).

    A device is due when its poll interval's wall-clock bucket has advanced since its last
    poll. Spacing cycles from the loop's own clock could put the next poll a hair less than
    `interval_s` after the last one, into the same bucket, and silently skip it; spaced from
    the poll time itself, a device whose interval is at most `interval_s` is always due. A
    cycle that overruns the interval starts the next one at once rather than piling up.
    """
    if cycles < 1:
        raise ValueError("cycles must be at least 1")
    harvester = Harvester(settings, poll_groups, clock=clock,
                          respect_intervals=respect_intervals)
    reports: list[CycleReport] = []
    try:
        for index in range(cycles):
            report = await harvester.run_cycle()
            reports.append(report)
            if on_cycle is not None:
                on_cycle(report)
            if index < cycles - 1:
                await asyncio.sleep(_seconds_to_next_cycle(report.started_utc.timestamp(),
                                                           time.time(), interval_s))
    finally:
        await harvester.close()
    return reports


def _seconds_to_next_cycle(polled_unix_s: float, now_unix_s: float, interval_s: float
                           ) -> float:
    """Seconds until just past `interval_s` after the last poll (0 if that is behind us); the
    small margin keeps the wake-up on the far side of a bucket boundary despite timer
    granularity."""
    due = polled_unix_s + interval_s + min(0.01, interval_s / 20)
    return max(0.0, due - now_unix_s)
