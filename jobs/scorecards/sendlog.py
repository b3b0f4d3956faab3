"""The scorecard send log: what was emailed to whom, so that a re-run for the same month does
not send the same scorecard to the same person twice.

One JSON object per line under `<data_root>/state/scorecard-sends.jsonl`, append-only. Each
line goes to the file in a single `write()` on an O_APPEND descriptor and is fsynced, so a
line is either whole or, if the process dies mid-write, a torn tail that readers skip with a
warning (and the next append starts on a fresh line). A line is written after the SMTP server
has answered, so a crash between the server's 250 and the log line sends that one message
again on the next run: delivery is at least once, never silently lost.

On an object store (s3://…) nothing can be appended, so each line is an object of its own in
`<data_root>/state/scorecard-sends/`, written in one PUT (whole or absent). A "sent" record is
named after its (key, address) and created only if absent (If-None-Match), so a re-run that
records the same send again leaves one record, not two; the run's lock is a lease object
(jobs.common.object_store) instead of flock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from jobs.common.object_store import Lease, LeaseBusy, create_exclusive
from jobs.common.settings import join_path

log = logging.getLogger(__name__)

SENT = "sent"
# A delivery run holds the object-store lock this long at most; a run killed mid-delivery
# blocks the next for up to this long (a local flock is released at once).
LEASE_TTL_S = 1800.0


@dataclass(frozen=True)
class SendRecord:
    key: str  # the scorecard, e.g. enterprise/<id>/2026-10
    email: str
    status: str  # sent / failed / rejected_address
    detail: str
    attempts: int
    at_utc: str  # ISO 8601, UTC
    sha256: str  # of the message's content (Message.content_sha256), to tell re-sends apart


class SendLog:
    def __init__(self, path: str | Path) -> None:
        fs, local_path = fsspec.core.url_to_fs(str(path))
        self.path = Path(local_path)
        # an object store: one object per record in a folder named like the log file
        self.folder = None if isinstance(fs, LocalFileSystem) else \
            str(path).removesuffix(".jsonl")

    @classmethod
    def for_data_root(cls, data_root: str) -> SendLog:
        return cls(join_path(data_root, "state", "scorecard-sends.jsonl"))

    def records(self) -> list[SendRecord]:
        """Every whole line in order; torn or unreadable lines are skipped with a warning."""
        if self.folder is not None:
            return self._object_records(self.folder)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        records = []
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                records.append(SendRecord(**json.loads(line)))
            except (ValueError, TypeError) as exc:  # JSON, UTF-8 or field mismatch
                log.warning("%s line %d ignored (torn or unreadable): %s", self.path, number,
                            exc)
        return records

    def sent_pairs(self) -> set[tuple[str, str]]:
        """(key, lower-cased email) of every message the server accepted."""
        return {(r.key, r.email.lower()) for r in self.records() if r.status == SENT}

    def already_sent(self, key: str, email: str) -> bool:
        return (key, email.lower()) in self.sent_pairs()

    def _object_records(self, folder: str) -> list[SendRecord]:
        fs, path = fsspec.core.url_to_fs(folder)
        fs.invalidate_cache(path)  # other runs write here: never trust a cached listing
        names = [n for n in fs.find(path) if n.endswith(".json")] if fs.exists(path) else []
        records = []
        for name, raw in fs.cat(names).items() if names else []:
            try:
                records.append(SendRecord(**json.loads(raw)))
            except (ValueError, TypeError) as exc:
                log.warning("%s ignored (unreadable): %s", name, exc)
        return sorted(records, key=lambda r: r.at_utc)

    def append(self, record: SendRecord) -> None:
        line = json.dumps(asdict(record), ensure_ascii=False).encode("utf-8") + b"\n"
        if self.folder is not None:
            if record.status == SENT:  # one per (key, address), however often recorded
                pair = f"{record.key}\n{record.email.lower()}".encode()
                name = f"sent-{hashlib.sha256(pair).hexdigest()[:32]}.json"
            else:
                name = f"{record.status}-{record.at_utc[:19].replace(':', '')}-" \
                       f"{uuid.uuid4().hex[:12]}.json"
            create_exclusive(f"{self.folder}/{name}", line)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a torn tail from a crash stays on a line of its own
            if os.write(fd, line) != len(line):
                raise OSError(f"short write to {self.path}")
            os.fsync(fd)
        finally:
            os.close(fd)

    def record(self, key: str, email: str, status: str, detail: str, attempts: int,
               sha256: str) -> SendRecord:
        entry = SendRecord(key=key, email=email, status=status, detail=detail,
                           attempts=attempts, at_utc=dt.datetime.now(dt.UTC).isoformat(),
                           sha256=sha256)
        self.append(entry)
        return entry

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Held for a whole delivery run, so two runs cannot both find a scorecard unsent and
        both send it. The OS releases it if the process dies (a lease on an object store runs
        out after LEASE_TTL_S)."""
        if self.folder is not None:
            lease = Lease(f"{self.folder}/delivery.lease", LEASE_TTL_S)
            try:
                lease.acquire()
            except LeaseBusy as exc:
                raise RuntimeError(f"another scorecard delivery is running: {exc}") from exc
            try:
                yield
            finally:
                lease.release()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RuntimeError(f"another scorecard delivery holds {handle.name}") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
