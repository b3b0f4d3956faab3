"""The valuation's figures: the sourced market defaults unless the park overrides them, each
with where it came from; an unknown override is refused by name."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.common.park_config import ValuationSettings
from jobs.valuation.assumptions import PARK_CONFIG, PLATFORM_DEFAULT, assumptions_for


def test_defaults_come_from_the_csv_with_their_source():
    figures = assumptions_for(ValuationSettings())
    assert figures.value("cea_price_base") == 70.0  # market_defaults.csv
    assert figures.rate() == pytest.approx(0.08)  # social_discount_rate 8 %
    assert figures.figures["discount_rate"].source.startswith("建设项目经济评价方法与参数")
    assert figures.figures["bess_om"].source == PLATFORM_DEFAULT
    assert figures.price_date == dt.date(2025, 12, 31)


def test_the_park_overrides_a_figure_and_says_so():
    settings = ValuationSettings(market={"cea_price_base": 82.5}, discount_rate_pct=6,
                                 price_date=dt.date(2026, 10, 31),
                                 battery={"om_pct_of_capex_per_year": 1.5})
    figures = assumptions_for(settings)
    assert figures.value("cea_price_base") == 82.5
    assert figures.figures["cea_price_base"].source == PARK_CONFIG
    assert figures.rate() == pytest.approx(0.06)
    assert figures.figures["bess_om"].value == 1.5
    assert figures.figures["bess_om"].source == PARK_CONFIG
    assert figures.value("cea_price_low") == 60.0  # untouched figures keep the CSV's
    assert figures.price_date == dt.date(2026, 10, 31)


def test_an_unknown_market_item_is_refused_by_name():
    with pytest.raises(ValueError, match="cea_price_medium"):
        assumptions_for(ValuationSettings(market={"cea_price_medium": 65}))
