"""The assumptions table in the reader's language: each figure's name, its unit, where it
comes from and how far to trust it. Names and units are the report's; a source that is a
citation (a statistic's publisher, a tender) keeps its original wording after the Chinese
gloss, so it can still be looked up."""
# ruff: noqa: E501  (one figure per line, easier to translate and grep)

from __future__ import annotations

from jobs.valuation.assumptions import PARK_CONFIG, PLATFORM_DEFAULT, Figure

FIGURE_NAMES: dict[str, tuple[str, str]] = {  # item: (zh, en)
    "tariff_critical_peak": ("电价：尖峰", "Tariff: critical peak"),
    "tariff_peak": ("电价：峰", "Tariff: peak"),
    "tariff_flat": ("电价：平", "Tariff: flat"),
    "tariff_valley": ("电价：谷", "Tariff: valley"),
    "tariff_deep_valley": ("电价：深谷", "Tariff: deep valley"),
    "tariff_demand_charge": ("需量电价", "Demand charge"),
    "tariff_export": ("上网电价", "Export price"),
    "tariff_escalation": ("电价实际年涨幅", "Tariff escalation (real)"),
    "cea_price_low": ("全国碳配额价格：低", "Allowance (CEA) price: low"),
    "cea_price_base": ("全国碳配额价格：基准", "Allowance (CEA) price: base"),
    "cea_price_high": ("全国碳配额价格：高", "Allowance (CEA) price: high"),
    "gec_price": ("绿证价格", "Green certificate (GEC) price"),
    "allowance_pledge_ltv": ("配额质押率", "Allowance pledge loan-to-value"),
    "discount_rate": ("实际折现率", "Real discount rate"),
    "pv_capex": ("光伏单位投资", "PV capex"),
    "pv_om": ("光伏运维费", "PV O&M"),
    "pv_degradation_first_year": ("光伏首年衰减", "PV first-year degradation"),
    "pv_degradation_per_year": ("光伏逐年衰减", "PV yearly degradation"),
    "pv_life": ("光伏寿命", "PV life"),
    "bess_capex": ("储能单位投资", "Battery capex"),
    "bess_life": ("储能寿命", "Battery life"),
    "bess_om": ("储能运维费", "Battery O&M"),
    "bess_replacement": ("储能电芯更换费用", "Battery cell replacement"),
    "bess_capacity_fade": ("储能容量年衰减", "Battery capacity fade"),
}

UNITS_ZH = {
    "CNY/kWh": "元/千瓦时", "CNY/kW/month": "元/千瓦·月", "CNY/tCO2": "元/吨CO2",
    "CNY/MWh": "元/兆瓦时", "CNY/W": "元/瓦", "CNY/W/yr": "元/瓦·年", "CNY/Wh": "元/瓦时",
    "%": "%", "%/yr": "%/年", "%/yr (real)": "%/年（实际）", "years": "年",
    "% of capex/yr": "投资的 %/年", "% of capex": "投资的 %",
}

SOURCES_ZH = {
    PARK_CONFIG: "园区配置（估值设定）",
    PLATFORM_DEFAULT: "平台默认值，未经核实：请填写园区自己的数值",
    "CEA 2025 full-year statistics": "全国碳市场 2025 年全年统计（CEA 2025 full-year statistics）",
    "derived from 2025 range 57.7-76": "由 2025 年价格区间 57.7–76 推得",
    "ICAP China national ETS": "国际碳行动伙伴组织：中国全国碳市场（ICAP China national ETS）",
    "NEA GEC trading data": "国家能源局绿证交易数据（NEA GEC trading data）",
    "CEEC 25 GWh tender 2025": "中国能建 2025 年 25 GWh 储能集采（CEEC 25 GWh tender 2025）",
    "unverified default": "未经核实的默认值",
    "common modelling default": "常用建模默认值",
    "weak sources": "来源较弱",
}

CONFIDENCE = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low"),
              "set": ("园区设定", "set by the park")}


def figure_row(figure: Figure, language: str) -> list[str]:
    """[name, value, unit, source, confidence] in the language."""
    zh = language == "zh"
    names = FIGURE_NAMES.get(figure.name)
    name = (names[0] if zh else names[1]) if names else figure.name
    unit = UNITS_ZH.get(figure.unit, figure.unit) if zh else figure.unit
    source = figure.source
    if zh:
        if source.startswith("park config: tariff "):  # assumptions.tariff_figures()
            tariff_id, _, valid_from = source.removeprefix("park config: tariff ").partition(
                ", valid from ")
            source = f"园区配置：电价 {tariff_id}，{valid_from} 起执行"
        else:
            source = SOURCES_ZH.get(source, source)
    confidence = CONFIDENCE.get(figure.confidence)
    trust = (confidence[0] if zh else confidence[1]) if confidence else figure.confidence
    return [name, f"{figure.value:g}", unit, source, trust]
