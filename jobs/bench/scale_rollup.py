"""The scale benchmark's group rollup step: each park's published marts exported to the group's
store, then the group warehouse built from them, each timed.

The group warehouse (issue 19, item 4: `jobs.group.export.export_park_marts` and
`jobs.group.rollup.run_group_rollup`) is built on another branch; where it is not importable
here, or its entry point takes arguments this step cannot name, the step says "not available"
and why, instead of a figure.
"""

from __future__ import annotations

import importlib
import inspect
import time
from pathlib import Path
from typing import Any


def _callable(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        return f"{module}.{name} not importable ({exc})"


def run(data_root: Path, park_ids: list[str], group_root: Path) -> dict[str, Any]:
    export = _callable("jobs.group.export", "export_park_marts")
    rollup = _callable("jobs.group.rollup", "run_group_rollup")
    missing = [f for f in (export, rollup) if isinstance(f, str)]
    if missing:
        return {"status": "rollup: not available", "why": "; ".join(missing)}
    group_root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for park in park_ids:
        export(park, data_root / park / "warehouse.duckdb", str(group_root))
    exported_s = time.perf_counter() - t0
    # The rollup's arguments by name, from what this step knows (its signature is the other
    # branch's to decide).
    known = {"park_ids": park_ids, "parks": park_ids, "group_root": str(group_root),
             "warehouse_path": group_root / "group.duckdb",
             "group_warehouse_path": group_root / "group.duckdb",
             "workdir": group_root / "work", "work_dir": group_root / "work"}
    parameters = inspect.signature(rollup).parameters
    unknown = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n not in known]
    if unknown:
        return {"status": "rollup: not available",
                "why": f"run_group_rollup needs {unknown}, which this step cannot name",
                "export_s": round(exported_s, 2)}
    t1 = time.perf_counter()
    rollup(**{n: known[n] for n in parameters if n in known})
    rolled_s = time.perf_counter() - t1
    return {"status": "ok", "export_s": round(exported_s, 2), "rollup_s": round(rolled_s, 2),
            "seconds": round(exported_s + rolled_s, 2)}
