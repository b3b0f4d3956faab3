"""The twin comparison's bill, by hand (jobs/twin/outcome.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.twin.outcome import (
    Outcome,
    demand_charge_cny,
    paid_export_kwh,
    save_backup_heat,
    saved_backup_heat_kwh_th,
)


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


def test_the_boilers_gas_is_on_the_bill_for_the_evaluated_days(tmp_path):
    """The boiler gave 100, 200 and 400 kWh_th on 3, 4 and 5 May; the bill of 4-5 May has
    600 kWh_th of it, at 0.36 CNY/kWh_th: 216 CNY beside 1,000 of energy and 500 of demand
    charge. No twin run saved any: none."""
    save_backup_heat(str(tmp_path), {"2026-05-03": 100.0, "2026-05-04": 200.0,
                                     "2026-05-05": 400.0})
    heat = saved_backup_heat_kwh_th(str(tmp_path), dt.date(2026, 5, 4), dt.date(2026, 5, 5))
    assert heat == pytest.approx(600.0)
    assert saved_backup_heat_kwh_th(str(tmp_path / "elsewhere"), dt.date(2026, 5, 4),
                                    dt.date(2026, 5, 5)) == 0.0
    bill = Outcome("mpc", 2, energy_cost_cny=1000.0, demand_charge_cny=500.0,
                   grid_import_kwh=0.0, grid_export_kwh=0.0, peak_import_kw=0.0,
                   scope2_location_tco2=0.0, scope2_market_tco2=0.0, scope1_tco2=0.0,
                   renewable_absorption_pct=0.0, self_sufficiency_pct=0.0,
                   battery_throughput_kwh=0.0, backup_heat_kwh_th=heat,
                   gas_cost_cny=heat * 0.36)
    assert bill.total_cost_cny == pytest.approx(1716.0)
