"""Realised earnings of PV and batteries on hand-made intervals (arithmetic in the comments)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.valuation.realised import _battery, _pv

FACTOR_T_PER_KWH = 0.5703 / 1000.0
TIMES = pd.date_range("2026-06-10 00:00", periods=3, freq="15min", tz="UTC")


def test_pv_takes_the_park_export_first_and_shares_it_by_generation():
    # interval 1: this system 60 of the park's 100 kWh, 30 exported -> 30 % of each system's
    # output left the park: 18 exported, 42 used; interval 2: 40 of 50, nothing exported
    rows = pd.DataFrame({"energy_kwh": [60.0, 40.0], "pv_generation": [100.0, 50.0],
                         "grid_export_kwh": [30.0, 0.0], "import_price": [1.0, 0.5],
                         "export_price": [0.39, 0.39]}, index=TIMES[:2])
    made = _pv(rows, FACTOR_T_PER_KWH)
    assert made["exported_kwh"] == pytest.approx(18.0)
    assert made["self_consumed_kwh"] == pytest.approx(82.0)
    assert made["bill_savings_cny"] == pytest.approx(42 * 1.0 + 40 * 0.5)  # 62
    assert made["export_revenue_cny"] == pytest.approx(18 * 0.39)  # 7.02
    assert made["tco2_avoided"] == pytest.approx(100 * 0.5703 / 1000)


def test_battery_arbitrage_and_the_demand_charge_it_saved():
    # metered import 60, 40, 75 kWh per quarter-hour = 240, 160, 300 kW: peak 300 kW;
    # without the battery (import + discharge - charge) 40, 100, 75 kWh = 160, 400, 300 kW:
    # peak 400 kW; 100 kW saved x 40 CNY/kW-month = 4,000 CNY for the month, of which the
    # window holds 1 of June's 30 days: 133.33 CNY. Arbitrage: 60 kWh discharged at 1.0 minus
    # 20 kWh charged at 0.3 = 54 CNY.
    park = pd.DataFrame({"grid_import_kwh": [60.0, 40.0, 75.0],
                         "battery_discharge": [0.0, 60.0, 0.0],
                         "battery_charge": [20.0, 0.0, 0.0],
                         "import_price": [0.3, 1.0, 0.6], "demand_charge": [40.0] * 3,
                         "month": ["2026-06"] * 3,
                         "local_date": [dt.date(2026, 6, 10)] * 3}, index=TIMES)
    mine = pd.DataFrame({"energy_flow": ["battery_charge", "battery_discharge"],
                         "energy_kwh": [20.0, 60.0]}, index=[TIMES[0], TIMES[1]])
    made = _battery(mine, park, FACTOR_T_PER_KWH)
    assert made["demand_savings_cny"] == pytest.approx(4000.0 / 30)
    assert made["charging_cost_cny"] == pytest.approx(6.0)
    assert made["bill_savings_cny"] == pytest.approx(4000.0 / 30 + 54.0)
    assert made["energy_kwh"] == 60.0 and made["charged_kwh"] == 20.0
    # carbon follows (discharge - charge): +40 kWh here, as the window starts mid-cycle
    assert made["tco2_avoided"] == pytest.approx(40 * 0.5703 / 1000)


def test_every_valuation_word_exists_in_both_languages():
    from jobs.scorecards.i18n import missing_translations
    from jobs.valuation.words import VALUATION_WORDS

    assert missing_translations(VALUATION_WORDS) == []
