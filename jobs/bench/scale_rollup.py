"""The scale benchmark's group rollup step: each park's published marts exported to the group's
store, then the group warehouse built from them, each timed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jobs.group.export import export_park_marts
from jobs.group.rollup import run_group_rollup


def run(data_root: Path, park_ids: list[str], group_root: Path) -> dict[str, Any]:
    group_root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for park in park_ids:
        export_park_marts(park, data_root / park / "warehouse.duckdb", str(group_root))
    exported_s = time.perf_counter() - started
    started = time.perf_counter()
    summary = run_group_rollup(park_ids, str(group_root), group_root / "group.duckdb")
    rolled_s = time.perf_counter() - started
    return {"status": "ok", "parks_included": len(summary.included),
            "parks_left_out": [p.line() for p in summary.problems],
            "export_s": round(exported_s, 2), "rollup_s": round(rolled_s, 2),
            "seconds": round(exported_s + rolled_s, 2)}
