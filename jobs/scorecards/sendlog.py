"""The scorecard send log: what was emailed to whom, so that a re-run for the same month does
not send the same scorecard to the same person twice.

One JSON object per line under `<data_root>/state/scorecard-sends.jsonl`, append-only. Each
line goes to the file in a single `write()` on an O_APPEND descriptor and is fsynced, so a
line is either whole or, if the process dies mid-write, a torn tail that readers skip with a
warning (and the next append starts on a fresh line). A line is written after the SMTP server
has answered, so a crash between the server's 250 and the log line sends that one message
again on the next run: delivery is at least once, never silently lost.

The log needs a local data root: appends to an object store are neither atomic nor ordered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from jobs.common.settings import join_path

log = logging.getLogger(__name__)

SENT = "sent"


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
        if not isinstance(fs, LocalFileSystem):
            raise ValueError(f"the send log needs a local path, not {path!r}: appends to an "
                             "object store are not atomic")
        self.path = Path(local_path)

    @classmethod
    def for_data_root(cls, data_root: str) -> SendLog:
        return cls(join_path(data_root, "state", "scorecard-sends.jsonl"))

    def records(self) -> list[SendRecord]:
        """Every whole line in order; torn or unreadable lines are skipped with a warning."""
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

    def append(self, record: SendRecord) -> None:
        line = json.dumps(asdict(record), ensure_ascii=False).encode("utf-8") + b"\n"
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
        both send it. The OS releases it if the process dies."""
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
