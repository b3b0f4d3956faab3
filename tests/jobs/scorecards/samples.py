"""Hand-made scorecards for the renderer tests (the data layer has its own tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobs.scorecards.model import (
    CarbonAccount,
    DataQuality,
    EnterpriseContribution,
    EnterpriseScorecard,
    Figure,
    Finding,
    FlaggedEnterprise,
    GuidingFigure,
    IndicatorRow,
    ParkScorecard,
    ReadinessRow,
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
                                     "deficit_projected"),
        profile_days=(dt.date(2026, 10, 1), dt.date(2026, 10, 14)),
        through_day=dt.date(2026, 10, 14),
        contribution=EnterpriseContribution(410.2, 18.4, 3900.0, 17.9, [
            GuidingFigure("water_reuse", 93.1, "%", dt.date(2026, 1, 1), MONTH, target=90.0,
                          target_op=">=", status="meets"),
            GuidingFigure("unit_product_energy", 512.0, "kgce/t", dt.date(2026, 1, 1), MONTH,
                          "多晶硅", "Polysilicon", 480.0, "<=", "misses")]))
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
                                 "actual_tco2": [9e4, 9.3e4] + [None] * 20,
                                 "months_with_data": [12, 12, 10] + [0] * 19,
                                 "projected_tco2": [None, None, 9.4e4] + [None] * 19,
                                 "days_measured": [None, None, 287.0] + [None] * 19,
                                 "path_tco2": [None, None] + [9.4e4] * 5
                                 + list(np.linspace(9.4e4, 0, 16))[1:]}),
        data_quality=DataQuality(2976, 2976, 0, 0),
        through_day=dt.date(2026, 10, 14),
        emissions_by_kind_tco2={"enterprise": 7400.0, "park_common": 310.5,
                                "losses_unallocated": 42.0},
        readiness=readiness_rows())


def _readiness(key, zh, en, value, unit, target, op, status, **more) -> ReadinessRow:
    return ReadinessRow(
        key=key, name_zh=zh, name_en=en, is_core=key == "core_indicator",
        calculation="national_910" if key in ("core_indicator", "clean_energy_share")
        else "guiding_inbox", value=value, unit=unit, target=target, target_op=op,
        target_source=more.pop("target_source", "910号 附件3"), status=status,
        gap=more.pop("gap", None), close_quantity=more.pop("close_quantity", None),
        close_unit=more.pop("close_unit", None), close_action_zh=more.pop("action_zh", None),
        close_action_en=more.pop("action_en", None),
        close_quantity_year_end=more.pop("year_end", None),
        close_cost_cny=more.pop("cost", None), close_pv_kwp=more.pop("kwp", None),
        months_left=2, through_month=MONTH, **more)


def readiness_rows() -> list[ReadinessRow]:
    return [
        _readiness("core_indicator", "单位能耗碳排放", "Carbon per unit of energy", 0.41,
                   "tCO2/tce", 0.2, "<=", "misses", gap=0.21, close_quantity=12_500.0,
                   close_unit="MWh", action_zh="购买绿证或绿电交易电量（抵扣非绿电网电量）",
                   action_en="retire green certificates or buy green power", year_end=15_000.0,
                   cost=62_500.0, kwp=9_800.0, limit_set_nationally=False,
                   target_source="park target", closable_by_certificates=True,
                   direct_green_share_pct=12.0, direct_green_share_if_closed_pct=58.5),
        _readiness("clean_energy_share", "清洁能源消费占比", "Clean-energy share", 92.5, "%",
                   90.0, ">=", "meets", gap=0.0, close_quantity=0.0, close_unit="MWh"),
        _readiness("unit_product_energy", "单位产品能耗", "Unit product energy", None, "%",
                   100.0, ">=", "not_assessed: no sourced grade-2 limit for 2 products"),
        _readiness("solid_waste_utilisation", "工业固体废物综合利用率",
                   "Solid-waste utilisation", 61.0, "%", 80.0, ">=", "misses", gap=19.0,
                   close_quantity=380.0, close_unit="t", action_zh="提高固体废物综合利用量",
                   action_en="utilise more of the solid waste generated", year_end=456.0),
        _readiness("waste_heat_utilisation", "余热余冷余压利用率", "Waste-heat utilisation",
                   None, "%", 50.0, ">=", "not_applicable: no waste heat on site"),
        _readiness("water_reuse", "工业用水重复利用率", "Industrial water reuse", None, "%",
                   90.0, ">=", "not_measured")]
