"""What the benchmarks share: a generated park in a work folder, the machine, the results file."""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobs.common.settings import DEFAULT_DATA_ROOT

RESULTS_DIR = DEFAULT_DATA_ROOT / "bench"


def cpus() -> int:
    return len(os.sched_getaffinity(0))


def machine() -> str:
    return f"{platform.machine()}, {cpus()} cores, Python {platform.python_version()}"


def save_result(name: str, result: dict[str, Any]) -> Path:
    """The figures of one benchmark run, as `data/bench/<name>.json` (replaced each run)."""
    out = RESULTS_DIR / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return out


def in_work_folder(prefix: str, keep: bool, run: Callable[[Path], dict[str, Any]],
                   on_kept: Callable[[Path], None]) -> dict[str, Any]:
    """`run` in a new folder under data/bench/, removed afterwards unless `keep`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=RESULTS_DIR))
    try:
        return run(workdir)
    finally:
        if keep:
            on_kept(workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
