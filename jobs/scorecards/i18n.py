"""Every word of the scorecards, in Chinese (default) and English, by key. Findings are
sentences with named parameters, formatted here so the data layer stays wordless."""

from __future__ import annotations

from collections.abc import Mapping

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
    "trend_chart": {
        "zh": "近12个月用电与排放",
        "en": "12 months: electricity and emissions",
    },
    "profile_chart": {
        "zh": "日负荷曲线与光伏",
        "en": "Daily load profile and PV",
    },
    "tou_chart": {
        "zh": "分时段用电占比",
        "en": "Consumption by time-of-use period",
    },
    "sources_chart": {
        "zh": "排放来源",
        "en": "Emissions by source",
    },
    "load": {
        "zh": "负荷",
        "en": "Load",
    },
    "pv": {
        "zh": "光伏",
        "en": "PV",
    },
    "emissions": {
        "zh": "排放",
        "en": "Emissions",
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
    "trajectory_chart": {
        "zh": "碳达峰与碳中和路径",
        "en": "Path to peak and neutrality",
    },
    "actual_tco2": {
        "zh": "实际排放",
        "en": "Actual",
    },
    "path_tco2": {
        "zh": "目标路径",
        "en": "Path",
    },
    "footer": {
        "zh": "本记分卡由园区能碳管理平台根据计量数据自动生成。",
        "en": "Generated by the park's energy and carbon platform from metered data.",
    },
    "critical_peak": {
        "zh": "尖峰",
        "en": "Critical peak",
    },
    "peak": {
        "zh": "高峰",
        "en": "Peak",
    },
    "flat": {
        "zh": "平段",
        "en": "Flat",
    },
    "valley": {
        "zh": "低谷",
        "en": "Valley",
    },
    "deep_valley": {
        "zh": "深谷",
        "en": "Deep valley",
    },
    "electricity": {
        "zh": "外购电力",
        "en": "Purchased electricity",
    },
    "natural_gas": {
        "zh": "天然气",
        "en": "Natural gas",
    },
    "month_axis": {
        "zh": "月份",
        "en": "Month",
    },
    "time_axis": {
        "zh": "时刻",
        "en": "Time of day",
    },
    "year_axis": {
        "zh": "年份",
        "en": "Year",
    },
    "mwh": {
        "zh": "兆瓦时",
        "en": "MWh",
    },
    "electricity_mwh": {
        "zh": "用电量（兆瓦时）",
        "en": "Electricity (MWh)",
    },
    "emissions_account_basis": {
        "zh": "排放（碳账户口径）",
        "en": "Emissions (carbon-account basis)",
    },
    "trend_note": {
        "zh": "趋势图中的排放为碳账户口径（范围一 + 外购电量 × 配额排放因子），与下方碳账户一致；每月为当月已计量数据之和。",  # noqa: E501
        "en": "The trend's emissions are on the carbon account's basis (Scope 1 + grid electricity at the allowance factor), as in the account below; each month sums its metered data.",  # noqa: E501
    },
    "profile_chart_days": {
        "zh": "日负荷曲线与光伏：{days}日均",
        "en": "Daily load and PV: mean day of {days}",
    },
    "projected_tco2": {
        "zh": "{year}年预计（按{days:.0f}天折算全年）",
        "en": "{year} projected (annualised from {days:.0f} days)",
    },
    "through_day": {
        "zh": "（截至{month}月{day}日）",
        "en": " (through {day} {month_abbr})",
    },
    "trajectory_note": {
        "zh": "路径图为园区核心指标的排放口径（范围一 + 范围二，{method}）。实心点为完整年度的实际排放；空心点为本年按已计量天数折算的全年预计，不是实际值。",  # noqa: E501
        "en": "The path chart uses the core indicator's emissions (Scope 1 + Scope 2, {method}). Filled dots are whole years' actual emissions; the hollow dot is this year annualised from the days measured, not an actual.",  # noqa: E501
    },
    "method_market": {
        "zh": "基于市场",
        "en": "market-based",
    },
    "method_location": {
        "zh": "基于位置",
        "en": "location-based",
    },
    "park_emissions_scope": {
        "zh": "园区排放为全园区口径（范围一 + 范围二基于位置，本月）：企业合计 {enterprises:,.1f} 吨、园区公共用电（含充电桩）{common:,.1f} 吨、未分摊线损 {losses:,.1f} 吨，共 {total:,.1f} 吨CO2。碳资产估值只计企业合计。",  # noqa: E501
        "en": "Park emissions cover the whole park (Scope 1 + location-based Scope 2, this month): enterprises {enterprises:,.1f} t, the park's common loads (EV charging included) {common:,.1f} t, unallocated losses {losses:,.1f} t; {total:,.1f} tCO2 in all. The carbon-asset valuation counts the enterprises only.",  # noqa: E501
    },
    "finding_peak_share": {
        "zh": "本月 {share:.0f}% 的用电发生在高峰时段。",
        "en": "{share:.0f} % of your consumption falls in peak hours.",
    },
    "finding_shift_to_valley_saving": {
        "zh": "将 {kw:,.0f} 千瓦高峰负荷移至低谷时段，按已计量的 {days:.1f} 天（节省 {cny:,.0f} 元）推算，每月（{days_in_month} 天）约可节省 {cny_per_month:,.0f} 元（仅计电度电费，估算）。",  # noqa: E501
        "en": "Shifting {kw:,.0f} kW of peak load to valley hours would have saved {cny:,.0f} CNY over the {days:.1f} days measured: about {cny_per_month:,.0f} CNY over the month's {days_in_month} days at that rate (energy charges, an estimate).",  # noqa: E501
    },
    "finding_flat_load": {
        "zh": "负荷全天平稳（夜间为日间的 {night_to_day_pct:.0f}%），呈三班连续生产特征：移峰填谷空间有限，夜间负荷属生产用电。",  # noqa: E501
        "en": "The load is flat around the clock (night at {night_to_day_pct:.0f} % of day), as in three-shift production: little to move out of peak hours, and the night load is production.",  # noqa: E501
    },
    "finding_night_base_load": {
        "zh": "夜间基础负荷为日间峰值的 {share:.0f}%，请检查非生产时段的设备运行。",
        "en": "Base load at night is {share:.0f} % of the day's peak: check what runs outside production hours.",  # noqa: E501
    },
    "finding_data_gaps": {
        "zh": "本月有 {share:.1f}% 的数据为估算或缺失，相关数值仅供参考。",
        "en": "{share:.1f} % of this month's data is estimated or missing: read the figures with care.",  # noqa: E501
    },
    "finding_intensity_worsened": {
        "zh": "单位产值碳排放环比上升 {change:.1f}%。",
        "en": "Carbon intensity rose {change:.1f} % on last month.",
    },
    "finding_allowance_deficit": {
        "zh": "按目前进度，年末配额缺口约 {tco2:,.0f} 吨CO2。",
        "en": "At this pace the year ends about {tco2:,.0f} tCO2 short of allowances.",
    },
}


WORDS: Mapping[str, Mapping[str, str]] = {**_CARD_WORDS, **NATIONAL_WORDS}


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
