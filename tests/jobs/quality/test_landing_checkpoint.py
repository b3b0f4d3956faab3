"""The landing checkpoint catches each planted problem with the right check, names the device and
point in dq_quarantine, passes a clean history, and replaces its own output when re-run."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.common.settings import Settings
from jobs.quality.landing_checkpoint import default_run_id, run_landing_checkpoint
from jobs.quality.quarantine import rows_to_table, write_quarantine
from jobs.quality.report import QualityReport
from jobs.quality.schemas import DQ_QUARANTINE_DATASET, DQ_QUARANTINE_SCHEMA
from jobs.quality.thresholds import QualityThresholds
from tests.conftest import relocate_endpoints, settings_for

T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Suzhou: PV producing
NOW = T0 + dt.timedelta(hours=4)  # the check's clock
RUN_ID = "test-landing-run"


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _ids(park: dict) -> dict[str, list[str]]:
    return {kind: [d["id"] for d in park["devices"] if d["kind"] == kind]
            for kind in {d["kind"] for d in park["devices"]}}


def _reading(ts: dt.datetime, device_id: str, point: str, value: float,
             cycle_id: str) -> pa.Table:
    return pa.Table.from_pylist(
        [{"ts_utc": ts, "device_id": device_id, "point": point, "value": value,
          "quality": "good", "cycle_id": cycle_id, "detail": None}],
        schema=landing.READINGS_SCHEMA)


@dataclass(frozen=True)
class Planted:
    frozen_meter: str
    timed_out_charger: str
    healthy_charger: str
    out_of_range: tuple[str, str]  # device, point
    clock_back: tuple[str, str]
    future: tuple[str, str]


@dataclass(frozen=True)
class FaultyRun:
    settings: Settings
    report: QualityReport
    planted: Planted

    def quarantine(self) -> pd.DataFrame:
        return landing.read_dataset(self.settings.landing_root, DQ_QUARANTINE_DATASET).to_pandas()


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> FaultyRun:
    park = relocate_endpoints(generate_park(30, seed=5))
    ids = _ids(park)
    planted = Planted(
        frozen_meter=ids["sub_meter"][0], timed_out_charger=ids["ev_charger"][0],
        healthy_charger=ids["ev_charger"][1],
        out_of_range=(ids["pv_inverter"][0], "ac_power_kw"),
        clock_back=("grid-main", "active_power_kw"),
        future=(ids["hvac"][0], "zone_temp_c"))
    park["simulation"]["faults"] = [
        {"device_id": planted.frozen_meter, "kind": "frozen", "start": _at(30).isoformat(),
         "end": _at(70).isoformat()},
        {"device_id": planted.timed_out_charger, "kind": "timeout",
         "start": _at(60).isoformat(), "end": _at(120).isoformat()},
    ]
    settings = settings_for(park, tmp_path_factory.mktemp("faulty") / "data")
    generate_history(settings, T0, _at(180), sample_s=60)
    root = settings.landing_root
    # A foreign producer's backfill, marked good although above the map's valid_max (300 kW).
    landing.write_partitioned(root, "readings", _reading(
        _at(30.5), *planted.out_of_range, 812.3, "import-1"), "import-backfill-1")
    # A live cycle that started at 04:30 but stamped a reading 03:00:30: its clock went back.
    landing.write_partitioned(root, "readings", _reading(
        _at(60.5), *planted.clock_back, 1000.0, "0f3c2a9e"),
        f"cycle-{_at(150):%Y%m%dT%H%M%S%f}-meters-0f3c2a9e")
    # A replay of already-landed readings, failed this time and landed later: duplicates of
    # the natural key collapse to the good reading, so it must not look like a clock going back.
    replay = landing.read_dataset(root, "readings", [T0.date()]).filter(
        pc.field("device_id") == planted.healthy_charger).slice(0, 20)
    replay = replay.set_column(replay.schema.get_field_index("quality"), "quality",
                               pa.array(["timeout"] * replay.num_rows))
    landing.write_partitioned(root, "readings", replay,
                              f"cycle-{_at(170):%Y%m%dT%H%M%S%f}-ev-5a5a5a5a")
    # A reading stamped an hour ahead of the check's clock.
    landing.write_partitioned(root, "readings", _reading(
        NOW + dt.timedelta(hours=1), *planted.future, 24.0, "import-2"), "import-backfill-2")
    report = run_landing_checkpoint(settings, [T0.date()], run_id=RUN_ID, now_utc=NOW)
    return FaultyRun(settings, report, planted)


def _rows(quarantine: pd.DataFrame, check: str) -> pd.DataFrame:
    return quarantine[quarantine["check"] == check]


def test_value_above_the_maps_maximum_is_quarantined(faulty_run: FaultyRun):
    rows = _rows(faulty_run.quarantine(), "value_range")
    device, point = faulty_run.planted.out_of_range
    assert list(zip(rows["device_id"], rows["point"], rows["value"], strict=True)) == [
        (device, point, 812.3)]
    reason = rows["reason"].iloc[0]
    assert "812.3 above the map's plausible maximum 300" in reason
    assert device in reason and point in reason
    assert rows["ts_utc"].iloc[0] == pd.Timestamp(_at(30.5))
    assert not faulty_run.report.checks["value_range"].success


def test_a_reading_stamped_before_an_earlier_landed_one_is_quarantined(faulty_run: FaultyRun):
    rows = _rows(faulty_run.quarantine(), "timestamp_order")
    device, point = faulty_run.planted.clock_back
    assert list(zip(rows["device_id"], rows["point"], strict=True)) == [(device, point)]
    reason = rows["reason"].iloc[0]
    assert device in reason and point in reason and "backwards" in reason
    assert "2026-07-01T03:00:30Z" in reason
    assert faulty_run.report.checks["timestamp_order"].failed_rows == 1


def test_a_future_timestamp_is_quarantined(faulty_run: FaultyRun):
    rows = _rows(faulty_run.quarantine(), "future_timestamp")
    device, point = faulty_run.planted.future
    assert list(zip(rows["device_id"], rows["point"], strict=True)) == [(device, point)]
    reason = rows["reason"].iloc[0]
    assert device in reason and point in reason and "3600 s ahead" in reason
    assert faulty_run.report.checks["future_timestamp"].failed_rows == 1


def test_the_frozen_meter_is_quarantined_by_its_heartbeat_and_counters(faulty_run: FaultyRun):
    rows = _rows(faulty_run.quarantine(), "frozen_value")
    meter = faulty_run.planted.frozen_meter
    assert set(rows["device_id"]) == {meter}
    register_map = faulty_run.settings.register_map_for(meter)
    counters = {p.name for p in register_map.landed_points if p.cumulative}
    assert set(register_map.heartbeat_points) | counters == set(rows["point"])
    for reason, point in zip(rows["reason"], rows["point"], strict=True):
        assert meter in reason and point in reason
        assert "40 polls" in reason  # frozen from 02:30 to 03:10 at one poll a minute
    assert rows["ts_utc"].min() == pd.Timestamp(_at(30))


def test_completeness_drops_for_the_timed_out_charger(faulty_run: FaultyRun):
    rows = _rows(faulty_run.quarantine(), "completeness")
    charger = faulty_run.planted.timed_out_charger
    failing = dict(zip(rows["device_id"], rows["value"], strict=True))
    assert failing[charger] < 95.0
    assert faulty_run.planted.healthy_charger not in failing
    reason = rows.loc[rows["device_id"] == charger, "reason"].iloc[0]
    assert charger in reason and "expected polls" in reason
    # per-day rows are stamped with the day's midnight and have no point
    assert set(rows["ts_utc"]) == {pd.Timestamp(dt.datetime(2026, 7, 1, tzinfo=dt.UTC))}
    assert rows["point"].isna().all()


def test_quarantine_rows_match_the_schema_and_the_report(faulty_run: FaultyRun):
    files = landing.list_partition_files(faulty_run.settings.landing_root,
                                         DQ_QUARANTINE_DATASET, T0.date())
    assert [Path(f).name for f in files] == [f"gx-{RUN_ID}.parquet"]
    assert pq.read_schema(files[0]).remove_metadata() == DQ_QUARANTINE_SCHEMA
    quarantine = faulty_run.quarantine()
    assert set(quarantine["run_id"]) == {RUN_ID}
    report = faulty_run.report
    assert report.quarantine_rows == len(quarantine)
    assert sum(s.failed_rows for s in report.checks.values()) == len(quarantine)


def test_results_json_summary_and_data_docs_are_written(faulty_run: FaultyRun):
    report = faulty_run.report
    data_root = Path(faulty_run.settings.data_root)
    assert Path(report.results_path) == data_root / "quality" / RUN_ID / "checkpoint_result.json"
    payload = json.loads(Path(report.results_path).read_text(encoding="utf-8"))
    assert payload["report"]["success"] is False
    assert payload["checkpoint_result"]["success"] is False
    assert len(payload["checkpoint_result"]["validation_results"]) == 4
    summary = Path(report.summary_path).read_text(encoding="utf-8")
    assert summary == report.summary_markdown()
    assert "| value_range |" in summary and "**FAIL**" in summary
    assert report.docs_index_path is not None
    docs_index = Path(report.docs_index_path)
    assert docs_index == data_root / "quality" / "data_docs" / "index.html"
    assert docs_index.is_file()
    assert all(Path(p).exists() for p in report.paths)


def test_rerunning_with_the_same_run_id_replaces_instead_of_duplicating(faulty_run: FaultyRun):
    before = faulty_run.quarantine()
    again = run_landing_checkpoint(faulty_run.settings, [T0.date()], run_id=RUN_ID, now_utc=NOW)
    after = faulty_run.quarantine()
    assert len(after) == len(before)
    key = ["check", "device_id", "point", "ts_utc"]
    assert not after.duplicated(key).any()
    assert again.quarantine_paths == faulty_run.report.quarantine_paths
    assert {c: s.failed_rows for c, s in again.checks.items()} == {
        c: s.failed_rows for c, s in faulty_run.report.checks.items()}


def test_a_clean_history_passes_every_check(tmp_path: Path):
    park = relocate_endpoints(generate_park(30, seed=5))
    settings = settings_for(park, tmp_path / "data")
    # Sampled at the fastest poll interval (storage: 15 s), so every device is complete.
    generate_history(settings, T0, _at(120), sample_s=15)
    report = run_landing_checkpoint(settings, [T0.date()], now_utc=NOW)
    assert report.success, report.summary_markdown()
    assert set(report.checks) == {"value_range", "completeness", "frozen_value",
                                  "timestamp_order", "future_timestamp"}
    assert all(s.failed_rows == 0 and s.evaluated_rows > 0 for s in report.checks.values())
    assert report.quarantine_paths == [] and report.quarantine_rows == 0
    assert landing.list_partition_files(settings.landing_root, DQ_QUARANTINE_DATASET,
                                        T0.date()) == []
    assert report.run_id == "landing-20260701"


def test_a_rerun_without_failures_removes_the_runs_earlier_quarantine_file(tmp_path: Path):
    root = str(tmp_path / "landing")
    day = T0.date()
    row = {"run_id": "r1", "check": "value_range", "ts_utc": T0, "device_id": "m1",
           "point": "p", "value": 1.0, "reason": "test", "detected_at_utc": NOW}
    written = write_quarantine(root, rows_to_table([row]), "r1", [day])
    assert [Path(p).name for p in written] == ["gx-r1.parquet"]
    assert write_quarantine(root, rows_to_table([]), "r1", [day]) == []
    assert landing.list_partition_files(root, DQ_QUARANTINE_DATASET, day) == []


def test_default_run_ids_are_named_after_the_days():
    day = dt.date(2026, 7, 1)
    assert default_run_id([day]) == "landing-20260701"
    assert default_run_id([day, day + dt.timedelta(days=1)]) == "landing-20260701-20260702"
    gappy = default_run_id([day, day + dt.timedelta(days=2)])
    assert gappy.startswith("landing-20260701-20260703-") and len(gappy) == 34


def test_a_day_with_nothing_landed_fails_completeness_for_every_device(tmp_path: Path):
    settings = settings_for(relocate_endpoints(generate_park(12, seed=3)), tmp_path / "data")
    noon = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    report = run_landing_checkpoint(
        settings, [noon.date()], now_utc=noon,
        thresholds=QualityThresholds(completeness_window="full_day"))
    completeness = report.checks["completeness"]
    assert completeness.failed_rows == completeness.evaluated_rows == len(settings.park.devices)
    # today's window ends at the check's clock: half a day of 60 s polls
    assert "0 of 720 expected polls" in completeness.examples[0]
    others = [s for name, s in report.checks.items() if name != "completeness"]
    assert all(s.success and s.evaluated_rows == 0 for s in others)


def test_an_object_store_data_root_gets_results_docs_and_quarantine(tmp_path: Path):
    settings = settings_for(relocate_endpoints(generate_park(12, seed=3)),
                            "memory://quality-test")  # type: ignore[arg-type]
    generate_history(settings, T0, _at(30), sample_s=60)
    landing.write_partitioned(settings.landing_root, "readings", _reading(
        _at(10.5), "grid-main", "frequency_hz", 70.0, "import-1"), "import-1")
    report = run_landing_checkpoint(settings, [T0.date()], now_utc=NOW)
    memory = fsspec.filesystem("memory")
    assert report.checks["value_range"].failed_rows == 1
    assert report.docs_index_path == "memory://quality-test/quality/data_docs/index.html"
    assert all(memory.exists(path) for path in report.paths)
    memory.rm("/quality-test", recursive=True)
