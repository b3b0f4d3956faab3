"""The words of the scorecards' charts and of the notes that say what they plot (which
calculation, which days), in Chinese and English; i18n.WORDS includes them."""

from __future__ import annotations

from collections.abc import Mapping

CHART_WORDS: Mapping[str, Mapping[str, str]] = {
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
}
