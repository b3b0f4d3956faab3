"""Conditional writes and leases on a data root that may be an object store (s3://…).

Object stores do not lock and do not append. What they do offer, and S3 has since 2024, is the
conditional PUT: `If-None-Match: *` creates a key only if it does not exist, `If-Match: <etag>`
replaces it only if nobody changed it since it was read. That is enough for the two things the
platform needs beside immutable landing files:

- create-once records (a send-log entry, a landed file a re-run must not duplicate), and
- leases: a small object naming its holder and an expiry, taken with If-None-Match, taken over
  after expiry and renewed with If-Match. A holder that dies simply stops renewing; the lease
  runs out after `ttl_s` and the next run takes it. Local paths keep their flock(2) locks
  (released by the kernel at once): leases are only for object stores.

Everything goes through fsspec (s3fs for s3://), configured from the environment as in
production (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …), so tests on a loopback S3 server exercise
the same calls.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass

import fsspec
from fsspec.implementations.local import LocalFileSystem

from jobs.common.landing import write_synced_temp


class LeaseBusy(RuntimeError):
    """Another live holder has the lease."""


class LeaseLost(RuntimeError):
    """Our lease expired and someone else took it: stop writing as its holder."""


def is_local(url: str) -> bool:
    fs, _ = fsspec.core.url_to_fs(url)
    return isinstance(fs, LocalFileSystem)


def create_exclusive(url: str, payload: bytes) -> bool:
    """Write `payload` at `url` if nothing is there; False (and nothing written) if something
    is. Whole or nothing, on a local disk (link of a synced temp file) and on S3 (one PUT)."""
    fs, path = fsspec.core.url_to_fs(url)
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    if isinstance(fs, LocalFileSystem):
        temp = write_synced_temp(parent, payload)
        try:
            os.link(temp, path)  # fails if the name exists: the local If-None-Match
            return True
        except FileExistsError:
            return False
        finally:
            os.remove(temp)
    try:
        fs.pipe_file(path, payload, mode="create")
        return True
    except FileExistsError:  # s3fs's translation of 412 Precondition Failed
        return False


def read_versioned(url: str) -> tuple[bytes, str] | None:
    """The object's bytes and ETag, or None if it does not exist (object stores only)."""
    fs, path = fsspec.core.url_to_fs(url)
    try:
        etag = fs.info(path)["ETag"]
        payload = fs.cat_file(path)
    except FileNotFoundError:
        return None
    # A replacement between info and cat would pair new bytes with the old ETag; the If-Match
    # that follows then fails, which is the safe side.
    return payload, etag


def replace_if_unchanged(url: str, payload: bytes, etag: str) -> str | None:
    """Replace the object if its ETag is still `etag`: the new ETag, or None if someone
    changed or deleted it meanwhile."""
    fs, path = fsspec.core.url_to_fs(url)
    try:
        return fs.pipe_file(path, payload, IfMatch=etag)["ETag"]
    except FileNotFoundError:
        return None
    except OSError as exc:  # s3fs maps 412 Precondition Failed to EINVAL with S3's message
        if "pre-conditions" in str(exc):
            return None
        raise


@dataclass
class Lease:
    """A lease object at `url`, held by `owner` until `expires_unix_s` unless renewed."""

    url: str
    ttl_s: float
    owner: str = ""
    etag: str | None = None

    def __post_init__(self) -> None:
        if not self.owner:
            self.owner = f"pid {os.getpid()} on {socket.gethostname()} ({uuid.uuid4().hex[:8]})"

    def _payload(self) -> bytes:
        return json.dumps({"owner": self.owner,
                           "expires_unix_s": time.time() + self.ttl_s}).encode()

    def acquire(self) -> None:
        """Take the lease, or raise LeaseBusy naming the live holder."""
        payload = self._payload()
        if create_exclusive(self.url, payload):
            current = read_versioned(self.url)
            if current is None or current[0] != payload:
                raise LeaseBusy(f"taken over by another run just now (lease {self.url})")
            self.etag = current[1]
            return
        current = read_versioned(self.url)
        if current is None:  # released between our two calls: try once more
            return self.acquire()
        payload, etag = current
        holder = _parse(payload)
        if holder.get("expires_unix_s", 0.0) > time.time():
            raise LeaseBusy(f"held by {holder.get('owner', 'an unknown holder')} until "
                            f"{time.strftime('%H:%M:%S', time.gmtime(holder['expires_unix_s']))}"
                            f" UTC (lease {self.url})")
        # Expired: the holder died or stalled. Take over only if nobody beat us to it.
        self.etag = replace_if_unchanged(self.url, self._payload(), etag)
        if self.etag is None:
            raise LeaseBusy(f"taken over by another run just now (lease {self.url})")

    def renew(self) -> None:
        """Push the expiry `ttl_s` ahead; LeaseLost if the lease is no longer ours."""
        if self.etag is not None:
            self.etag = replace_if_unchanged(self.url, self._payload(), self.etag)
        if self.etag is None:
            raise LeaseLost(f"lease {self.url} is no longer held by {self.owner}")

    def release(self) -> None:
        current = read_versioned(self.url)
        if current is not None and _parse(current[0]).get("owner") == self.owner:
            fs, path = fsspec.core.url_to_fs(self.url)
            fs.rm_file(path)
        self.etag = None


def _parse(payload: bytes) -> dict:
    try:
        value = json.loads(payload)
        return value if isinstance(value, dict) else {}
    except ValueError:
        return {}  # a damaged lease counts as expired
