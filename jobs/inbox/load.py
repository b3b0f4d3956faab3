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

Each file is judged alone: a bad file is moved aside, and the next one is loaded as if it had not
been there. A file larger than `reader.MAX_FILE_BYTES` is not read at all (moved aside whole), and
a folder named like an inbox file is moved aside too, rather than ignored. When the platform
itself fails on a file (landing storage, disk, a fault in the code) the file stays in the inbox,
its result says `failed`, and the run goes on.

Crash safety: landing comes before the move, so a crash in between leaves the file in the inbox
and the next run lands the same content under the same name (on the same UTC day it replaces the
file; on a later day the identical rows collapse in the warehouse). Nothing is ever lost, and a
landed file is one Parquet file written atomically: a file lands whole or not at all.

Corrections: the warehouse keeps, per natural key (schemas.DATASETS), the row with the latest
`loaded_at_utc`, so a corrected file dropped later supersedes the earlier one. Load times are
strictly increasing within a run, in the order the files are processed.

Files given explicitly from outside the inbox folder are copied into the archive, not moved.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from jobs.common import landing
from jobs.common.config_errors import ConfigError
from jobs.common.settings import Settings
from jobs.inbox.reader import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, too_large_message
from jobs.inbox.schemas import DATASETS, InboxKind
from jobs.inbox.validate import (
    MAX_PROBLEMS,
    Problem,
    ValidatedFile,
    kind_from_name,
    row_context,
    validate_file,
)

_IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload")
_ARCHIVE_FOLDERS = ("processed", "rejected")
_MAX_NAME_BYTES = 200  # file names end at 255 bytes: room for "-<tag>" and ".errors.txt"
_log = logging.getLogger(__name__)


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
    failed: str | None = None  # the platform failed (not the file): still in the inbox


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
    """Complete files waiting in the inbox, oldest first (a later correction loads later).
    A folder named like an inbox file is listed too, to be refused rather than ignored."""
    if not folder.is_dir():
        return []
    waiting = []
    for path in folder.iterdir():
        name = path.name
        if name.startswith((".", "~$")) or name.lower().endswith(_IN_PROGRESS_SUFFIXES):
            continue
        if path.is_dir() and (name in _ARCHIVE_FOLDERS or not _named_like_inbox_file(name)):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # taken away while listing
            continue
        if path.is_file() or path.is_dir():
            waiting.append((stat.st_mtime_ns, name, path))
    return [path for *_, path in sorted(waiting)]


def _named_like_inbox_file(name: str) -> bool:
    return kind_from_name(name) is not None or name.lower().endswith(SUPPORTED_SUFFIXES)


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
    """One file, start to end: land-then-archive if accepted, errors-then-archive if not.

    Never raises: when the platform itself fails (landing storage, disk full, a fault in the
    code), the file stays in the inbox to be tried again next run, the result says `failed`,
    and the run goes on with the other files."""
    try:
        return _load_file(settings, path, folder, kind=kind, loaded_at_utc=loaded_at_utc)
    except Exception as exc:
        _log.exception("loading inbox file %s failed", path)
        return InboxResult(path, kind, 0, False, [], 0,
                           failed=f"{type(exc).__name__}: {exc}; the file stays in the inbox "
                                  "and is tried again on the next run")


def _load_file(settings: Settings, path: Path, folder: Path, *, kind: InboxKind | None,
               loaded_at_utc: dt.datetime) -> InboxResult:
    in_inbox = path.absolute().parent.resolve() == folder.resolve()
    if path.is_dir():
        refused = _refused(path.name, kind, "a folder, not a file: put the files themselves "
                                            "into the inbox")
        return _reject(path, folder, refused, None, None, loaded_at_utc, move=in_inbox)
    if not path.is_file():
        reason = "not a regular file" if path.exists() else "no such file"
        return InboxResult(path, kind, 0, False, [Problem(path.name, None, None, reason)], 1)
    content = _read_at_most(path, MAX_FILE_BYTES)
    if content is None:  # not read, not copied: moved aside whole
        refused = _refused(path.name, kind, too_large_message(path.stat().st_size))
        return _reject(path, folder, refused, None, _sha256_of(path), loaded_at_utc,
                       move=in_inbox)
    sha256 = hashlib.sha256(content).hexdigest()
    validated = validate_file(path.name, content, row_context(settings.park, loaded_at_utc),
                              kind)
    if not validated.accepted or validated.kind is None:
        return _reject(path, folder, validated, content, sha256, loaded_at_utc, move=in_inbox)
    landed = _land(settings.landing_root, validated, validated.kind, path.name, sha256,
                   loaded_at_utc)
    target = folder / "processed" / _day(loaded_at_utc)
    archived = _archive(path, target, _archive_name(target, path.name, sha256, loaded_at_utc),
                        content, sha256, move=in_inbox)
    return InboxResult(path, validated.kind, validated.data_rows, True, [], 0, sha256, landed,
                       archived)


def _reject(path: Path, folder: Path, validated: ValidatedFile, content: bytes | None,
            sha256: str | None, loaded_at_utc: dt.datetime, *, move: bool) -> InboxResult:
    """errors.txt first, then the file beside it: a crash in between leaves the file in the
    inbox, and the next run writes the same errors.txt again."""
    target = folder / "rejected" / _day(loaded_at_utc)
    name = _archive_name(target, path.name, sha256, loaded_at_utc)
    errors = target / f"{name}.errors.txt"
    landing.write_atomically(str(errors), errors_text(validated, sha256, loaded_at_utc)
                             .encode("utf-8"))
    archived = _archive(path, target, name, content, sha256, move=move)
    return InboxResult(path, validated.kind, validated.data_rows, False, validated.problems,
                       validated.problem_count, sha256, None, archived, errors)


def _refused(name: str, kind: InboxKind | None, reason: str) -> ValidatedFile:
    """A file refused before its content is read."""
    return ValidatedFile(file=name, kind=kind or kind_from_name(name), data_rows=0, records=[],
                         problems=[Problem(name, None, None, reason)], problem_count=1)


def _read_at_most(path: Path, limit_bytes: int) -> bytes | None:
    """The file's bytes, or None when it is larger than the limit (never read whole)."""
    with path.open("rb") as handle:
        # Sized from the open file, not the limit: read(limit + 1) would allocate the whole
        # limit for every small file. The bounded read still guards a file that grows.
        if os.fstat(handle.fileno()).st_size > limit_bytes:
            return None
        content = _read_bounded(handle, limit_bytes)
    return None if len(content) > limit_bytes else content


def _read_bounded(handle: BinaryIO, limit_bytes: int) -> bytes:
    """At most `limit_bytes + 1` bytes, in pieces, so memory follows the file's real size."""
    pieces: list[bytes] = []
    remaining = limit_bytes + 1
    while remaining > 0:
        piece = handle.read(min(remaining, 1024 * 1024))
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def landing_path(landing_root: str, dataset: str, day: dt.date, file_name: str,
                 sha256: str) -> str:
    """Same content, same day -> same path: a re-load replaces instead of duplicating."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    safe_stem = _shortened(re.sub(r"[^\w.\-]+", "_", stem).strip("._")) or "inbox"
    return f"{landing.partition_dir(landing_root, dataset, day)}/{safe_stem}-{sha256[:12]}.parquet"


def landing_table(validated: ValidatedFile, kind: InboxKind, sha256: str,
                  loaded_at_utc: dt.datetime) -> pa.Table:
    provenance = {"source_file": validated.file, "source_sha256": sha256,
                  "loaded_at_utc": loaded_at_utc.astimezone(dt.UTC)}
    rows = [{**record, **provenance} for record in validated.records]
    return pa.Table.from_pylist(rows, schema=DATASETS[kind].schema)


def errors_text(validated: ValidatedFile, sha256: str | None, checked_at_utc: dt.datetime
                ) -> str:
    count = validated.problem_count
    kind = "unknown"
    if validated.kind is not None:
        kind = f"{validated.kind.value} (landing dataset {DATASETS[validated.kind].name})"
    lines = [f"{validated.file}: rejected, {count} problem(s); nothing from this file was "
             "loaded.",
             f"kind: {kind}",
             f"sha256: {sha256 or '(not a file)'}",
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


def _archive_name(target: Path, name: str, sha256: str | None, moment: dt.datetime) -> str:
    """Keep the original name unless something else of that name was archived there today
    (or it is too long to have `-<tag>.errors.txt` added)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem, suffix = _shortened(stem), _shortened(suffix, 20)
    fitted = f"{stem}{dot}{suffix}"
    existing = target / fitted
    if not existing.exists() or (sha256 is not None and _sha256_of(existing) == sha256):
        return fitted
    tag = sha256[:12] if sha256 is not None else f"{moment:%H%M%S%f}"
    return f"{stem}-{tag}{dot}{suffix}"


def _shortened(text: str, limit_bytes: int = _MAX_NAME_BYTES) -> str:
    """At most `limit_bytes` of UTF-8, cut between characters."""
    return text.encode("utf-8")[:limit_bytes].decode("utf-8", errors="ignore")


def _archive(path: Path, target: Path, name: str, content: bytes | None, sha256: str | None,
             *, move: bool) -> Path | None:
    """Move the file (or folder) into `target`, or copy what was checked when it is not in the
    inbox. Without `content` (a folder, a file too large to read) it is only moved."""
    destination = target / name
    target.mkdir(parents=True, exist_ok=True)
    if content is None:
        if not move:
            return None  # outside the inbox: left where it is
        os.replace(path, destination)
    # If the sender replaced the file while it was being checked, archive what was checked and
    # leave the new version in the inbox for the next run.
    elif not move or _sha256_of(path) != sha256:
        landing.write_atomically(str(destination), content)
        return destination
    else:
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
    """Streamed: the file may be far larger than memory."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError):
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
