"""The write-ahead audit journal: one append-only file per setpoint cycle in the writer's state
folder (`<data root>/state/setpoint_journal/<cycle id>.jsonl`), so an audit row is durable
before the write it describes and a writer killed at any moment loses no row.

Each line is one audit row (AUDIT_SCHEMA's columns) under its natural key (attempt time,
device, point, source); a later line with the same key supersedes an earlier one. Before a
write goes to the wire its row is recorded as `pending` (outcome `interrupted`) and the file
is fsynced; the outcome follows under the same key. The rows that describe no write (refused,
unchanged, ...) are buffered and reach the disk with the next fsync, at the latest before the
cycle's next write or its end.

At the end of its cycle the writer lands the journal's rows as the cycle's audit file (the
cycle id is the file's name, so landing twice writes the same file: idempotent) and deletes
the journal. A journal still there at the start of a cycle is a cycle that died: its pending
rows are resolved by reading the devices back, the resolutions appended, then it is landed
and deleted (see SetpointWriter._land_leftover_journals).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os

import fsspec
import pandas as pd
from fsspec.implementations.local import LocalFileSystem

from jobs.common.landing import write_atomically

log = logging.getLogger(__name__)
JOURNAL_FOLDER = "setpoint_journal"
TIMESTAMP_COLUMNS = ("attempt_ts_utc", "interval_start_utc")
KEY_COLUMNS = ("attempt_ts_utc", "device_id", "point", "source")


def row_key(row: dict) -> str:
    return "|".join(str(row[column]) for column in KEY_COLUMNS)


def _encoded(row: dict) -> dict:
    encoded = {}
    for name, value in row.items():
        if isinstance(value, pd.Timestamp):
            value = value.isoformat()
        elif isinstance(value, float) and not math.isfinite(value):
            value = None  # JSON has no NaN; the audit keeps a refused NaN in its reason
        encoded[name] = value
    return encoded


def _decoded(row: dict) -> dict:
    return {name: pd.Timestamp(value) if name in TIMESTAMP_COLUMNS and value is not None
            else value for name, value in row.items()}


class AuditJournal:
    """The journal of one cycle: rows by key, mirrored in memory in first-seen order."""

    def __init__(self, path: str):
        self.path = path
        self.fs, self.fs_path = fsspec.core.url_to_fs(path)
        self._entries: dict[str, dict] = {}  # key -> {"row": ..., "pending": ..., ...}
        self._unsynced: list[str] = []

    @classmethod
    def for_cycle(cls, state_folder: str, cycle_id: str) -> AuditJournal:
        return cls(f"{state_folder.rstrip('/')}/{JOURNAL_FOLDER}/{cycle_id}.jsonl")

    @classmethod
    def leftovers(cls, state_folder: str) -> list[AuditJournal]:
        """Journals of cycles that did not finish, oldest first (cycle ids sort by time)."""
        fs, folder = fsspec.core.url_to_fs(f"{state_folder.rstrip('/')}/{JOURNAL_FOLDER}")
        if not fs.exists(folder):
            return []
        prefix = state_folder.split("://", 1)[0] + "://" if "://" in state_folder else ""
        journals = []
        for path in sorted(p for p in fs.ls(folder, detail=False) if p.endswith(".jsonl")):
            try:
                journals.append(cls(prefix + path).load())
            except Exception:  # noqa: BLE001 - one unreadable journal must not stop every cycle
                # kept beside the others for a person to read, never taken up again
                log.exception("setpoint journal %s is unreadable: moved to %s.unreadable",
                              path, path)
                fs.mv(path, f"{path}.unreadable")
        return journals

    @property
    def cycle_id(self) -> str:
        return self.fs_path.rsplit("/", 1)[-1].removesuffix(".jsonl")

    def load(self) -> AuditJournal:
        """Read the file back; a line torn by a crash mid-append is the only one lost, and it
        was never fsynced, so the write it would have announced was never sent."""
        with self.fs.open(self.fs_path, "rb") as handle:
            for line in handle.read().decode("utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                entry["row"] = _decoded(entry["row"])
                self._entries[row_key(entry["row"])] = entry
        return self

    def record(self, row: dict, *, pending: bool = False, previous: float | None = None,
               durable: bool = False) -> None:
        """Add or supersede a row. pending: a write about to be sent (previous: what the
        device held before it); durable: on disk before this returns."""
        entry = {"row": row, "pending": pending, "previous": previous}
        self._entries[row_key(row)] = entry
        self._unsynced.append(json.dumps({**entry, "row": _encoded(row)}, allow_nan=False))
        if durable:
            self.sync()

    def sync(self) -> None:
        if not self._unsynced:
            return
        text = "".join(line + "\n" for line in self._unsynced)
        if isinstance(self.fs, LocalFileSystem):
            os.makedirs(os.path.dirname(self.fs_path), exist_ok=True)
            new = not os.path.exists(self.fs_path)
            with open(self.fs_path, "a", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if new:  # the file's name must survive a power cut too
                directory = os.open(os.path.dirname(self.fs_path), os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
        else:  # an object store cannot append: the whole journal, replaced in one PUT
            lines = [json.dumps({**e, "row": _encoded(e["row"])}, allow_nan=False)
                     for e in self._entries.values()]
            write_atomically(self.path, "".join(line + "\n" for line in lines).encode())
        self._unsynced = []

    def pending(self) -> list[tuple[dict, float | None]]:
        """Writes announced and never given an outcome: (row, previous)."""
        return [(e["row"], e["previous"]) for e in self._entries.values() if e["pending"]]

    def rows(self) -> list[dict]:
        return [e["row"] for e in self._entries.values()]

    def delete(self) -> None:
        if self.fs.exists(self.fs_path):
            self.fs.rm(self.fs_path)


def adopt_legacy_journal(state_path: str, state_folder: str) -> None:
    """The writer before this journal kept a dying cycle's pending writes inside its state
    file (`journal`, `journal_cycle_id`): turn them into that cycle's journal, so they are
    read back and landed like any other. Deterministic keys: adopting twice is harmless."""
    fs, fs_path = fsspec.core.url_to_fs(state_path)
    if not fs.exists(fs_path):
        return
    with fs.open(fs_path, "rb") as handle:
        raw = json.loads(handle.read())
    pending, cycle_id = raw.get("journal") or [], raw.get("journal_cycle_id")
    if not pending or not cycle_id:
        return
    stamp = cycle_id.removeprefix("setpoints-").split("-", 1)[0]
    started = pd.Timestamp(dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S"), tz="UTC")
    journal = AuditJournal.for_cycle(state_folder, cycle_id)
    for index, write in enumerate(pending, 1):
        journal.record({
            "attempt_ts_utc": started + pd.Timedelta(microseconds=index), "cycle_id": cycle_id,
            "plan_run_id": write.get("plan_run_id"), "plan_solver_status": None,
            "interval_start_utc": pd.Timestamp(write["interval_start_utc"]),
            "device_id": write["device_id"], "asset_id": None, "point": write["point"],
            "unit": "", "source": write["source"], "requested": write["value"],
            "clamped": write["value"], "written": write["value"], "read_back": None,
            "outcome": "interrupted", "reason": "pending in the state file of an older writer",
            "dry_run": False, "decided_by": None}, pending=True, previous=write.get("previous"))
    journal.sync()

