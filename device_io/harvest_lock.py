"""One harvest per poll group at a time: a non-blocking file lock per group.

A manual `park harvest` beside the scheduled one would read every device twice, and the two
runs would overwrite each other's state file. A run therefore takes
`<data root>/state/harvest-<group>.lock` for every poll group it polls, with flock(2):
non-blocking, so the second run is told at once which process holds it, and released by the
kernel when the holder's process ends in any way (SIGKILL, power cut of a container), so a
lock left by a dead process never blocks. The file stays; only the lock on it matters, and the
pid written into it is only read while someone holds it.

flock needs a local file. With an object-store data root (s3://…) each group's lock is a lease
object, `<data root>/state/harvest-<group>.lease` (jobs.common.object_store: conditional PUTs),
which keeps runs on different hosts apart too. A lease runs out `ttl_s` after its last
renewal when its holder dies; device_io.harvest keeps it short (half an interval) and renews
it around every cycle and while the run sleeps, so a standby takes over within one interval.

A long-running harvest waits for the lock instead of giving up (device_io.harvest): the next
hour's run while the old one finishes its last cycle (no cycle lost at the hand-over), and a
hot standby run for its whole hour, taking over the moment the active run dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path

import fsspec

from jobs.common.object_store import Lease, LeaseBusy, is_local
from jobs.common.settings import join_path


class HarvestBusy(RuntimeError):
    """Another process is harvesting one of the poll groups; this run did nothing."""


class HeldLocks:
    """What a harvest holds: local flocks (nothing to renew) or object-store leases."""

    def __init__(self) -> None:
        self.leases: list[Lease] = []
        self.descriptors: list[int] = []

    def renew(self) -> None:
        """After each cycle: a lease that was lost (LeaseLost) stops the harvest."""
        for lease in self.leases:
            lease.renew()

    def release(self) -> None:
        for descriptor in self.descriptors:
            os.close(descriptor)  # closing the last descriptor releases the flock
        for lease in self.leases:
            with contextlib.suppress(Exception):  # an unreleased lease just runs out
                lease.release()


@contextlib.contextmanager
def poll_group_locks(data_root: str, poll_groups: Iterable[str], *,
                     lease_ttl_s: float = 90.0) -> Iterator[HeldLocks]:
    """Hold the lock of every poll group for the duration; HarvestBusy (holding nothing) if
    one is held. Waiting for it is the caller's: device_io.harvest waits without blocking."""
    held = HeldLocks()
    try:
        for group in sorted(set(poll_groups)):
            _take(held, data_root, group, lease_ttl_s)
        yield held
    finally:
        held.release()


def _take(held: HeldLocks, data_root: str, group: str, lease_ttl_s: float) -> None:
    if is_local(data_root):
        directory = Path(fsspec.core.url_to_fs(data_root)[1]) / "state"
        directory.mkdir(parents=True, exist_ok=True)
        held.descriptors.append(_lock(directory / f"harvest-{group}.lock"))
        return
    lease = Lease(join_path(data_root, "state", f"harvest-{group}.lease"), lease_ttl_s)
    try:
        lease.acquire()
    except LeaseBusy as busy:
        raise HarvestBusy(f"poll group {group!r} is being harvested: {busy}; this run "
                          "polled and landed nothing") from None
    held.leases.append(lease)


def _lock(path: Path) -> int:
    # Not O_TRUNC: the holder's pid must survive a failed attempt to take its lock.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 200, 0).decode(errors="replace").strip()
        os.close(descriptor)
        group = path.stem.removeprefix("harvest-")
        raise HarvestBusy(
            f"poll group {group!r} is being harvested by {holder or 'another process'} "
            f"(lock {path}); this run polled and landed nothing") from None
    except BaseException:
        os.close(descriptor)
        raise
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
    return descriptor
