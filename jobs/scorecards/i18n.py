"""Every word of the scorecards, in Chinese (default) and English, by key. Findings are
sentences with named parameters, formatted here so the data layer stays wordless."""

from __future__ import annotations

from collections.abc import Mapping

from jobs.couplings.words import COUPLING_WORDS
from jobs.scorecards.chart_words import CHART_WORDS
from jobs.scorecards.finding_words import FINDING_WORDS
from jobs.scorecards.national_words import NATIONAL_WORDS

LANGUAGES = ("zh", "en")

_CARD_WORDS: Mapping[str, Mapping[str, str]] = {
    "electricity_kwh": {
        "zh": "用电量",
        "en": "Electricity",
    },
    "energy_tce": {
        "zh": "综合能耗",
        "en": "Total energy",
    },
    "scope1_tco2": {
        "zh": "范围一排放",
        "en": "Scope 1 emissions",
    },
    "scope2_location_tco2": {
        "zh": "范围二排放（基于位置）",
        "en": "Scope 2 (location-based)",
    },
    "scope2_market_tco2": {
        "zh": "范围二排放（基于市场）",
        "en": "Scope 2 (market-based)",
    },
    "intensity_tco2_per_10k_cny": {
        "zh": "单位产值碳排放",
        "en": "Carbon intensity",
    },
    "renewable_share_pct": {
        "zh": "可再生能源占比",
        "en": "Renewable share",
    },
    "pv_self_consumed_kwh": {
        "zh": "消纳园区光伏",
        "en": "Park PV used",
    },
    "dr_events": {
        "zh": "需求响应次数",
        "en": "Demand-response events",
    },
    "dr_income_cny": {
        "zh": "需求响应收益",
        "en": "Demand-response income",
    },
    "grid_import_kwh": {
        "zh": "电网购电",
        "en": "Grid import",
    },
    "direct_green_import_kwh": {
        "zh": "绿电直连",
        "en": "Direct green supply",
    },
    "grid_export_kwh": {
        "zh": "上网电量",
        "en": "Grid export",
    },
    "pv_generation_kwh": {
        "zh": "光伏发电",
        "en": "PV generation",
    },
    "consumption_kwh": {
        "zh": "园区用电",
        "en": "Park consumption",
    },
    "renewable_absorption_pct": {
        "zh": "可再生能源消纳率",
        "en": "Renewable absorption",
    },
    "self_sufficiency_pct": {
        "zh": "自给率",
        "en": "Self-sufficiency",
    },
    "peak_import_kw": {
        "zh": "最大需量",
        "en": "Peak demand",
    },
    "kWh": {
        "zh": "千瓦时",
        "en": "kWh",
    },
    "tce": {
        "zh": "吨标准煤",
        "en": "tce",
    },
    "tCO2": {
        "zh": "吨CO2",
        "en": "tCO2",
    },
    "tCO2/10k CNY": {
        "zh": "吨CO2/万元",
        "en": "tCO2/10k CNY",
    },
    "%": {
        "zh": "%",
        "en": "%",
    },
    "kW": {
        "zh": "千瓦",
        "en": "kW",
    },
    "CNY": {
        "zh": "元",
        "en": "CNY",
    },
    "events": {
        "zh": "次",
        "en": "",
    },
    "tCO2/tce": {
        "zh": "吨CO2/吨标准煤",
        "en": "tCO2/tce",
    },
    "enterprise_title": {
        "zh": "{name} · {month} 能碳月度记分卡",
        "en": "{name} · energy & carbon scorecard, {month}",
    },
    "park_title": {
        "zh": "{name} · {month} 零碳园区月度记分卡",
        "en": "{name} · zero-carbon park scorecard, {month}",
    },
    "headline": {
        "zh": "本月要点",
        "en": "This month",
    },
    "vs_previous_month": {
        "zh": "环比",
        "en": "vs last month",
    },
    "vs_last_year": {
        "zh": "同比",
        "en": "vs a year ago",
    },
    "no_comparison": {
        "zh": "—",
        "en": "—",
    },
    "targets": {
        "zh": "目标进度",
        "en": "Targets",
    },
    "target": {
        "zh": "目标",
        "en": "Target",
    },
    "actual": {
        "zh": "累计",
        "en": "So far",
    },
    "projected": {
        "zh": "年末预计（按已计量天数折算）",
        "en": "Year-end projection (from the days measured)",
    },
    "annual_cap_tco2": {
        "zh": "年度排放上限（碳账户口径）",
        "en": "Annual emissions cap (carbon-account basis)",
    },
    "intensity_path_tco2_per_10k_cny": {
        "zh": "强度下降路径",
        "en": "Intensity path",
    },
    "rank": {
        "zh": "园区排名",
        "en": "Rank in the park",
    },
    "rank_text": {
        "zh": "单位产值碳排放第 {intensity} 名，改善幅度第 {improvement} 名（共 {n} 家）",
        "en": "No. {intensity} by carbon intensity, No. {improvement} by improvement (of {n})",
    },
    "rank_none": {
        "zh": "本月无产值数据，未参与排名",
        "en": "No output value this month: not ranked",
    },
    "charts": {
        "zh": "图表",
        "en": "Charts",
    },
    "findings": {
        "zh": "发现与建议",
        "en": "Findings and recommendations",
    },
    "data_quality": {
        "zh": "数据质量",
        "en": "Data quality",
    },
    "data_quality_text": {
        "zh": "本月应有 {expected} 个15分钟数据点，实测 {measured} 个，估算 {estimated} 个，缺失 {missing} 个（完整度 {complete:.1f}%）。",  # noqa: E501
        "en": "{expected} quarter-hours expected this month: {measured} measured, {estimated} estimated, {missing} missing ({complete:.1f} % complete).",  # noqa: E501
    },
    "carbon_account": {
        "zh": "碳账户",
        "en": "Carbon account",
    },
    "month_tco2": {
        "zh": "本月排放",
        "en": "This month",
    },
    "year_to_date_tco2": {
        "zh": "年初至今",
        "en": "Year to date",
    },
    "allowances_tco2": {
        "zh": "持有配额",
        "en": "Allowances held",
    },
    "surplus_tco2": {
        "zh": "盈余（负为缺口）",
        "en": "Surplus (negative: deficit)",
    },
    "projected_surplus_tco2": {
        "zh": "年末预计盈余",
        "en": "Projected year-end surplus",
    },
    "status_surplus": {
        "zh": "盈余",
        "en": "Surplus",
    },
    "status_deficit_projected": {
        "zh": "预计缺口",
        "en": "Deficit projected",
    },
    "status_deficit": {
        "zh": "缺口",
        "en": "Deficit",
    },
    "status_no_allowances": {
        "zh": "无配额记录",
        "en": "No allowances recorded",
    },
    "new_enterprise": {
        "zh": "新入园企业：暂无历史数据可比。",
        "en": "New enterprise: no history to compare with yet.",
    },
    "light_green": {
        "zh": "达标",
        "en": "On track",
    },
    "light_amber": {
        "zh": "临界",
        "en": "At risk",
    },
    "light_red": {
        "zh": "未达标",
        "en": "Off track",
    },
    "light_grey": {
        "zh": "无目标或数据",
        "en": "No target or data",
    },
    "core_indicator": {
        "zh": "核心指标：单位能耗碳排放",
        "en": "Core indicator: tCO2 per tce",
    },
    "core_indicator_enterprise": {
        "zh": "单位能耗碳排放：企业核算口径（范围一 + 范围二{method}，能耗按当量值）",
        "en": "tCO2 per tce, the enterprises' calculation (Scope 1 + {method} Scope 2, energy at calorific value)",  # noqa: E501
    },
    "intensity_note": {
        "zh": "以上为本月数据。单位产值碳排放 =（范围一 + 范围二{method}）÷ 产值；可再生能源占比 =（园区光伏 + 绿电 + 绿证）÷ 用电量。",  # noqa: E501
        "en": "The month's figures. Carbon intensity = (Scope 1 + {method} Scope 2) / output value; renewable share = (park PV + green power + certificates) / electricity.",  # noqa: E501
    },
    "core_month": {
        "zh": "本月",
        "en": "This month",
    },
    "core_ytd": {
        "zh": "年初至今",
        "en": "Year to date",
    },
    "core_rolling": {
        "zh": "滚动12个月",
        "en": "Rolling 12 months",
    },
    "core_limit": {
        "zh": "限值",
        "en": "Limit",
    },
    "indicators": {
        "zh": "引导性指标",
        "en": "Guiding indicators",
    },
    "indicator_met": {
        "zh": "达标",
        "en": "Met",
    },
    "indicator_not_met": {
        "zh": "未达标",
        "en": "Not met",
    },
    "indicator_not_measured": {
        "zh": "未计量",
        "en": "Not measured",
    },
    "energy_balance": {
        "zh": "园区能源平衡",
        "en": "Park energy balance",
    },
    "dispatch_saving": {
        "zh": "本月日前计划预计较规则基线节省 {cny:,.0f} 元（计划值，非计量）",
        "en": "The month's day-ahead plans expected to save {cny:,.0f} CNY against the "
              "rule-based baseline (planned, not metered)",
    },
    "target_grade2": {  # the reference table's target text is English with 二级 in it
        "zh": "达到国家单位产品能耗限额标准二级及以上",
        "en": "grade 2 of the national energy-consumption limit standard, or better",
    },
    "dispatch_saving_none": {
        "zh": "本月无日前计划",
        "en": "No day-ahead plans this month",
    },
    "league": {
        "zh": "企业排行榜",
        "en": "Enterprise league table",
    },
    "enterprise": {
        "zh": "企业",
        "en": "Enterprise",
    },
    "intensity": {
        "zh": "碳强度",
        "en": "Intensity",
    },
    "change": {
        "zh": "环比",
        "en": "Change",
    },
    "status": {
        "zh": "状态",
        "en": "Status",
    },
    "flagged": {
        "zh": "预警与处罚",
        "en": "Warnings and penalties",
    },
    "flagged_none": {
        "zh": "本月无企业触发预警。",
        "en": "No enterprise flagged this month.",
    },
    "action_warning": {
        "zh": "预警",
        "en": "Warning",
    },
    "action_penalty": {
        "zh": "处罚",
        "en": "Penalty",
    },
    "rule_red_months": {
        "zh": "连续 {months} 个月未达标",
        "en": "{months} months off track in a row",
    },
    "rule_red_month": {
        "zh": "连续 {months} 个月未达标",
        "en": "{months} month off track",
    },
    "footer": {
        "zh": "本记分卡由园区能碳管理平台根据计量数据自动生成。",
        "en": "Generated by the park's energy and carbon platform from metered data.",
    },
    "through_day": {
        "zh": "（截至{month}月{day}日）",
        "en": " (through {day} {month_abbr})",
    },
    "park_emissions_scope": {
        "zh": "园区排放为全园区口径（范围一 + 范围二基于位置，本月）：企业合计 {enterprises:,.1f} 吨、园区公共用电（含充电桩）{common:,.1f} 吨、未分摊线损 {losses:,.1f} 吨，共 {total:,.1f} 吨CO2。碳资产估值的园区合计含企业与园区公共用电，按配额排放因子核算（其自身口径），不含未分摊线损。",  # noqa: E501
        "en": "Park emissions cover the whole park (Scope 1 + location-based Scope 2, this month): enterprises {enterprises:,.1f} t, the park's common loads (EV charging included) {common:,.1f} t, unallocated losses {losses:,.1f} t; {total:,.1f} tCO2 in all. The carbon-asset valuation's park total counts the enterprises and the common loads at the allowance factor (its own calculation), not the unallocated losses.",  # noqa: E501
    },
}


WORDS: Mapping[str, Mapping[str, str]] = {**_CARD_WORDS, **CHART_WORDS, **FINDING_WORDS,
                                          **NATIONAL_WORDS, **COUPLING_WORDS}


def word(key: str, language: str, **params: object) -> str:
    """The scorecards' text for `key` in `language`, formatted with `params`."""
    return word_in(WORDS, key, language, **params)


def word_in(vocabulary: Mapping[str, Mapping[str, str]], key: str, language: str,
            **params: object) -> str:
    """The text for `key` in `language` from a report's vocabulary, formatted with `params`.
    A missing key is an error: every word a report prints must exist in both languages."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: zh or en")
    text = vocabulary[key][language]
    return text.format(**params) if params else text


def missing_translations(vocabulary: Mapping[str, Mapping[str, str]] = WORDS) -> list[str]:
    return [key for key, texts in vocabulary.items() if set(texts) != set(LANGUAGES)]
