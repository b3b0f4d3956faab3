"""Cell parsing: the spellings spreadsheet users produce are accepted, anything else is refused
with the value quoted."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.inbox.cells import half_up, parse_local_time, parse_month, parse_number, parse_text
from jobs.inbox.schemas import InboxKind
from jobs.inbox.validate import kind_from_name, normalise_header


@pytest.mark.parametrize(("cell", "number"), [
    ("412.5", 412.5), (" 1,234.5 ", 1234.5), ("-3", -3.0), ("1e3", 1000.0), (7, 7.0), (2.5, 2.5),
])
def test_numbers(cell: object, number: float):
    assert parse_number(cell) == number


@pytest.mark.parametrize("cell", ["4l2", "1_000", "12,34", "nan", "inf", "", True, None])
def test_not_numbers(cell: object):
    with pytest.raises(ValueError, match="not a"):
        parse_number(cell)


@pytest.mark.parametrize("cell", ["2026-09", "2026/9", "2026年9月", "2026.09",
                                  dt.datetime(2026, 9, 1), dt.date(2026, 9, 1)])
def test_months(cell: object):
    assert parse_month(cell) == dt.date(2026, 9, 1)


@pytest.mark.parametrize("cell", ["2026-13", "Sept 2026", "202609", dt.datetime(2026, 9, 15)])
def test_not_months(cell: object):
    with pytest.raises(ValueError):
        parse_month(cell)


def test_local_times():
    expected = dt.datetime(2026, 7, 16, 14, 0)
    assert parse_local_time("2026-07-16 14:00") == expected
    assert parse_local_time("2026/7/16 14:00:00") == expected
    assert parse_local_time(dt.datetime(2026, 7, 16, 13, 59, 59, 999_600)) == expected
    for bad in ("2026-07-16", "2026-07-16T14:00+08:00", "2026-02-30 10:00"):
        with pytest.raises(ValueError):
            parse_local_time(bad)


def test_text_and_rounding():
    assert parse_text(12345.0) == "12345" and parse_text(" C-1 ") == "C-1"
    assert [half_up(x) for x in (0.5, 1.5, 2.5, 2.4999)] == [1, 2, 3, 2]


def test_headers_and_kinds():
    assert normalise_header("工业总产值（万元）") == normalise_header("工业总产值 (万元)")
    assert normalise_header("Enterprise_ID") == "enterprise_id"
    assert kind_from_name("Green_Power_2026-09.xlsx") is InboxKind.GREEN_POWER
    assert kind_from_name("dr_events.csv") is InboxKind.DR_EVENTS
    assert kind_from_name("green_powerplant.csv") is None
