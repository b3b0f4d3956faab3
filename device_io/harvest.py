"""Run harvest cycles on a fixed cadence: the plain function the Prefect flow and the CLI share."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

from device_io.clock import Clock
from device_io.harvest_lock import HarvestBusy, poll_group_locks
from device_io.poller import CycleReport, Harvester
from jobs.common import landing
from jobs.common.settings import Settings, join_path

__all__ = ["HarvestBusy", "harvest_cycles", "sweep_before_harvest"]


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

    Raises HarvestBusy, having polled and landed nothing, while another process harvests
    one of the poll groups.
    """
    if cycles < 1:
        raise ValueError("cycles must be at least 1")
    groups = {d.poll_group for d in settings.park.devices_in_groups(poll_groups or None)}
    with poll_group_locks(settings.data_root, groups):
        sweep_before_harvest(settings)
        return await _locked_cycles(settings, poll_groups, cycles, interval_s, clock,
                                    respect_intervals, on_cycle)


def sweep_before_harvest(settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """Old temp files of killed writers where a harvest writes: the state folder and the
    readings partitions of today and yesterday (UTC). Older days are swept at compaction."""
    today = (now or dt.datetime.now(dt.UTC)).date()
    folders = [join_path(settings.data_root, "state")] + [
        landing.partition_dir(settings.landing_root, "readings", day)
        for day in (today - dt.timedelta(days=1), today)]
    return [path for folder in folders for path in landing.sweep_stale_temp_files(folder)]


async def _locked_cycles(settings: Settings, poll_groups: list[str] | None, cycles: int,
                         interval_s: float, clock: Clock | None, respect_intervals: bool,
                         on_cycle: Callable[[CycleReport], None] | None) -> list[CycleReport]:
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
