"""The compaction flow under Prefect: past days merged, today left alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from flows.compaction import compact_landing
from jobs.common import landing
from tests.conftest import CONFIG_DIR


def _cycle(ts: dt.datetime, device: str) -> pa.Table:
    return pa.Table.from_pylist(
        [{"ts_utc": ts, "device_id": device, "point": "active_power_kw", "value": 1.0,
          "quality": "good", "cycle_id": ts.isoformat(), "detail": None}],
        schema=landing.READINGS_SCHEMA)


def test_compaction_flow_merges_past_days(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PARK_DATA_ROOT", str(tmp_path))
    root = str(tmp_path / "landing")
    past = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    for minute in range(5):
        ts = past + dt.timedelta(minutes=minute)
        landing.write_partitioned(root, "readings", _cycle(ts, "m1"), f"cycle-{minute}")
    compacted = compact_landing(before=dt.date(2026, 2, 2))
    assert compacted == 1
    files = landing.list_partition_files(root, "readings", past.date())
    assert len(files) == 1 and landing.read_files(files).num_rows == 5
