"""Installed assets valued by hand: a metered year with a known cash flow gives the textbook
NPV; an asset that never ran reads "no operation data" and, without a simulated year,
"insufficient data" instead of an NPV; the park's own capex and payment date are used and
checked; the report's words for money, break-even and the assumptions."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from device_io.simulator.park_generator import generate_park
from jobs.common.park_config import ParkConfig
from jobs.valuation.assets import YearOfData, needs_simulation, value_asset
from jobs.valuation.assumptions import assumptions_for
from jobs.valuation.figure_words import FIGURE_NAMES, figure_row
from jobs.valuation.realised import RealisedAsset
from jobs.valuation.report import _break_even, _dscr, _installed, cny
from jobs.valuation.run import Valuations

MONTH = dt.date(2026, 6, 1)
CAPEX_CNY, SAVINGS_CNY = 1_000_000.0, 200_000.0
# (1 - 1.08^-10) / 0.08, the 10-year annuity factor at 8 %
ANNUITY_8PCT_10Y = 6.710081399


def _park(**installed) -> ParkConfig:
    park = generate_park(40, seed=3)
    park["valuation"] = {
        "discount_rate_pct": 8, "market": {"cea_price_base": 0, "gec_price": 0},
        "pv": {"life_years": 10, "degradation_first_year_pct": 0,
               "degradation_pct_per_year": 0, "om_cny_per_w_year": 0},
        "installed": installed}
    return ParkConfig.model_validate(park)


def _realised(asset_id: str, days: int, energy_kwh: float, savings_cny: float
              ) -> RealisedAsset:
    return RealisedAsset(
        asset_id=asset_id, asset_kind="pv" if asset_id.startswith("pv") else "battery",
        owner_enterprise_id=None, first_day=dt.date(2025, 7, 1),
        last_day=dt.date(2025, 7, 1) + dt.timedelta(days=days - 1), days_covered=days,
        energy_kwh=energy_kwh, self_consumed_kwh=energy_kwh, exported_kwh=0.0,
        charged_kwh=0.0, bill_savings_cny=savings_cny, demand_savings_cny=0.0,
        export_revenue_cny=0.0, charging_cost_cny=0.0, tco2_avoided=50.0)


def test_a_metered_year_with_a_known_cash_flow_gives_the_hand_computed_npv():
    park = _park(**{"pv-roof-01": {"name_en": "Rooftop PV 1", "name_zh": "1号屋顶光伏",
                                   "capex_cny": CAPEX_CNY, "paid_on": "2026-01-01"}})
    assumptions = assumptions_for(park.valuation, tariffs=park.tariffs)
    realised = _realised("pv-roof-01", 365, 100_000.0, SAVINGS_CNY)
    valued = value_asset(park, realised, assumptions,
                         YearOfData("metered_year", realised, 1.0), MONTH)
    assert (valued.capex_cny, valued.capex_source) == (CAPEX_CNY, "config")
    assert valued.paid_on == dt.date(2026, 1, 1)
    # -1,000,000 now, then 200,000 a year for 10 years at 8 %: 342,016.28
    assert valued.valuation.npv_cny == pytest.approx(-CAPEX_CNY + SAVINGS_CNY * ANNUITY_8PCT_10Y)
    assert valued.valuation.simple_payback_years == pytest.approx(5.0)
    # paid half a year before the month's end: all ten operating years are still ahead
    assert valued.remaining_value_cny == pytest.approx(SAVINGS_CNY * ANNUITY_8PCT_10Y)
    assert valued.name("en") == "Rooftop PV 1" and valued.name("zh") == "1号屋顶光伏"
    # profitable without a carbon price: its break-even price is below zero, said in words
    assert valued.valuation.break_even_carbon_price_cny_per_tco2 < 0
    assert _break_even(valued.valuation.break_even_carbon_price_cny_per_tco2, "en") \
        == "no carbon price needed"
    assert _break_even(-12.0, "zh") == "无需碳价"
    assert _break_even(85.0, "en") == "85"  # the unit is in the column's header


def test_a_battery_that_never_ran_reads_no_operation_data_and_insufficient_data():
    park = _park()
    assumptions = assumptions_for(park.valuation, tariffs=park.tariffs)
    idle = _realised("bess-01", 365, 0.0, 0.0)
    assert needs_simulation(idle, 355)  # a full year, but nothing delivered
    assert needs_simulation(_realised("pv-roof-01", 4, 900.0, 500.0), 355)  # 4 days
    assert not needs_simulation(_realised("pv-roof-01", 360, 9e5, 5e5), 355)
    assert needs_simulation(None, 355)  # never metered
    valued = value_asset(park, idle, assumptions,
                         YearOfData("insufficient_data", None, 0.0), MONTH)
    assert valued.valuation is None and valued.remaining_value_cny is None
    assert (valued.operated, valued.data_basis, valued.capex_source) == (
        False, "insufficient_data", "estimated")
    valuations = Valuations(run_id="r", month=MONTH, created_at_utc=dt.datetime.now(dt.UTC),
                            assumptions=assumptions, ledger=[], assets=[(valued, None)],
                            cases=[])
    facts, figures = [block for block in _installed(valuations, "en") if hasattr(block, "rows")]
    assert facts.rows[0][0] == "bess-01"  # no name configured: its id
    assert "no operation data" in facts.rows[0][5] and "insufficient data" in facts.rows[0][5]
    assert "(estimated)" in facts.rows[0][2]
    assert figures.header[2] == "NPV (CNY 10k)"
    assert figures.rows[0][2] == "insufficient data"  # where the NPV would be
    assert not any(cell.startswith("-") for cell in figures.rows[0])  # no negative figure
    zh_facts, zh_figures = [block for block in _installed(valuations, "zh")
                            if hasattr(block, "rows")]
    assert "无运行数据" in zh_facts.rows[0][5] and zh_figures.rows[0][2] == "数据不足"


@pytest.mark.parametrize(("installed", "message"), [
    ({"bess-99": {"capex_cny": 1e6, "paid_on": "2024-01-01"}},
     "valuation.installed.bess-99: not a configured PV system or battery"),
    ({"bess-01": {"capex_cny": 1e6, "paid_on": "2999-01-01"}},
     "valuation.installed.bess-01.paid_on: 2999-01-01 is in the future"),
    ({"bess-01": {"paid_on": "2024-01-01"}}, "paid_on needs capex_cny"),
    ({"bess-01": {"capex_cny": -5}}, "greater than 0"),
    ({"bess-01": {"capex_cny": float("nan")}}, "finite"),
])
def test_bad_installed_capex_is_refused_by_name(installed, message):
    with pytest.raises(ValidationError, match=message):
        _park(**installed)


def test_a_coverage_below_zero_says_the_cash_flow_is_negative():
    assert _dscr(-4.99, "en") == "negative operating cash flow"
    assert _dscr(-4.99, "zh") == "经营现金流为负"
    assert _dscr(1.234, "en") == "1.23" and _dscr(None, "en") == "—"


def test_english_money_is_cny_then_plain_yuan_and_chinese_keeps_wan():
    assert cny(-1_262_934.4, "en") == "CNY -1,262,934"
    assert cny(850.0, "en") == "CNY 850"
    assert cny(-1_262_934.4, "zh") == "-126.3 万元"


def test_the_assumptions_list_the_tariff_once_each_and_in_chinese():
    park = _park()
    assumptions = assumptions_for(park.valuation, tariffs=park.tariffs)
    names = list(assumptions.figures)
    tariff = park.tariffs[-1]
    for period, price in tariff.energy_price_cny_per_kwh.items():
        assert assumptions.value(f"tariff_{period}") == price
    assert assumptions.value("tariff_demand_charge") == tariff.demand_charge_cny_per_kw_month
    # the market items the park's figures replace are not listed beside them
    for replaced in ("social_discount_rate", "ci_pv_capex", "pv_om_cost",
                     "bess_system_price_2h"):
        assert replaced not in names
    assert len(names) == len(set(names))
    assert set(names) <= set(FIGURE_NAMES)  # every figure has its name in both languages
    for figure in assumptions.figures.values():
        name, _, unit, source, confidence = figure_row(figure, "zh")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in name + confidence), figure.name
        assert "park config" not in source and "platform default" not in source
    capex = figure_row(assumptions.figures["pv_capex"], "zh")
    assert capex[2] == "元/瓦" and capex[4] == "低" and capex[3] == "未经核实的默认值"
