"""Every chart the reports draw speaks the reader's language: read word by word from the
matplotlib Figure each report builds (titles, axis labels, tick labels, legends, texts on the
plot), in both languages, against a rule of its own: an English chart holds no CJK code point
(nor full-width punctuation), a Chinese chart no Latin word but the units of the allow-list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from jobs.couplings.card import CouplingCard
from jobs.couplings.read import Flow
from jobs.scorecards.layout import enterprise_figures, park_figures
from jobs.valuation.cashflows import AssetBenefits, AssetCosts, Escalation, Prices, project
from jobs.valuation.report import case_figures
from tests.jobs.scorecards.samples import enterprise_card, park_card

# CJK radicals to the unified ideographs, CJK symbols and punctuation, compatibility
# ideographs, half- and full-width forms (，：（）)
CJK = re.compile(r"[\u2E80-\u9FFF\u3000-\u303F\uF900-\uFAFF\uFF00-\uFFEF]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9₂³]*")
# units (and their parts after a "/" or "·") a Chinese reader reads as they are
UNITS = {"kWh", "MWh", "GWh", "kW", "MW", "kWp", "MWp", "tCO2", "CO2", "CNY", "GJ", "t", "m³",
         "m", "tce", "kgce", "kg"}

COUPLINGS = CouplingCard(
    month=dt.date(2026, 10, 1),
    flows=[Flow("a", "b", "heat", "heat", 3200.0, "GJ", "declared", "waste_heat_utilisation"),
           Flow("outside", "a", "heat", "supply", 900.0, "GJ", "declared", None),
           Flow("b", "outside", "solid_waste", "slag", 35.0, "t", "declared",
                "solid_waste_utilisation"),
           Flow("a", "b", "water", "cooling", 744.0, "m3", "metered", "water_reuse"),
           Flow("b", "a", "organic_waste", "food", 12.0, "t", "declared", None)],
    incentives=[], suggestions=[],
    names={"zh": {"a": "苏州瑞丰食品有限公司", "b": "金鸡装备", "outside": "园区外"},
           "en": {"a": "Suzhou Ruifeng Foods Co., Ltd.", "b": "Jinji Equipment",
                  "outside": "Outside the park"}},
    incentive_source={"zh": "园区规则", "en": "the park's rule"},
    price_source={"zh": "园区配置", "en": "park config"})

# a case as the valuation runs it: the five parameters of sensitivity.parameters() (their
# units), NPVs at each end, and a 1 MWp PV's projected cash flows
TORNADO = pd.DataFrame({
    "parameter": ["tariff", "capex", "energy_yield", "discount_rate", "carbon_price"],
    "unit": ["x", "x", "x", "%", "CNY/tCO2"],
    "low_value": [0.7, 0.7, 0.8, 4.0, 0.0], "high_value": [1.3, 1.3, 1.2, 12.0, 152.0],
    "npv_at_low_cny": [-4.0e5, 1.9e6, 2.0e5, 1.6e6, 8.0e5],
    "npv_at_high_cny": [2.0e6, -1.0e5, 1.4e6, 1.0e5, 1.1e6]})
FLOWS = project(AssetCosts(capex_cny=3_500_000.0, life_years=25, om_cny_per_year=40_000.0),
                AssetBenefits(energy_kwh_per_year=1_050_000.0,
                              bill_savings_cny_per_year=300_000.0,
                              tco2_avoided_per_year=609.0),
                Escalation(), Prices())
CASE_TITLES = {"zh": "新增屋顶光伏 2 MWp", "en": "New rooftop PV 2 MWp"}


def chart_words(figure: Figure) -> list[str]:
    """Every visible, non-empty text the figure draws, after a draw (tick labels get their
    text when the axis is drawn)."""
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def foreign(text: str, language: str) -> list[str]:
    """The parts of `text` a reader of `language` would not read in their own language."""
    if language == "en":
        return CJK.findall(text)
    return [w for w in LATIN_WORD.findall(text) if w not in UNITS]


def _reports_charts(language: str) -> dict[str, Figure]:
    empty = enterprise_card(trend=enterprise_card().trend.iloc[:0],
                            daily_profile=enterprise_card().daily_profile.iloc[:0],
                            tou_shares_kwh=pd.Series(dtype=float),
                            emissions_by_source_tco2=pd.Series(dtype=float))
    every_word = enterprise_card(  # every TOU period and every emission source labelled
        tou_shares_kwh=pd.Series({"critical_peak": 1.0, "peak": 2.0, "flat": 3.0,
                                  "valley": 2.0, "deep_valley": 1.0}))
    park = dataclasses.replace(park_card(), couplings=COUPLINGS)
    return {**{f"enterprise {cid}": f for cid, f in enterprise_figures(enterprise_card(),
                                                                       language).items()},
            **{f"new enterprise {cid}": f for cid, f in enterprise_figures(empty,
                                                                           language).items()},
            **{f"all periods {cid}": f for cid, f in enterprise_figures(every_word,
                                                                        language).items()},
            **{f"park {cid}": f for cid, f in park_figures(park, language).items()},
            **{f"valuation {cid}": f for cid, f in case_figures(
                TORNADO, 1.0e6, FLOWS, CASE_TITLES[language], 0, language).items()}}


def test_the_rule_tells_the_languages_apart():
    assert foreign("NPV, 万元", "en") == ["万", "元"]
    assert foreign("净现值（万元）", "en") == ["净", "现", "值", "（", "万", "元", "）"]
    assert foreign("NPV, 万元", "zh") == ["NPV"]
    assert foreign("用电量（兆瓦时） 1,234 MWh 0.7倍 tCO2/tce CNY 12 m³", "zh") == []
    assert foreign("12 months: electricity (MWh), 2026-10", "en") == []
    assert foreign("0.7x", "zh") == ["x"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_chart_is_in_the_readers_language(language):
    charts = _reports_charts(language)
    assert {"enterprise trend", "enterprise profile", "enterprise tou", "enterprise sources",
            "park couplings", "park trajectory", "valuation tornado-0",
            "valuation cashflow-0"} <= set(charts)
    found = {}
    for name, figure in charts.items():
        words = chart_words(figure)
        assert len(words) >= (2 if name.startswith("new") else 5), (name, words)
        bad = {text: foreign(text, language) for text in words if foreign(text, language)}
        if bad:
            found[name] = bad
    assert found == {}
