"""Hand-made scorecards for the renderer tests (the data layer has its own tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobs.scorecards.model import (
    CarbonAccount,
    DataQuality,
    EnterpriseScorecard,
    Figure,
    Finding,
    FlaggedEnterprise,
    IndicatorRow,
    ParkScorecard,
    TargetStatus,
)

MONTH = dt.date(2026, 10, 1)


def enterprise_card(**changes) -> EnterpriseScorecard:
    slots = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]
    hours = np.arange(96) / 4.0
    card = EnterpriseScorecard(
        enterprise_id="haoyu-newenergy", name_zh="昊宇新能源", name_en="Haoyu New Energy",
        month=MONTH,
        headline=[Figure("electricity_kwh", 1_234_567.0, "kWh", 1_100_000.0, 1_300_000.0),
                  Figure("scope2_location_tco2", 662.5, "tCO2", 590.2, None),
                  Figure("intensity_tco2_per_10k_cny", 0.0815, "tCO2/10k CNY", 0.0790, None)],
        targets=[TargetStatus("annual_cap_tco2", 7000.0, 5600.0, 7350.0, "tCO2", "amber")],
        overall_light="amber", rank_by_intensity=3, rank_by_improvement=7,
        enterprises_ranked=10,
        trend=pd.DataFrame({"month": pd.date_range("2025-11-01", periods=12, freq="MS"),
                            "electricity_kwh": np.linspace(1.0e6, 1.3e6, 12),
                            "tco2": np.linspace(540, 700, 12),
                            "intensity_tco2_per_10k_cny": np.linspace(0.09, 0.08, 12)}),
        daily_profile=pd.DataFrame({"load_kw": 1200 + 800 * ((hours > 8) & (hours < 20)),
                                    "pv_kw": np.clip(600 * np.sin((hours - 6) / 12 * np.pi),
                                                     0, None)}, index=slots),
        tou_shares_kwh=pd.Series({"peak": 380_000.0, "flat": 520_000.0, "valley": 334_567.0}),
        emissions_by_source_tco2=pd.Series({"electricity": 662.5, "natural_gas": 41.2}),
        findings=[Finding("peak_share", {"share": 31.0}, "info"),
                  Finding("shift_to_valley_saving", {"kw": 200.0, "cny": 6_000.0, "days": 10.0,
                                                     "days_in_month": 31,
                                                     "cny_per_month": 18_600.0}, "saving"),
                  Finding("data_gaps", {"share": 2.4}, "warning")],
        data_quality=DataQuality(2976, 2905, 48, 23),
        carbon_account=CarbonAccount(662.5, 5600.0, 7000.0, 1400.0, -350.0,
                                     "deficit_projected"))
    return EnterpriseScorecard(**{**card.__dict__, **changes})


def park_card() -> ParkScorecard:
    return ParkScorecard(
        park_id="sip-zero-carbon-demo", name_zh="苏州工业园零碳示范园",
        name_en="Suzhou Zero-Carbon Demo Park", month=MONTH,
        core_indicator_month=2.91, core_indicator_year_to_date=2.95,
        core_indicator_rolling_12m=2.97, core_indicator_limit=0.2,
        core_indicator_light="red",
        indicators=[IndicatorRow("renewable_share", "清洁能源消费占比", "Clean energy share",
                                 31.0, "%", "≥ 90 %", "not_met"),
                    IndicatorRow("waste_heat", "余热利用率", "Waste-heat use", None, "%",
                                 "rising", "not_measured")],
        headline=[Figure("grid_import_kwh", 8.1e6, "kWh", 7.9e6, None),
                  Figure("renewable_absorption_pct", 99.2, "%", 98.7, None)],
        dispatch_saving_cny=152_300.0,
        league=pd.DataFrame({"enterprise_id": ["a", "b"], "name_zh": ["甲企业", "乙企业"],
                             "name_en": ["A Co", "B Co"], "intensity": [0.05, 0.12],
                             "change_pct": [-3.2, 4.5], "light": ["green", "red"],
                             "rank": [1, 2]}),
        flagged=[FlaggedEnterprise("b", "乙企业", "B Co", "warning", "red_months",
                                   {"months": 1})],
        trajectory=pd.DataFrame({"year": list(range(2024, 2046)),
                                 "actual_tco2": [9e4, 9.3e4, 9.1e4] + [None] * 19,
                                 "path_tco2": list(np.linspace(9e4, 9.4e4, 7))
                                 + list(np.linspace(9.4e4, 0, 16))[1:]}),
        data_quality=DataQuality(2976, 2976, 0, 0))
