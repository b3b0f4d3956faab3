"""The demo's inbox: which months it declares and for what share of each, where its DR event
falls, and that it lands through the inbox (the park's own certificates among the rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from jobs.common import landing
from jobs.common.settings import Settings, load_settings
from jobs.demo_inbox import _dr_event_window, demo_inbox, month_shares
from jobs.inbox.samples import write_sample_inbox

SHANGHAI = "Asia/Shanghai"
UTC = dt.UTC


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_root=str(tmp_path / "data"))


def test_the_metered_part_of_a_month_is_declared_and_earlier_months_whole():
    # 5 December 2026 05:30 in Shanghai, 3 days back: 2 December 05:30 to 5 December 05:30,
    # 72 h of December's 744 h
    now = dt.datetime(2026, 12, 4, 21, 30, tzinfo=UTC)
    shares = month_shares(now - dt.timedelta(days=3), now, SHANGHAI)
    assert list(shares) == [dt.date(2026, m, 1) for m in range(1, 13)]
    assert all(shares[dt.date(2026, m, 1)] == 1.0 for m in range(1, 12))
    assert shares[dt.date(2026, 12, 1)] == pytest.approx(72 / 744)


def test_a_window_across_two_months_declares_each_part():
    # 29 November 08:00 to 2 December 08:00 local: 40 h of November, 32 h of December
    start = dt.datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    shares = month_shares(start, start + dt.timedelta(days=3), SHANGHAI)
    assert shares[dt.date(2026, 11, 1)] == pytest.approx(40 / 720)  # to 1 December 00:00
    assert shares[dt.date(2026, 12, 1)] == pytest.approx(1 / 31 + 8 / 744)  # to 08:00
    assert shares[dt.date(2026, 10, 1)] == 1.0


def test_the_first_minutes_of_a_month_declare_nothing_yet():
    now = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 1 December 00:30 local
    shares = month_shares(now - dt.timedelta(days=3), now, SHANGHAI)
    assert dt.date(2026, 12, 1) not in shares
    assert shares[dt.date(2026, 11, 1)] == pytest.approx((3 * 24 - 0.5) / 720)


def test_the_dr_event_is_the_latest_afternoon_peak_inside_the_window():
    now = dt.datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # 15:00 local: today's peak not over
    start, end = _dr_event_window(now - dt.timedelta(days=3), now, SHANGHAI)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-03T14:00:00+08:00",
                                                    "2026-12-03T16:00:00+08:00")
    # 20 hours of history from 15:00 local: no whole afternoon peak inside
    assert _dr_event_window(now - dt.timedelta(hours=20), now, SHANGHAI) is None


def test_a_half_month_declares_half_of_everything(settings: Settings, tmp_path: Path):
    whole = write_sample_inbox(settings, ["2026-06"], tmp_path / "whole")
    half = write_sample_inbox(settings, ["2026-06"], tmp_path / "half",
                              month_share={"2026-06": 0.5})

    def output_values(paths: list[Path]) -> dict[str, float]:
        [path] = [p for p in paths if p.name.startswith("output_value_")]
        rows = list(load_workbook(path).worksheets[0].iter_rows(min_row=2, values_only=True))
        return {row[0]: row[2] for row in rows}

    full, halved = output_values(whole), output_values(half)
    assert full.keys() == halved.keys()
    for enterprise_id, value in full.items():  # each rounded to 0.1 万元
        assert halved[enterprise_id] == pytest.approx(value / 2, abs=0.051)
    with pytest.raises(ValueError, match=r"\(0, 1\] for \['2026-06'\]"):
        write_sample_inbox(settings, ["2026-06"], tmp_path / "bad",
                           month_share={"2026-06": float("nan")})


def test_the_demo_inbox_lands_every_kind_and_the_parks_certificates(settings: Settings):
    now = dt.datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 local, 10 March
    results = demo_inbox(settings, now - dt.timedelta(days=3), now)
    assert all(r.accepted for r in results)
    names = {r.source.name for r in results}
    assert "dr_events_2026.xlsx" not in names  # its July and August events lie ahead
    assert "dr_events_2026-03-10.csv" in names
    events = landing.read_dataset(settings.landing_root, "inbox_dr_events").to_pylist()
    # yesterday's afternoon peak for the whole park, today's (not begun at 12:00) for the
    # largest consumer (haoyu-newenergy: 164 kW + 746 kW on round-the-clock shifts)
    assert sorted((e["start_utc"].isoformat(), e["end_utc"].isoformat(), e["enterprise_id"],
                   e["requested_reduction_kw"]) for e in events) == [
        ("2026-03-09T06:00:00+00:00", "2026-03-09T08:00:00+00:00", None, 800.0),
        ("2026-03-10T06:00:00+00:00", "2026-03-10T08:00:00+00:00", "haoyu-newenergy", 300.0)]
    certificates = landing.read_dataset(settings.landing_root, "inbox_certificates").to_pylist()
    park = sorted((row["month"], row["certificates_retired"]) for row in certificates
                  if row["enterprise_id"] == "park")
    # half of 120 kW x 1.8 (common areas, EV, park HVAC): 108 kW over January's 744 h,
    # February's 672 h and March's 3 metered days (72 h)
    assert park == [(dt.date(2026, 1, 1), 80), (dt.date(2026, 2, 1), 73),
                    (dt.date(2026, 3, 1), 8)]
    for result in results:
        assert result.landed_path is not None and pq.read_metadata(result.landed_path).num_rows


def test_a_gas_burning_plants_allowances_cover_its_gas(settings: Settings, tmp_path: Path):
    # dushu-textile burns 340 Nm3/h on three 8-hour shifts, weekends at 0.9: 340 x (5 + 2 x 0.9)
    # / 7 x 8,760 h = 2,893,337 Nm3 a year, x 21.622 t per 10^4 Nm3 = 6,255.9 tCO2
    paths = write_sample_inbox(settings, ["2026-06"], tmp_path)
    [path] = [p for p in paths if p.name.startswith("allowances_")]
    rows = [line.split(",") for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]]
    allocated = {row[0]: float(row[2]) for row in rows}
    assert allocated["dushu-textile"] > 0.92 * 6255.9
    assert allocated["dushu-textile"] < 0.92 * 6255.9 + 0.92 * 0.5703 * 6000  # + < 6 GWh
