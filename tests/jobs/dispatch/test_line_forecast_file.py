"""The line operator's forecast file: each bad case refused whole with the file, row and why;
nothing of it lands and the previous good forecast stays; per interval the freshest issue
that covers it (ultra-short where it reaches, then short-term, then the flat fallback)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.common import landing
from jobs.common.park_config import ParkConfig
from jobs.dispatch import green_line
from jobs.dispatch.line_forecast_file import (
    DATASET,
    accept_bytes,
    lines_capacity_kw,
    load_folder,
    to_csv,
    validate,
)
from jobs.dispatch.line_forecast_store import LineForecastStore

HEADER = "issued_at_utc,interval_start_utc,kw\n"
GOOD = HEADER + "2026-07-06T00:00:00Z,2026-07-06T00:00:00Z,1200\n" \
    "2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,1300.5\n"


@pytest.fixture
def park(demo_park_dict) -> ParkConfig:
    return ParkConfig.model_validate(demo_park_dict)


def test_the_demo_line_capacity_is_its_rating(park):
    assert lines_capacity_kw(park) == 5000.0


@pytest.mark.parametrize(("body", "why"), [
    ("2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,nan\n", "row 3: kw 'nan' is not a finite"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,inf\n", "row 3: kw 'inf' is not a finite"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,-1\n", "row 3: kw -1 outside 0 to the lines'"
                                                        " capacity 5000 kW"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,5000.5\n", "row 3: kw 5000.5 outside"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,lots\n", "row 3: kw 'lots' is not a number"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:20:00Z,10\n", "row 3: interval_start_utc 2026-07-06 "
                                                       "00:20:00 UTC is not on the 15-minute"),
    ("2026-07-06T00:30:00Z,2026-07-06T00:15:00Z,10\n", "row 3: interval 2026-07-06 00:15 UTC "
                                                       "starts before the issue time"),
    ("2026-07-06T00:00:00,2026-07-06T00:15:00Z,10\n", "row 3: issued_at_utc "
                                                      "'2026-07-06T00:00:00': no time zone"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:00:00Z,10\n", "row 3: interval 2026-07-06 00:00 UTC "
                                                       "repeated (row 2)"),
    ("2026-07-06T00:00:00Z,2026-07-06T00:45:00Z\n", "row 3: 2 cells, expected 3"),
    ("2026-07-06T00:15:00Z,2026-07-06T00:45:00Z,10\n", "2 different issued_at_utc values"),
])
def test_each_bad_row_refuses_the_whole_file_and_the_last_good_forecast_stays(
        park, tmp_path, body, why):
    root = str(tmp_path / "landing")
    good = accept_bytes(root, "good.csv", GOOD.encode(), park)
    assert good.accepted and good.product == "ultra_short"
    first_row = "2026-07-06T00:00:00Z,2026-07-06T00:00:00Z,1200\n"
    bad = accept_bytes(root, "bad.csv", (HEADER + first_row + body).encode(), park)
    assert not bad.accepted
    assert any(p.startswith("bad.csv") and why in p for p in bad.problems), bad.problems
    assert landing.read_dataset(root, DATASET).num_rows == 2  # only the good file's rows
    kw, _ = LineForecastStore(root).freshest(
        pd.DatetimeIndex([pd.Timestamp("2026-07-06T00:15Z")]), pd.Timestamp("2026-07-06T01Z"))
    assert kw.iloc[0] == 1300.5


def test_header_and_empty_file_are_refused():
    _, problems = validate("f.csv", b"time,kw\n1,2\n", 5000.0, 15)
    assert problems == ["f.csv row 1: header 'time,kw', expected "
                        "'issued_at_utc,interval_start_utc,kw'"]
    assert validate("f.csv", b"", 5000.0, 15)[1] == [
        "f.csv: empty file (expected the header issued_at_utc,interval_start_utc,kw)"]
    assert validate("f.csv", HEADER.encode(), 5000.0, 15)[1] == [
        "f.csv: no forecast rows after the header"]
    assert "not UTF-8" in validate("f.csv", b"\xff\xfe\x00", 5000.0, 15)[1][0]


def test_the_folder_lands_good_files_and_moves_bad_ones_aside_with_their_errors(park,
                                                                               tmp_path):
    data = tmp_path / "data"
    inbox = data / "inbox" / "line_forecasts"
    inbox.mkdir(parents=True)
    (inbox / "a.csv").write_text(GOOD)
    (inbox / "b.csv").write_text(HEADER + "2026-07-06T00:00:00Z,2026-07-06T00:15:00Z,-5\n")
    results = load_folder(str(data), str(tmp_path / "landing"), park, dt.date(2026, 7, 6))
    assert [r.accepted for r in results] == [True, False]
    assert (inbox / "processed" / "2026-07-06" / "a.csv").exists()
    errors = (inbox / "rejected" / "2026-07-06" / "b.csv.errors.txt").read_text()
    assert errors == "b.csv row 2: kw -5 outside 0 to the lines' capacity 5000 kW\n"
    assert not (inbox / "a.csv").exists() and not (inbox / "b.csv").exists()


def _issue(root, park, issued: str, start: str, periods: int, kw: float) -> None:
    index = pd.date_range(start, periods=periods, freq="15min")
    assert accept_bytes(root, f"{issued}.csv", to_csv(pd.Timestamp(issued),
                                                      pd.Series(kw, index=index)), park).accepted


def test_the_freshest_issue_covering_each_interval_is_used(park, tmp_path):
    """Short-term issued 08:00 covering the day from 08:00 at 1,000 kW; ultra-short issued
    10:00 covering 10:00–13:45 at 3,000 kW, and one issued 10:15 at 3,500 kW. As of 10:30:
    08:00–09:45 short-term, 10:00 the 10:00 issue (the 10:15 one does not cover it), 10:15–
    14:00 the 10:15 issue, after it short-term. As of 09:00 the ultra-short ones are not yet
    known."""
    root = str(tmp_path / "landing")
    _issue(root, park, "2026-07-06T08:00Z", "2026-07-06T08:00Z", 288, 1000.0)
    _issue(root, park, "2026-07-06T10:00Z", "2026-07-06T10:00Z", 16, 3000.0)
    _issue(root, park, "2026-07-06T10:15Z", "2026-07-06T10:15Z", 16, 3500.0)
    index = pd.date_range("2026-07-06T08:00Z", "2026-07-06T15:00Z", freq="15min",
                          inclusive="left")
    store = LineForecastStore(root)
    kw, product = store.freshest(index, pd.Timestamp("2026-07-06T10:30Z"))
    expected = pd.Series(1000.0, index=index)
    expected[pd.Timestamp("2026-07-06T10:00Z")] = 3000.0
    expected["2026-07-06T10:15Z":"2026-07-06T14:00Z"] = 3500.0
    pd.testing.assert_series_equal(kw, expected, check_freq=False)
    assert product[pd.Timestamp("2026-07-06T09:45Z")] == "short_term"
    assert product[pd.Timestamp("2026-07-06T14:00Z")] == "ultra_short"
    assert product[pd.Timestamp("2026-07-06T14:15Z")] == "short_term"
    early, _ = store.freshest(index, pd.Timestamp("2026-07-06T09:00Z"))
    assert (early == 1000.0).all()
    # what was said for past intervals when each began
    said = store.as_issued_kw(pd.date_range("2026-07-06T09:45Z", periods=3, freq="15min"))
    assert said.tolist() == [1000.0, 3000.0, 3500.0]
    # nothing covers the next day's afternoon: NaN, the flat fallback fills it
    late, _ = store.freshest(pd.DatetimeIndex([pd.Timestamp("2026-07-09T12:00Z")]),
                             pd.Timestamp("2026-07-06T10:30Z"))
    assert np.isnan(late.iloc[0])


def test_the_note_names_the_source():
    index = pd.date_range("2026-07-06T00:00Z", periods=4, freq="15min")
    product = pd.Series(["ultra_short", "short_term", "short_term", None], index=index)
    assert green_line.source_note(product, 3, 4, 1200.0) == (
        "direct green lines: the operator's forecast for 3 of 4 intervals (short_term 2, "
        "ultra_short 1); the last 7 days' level (1200 kW) where the grid imported for the "
        "other 1")
    assert green_line.source_note(None, 0, 4, 0.0) == (
        "direct green lines: no operator forecast, the last 7 days' level (0 kW) where the "
        "grid imported")


def test_the_meter_corrects_the_operator_forecast_against_what_it_said():
    """Past hour: the forecast said 1,500 kW; the line delivered 1,800 with the grid importing
    (not held back): +300 kW. Held back (no import), 1,000 delivered + 800 the batteries
    discharged against 1,500 said: at least +300. Held back at 1,000 with nothing discharged:
    nothing learned (0)."""
    now = pd.Timestamp("2026-07-06T18:00Z")
    past = pd.date_range(now - pd.Timedelta(hours=1), now, freq="15min", inclusive="left")
    future = pd.date_range(now, periods=3, freq="15min")
    forecast = pd.Series([2000.0, 2500.0, 0.0], index=future)
    said = pd.Series(1500.0, index=past)
    fade = np.array([1.0, 0.5, 0.0])
    free = pd.DataFrame({"green_kw": 1800.0, "import_kw": 500.0}, index=past)
    out, error = green_line.nowcast_kw(free, forecast, now, fade, said)
    assert error == pytest.approx(300.0)
    assert out.tolist() == pytest.approx([2300.0, 2650.0, 0.0])
    held = pd.DataFrame({"green_kw": 1000.0, "import_kw": 0.0, "storage_kw": 800.0},
                        index=past)
    assert green_line.nowcast_kw(held, forecast, now, fade, said)[1] == pytest.approx(300.0)
    idle = held.assign(storage_kw=0.0)
    out, error = green_line.nowcast_kw(idle, forecast, now, fade, said)
    assert error == 0.0 and out.tolist() == forecast.tolist()
