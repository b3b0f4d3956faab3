"""Load the inbox: validate each file, land the accepted ones, archive every file with its outcome.

The inbox is a plain local drop folder on the park server: `<data_root>/inbox/`. Enterprises
and the park office put CSV/XLSX files there (upload under a name starting with `.` or ending in
`.part`/`.tmp` and rename when complete: such names are skipped). For each file, in the order
they arrived (modification time):

1. read its bytes once and hash them (sha256): the content checked is the content recorded;
2. validate it whole (validate.py); any problem rejects the whole file;
3. accepted: land it as ONE Parquet file
   `<landing_root>/<dataset>/date=<UTC load date>/<stem>-<sha256[:12]>.parquet` (atomic), then
   move it to `inbox/processed/<UTC date>/`;
   rejected: write `inbox/rejected/<UTC date>/<name>.errors.txt` listing every problem, then
   move the file beside it. Nothing of a rejected file lands.

Crash safety: landing comes before the move, so a crash in between leaves the file in the inbox
and the next run lands the same content under the same name (on the same UTC day it replaces the
file; on a later day the identical rows collapse in the warehouse). Nothing is ever lost.

Corrections: the warehouse keeps, per natural key (schemas.DATASETS), the row with the latest
`loaded_at_utc`, so a corrected file dropped later supersedes the earlier one. Load times are
strictly increasing within a run, in the order the files are processed.

Files given explicitly from outside the inbox folder are copied into the archive, not moved.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from device_io.errors import ConfigError
from jobs.common import landing
from jobs.common.settings import Settings
from jobs.inbox.schemas import DATASETS, InboxKind
from jobs.inbox.validate import MAX_PROBLEMS, Problem, ValidatedFile, row_context, validate_file

_IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload")


@dataclass(frozen=True)
class InboxResult:
    """What happened to one file: accepted (landed) or rejected, and where it went."""

    source: Path
    kind: InboxKind | None
    rows: int  # data rows in the file (blank rows not counted)
    accepted: bool
    problems: list[Problem]  # the first MAX_PROBLEMS problems, in row order
    problem_count: int
    sha256: str | None = None
    landed_path: str | None = None
    archived_to: Path | None = None  # in processed/ or rejected/; None if the file was missing
    errors_path: Path | None = None


def inbox_dir(settings: Settings) -> Path:
    """The drop folder; it must be on a local disk even when the landing zone is not."""
    root = settings.data_root
    if root.startswith("file://"):
        root = root.removeprefix("file://")
    elif "://" in root:
        raise ConfigError(f"data root {root!r} is not a local path, but the inbox is a local "
                          "drop folder: pass the folder to load_inbox(inbox=...)")
    return Path(root) / "inbox"


def pending_files(folder: Path) -> list[Path]:
    """Complete files waiting in the inbox, oldest first (a later correction loads later)."""
    if not folder.is_dir():
        return []
    files = [path for path in folder.iterdir() if path.is_file()
             and not path.name.startswith((".", "~$"))
             and not path.name.lower().endswith(_IN_PROGRESS_SUFFIXES)]
    return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))


def load_inbox(settings: Settings, paths: Iterable[Path | str] | None = None, *,
               kind: InboxKind | None = None, now: dt.datetime | None = None,
               inbox: Path | None = None) -> list[InboxResult]:
    """Process every pending inbox file (or the given paths, in the given order).

    `kind` forces the kind instead of reading it from each file name; `now` fixes the load time
    (UTC; for tests and replays), otherwise the clock is read per file. `inbox` is the drop
    folder when it is not `<data_root>/inbox` (e.g. the landing zone is on an object store)."""
    folder = inbox or inbox_dir(settings)
    files = pending_files(folder) if paths is None else [Path(p) for p in paths]
    clock = _LoadClock(now)
    return [load_file(settings, path, folder, kind=kind, loaded_at_utc=clock.tick())
            for path in files]


def load_file(settings: Settings, path: Path, folder: Path, *, kind: InboxKind | None,
              loaded_at_utc: dt.datetime) -> InboxResult:
    """One file, start to end: land-then-archive if accepted, errors-then-archive if not."""
    if not path.is_file():
        problem = Problem(path.name, None, None, "no such file")
        return InboxResult(path, kind, 0, False, [problem], 1)
    content = path.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    validated = validate_file(path.name, content, row_context(settings.park, loaded_at_utc),
                              kind)
    day = loaded_at_utc.astimezone(dt.UTC).date().isoformat()
    moving = path.resolve().parent == folder.resolve()
    if validated.accepted and validated.kind is not None:
        landed = _land(settings.landing_root, validated, validated.kind, path.name, sha256,
                       loaded_at_utc)
        archived = _archive(path, folder / "processed" / day, content, sha256, move=moving)
        return InboxResult(path, validated.kind, validated.data_rows, True, [], 0, sha256,
                           landed, archived)
    target = folder / "rejected" / day
    name = _archive_name(target, path.name, content, sha256)
    errors = target / f"{name}.errors.txt"
    landing.write_atomically(str(errors), errors_text(validated, sha256, loaded_at_utc)
                             .encode("utf-8"))
    archived = _archive(path, target, content, sha256, move=moving, name=name)
    return InboxResult(path, validated.kind, validated.data_rows, False, validated.problems,
                       validated.problem_count, sha256, None, archived, errors)


def landing_path(landing_root: str, dataset: str, day: dt.date, file_name: str,
                 sha256: str) -> str:
    """Same content, same day -> same path: a re-load replaces instead of duplicating."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    safe_stem = re.sub(r"[^\w.\-]+", "_", stem).strip("._") or "inbox"
    return f"{landing.partition_dir(landing_root, dataset, day)}/{safe_stem}-{sha256[:12]}.parquet"


def landing_table(validated: ValidatedFile, kind: InboxKind, sha256: str,
                  loaded_at_utc: dt.datetime) -> pa.Table:
    provenance = {"source_file": validated.file, "source_sha256": sha256,
                  "loaded_at_utc": loaded_at_utc.astimezone(dt.UTC)}
    rows = [{**record, **provenance} for record in validated.records]
    return pa.Table.from_pylist(rows, schema=DATASETS[kind].schema)


def errors_text(validated: ValidatedFile, sha256: str, checked_at_utc: dt.datetime) -> str:
    count = validated.problem_count
    kind = "unknown"
    if validated.kind is not None:
        kind = f"{validated.kind.value} (landing dataset {DATASETS[validated.kind].name})"
    lines = [f"{validated.file}: rejected, {count} problem(s); nothing from this file was "
             "loaded.",
             f"kind: {kind}",
             f"sha256: {sha256}",
             f"checked at: {checked_at_utc.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
             "",
             *(str(problem) for problem in validated.problems)]
    if count > len(validated.problems):
        lines.append(f"... and {count - len(validated.problems)} more problem(s) not listed "
                     f"(only the first {MAX_PROBLEMS} are kept)")
    lines += ["", "Fix every problem and drop the whole file into the inbox again."]
    return "\n".join(lines) + "\n"


def _land(landing_root: str, validated: ValidatedFile, kind: InboxKind, file_name: str,
          sha256: str, loaded_at_utc: dt.datetime) -> str:
    table = landing_table(validated, kind, sha256, loaded_at_utc)
    path = landing_path(landing_root, DATASETS[kind].name,
                        loaded_at_utc.astimezone(dt.UTC).date(), file_name, sha256)
    landing.write_atomically(path, landing.serialise_parquet(table))
    return path


def _archive_name(target: Path, name: str, content: bytes, sha256: str) -> str:
    """Keep the original name unless a different file of that name was archived there today."""
    existing = target / name
    if not existing.exists() or existing.read_bytes() == content:
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{sha256[:12]}.{suffix}" if dot else f"{name}-{sha256[:12]}"


def _archive(path: Path, target: Path, content: bytes, sha256: str, *, move: bool,
             name: str | None = None) -> Path:
    name = name or _archive_name(target, path.name, content, sha256)
    destination = target / name
    target.mkdir(parents=True, exist_ok=True)
    # If the sender replaced the file while it was being checked, archive what was checked and
    # leave the new version in the inbox for the next run.
    if not move or _sha256_of(path) != sha256:
        landing.write_atomically(str(destination), content)
        return destination
    try:
        os.replace(path, destination)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        landing.write_atomically(str(destination), content)
        path.unlink()
    _fsync_dir(target)
    _fsync_dir(path.parent)
    return destination


def _sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _fsync_dir(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class _LoadClock:
    """Strictly increasing load times, so 'latest loaded_at_utc wins' never ties."""

    def __init__(self, now: dt.datetime | None) -> None:
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        self._fixed = now
        self._last: dt.datetime | None = None

    def tick(self) -> dt.datetime:
        moment = (self._fixed or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        if self._last is not None and moment <= self._last:
            moment = self._last + dt.timedelta(microseconds=1)
        self._last = moment
        return moment
