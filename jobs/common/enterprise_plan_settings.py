"""Assumptions of the one-plan-per-enterprise measures (一企一策, config section
`enterprise_plans`) that the market defaults (dbt_project/seeds/market_defaults.csv) do not
hold. Each names its source; the defaults are planning figures of low confidence, shown as
such in every plan."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jobs.common.config_types import Integer, Number, Strict

SourceText = Annotated[str, Field(min_length=3, max_length=300)]


class EnterprisePlanSettings(Strict):
    # share of the HVAC energy measured in peak hours that pre-cooling or pre-heating can move
    # to the valley without leaving the comfort band
    hvac_shiftable_share: Annotated[Number, Field(ge=0, le=1)] = 0.3
    hvac_shiftable_source: SourceText = "planning default (low confidence): 20-40 % of HVAC"
    hvac_shiftable_source_zh: SourceText | None = None  # jobs/common/config_text.py
    # demand-response events a year and their length
    dr_events_per_year: Annotated[Integer, Field(ge=0, le=365)] = 10
    dr_event_hours: Annotated[Number, Field(gt=0, le=24)] = 2.0
    dr_source: SourceText = "planning default (low confidence): Jiangsu 2024 called ~10 events"
    dr_source_zh: SourceText | None = None  # jobs/common/config_text.py
    # price of the heat a recovered GJ replaces (steam from the utility), CNY/GJ
    heat_price_cny_per_gj: Annotated[Number, Field(gt=0, le=1000)] = 100.0
    # installed cost of heat recovery per GJ a year it recovers
    heat_recovery_capex_cny_per_gj_year: Annotated[Number, Field(gt=0, le=10_000)] = 150.0
    heat_source: SourceText = "planning defaults (low confidence): industrial steam ~80-120 CNY/GJ"
    heat_source_zh: SourceText | None = None  # jobs/common/config_text.py
    # measure lives for the NPV, years
    pv_life_years: Annotated[Integer, Field(ge=5, le=40)] = 25
    heat_recovery_life_years: Annotated[Integer, Field(ge=3, le=30)] = 10
