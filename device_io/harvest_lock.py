"""One harvest per poll group at a time: a non-blocking file lock per group.

A manual `park harvest` beside the scheduled one would read every device twice, and the two
runs would overwrite each other's state file. A run therefore takes
`<data root>/state/harvest-<group>.lock` for every poll group it polls, with flock(2):
non-blocking, so the second run is told at once which process holds it, and released by the
kernel when the holder's process ends in any way (SIGKILL, power cut of a container), so a
lock left by a dead process never blocks. The file stays; only the lock on it matters, and the
pid written into it is only read while someone holds it.

flock needs a local file. With an object-store data root (s3://…) the locks live in the local
temp folder, one folder per data root: they keep two runs on this host apart, not runs on two
hosts (give each poll group one Prefect work queue with a concurrency limit of 1 for that).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem


class HarvestBusy(RuntimeError):
    """Another process is harvesting one of the poll groups; this run did nothing."""


def lock_dir(data_root: str) -> Path:
    fs, path = fsspec.core.url_to_fs(data_root)
    if isinstance(fs, LocalFileSystem):
        return Path(path) / "state"
    digest = hashlib.sha1(data_root.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "park-harvest-locks" / digest


@contextlib.contextmanager
def poll_group_locks(data_root: str, poll_groups: Iterable[str]) -> Iterator[list[Path]]:
    """Hold the lock of every poll group for the duration; HarvestBusy if one is held."""
    directory = lock_dir(data_root)
    directory.mkdir(parents=True, exist_ok=True)
    held: list[int] = []
    paths = [directory / f"harvest-{group}.lock" for group in sorted(set(poll_groups))]
    try:
        for path in paths:
            held.append(_lock(path))
        yield paths
    finally:
        for descriptor in held:
            os.close(descriptor)  # closing the last descriptor releases the flock


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
