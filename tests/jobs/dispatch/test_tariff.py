"""Interval prices from the demo park's versioned Jiangsu-style tariff, checked against the
tariff table by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.common.config_errors import ConfigError
from jobs.common.park_config import Tariff
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.tariff import interval_prices, tariff_in_force

ZONE = "Asia/Shanghai"


@pytest.fixture
def tariffs(demo_park_dict) -> list[Tariff]:
    base = Tariff.model_validate(demo_park_dict["tariffs"][0])
    dearer = base.model_copy(update={
        "id": "js-2026-07", "valid_from": dt.date(2026, 7, 1),
        "energy_price_cny_per_kwh": {k: v + 0.1 for k, v
                                     in base.energy_price_cny_per_kwh.items()}})
    return [base, dearer]


def _at(prices, hhmm: str):
    local = prices.index.tz_convert(ZONE)
    return prices[local.strftime("%H:%M") == hhmm].iloc[0]


def test_a_july_day_has_critical_peaks_and_the_new_version(tariffs):
    prices = interval_prices(tariffs, local_day_intervals(dt.date(2026, 7, 15), ZONE), ZONE)
    assert len(prices) == 96
    assert set(prices.tariff_id) == {"js-2026-07"}
    expected = {"03:00": ("valley", 0.3754), "09:45": ("peak", 1.1348),
                "10:00": ("critical_peak", 1.3418), "14:30": ("critical_peak", 1.3418),
                "15:00": ("flat", 0.7201), "21:45": ("peak", 1.1348), "23:45": ("flat", 0.7201)}
    for hhmm, (period, price) in expected.items():
        row = _at(prices, hhmm)
        assert row.tou_period == period, hhmm
        assert row.import_price_cny_per_kwh == pytest.approx(price), hhmm
    assert (prices.tou_period == "critical_peak").sum() == 8  # 10-11 and 14-15
    assert prices.export_allowed.all() and (prices.export_price_cny_per_kwh == 0.391).all()


def test_a_june_day_uses_the_earlier_version_without_critical_peak(tariffs):
    prices = interval_prices(tariffs, local_day_intervals(dt.date(2026, 6, 30), ZONE), ZONE)
    assert set(prices.tariff_id) == {"js-industrial-10kv-2025"}
    assert "critical_peak" not in set(prices.tou_period)
    assert _at(prices, "10:30").tou_period == "peak"
    assert _at(prices, "10:30").import_price_cny_per_kwh == pytest.approx(1.0348)
    assert (prices.tou_period == "valley").sum() == 32  # 00:00-08:00


def test_gaps_in_the_windows_and_missing_versions_are_config_errors(tariffs):
    holey = tariffs[0].model_copy(update={"windows": tariffs[0].windows[1:]})  # no valley
    with pytest.raises(ConfigError, match="no window price 2026-03-02 00:00 local"):
        interval_prices([holey], local_day_intervals(dt.date(2026, 3, 2), ZONE), ZONE)
    with pytest.raises(ConfigError, match="no tariff is in force on 2024-12-31"):
        tariff_in_force(tariffs, dt.date(2024, 12, 31))
