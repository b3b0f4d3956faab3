"""The landing zone: atomic files, date partitions, and compaction that loses and duplicates
nothing, also across a crash between its two steps."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.common import compaction, landing


def _readings(day: dt.date, devices: list[str], minutes: range, cycle: str,
              quality: str = "good") -> pa.Table:
    rows = []
    for minute in minutes:
        ts = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(minutes=minute)
        for device in devices:
            rows.append({"ts_utc": ts, "device_id": device, "point": "active_power_kw",
                         "value": None if quality != "good" else float(minute),
                         "quality": quality, "cycle_id": f"{cycle}-{minute}", "detail": None})
    return pa.Table.from_pylist(rows, schema=landing.READINGS_SCHEMA)


def _keys(table: pa.Table) -> list[tuple]:
    return sorted(zip(table["ts_utc"].to_pylist(), table["device_id"].to_pylist(),
                      table["point"].to_pylist(), strict=True))


DAY = dt.date(2026, 3, 1)


def test_rows_land_in_their_utc_date_partition(tmp_path: Path):
    root = str(tmp_path / "landing")
    late = _readings(DAY, ["m1"], range(1438, 1442), "c")  # spans midnight UTC
    paths = landing.write_partitioned(root, "readings", late, "cycle-x")
    assert sorted(Path(p).parent.name for p in paths) == ["date=2026-03-01", "date=2026-03-02"]
    assert landing.read_dataset(root, "readings").num_rows == 4


def test_a_crash_before_the_rename_leaves_nothing_visible(tmp_path: Path, monkeypatch):
    root = str(tmp_path / "landing")

    def crash(*_args):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        landing.write_partitioned(root, "readings", _readings(DAY, ["m1"], range(3), "c"), "f")
    monkeypatch.undo()
    partition = Path(landing.partition_dir(root, "readings", DAY))
    assert [p.name for p in partition.iterdir() if not p.name.startswith(".")] == []
    assert landing.list_partition_files(root, "readings", DAY) == []
    assert landing.read_dataset(root, "readings").num_rows == 0


def test_compaction_merges_small_files_without_loss_or_duplicates(tmp_path: Path):
    root = str(tmp_path / "landing")
    for start in range(0, 60, 10):
        landing.write_partitioned(root, "readings",
                                  _readings(DAY, ["m1", "m2"], range(start, start + 10), "c"),
                                  f"cycle-{start}")
    # a replayed cycle (same readings under another file name) and a failed re-read of a key
    landing.write_partitioned(root, "readings", _readings(DAY, ["m1", "m2"], range(0, 10), "c"),
                              "cycle-replay")
    landing.write_partitioned(root, "readings",
                              _readings(DAY, ["m1"], range(5, 6), "z", quality="timeout"),
                              "cycle-late-timeout")
    before = landing.read_dataset(root, "readings")
    result = compaction.compact_partition(root, "readings", DAY)
    after = landing.read_dataset(root, "readings")
    assert result.input_files == 8
    assert len(landing.list_partition_files(root, "readings", DAY)) == 1
    assert after.num_rows == 120 == len(set(_keys(before)))
    assert _keys(after) == sorted(set(_keys(before)))
    assert result.duplicates_removed == before.num_rows - 120
    winner = [r for r in after.to_pylist() if r["device_id"] == "m1"
              and r["ts_utc"].minute == 5][0]
    assert winner["quality"] == "good"  # a good reading wins over a failed one for the same key
    stored = pq.read_table(result.output_path)
    assert stored["device_id"].to_pylist() == sorted(stored["device_id"].to_pylist())


def test_compaction_is_safe_to_rerun_after_a_crash_between_write_and_delete(tmp_path: Path,
                                                                             monkeypatch):
    root = str(tmp_path / "landing")
    for start in range(0, 30, 10):
        landing.write_partitioned(root, "readings",
                                  _readings(DAY, ["m1"], range(start, start + 10), "c"),
                                  f"cycle-{start}")
    expected = sorted(set(_keys(landing.read_dataset(root, "readings"))))

    def crash(_paths):
        raise OSError("killed")

    monkeypatch.setattr(landing, "delete_files", crash)
    with pytest.raises(OSError):
        compaction.compact_partition(root, "readings", DAY)
    monkeypatch.undo()
    assert len(landing.list_partition_files(root, "readings", DAY)) == 4  # inputs + output
    compaction.compact_partition(root, "readings", DAY)
    files = landing.list_partition_files(root, "readings", DAY)
    assert len(files) == 1
    assert _keys(landing.read_files(files)) == expected
    again = compaction.compact_partition(root, "readings", DAY)  # nothing left to do
    assert again.input_files == 1 and landing.list_partition_files(root, "readings", DAY) == files


def test_compact_dataset_leaves_today_alone(tmp_path: Path):
    root = str(tmp_path / "landing")
    for day in (DAY, DAY + dt.timedelta(days=1)):
        for start in (0, 10):
            landing.write_partitioned(root, "readings",
                                      _readings(day, ["m1"], range(start, start + 10), "c"),
                                      f"cycle-{start}")
    results = compaction.compact_dataset(root, "readings", before=DAY + dt.timedelta(days=1))
    assert [r.day for r in results] == [DAY]
    assert len(landing.list_partition_files(root, "readings", DAY + dt.timedelta(days=1))) == 2


def test_landing_works_on_any_fsspec_filesystem():
    root = "memory://park-test/landing"
    landing.write_partitioned(root, "readings", _readings(DAY, ["m1"], range(3), "c"), "a")
    landing.write_partitioned(root, "readings", _readings(DAY, ["m1"], range(3), "c"), "b")
    assert landing.read_dataset(root, "readings").num_rows == 6
    compaction.compact_partition(root, "readings", DAY)
    assert landing.read_dataset(root, "readings").num_rows == 3


def _temp_file(folder: Path, age_s: float) -> Path:
    """A temp file as a killed writer leaves it, last written `age_s` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".tmp-{len(list(folder.iterdir())):032x}"
    path.write_bytes(b"PAR1 half a file")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_compaction_sweeps_temp_files_of_killed_writers_but_not_of_live_ones(tmp_path: Path):
    root = tmp_path / "landing"
    landing.write_partitioned(str(root), "readings", _readings(DAY, ["m1"], range(3), "c"), "a")
    past = Path(landing.partition_dir(str(root), "readings", DAY))
    today = Path(landing.partition_dir(str(root), "readings", dt.datetime.now(dt.UTC).date()))
    stale = [_temp_file(past, 2 * 3600), _temp_file(today, 3601)]
    live = [_temp_file(past, 60), _temp_file(today, 3500)]
    old_data = past / "cycle-old.parquet"  # an old landed file is data, never swept
    pq.write_table(_readings(DAY, ["m2"], range(2), "d"), old_data)
    os.utime(old_data, (time.time() - 86400, time.time() - 86400))

    compaction.compact_dataset(str(root), "readings", before=DAY + dt.timedelta(days=1))
    assert [p.exists() for p in stale] == [False, False]
    assert [p.exists() for p in live] == [True, True]
    assert landing.read_dataset(str(root), "readings").num_rows == 5  # 3 + 2, nothing lost


def test_a_harvest_run_sweeps_the_state_folder_and_recent_partitions(tmp_path: Path):
    from device_io.harvest import sweep_before_harvest

    data = tmp_path / "data"
    now = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)
    settings = SimpleNamespace(data_root=str(data), landing_root=str(data / "landing"))
    state = data / "state"
    yesterday = Path(landing.partition_dir(str(data / "landing"), "readings", DAY))
    stale = [_temp_file(state, 7200), _temp_file(yesterday, 7200)]
    live = [_temp_file(state, 5), _temp_file(yesterday, 5)]
    kept_state = state / "harvest-all.json"
    kept_state.write_text("{}")
    os.utime(kept_state, (0, 0))

    removed = sweep_before_harvest(settings, now=now)
    assert sorted(removed) == sorted(str(p) for p in stale)
    assert [p.exists() for p in stale + live] == [False, False, True, True]
    assert kept_state.exists()


def test_the_daily_housekeeping_sweeps_every_dataset_the_state_and_the_reports(tmp_path: Path):
    """Plans, audits, inbox datasets and reports are written the same atomic way as readings:
    a killed writer's temp file anywhere under them is swept once it is stale."""
    data = tmp_path / "data"
    root = data / "landing"
    folders = [Path(landing.partition_dir(str(root), dataset, DAY))
               for dataset in ("plans", "setpoint_audit", "inbox_output_values")]
    folders += [data / "state" / "setpoint_journal", data / "reports" / "scorecards" / "2026-02"]
    stale = [_temp_file(folder, 2 * 3600) for folder in folders]
    live = [_temp_file(folder, 60) for folder in folders]

    removed = compaction.sweep_stale_temp_files_everywhere(str(root), str(data))
    assert sorted(removed) == sorted(str(p) for p in stale)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in live)
