"""The words of the park card's circular-coupling section, in Chinese and English;
i18n.WORDS includes them."""

from __future__ import annotations

from collections.abc import Mapping

COUPLING_WORDS: Mapping[str, Mapping[str, str]] = {
    "couplings": {"zh": "产业循环图谱（{month}）", "en": "Circular-coupling map ({month})"},
    "couplings_chart": {"zh": "产业循环图谱 {month}", "en": "Circular couplings, {month}"},
    "couplings_none": {"zh": "本月无申报或计量的企业间耦合。",
                       "en": "No coupling declared or metered this month."},
    "couplings_note": {
        "zh": "彩色：计入指引性指标（余热、固废综合利用、水重复利用，各计一次）；灰色：仅示意"
              "（有意供热、外购水）。申报 {declared} 条，计量 {metered} 条。",
        "en": "Coloured: counted once in the guiding indicators (waste heat, solid-waste "
              "utilisation, water reuse); grey: on the map only (heat sold on purpose, water "
              "from outside). {declared} declared, {metered} metered."},
    "coupling_incentives": {"zh": "耦合激励（本月）", "en": "Coupling incentives (this month)"},
    "coupling_rule": {"zh": "园区规则：{source}", "en": "The park's rule: {source}"},
    "coupling_party": {"zh": "企业", "en": "Enterprise"},
    "coupling_carrier": {"zh": "介质", "en": "Carrier"},
    "coupling_recovered": {"zh": "回收利用量", "en": "Recovered"},
    "coupling_reward": {"zh": "配额奖励（tCO2）", "en": "Allowance reward (tCO2)"},
    "coupling_subsidy": {"zh": "补贴（元）", "en": "Subsidy (CNY)"},
    "coupling_suggestions": {"zh": "建议耦合", "en": "Suggested couplings"},
    "coupling_suggestions_none": {"zh": "暂无可匹配的供需申报。",
                                  "en": "No declared output matches a declared need."},
    "coupling_pair": {"zh": "供方 → 需方", "en": "Supplier → receiver"},
    "coupling_quantity_year": {"zh": "年量", "en": "Per year"},
    "coupling_saving": {"zh": "节约（元/年）", "en": "Saving (CNY/yr)"},
    "coupling_tco2": {"zh": "减排（tCO2/年）", "en": "Avoided (tCO2/yr)"},
    "coupling_incentive_year": {"zh": "激励/年", "en": "Incentive/yr"},
    "coupling_not_assessed": {"zh": "无可溯源因子", "en": "no sourced factor"},
    "coupling_no_price": {"zh": "未配置价格", "en": "no price configured"},
    "coupling_suggestions_note": {
        "zh": "按园区配置价格估值（{price_source}）；余热替代化石热按 0.11 tCO2/GJ（910号 附件4 "
              "缺省值），水和固废无可溯源因子，不计减排。",
        "en": "Valued at the park's configured prices ({price_source}); waste heat replaces "
              "fossil heat at 0.11 tCO2/GJ (the default of Annex 4 to NDRC Notice No. 910); "
              "water and waste have no sourced factor, so no tonnes are claimed."},
    "ledger_coupling_reward": {"zh": "循环耦合配额奖励（园区规则，年内累计，不计入履约配额）",
                               "en": "Coupling allowance reward (park rule, year to date; "
                                     "not an ETS allowance)"},
    "ledger_coupling_subsidy": {"zh": "循环耦合补贴（年内累计）",
                                "en": "Coupling subsidy (year to date)"},
    "carrier_heat": {"zh": "热量", "en": "Heat"},
    "carrier_water": {"zh": "水", "en": "Water"},
    "carrier_solid_waste": {"zh": "固体废物", "en": "Solid waste"},
    "carrier_organic_waste": {"zh": "有机废物（沼气）", "en": "Organic waste (biogas)"},
}
