"""The monthly valuation's assumptions: economics of PV and batteries, financing rules and the
investment cases valued on the twin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from jobs.common.config_types import (
    EnergyKwh,
    Identifier,
    Integer,
    Number,
    Percent,
    PowerKw,
    Strict,
)


class PvEconomics(Strict):
    """A PV system's economics; None takes the market default (reference/market_defaults.csv)."""

    life_years: Annotated[Integer, Field(ge=1, le=50)] = 25  # usual C&I rooftop PV design life
    capex_cny_per_w: Annotated[Number, Field(gt=0)] | None = None  # ci_pv_capex
    om_cny_per_w_year: Annotated[Number, Field(ge=0)] | None = None  # pv_om_cost
    degradation_first_year_pct: Annotated[Number, Field(ge=0, lt=100)] | None = None
    degradation_pct_per_year: Annotated[Number, Field(ge=0, lt=100)] = 0.45  # the CSV's note


class BatteryEconomics(Strict):
    """A battery's economics. The CSV has the system price only; the rest are platform
    defaults (unverified, shown as such in the report): replace them with the contract's."""

    life_years: Annotated[Integer, Field(ge=1, le=30)] = 15
    capex_cny_per_wh: Annotated[Number, Field(gt=0)] | None = None  # bess_system_price_2h
    om_pct_of_capex_per_year: Annotated[Number, Field(ge=0, le=20)] = 2.0
    # cells replaced once, at this operating year, for this share of the capex
    replacement_year: Annotated[Integer, Field(ge=1, le=30)] | None = 10
    replacement_pct_of_capex: Annotated[Number, Field(ge=0, le=100)] = 40.0
    capacity_fade_pct_per_year: Annotated[Number, Field(ge=0, lt=100)] = 2.0


class FinancingRules(Strict):
    """Hurdles for the financing view and the loan a DSCR is tested against (platform
    defaults; a bank's or a bond framework's terms replace them)."""

    green_bond_min_irr_pct: Annotated[Number, Field(ge=-100, le=100)] = 6.0
    max_payback_years: Annotated[Number, Field(gt=0, le=50)] = 10.0
    loan_share_pct: Percent = 70.0
    loan_rate_pct: Annotated[Number, Field(ge=0, le=50)] = 3.5
    loan_tenor_years: Annotated[Integer, Field(ge=1, le=30)] = 10
    min_dscr: Annotated[Number, Field(gt=0, le=10)] = 1.2
    # the source text's PPP example: government 20 %, private 80 % of the capital
    ppp_government_share_pct: Percent = 20.0


class InvestmentCase(Strict):
    """A proposed asset, valued from a digital-twin run of the park with and without it."""

    id: Identifier
    title_zh: str
    title_en: str
    add_pv_kwp: PowerKw | None = None
    add_battery_kwh: EnergyKwh | None = None
    add_battery_kw: PowerKw | None = None
    capex_cny: Annotated[Number, Field(gt=0)] | None = None  # default: the unit prices

    @model_validator(mode="after")
    def _one_asset(self) -> InvestmentCase:
        battery = (self.add_battery_kwh is None, self.add_battery_kw is None)
        if battery[0] != battery[1]:
            raise ValueError("a battery case needs both add_battery_kwh and add_battery_kw")
        if (self.add_pv_kwp is None) == (self.add_battery_kwh is None):
            raise ValueError("an investment case adds either PV (add_pv_kwp) or a battery "
                             "(add_battery_kwh and add_battery_kw)")
        return self


class InstalledAsset(Strict):
    """What the park paid for an installed PV system or battery, and when: the investment a
    lender looks at. Without it the valuation estimates the capex from the unit prices and the
    report says so for that asset."""

    name_zh: str | None = None  # the name the report prints (default: the asset id)
    name_en: str | None = None
    capex_cny: Annotated[Number, Field(gt=0)] | None = None
    paid_on: dt.date | None = None  # year 0 of the projection (default: commissioned)

    @model_validator(mode="after")
    def _paid_with_capex(self) -> InstalledAsset:
        if self.paid_on is not None and self.capex_cny is None:
            raise ValueError("paid_on needs capex_cny: the date says when that amount was paid")
        return self


class SimulatedYear(Strict):
    """The digital twin's year, for an installed asset without a full metered year (or never
    operated) and for the investment cases: `days_per_season` simulated days from the 15th of
    January, April, July and October (the latest of each that has passed), each sample
    standing for a quarter of the year. `controller` runs the park's batteries and loads:
    rule_based (the default), the live rules of jobs/twin/rule_controller.py (store a PV
    surplus, charge from the grid in the valley under the contract demand, discharge against
    the peak import), a day of warm-up and one warehouse build per sample; plan, the day-ahead
    plan the dispatch deployment makes, a week of warm-up per sample and a warehouse build and
    a plan every simulated day: about four times as long (docs/management.md, "Run time"), for
    a park that wants its batteries valued under the optimiser."""

    enabled: bool = True  # false: an asset without a full metered year reads "insufficient data"
    days_per_season: Annotated[Integer, Field(ge=1, le=31)] = 7
    controller: Literal["rule_based", "plan"] = "rule_based"
    # an installed asset is valued from its metered year only with at least this many metered
    # days in the twelve months (a full year, allowing a few days of outage)
    full_year_min_days: Annotated[Integer, Field(ge=300, le=366)] = 355


class ValuationSettings(Strict):
    """The monthly valuation's assumptions. Any market figure of reference/market_defaults.csv
    can be overridden by its item name under `market` (e.g. cea_price_base: 75); the report
    shows each figure with its source, and `price_date` as the date the prices refer to."""

    price_date: dt.date | None = None  # default: the end of the year the CSV's prices describe
    market: dict[str, Annotated[Number, Field(ge=0)]] = {}
    discount_rate_pct: Annotated[Number, Field(gt=-100, le=50)] | None = None  # social rate
    tariff_escalation_pct_per_year: Annotated[Number, Field(gt=-100, le=50)] = 0.0
    pv: PvEconomics = PvEconomics()
    battery: BatteryEconomics = BatteryEconomics()
    financing: FinancingRules = FinancingRules()
    cases: list[InvestmentCase] = []
    # installed PV systems and batteries by asset id: their names, capex and when it was paid
    installed: dict[Identifier, InstalledAsset] = {}
    simulated_year: SimulatedYear = SimulatedYear()
    # the twin runs an investment case over the simulated year's sample days, with this
    # controller. auto: none for PV (it needs no control, and the park's batteries
    # then stay out of its value), rule_based for a battery (valley charge, peak discharge, as
    # the simulated year). plan is the slow one: a week of warm-up, a build and a plan a day.
    case_controller: Literal["auto", "none", "rule_based", "plan"] = "auto"
