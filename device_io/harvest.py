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
    """Poll `cycles` times, starting each cycle `interval_s` after the previous one started.

    A cycle that overruns the interval starts the next one at once rather than piling up.
    """
    if cycles < 1:
        raise ValueError("cycles must be at least 1")
    harvester = Harvester(settings, poll_groups, clock=clock,
                          respect_intervals=respect_intervals)
    reports: list[CycleReport] = []
    try:
        for index in range(cycles):
            started = time.monotonic()
            report = await harvester.run_cycle()
            reports.append(report)
            if on_cycle is not None:
                on_cycle(report)
            if index < cycles - 1:
                await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - started)))
    finally:
        await harvester.close()
    return reports
