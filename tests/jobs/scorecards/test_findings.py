"""The load-shape findings on hand-made months: a day-shift plant gets the peak shift (its
saving over the days measured and scaled to the month, computed here by hand) and, with a
high night load, the night base-load finding; a flat three-shift plant gets neither."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobs.scorecards.findings import enterprise_findings
from jobs.scorecards.model import CarbonAccount, DataQuality
from tests.jobs.scorecards.conftest import JUNE_PERIODS, PEAK_PRICE, VALLEY_PRICE

DAYS = 3  # three days measured in a 30-day month
ACCOUNT = CarbonAccount(None, None, None, None, None, "no_allowances")
QUALITY = DataQuality(DAYS * 96, DAYS * 96, 0, 0)


def _month(kw_by_hour) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`DAYS` days of quarter-hours at kw_by_hour(hour, quarter) with Jiangsu's June periods
    and prices, and the mean daily profile."""
    starts = pd.date_range("2026-06-01", periods=DAYS * 96, freq="15min")
    kw = np.array([kw_by_hour(t.hour, t.minute // 15) for t in starts], dtype=float)
    periods = [JUNE_PERIODS[t.hour] for t in starts]
    priced = pd.DataFrame({
        "interval_start_local": starts, "consumption_kwh": kw / 4.0, "tou_period": periods,
        "import_price_cny_per_kwh": [PEAK_PRICE if p == "peak" else 0.6 if p == "flat"
                                     else VALLEY_PRICE for p in periods],
        "valley_price_cny_per_kwh": VALLEY_PRICE})
    slots = starts.strftime("%H:%M")
    profile = pd.DataFrame({"load_kw": kw, "pv_kw": 0.0}).groupby(slots).mean()
    return priced, profile


def _keys(priced, profile) -> dict:
    found = enterprise_findings(priced, profile, QUALITY, None, ACCOUNT, days_in_month=30)
    return {f.key: f for f in found}


def test_a_day_shift_plant_gets_the_shift_saving_scaled_to_the_month():
    # 1,500 kW from 08:00 to 20:00, 300 kW otherwise
    priced, profile = _month(lambda hour, _: 1500.0 if 8 <= hour < 20 else 300.0)
    found = _keys(priced, profile)
    # peak hours 08-11 and 17-22: 24 quarter-hours at 1,500 and 8 (20-22) at 300 a day
    mean_peak_kw = (24 * 1500 + 8 * 300) / 32  # 1,200 kW
    shift_kw = 0.2 * mean_peak_kw  # 240 kW
    over_three_days = shift_kw * 0.25 * 32 * DAYS * (1.0348 - 0.2754)  # 4,374.144 CNY
    saving = found["shift_to_valley_saving"].params
    assert saving["kw"] == pytest.approx(240.0)
    assert saving["cny"] == pytest.approx(4374.144)
    assert saving["cny"] == pytest.approx(over_three_days)
    assert saving["days"] == pytest.approx(3.0)
    assert saving["cny_per_month"] == pytest.approx(43741.44)  # x 30 / 3
    assert "night_base_load" not in found and "flat_load" not in found  # night 20 % of peak


def test_a_high_night_load_in_a_day_shift_plant_is_pointed_out():
    priced, profile = _month(lambda hour, _: 1500.0 if 8 <= hour < 20 else 900.0)
    found = _keys(priced, profile)
    assert found["night_base_load"].params["share"] == pytest.approx(60.0)
    assert "shift_to_valley_saving" in found and "flat_load" not in found


def test_a_flat_three_shift_plant_gets_neither_the_shift_nor_the_night_finding():
    # 1,000 kW around the clock with a +-3 % ripple: a third of its kWh fall in peak hours
    # (8 h of 24), above the 25 % threshold, yet nothing can move without changing shifts
    priced, profile = _month(lambda hour, quarter: 1000.0 * (1 + 0.03 * (-1) ** quarter))
    found = _keys(priced, profile)
    assert found["peak_share"].params["share"] == pytest.approx(100 * 8 / 24)
    assert "shift_to_valley_saving" not in found
    assert "night_base_load" not in found
    assert found["flat_load"].params["night_to_day_pct"] == pytest.approx(100.0)


def test_the_saving_says_per_month_and_from_how_many_days():
    from jobs.scorecards.i18n import word

    params = {"kw": 240.0, "cny": 4374.144, "days": 3.0, "days_in_month": 30,
              "cny_per_month": 43741.44}
    zh = word("finding_shift_to_valley_saving", "zh", **params)
    en = word("finding_shift_to_valley_saving", "en", **params)
    assert "3.0 天" in zh and "4,374 元" in zh and "每月（30 天）约可节省 43,741 元" in zh
    assert "4,374 CNY over the 3.0 days measured" in en and "43,741 CNY" in en
