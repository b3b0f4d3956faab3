"""Run harvest cycles on a fixed cadence: the plain function the Prefect flow and the CLI share."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from device_io.clock import Clock
from device_io.harvest_lock import HarvestBusy, HeldLocks, poll_group_locks
from device_io.poller import CycleReport, Harvester
from jobs.common import landing
from jobs.common.object_store import is_local
from jobs.common.settings import Settings, join_path

__all__ = ["Gap", "HarvestBusy", "harvest_cycles", "sweep_before_harvest"]


@dataclass(frozen=True)
class Gap:
    """Cycles nobody ran between the group's last poll (by any earlier run) and this run's
    first: a crashed run, a hand-over that came too late. Reported, never silent."""

    last_polled_utc: dt.datetime
    resumed_utc: dt.datetime
    missed_cycles: int


async def harvest_cycles(settings: Settings, poll_groups: list[str] | None = None, *,
                         cycles: int | None = 1, interval_s: float = 60.0,
                         clock: Clock | None = None, respect_intervals: bool = True,
                         on_cycle: Callable[[CycleReport], None] | None = None,
                         until_unix_s: float | None = None, lock_wait_s: float = 0.0,
                         on_gap: Callable[[Gap], None] | None = None
                         ) -> list[CycleReport]:
    """Poll `cycles` times (None: until `until_unix_s`), the first at once, each later one
    `interval_s` after the previous cycle's own poll time (its `started_utc`, which decides
    which devices are due). With `until_unix_s` no cycle starts at or after that time, so the
    next long-running run (started then) polls the next slot: hand-over without a lost cycle.
    A long-running run that takes the lock from another never re-polls the slot that one
    polled: it starts at the next slot (and returns no report if that is past its end).

    A device is due when its poll interval's wall-clock bucket has advanced since its last
    poll. After the first cycle (at once), cycles start just past the boundaries of the
    `interval_s` slots (UTC epoch): spaced from the loop's own clock a poll could land a hair
    before a boundary, in the same bucket, and silently skip a device; at the start of its
    slot, a device whose interval divides `interval_s` is always due. Starting early in the
    slot also leaves a replacement run (after a crash) most of the slot to start in. A cycle
    that overruns its slot starts the next one at once rather than piling up.

    Raises HarvestBusy, having polled and landed nothing, while another process harvests
    one of the poll groups (after waiting `lock_wait_s` for it to finish: a hand-over, or a
    hot standby that waits until its own end and takes over the moment the holder dies).
    """
    if cycles is None and until_unix_s is None:
        raise ValueError("give cycles, until_unix_s or both")
    if cycles is not None and cycles < 1:
        raise ValueError("cycles must be at least 1")
    groups = {d.poll_group for d in settings.park.devices_in_groups(poll_groups or None)}
    with contextlib.ExitStack() as stack:
        held = await _wait_for_locks(stack, settings.data_root, groups, interval_s, lock_wait_s)
        sweep_before_harvest(settings)
        return await _locked_cycles(settings, poll_groups, _Plan(
            cycles, until_unix_s, interval_s), clock, respect_intervals, held, on_cycle, on_gap)


# On an object store a dead holder's lease must run out before anyone can take over, so the
# lease is short (half an interval) and renewed before each cycle and every quarter interval
# while the run sleeps: a standby takes over at most 0.75 interval after the holder's last
# renewal, and a live holder's cycle always has a full lease to run in. The price is requests:
# about 5 renewals and 4 standby attempts (3 requests each) per interval per group, against 1
# renewal before. A cycle must stay shorter than the lease (device timeouts bound it).
LEASE_TTL_INTERVALS = 0.5
RENEW_EVERY_INTERVALS = 0.25
# A local flock costs a system call to try, so a waiting run retries it often: it takes over
# within this long of the holder's death (the kernel releases a dead process's flock at once).
LOCAL_RETRY_S = 0.25


def lock_retry_s(data_root: str, interval_s: float) -> float:
    """How often a waiting run tries the group's lock: often on a local flock (free), every
    quarter interval (at least 1 s) on an object store, where each try is 3 requests."""
    if is_local(data_root):
        return LOCAL_RETRY_S
    return max(1.0, interval_s * RENEW_EVERY_INTERVALS)


async def _wait_for_locks(stack: contextlib.ExitStack, data_root: str, groups: set[str],
                         interval_s: float, wait_s: float) -> HeldLocks:
    """The groups' locks, retried for up to `wait_s` while another run holds them: the old
    run's last cycle at a hand-over, or a hot standby's whole hour while the active run lives
    (asleep in the event loop, not blocking it)."""
    deadline = time.monotonic() + wait_s
    retry_s = lock_retry_s(data_root, interval_s)
    while True:
        try:
            return stack.enter_context(poll_group_locks(
                data_root, groups, lease_ttl_s=interval_s * LEASE_TTL_INTERVALS))
        except HarvestBusy:
            left_s = deadline - time.monotonic()
            if left_s <= 0:
                raise
            await asyncio.sleep(min(retry_s, left_s))


@dataclass(frozen=True)
class _Plan:
    cycles: int | None
    until_unix_s: float | None
    interval_s: float

    def another(self, done: int, last_polled_unix_s: float) -> bool:
        if self.cycles is not None and done >= self.cycles:
            return False
        next_unix_s = last_polled_unix_s + self.interval_s
        return self.until_unix_s is None or next_unix_s < self.until_unix_s


def sweep_before_harvest(settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """Old temp files of killed writers where a harvest writes: the state folder and the
    readings partitions of today and yesterday (UTC). Older days are swept at compaction."""
    today = (now or dt.datetime.now(dt.UTC)).date()
    folders = [join_path(settings.data_root, "state")] + [
        landing.partition_dir(settings.landing_root, "readings", day)
        for day in (today - dt.timedelta(days=1), today)]
    return [path for folder in folders for path in landing.sweep_stale_temp_files(folder)]


async def _locked_cycles(settings: Settings, poll_groups: list[str] | None, plan: _Plan,
                         clock: Clock | None, respect_intervals: bool, held: HeldLocks,
                         on_cycle: Callable[[CycleReport], None] | None,
                         on_gap: Callable[[Gap], None] | None) -> list[CycleReport]:
    harvester = Harvester(settings, poll_groups, clock=clock,
                          respect_intervals=respect_intervals)
    previous = [state.last_polled_unix_s for state in harvester.state.devices.values()
                if state.last_polled_unix_s is not None]
    reports: list[CycleReport] = []
    renew_every_s = plan.interval_s * RENEW_EVERY_INTERVALS
    try:
        if plan.until_unix_s is not None and previous:
            # A long-running run that took the lock from another (a hand-over, a standby's
            # take-over) never re-polls the slot its predecessor already polled: it starts at
            # the next slot, or ends at once if that is past its own end.
            last_s = max(previous)
            if int(last_s // plan.interval_s) == int(time.time() // plan.interval_s):
                if not plan.another(0, last_s):
                    return reports
                await _sleep_renewing(_seconds_to_next_cycle(last_s, time.time(),
                                                             plan.interval_s),
                                      held, renew_every_s)
        while True:
            held.renew()  # a full lease for the cycle
            report = await harvester.run_cycle()
            held.renew()
            if not reports and previous and on_gap is not None:
                gap = find_gap(max(previous), report.started_utc.timestamp(), plan.interval_s)
                if gap is not None:
                    on_gap(gap)
            reports.append(report)
            if on_cycle is not None:
                on_cycle(report)
            polled_s = report.started_utc.timestamp()
            if not plan.another(len(reports), polled_s):
                break
            await _sleep_renewing(_seconds_to_next_cycle(polled_s, time.time(),
                                                         plan.interval_s),
                                  held, renew_every_s)
    finally:
        await harvester.close()
    return reports


async def _sleep_renewing(seconds: float, held: HeldLocks, renew_every_s: float) -> None:
    """Sleep, renewing the group's leases every `renew_every_s` (flocks need nothing): a
    lease lost meanwhile (LeaseLost) stops the run before it polls again."""
    if not held.leases:
        await asyncio.sleep(seconds)
        return
    end = time.monotonic() + seconds
    while (left_s := end - time.monotonic()) > 0:
        await asyncio.sleep(min(left_s, renew_every_s))
        if end - time.monotonic() > 0:  # at the end, the cycle's own renewal follows
            held.renew()


def find_gap(last_polled_unix_s: float, polled_unix_s: float, interval_s: float) -> Gap | None:
    """The interval slots strictly between the last poll's and this one's, if any."""
    missed = int(polled_unix_s // interval_s) - int(last_polled_unix_s // interval_s) - 1
    if missed <= 0:
        return None
    return Gap(dt.datetime.fromtimestamp(last_polled_unix_s, dt.UTC),
               dt.datetime.fromtimestamp(polled_unix_s, dt.UTC), missed)


def _seconds_to_next_cycle(polled_unix_s: float, now_unix_s: float, interval_s: float
                           ) -> float:
    """Seconds until just past the start of the slot after the last poll's (0 if that is
    behind us); the small margin keeps the wake-up on the far side of the boundary despite
    timer granularity."""
    next_slot = (polled_unix_s // interval_s + 1) * interval_s
    due = next_slot + min(0.01, interval_s / 20)
    return max(0.0, due - now_unix_s)
