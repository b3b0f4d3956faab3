"""The simulated year's defaults are the fast ones a monthly flow can afford: the rule-based
controller, one warm-up day per sample and no warehouse build or plan per simulated day
(measured in docs/management.md, "Run time": the plan controller's daily build and plan were
three quarters of a sample's time). A battery case by default also runs the rule-based
controller, which trades (valley charge, peak discharge:
tests/jobs/twin/test_rule_controller.py)."""

from __future__ import annotations

from jobs.common.valuation_settings import InvestmentCase, SimulatedYear
from jobs.valuation.cases import case_controller
from jobs.valuation.simulated import WARMUP_DAYS


def test_default_simulated_year_is_the_rule_based_controller_with_a_day_of_warm_up() -> None:
    default = SimulatedYear()
    assert default.controller == "rule_based"
    assert WARMUP_DAYS[default.controller] == 1
    assert default.days_per_season == 7


def test_auto_case_controller_runs_a_battery_under_the_rule_based_controller() -> None:
    battery = InvestmentCase.model_validate({"id": "bess-4mwh", "title_zh": "新增储能",
                                             "title_en": "More storage",
                                             "add_battery_kwh": 4000, "add_battery_kw": 2000})
    pv = InvestmentCase.model_validate({"id": "roof-pv", "title_zh": "新增光伏",
                                        "title_en": "More PV", "add_pv_kwp": 2000})
    assert case_controller(battery, "auto") == "rule_based"
    assert case_controller(pv, "auto") == "none"
