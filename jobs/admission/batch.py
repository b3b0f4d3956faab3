"""The park office's admission queue: every application file in
`<data root>/inbox/admission/` is assessed on its own (one bad file never blocks the others)
and moved to `done/<date>/` or `rejected/<date>/` (with `<file>.errors.txt` saying why), so a
re-run assesses only what is new."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from jobs.admission.run import Admitted, admit
from jobs.common.config_errors import ConfigError
from jobs.common.settings import Settings

APPLICATION_SUFFIXES = (".yaml", ".yml")


@dataclass
class AdmissionBatch:
    admitted: list[tuple[Path, Admitted]] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)


def admission_inbox(settings: Settings) -> Path:
    return Path(settings.data_root) / "inbox" / "admission"


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.move(str(path), target)
    return target


def assess_queue(settings: Settings, now_utc: dt.datetime | None = None) -> AdmissionBatch:
    """Raises NoBaselineError or WarehouseNotPublishedError before touching any file when the
    warehouse cannot be assessed against: then every application waits for the next run."""
    from jobs.admission.park_baseline import park_baseline

    park = park_baseline(settings)  # read once, and before a file is moved
    now = now_utc or dt.datetime.now(dt.UTC)
    inbox = admission_inbox(settings)
    batch = AdmissionBatch()
    if not inbox.is_dir():
        return batch
    day = now.strftime("%Y-%m-%d")
    for path in sorted(p for p in inbox.iterdir()
                       if p.is_file() and p.suffix.lower() in APPLICATION_SUFFIXES):
        try:
            admitted = admit(settings, path, now, park)
        except ConfigError as error:
            moved = _move(path, inbox / "rejected" / day)
            moved.with_name(moved.name + ".errors.txt").write_text(str(error) + "\n",
                                                                   encoding="utf-8")
            batch.rejected.append((moved, str(error)))
            continue
        batch.admitted.append((_move(path, inbox / "done" / day), admitted))
    return batch
