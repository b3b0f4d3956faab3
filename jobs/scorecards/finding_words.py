"""The sentences of the cards' findings (findings.py), with their named parameters, in Chinese
and English; i18n.WORDS includes them."""

from __future__ import annotations

from collections.abc import Mapping

FINDING_WORDS: Mapping[str, Mapping[str, str]] = {
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
