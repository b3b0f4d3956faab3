"""The twin comparison's bill, by hand (jobs/twin/outcome.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.twin.outcome import demand_charge_cny, paid_export_kwh


def _month(days_and_peaks: dict[dt.date, float]) -> pd.DataFrame:
    return pd.DataFrame({"local_date": list(days_and_peaks),
                         "import_demand_kw": list(days_and_peaks.values())})


def test_the_demand_charge_is_on_the_months_metered_peak_prorated_to_the_days():
    """1 May peaked at 1,000 kW (before the evaluated days), 2-5 May at 800: the month's peak
    is 1,000 kW; four of May's 31 days: 40 x 1,000 x 4 / 31."""
    month = _month({dt.date(2026, 5, 1): 1000.0, dt.date(2026, 5, 2): 800.0,
                    dt.date(2026, 5, 3): 500.0, dt.date(2026, 5, 4): 700.0,
                    dt.date(2026, 5, 5): 600.0})
    assert demand_charge_cny(month, 40.0, dt.date(2026, 5, 2)) == pytest.approx(
        40.0 * 1000.0 * 4 / 31)


def test_a_period_across_two_months_pays_each_months_peak_for_its_days():
    """30 April (April: 30 days, peak 900) and 1 May (peak 600): 40 x (900/30 + 600/31)."""
    month = _month({dt.date(2026, 4, 1): 900.0, dt.date(2026, 4, 30): 300.0,
                    dt.date(2026, 5, 1): 600.0})
    assert demand_charge_cny(month, 40.0, dt.date(2026, 4, 30)) == pytest.approx(
        40.0 * (900.0 / 30 + 600.0 / 31))


def test_export_beyond_the_intervals_pv_is_paid_only_where_the_tariff_pays_stored_energy():
    exported = np.array([300.0, 100.0, 0.0])
    pv = np.array([0.0, 250.0, 50.0])
    assert paid_export_kwh(exported, pv, np.array([False] * 3)) == pytest.approx(
        [0.0, 100.0, 0.0])
    assert paid_export_kwh(exported, pv, np.array([True] * 3)) == pytest.approx(
        [300.0, 100.0, 0.0])
