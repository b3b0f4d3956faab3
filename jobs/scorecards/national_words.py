"""The words of the cards' national-assessment parts (the park's acceptance-readiness
section, an enterprise's contribution), in Chinese and English; i18n.WORDS includes them."""

from __future__ import annotations

from collections.abc import Mapping

NATIONAL_WORDS: Mapping[str, Mapping[str, str]] = {
    "readiness": {
        "zh": "国家级零碳园区验收准备度（{year}年{period}累计）",
        "en": "Readiness for the national zero-carbon park acceptance ({year}, {period} to date)",
    },
    "readiness_intro": {
        "zh": "六项验收指标按《国家级零碳园区建设指引》（发改环资〔2025〕910号）的核算方法，以本年年初至今的数据计算；本年剩余 {months_left} 个月。",  # noqa: E501
        "en": "The six acceptance indicators, calculated as the national guidelines for zero-carbon parks (NDRC Notice No. 910, 2025) define them, on the year's data so far; {months_left} months of the year left.",  # noqa: E501
    },
    "readiness_none": {
        "zh": "本月尚无验收指标数据。",
        "en": "No acceptance-indicator data for this month yet.",
    },
    "indicator": {
        "zh": "指标",
        "en": "Indicator",
    },
    "value": {
        "zh": "数值",
        "en": "Value",
    },
    "basis": {
        "zh": "口径",
        "en": "Calculation",
    },
    "calculation_national_910": {
        "zh": "国家核算（910号文）",
        "en": "National (910)",
    },
    "calculation_guiding_inbox": {
        "zh": "企业填报与计量",
        "en": "Enterprise reports, meters",
    },
    "readiness_meets": {
        "zh": "达标",
        "en": "Meets",
    },
    "readiness_misses": {
        "zh": "未达标",
        "en": "Misses",
    },
    "readiness_not_measured": {
        "zh": "未计量（本年无数据）",
        "en": "Not measured (no data this year)",
    },
    "readiness_not_applicable": {
        "zh": "不适用：{reason}",
        "en": "Not applicable: {reason}",
    },
    "readiness_not_assessed": {
        "zh": "未评估：{reason}",
        "en": "Not assessed: {reason}",
    },
    "limit_configured": {
        "zh": "（非国家限值）",
        "en": " (not a national limit)",
    },
    "limit_source": {
        "zh": "园区能耗低于国家规模档，核心指标国家未设限值，采用：{source}。",
        "en": "The park is below the national size bands: the core indicator has no national limit; the limit used is {source}.",  # noqa: E501
    },
    "gap_core": {
        "zh": "{name}：差距 {gap}。补齐年初至今差距需{action} {qty}（按绿证市场价约 {cost}，或新增光伏约 {kwp}）；按目前进度全年需 {qty_year_end}。",  # noqa: E501
        "en": "{name}: short by {gap}. Closing the year-to-date gap takes {qty} ({action}; about {cost} at the certificate market price, or about {kwp} of extra PV); at the pace so far the whole year needs {qty_year_end}.",  # noqa: E501
    },
    "gap_other": {
        "zh": "{name}：差距 {gap}。补齐年初至今差距需{action} {qty}；按目前进度全年需 {qty_year_end}。",  # noqa: E501
        "en": "{name}: short by {gap}. Closing the year-to-date gap takes {qty} ({action}); at the pace so far the whole year needs {qty_year_end}.",  # noqa: E501
    },
    "not_closable": {
        "zh": "所需电量超过本期非绿电网购电量，仅靠绿证无法补齐。",
        "en": " More MWh than the period's non-green grid power: certificates alone cannot close it.",  # noqa: E501
    },
    "points": {
        "zh": " 个百分点",
        "en": " percentage points",
    },
    "direct_share": {
        "zh": "直供绿电占比年初至今为 {now}，若以直供绿电补齐差距可达 {closed}（原则上应不低于 50%）。",  # noqa: E501
        "en": " Direct green supply is {now} of consumption so far; closing the gap with direct supply would bring it to {closed} (the rules expect at least 50 % in principle).",  # noqa: E501
    },
    "contribution": {
        "zh": "对园区国家考核的贡献",
        "en": "Contribution to the park's national assessment",
    },
    "contribution_month": {
        "zh": "国家核算排放（本月）",
        "en": "National-method emissions (this month)",
    },
    "contribution_ytd": {
        "zh": "国家核算排放（{year}年{period}累计）",
        "en": "National-method emissions ({year}, {period})",
    },
    "share_of_park": {
        "zh": "占园区",
        "en": "Share of the park",
    },
    "contribution_note": {
        "zh": "国家核算口径（910号文）：未被本企业绿电交易和绿证抵扣的电网电量 × 0.8325 千克CO2/千瓦时，加燃料和工业过程排放。",  # noqa: E501
        "en": "National calculation (910): grid electricity not zeroed by the enterprise's own green-power trading and certificates at 0.8325 kgCO2/kWh, plus fuels and process emissions.",  # noqa: E501
    },
    "contribution_none": {
        "zh": "本月无国家核算数据。",
        "en": "No national-method data this month.",
    },
    "own_guiding": {
        "zh": "本企业引导性指标（企业填报与计量，{year}年{period}累计）",
        "en": "Own guiding indicators (enterprise reports and meters, {year}, {period})",
    },
    "guiding_solid_waste_utilisation": {
        "zh": "工业固体废物综合利用率",
        "en": "Industrial solid-waste utilisation",
    },
    "guiding_water_reuse": {
        "zh": "工业用水重复利用率",
        "en": "Industrial water reuse",
    },
    "guiding_waste_heat_utilisation": {
        "zh": "余热余冷余压利用率",
        "en": "Waste heat, cold and pressure utilisation",
    },
    "guiding_unit_product_energy": {
        "zh": "单位产品能耗：{product}",
        "en": "Unit product energy: {product}",
    },
    "park_target": {
        "zh": "{target}（园区目标）",
        "en": "{target} (the park's)",
    },
    "grade2_limit": {
        "zh": "二级限额 {limit}",
        "en": "grade 2: {limit}",
    },
    "no_sourced_limit": {
        "zh": "无可溯源的二级限额",
        "en": "no sourced grade-2 limit",
    },
}
