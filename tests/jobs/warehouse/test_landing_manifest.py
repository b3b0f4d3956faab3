"""The landing manifest's diff: compaction of files already built brings nothing new; a
compacted file that merged a file never built is new; a file rewritten in place is new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from jobs.common import landing
from jobs.common.compaction import compact_partition
from jobs.warehouse.late_data import new_files, scan_landing

DAY = dt.date(2026, 7, 1)


def _land(root: str, stem: str, minute: int) -> None:
    ts = dt.datetime(2026, 7, 1, 0, minute, tzinfo=dt.UTC)
    table = pa.table({"ts_utc": pa.array([ts], pa.timestamp("us", tz="UTC")),
                      "device_id": ["m1"], "point": ["energy_import_kwh"], "value": [1.0 + minute],
                      "quality": ["good"], "cycle_id": [stem], "detail": [None]},
                     schema=landing.READINGS_SCHEMA)
    landing.write_partitioned(root, "readings", table, stem)


def test_compacting_built_files_brings_nothing_new(tmp_path: Path):
    root = str(tmp_path / "landing")
    for minute in range(3):
        _land(root, f"cycle-{minute}", minute)
    built = scan_landing(root)
    assert len(built) == 3 and new_files({}, built) == sorted(built)
    compact_partition(root, "readings", DAY)
    after = scan_landing(root)
    assert [Path(p).name for p in after][0].startswith("compacted-")
    assert new_files(built, after) == []


def test_a_compacted_file_holding_a_file_never_built_is_new(tmp_path: Path):
    root = str(tmp_path / "landing")
    _land(root, "cycle-0", 0)
    built = scan_landing(root)
    _land(root, "cycle-1", 1)  # landed after the build, compacted before the next
    compact_partition(root, "readings", DAY)
    after = scan_landing(root)
    assert new_files(built, after) == list(after)


def test_a_file_rewritten_in_place_is_new(tmp_path: Path):
    root = str(tmp_path / "landing")
    _land(root, "history-day", 0)
    built = scan_landing(root)
    _land(root, "history-day", 5)  # a re-run backfill replaces its file
    after = scan_landing(root)
    assert new_files(built, after) == list(after)
