"""Demand-response times: park-local wall-clock times become UTC instants; in a zone with
daylight saving, a time the clocks skip or repeat is refused with a clear message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from jobs.common.settings import Settings
from jobs.inbox.cells import local_to_utc
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, assert_rejected_whole, in_zone, write_csv, write_xlsx

DR = ["event_id", "start_local", "end_local", "requested_reduction_kw",
      "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"]


def _utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_shanghai_local_times_become_utc(settings: Settings, inbox: Path):
    write_xlsx(inbox / "dr_events_2026.xlsx",
               ["事件编号", "开始时间", "结束时间", "需求削减量(kW)", "补偿单价(元/kWh)",
                "企业编号", "通知时间"],
               [["DR-2026-0716-01", "2026-07-16 14:00", "2026-07-16 16:00", 1500, 3.0, None,
                 "2026-07-15 17:00"],
                ["DR-2026-0806-01", dt.datetime(2026, 8, 6, 13, 30), dt.datetime(2026, 8, 7, 1),
                 400, 2.5, "haoyu-newenergy", None]])
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, result.problems
    rows = pq.read_table(result.landed_path).to_pylist()
    assert [(r["event_id"], r["start_utc"], r["end_utc"], r["notice_issued_utc"],
             r["enterprise_id"]) for r in rows] == [
        ("DR-2026-0716-01", _utc(2026, 7, 16, 6), _utc(2026, 7, 16, 8),
         _utc(2026, 7, 15, 9), None),
        ("DR-2026-0806-01", _utc(2026, 8, 6, 5, 30), _utc(2026, 8, 6, 17), None,
         "haoyu-newenergy")]
    assert (rows[0]["requested_reduction_kw"], rows[0]["compensation_cny_per_kwh"]) == \
        (1500.0, 3.0)


def test_berlin_summer_and_winter_offsets(settings: Settings, inbox: Path):
    berlin = in_zone(settings, "Europe/Berlin")
    write_csv(inbox / "dr_events_berlin.csv", DR, [
        ["S", "2026-07-16 14:00", "2026-07-16 16:00", "100", "1", "", ""],
        ["W", "2026-01-15 14:00", "2026-01-15 16:00", "100", "1", "", ""],
    ])
    [result] = load_inbox(berlin, now=NOW)
    assert result.accepted, result.problems
    rows = pq.read_table(result.landed_path).to_pylist()
    assert [(r["start_utc"], r["end_utc"]) for r in rows] == [
        (_utc(2026, 7, 16, 12), _utc(2026, 7, 16, 14)),
        (_utc(2026, 1, 15, 13), _utc(2026, 1, 15, 15))]


@pytest.mark.parametrize(("start", "end", "column", "message"), [
    pytest.param("2026-03-29 02:30", "2026-03-29 04:00", 'B "start_local"',
                 "2026-03-29 02:30 does not exist in Europe/Berlin", id="nonexistent"),
    pytest.param("2026-10-25 01:00", "2026-10-25 02:30", 'C "end_local"',
                 "2026-10-25 02:30 happens twice in Europe/Berlin", id="ambiguous"),
    pytest.param("2026-10-24 22:00", "2026-10-25 22:00", 'C "end_local"',
                 "the event lasts 25 h", id="24 h of wall clock that are 25 h"),
])
def test_dst_gaps_and_repeats_are_refused(settings: Settings, inbox: Path, start: str, end: str,
                                          column: str, message: str):
    berlin = in_zone(settings, "Europe/Berlin")
    write_csv(inbox / "dr_events_berlin.csv", DR, [
        ["OK", "2026-07-16 14:00", "2026-07-16 16:00", "100", "1", "", ""],
        ["DST", start, end, "100", "1", "", ""]])
    [result] = load_inbox(berlin, now=NOW)
    assert_rejected_whole(berlin, result)
    [problem] = result.problems
    assert (problem.row, problem.column) == (3, column)
    assert str(problem).startswith(f"dr_events_berlin.csv, row 3, column {column}: {message}")


def test_local_to_utc_in_a_zone_without_dst():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_to_utc(dt.datetime(2026, 3, 29, 2, 30), shanghai) == _utc(2026, 3, 28, 18, 30)


@pytest.mark.parametrize(("local", "zone"), [
    pytest.param(dt.datetime(1, 1, 1, 7, 59), "Asia/Shanghai", id="before the first UTC instant"),
    pytest.param(dt.datetime(9999, 12, 31, 23, 0), "America/New_York",
                 id="after the last UTC instant"),
])
def test_a_time_without_a_utc_instant_is_a_clear_error_not_a_crash(local: dt.datetime,
                                                                    zone: str):
    with pytest.raises(ValueError, match="is outside the calendar"):
        local_to_utc(local, ZoneInfo(zone))
