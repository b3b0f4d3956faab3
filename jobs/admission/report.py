"""The admission assessment as the park office reads it, in Chinese and English: the outcome and
why, each condition as a quantity, the applicant's year by the national method, its effect on
the park's indicators, its products against grade 2, and the basis of every figure."""

from __future__ import annotations

import re

from jobs.admission.assess import Assessment, Outcome, Reason
from jobs.admission.park_baseline import ParkBaseline
from jobs.common.config_text import localised
from jobs.common.product_names import product_name
from jobs.scorecards.layout import Block, Heading, Layout, Paragraph, Table

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "入园低碳准入评估", "en": "Low-carbon admission assessment"},
    Outcome.PASS: {"zh": "通过", "en": "Pass"},
    Outcome.CONDITIONAL: {"zh": "有条件通过", "en": "Conditional pass"},
    Outcome.FAIL: {"zh": "不通过", "en": "Fail"},
    "outcome": {"zh": "结论", "en": "Outcome"},
    "why": {"zh": "原因", "en": "Why"},
    "conditions": {"zh": "准入条件", "en": "Conditions"},
    "condition": {"zh": "条件", "en": "Condition"},
    "green_power": {"zh": "绿电（MWh/年）", "en": "Green power (MWh/yr)"},
    "or_pv": {"zh": "或屋顶光伏（kWp）", "en": "or rooftop PV (kWp)"},
    "roof_holds": {"zh": "屋顶可装（kWp）", "en": "Roof holds (kWp)"},
    "neutral_to_core": {"zh": "对园区单位能耗碳排放中性",
                        "en": "Neutral to the park's core indicator"},
    "park_limit": {"zh": "园区不超过限值", "en": "Park stays within its limit"},
    "carbon_intensity": {"zh": "碳排放强度达标", "en": "Carbon intensity within the rule"},
    "footprint": {"zh": "申请企业年度碳排放（国家核算方法）",
                  "en": "The applicant's year (national method)"},
    "item": {"zh": "项目", "en": "Item"},
    "value": {"zh": "数值", "en": "Value"},
    "electricity_tco2": {"zh": "非绿电电网电量排放", "en": "Non-green grid electricity"},
    "fuels_tco2": {"zh": "天然气", "en": "Natural gas"},
    "heat_tco2": {"zh": "外购热力", "en": "Heat bought"},
    "process_tco2": {"zh": "工业过程", "en": "Industrial process"},
    "emissions_tco2": {"zh": "合计", "en": "Total"},
    "energy_tce": {"zh": "综合能耗（电力等价值）",
                   "en": "Energy (electricity at its primary-energy equivalent)"},
    "intensity": {"zh": "碳排放强度", "en": "Carbon intensity"},
    "effect": {"zh": "对园区国家级指标的影响", "en": "Effect on the park's national indicators"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "without": {"zh": "不含申请企业", "en": "Without"},
    "with": {"zh": "含申请企业", "en": "With"},
    "limit": {"zh": "限值", "en": "Limit"},
    "core": {"zh": "单位能耗碳排放（tCO2/tce）", "en": "CO2 per unit energy (tCO2/tce)"},
    "clean": {"zh": "清洁能源消费占比", "en": "Clean-energy share"},
    "size": {"zh": "年综合能耗（tce）", "en": "Annual energy (tce)"},
    "products": {"zh": "产品单位能耗（对照二级限额）", "en": "Products against grade 2"},
    "product": {"zh": "产品", "en": "Product"},
    "unit_energy": {"zh": "单位产品能耗", "en": "Energy per unit"},
    "grade2": {"zh": "二级限额", "en": "Grade 2"},
    "status": {"zh": "结果", "en": "Result"},
    "meets": {"zh": "达到", "en": "meets"},
    "misses": {"zh": "未达到", "en": "misses"},
    "no_limit": {"zh": "未评估：无有来源的二级限额",
                 "en": "not assessed: no sourced grade-2 limit"},
    "other_unit": {"zh": "未评估：产量单位与限额单位（{limit_unit}）不同",
                   "en": "not assessed: the limit is per {limit_unit}"},
    "priority": {"zh": "属园区优先发展产业。", "en": "A priority industry of the park."},
    "none": {"zh": "无", "en": "none"},
}


REASONS: dict[str, dict[str, str]] = {
    "excluded_industry": {
        "zh": "所属行业 {code} 为园区限制准入行业（{source_zh}）",
        "en": "industry {code} is excluded ({source})"},
    "product_above_grade2": {
        "zh": "产品 {product} 单位能耗 {kgce:,.1f} kgce/{unit}，高于二级限额 {limit:,.1f}",
        "en": "product {product}: {kgce:,.1f} kgce/{unit} is above grade 2 ({limit:,.1f})"},
    "tips_over_limit": {
        "zh": "园区单位能耗碳排放将由 {without:.3f} 升至 {with:.3f} tCO2/tce，超过限值 {limit:g}",
        "en": "it would take the park's core indicator from {without:.3f} to {with:.3f} "
              "tCO2/tce, over its limit of {limit:g}"},
    "green_power_short": {
        "zh": "需绿电 {needed:,.0f} MWh/年，但其非绿电电量仅 {available:,.0f} MWh/年；"
              "其余为天然气、热力或工业过程排放（{non_electric:,.0f} tCO2/年），绿电无法抵扣",
        "en": "{needed:,.0f} MWh/yr of green power would be needed, but only {available:,.0f} MWh "
              "of its electricity is not green yet; the rest is gas, heat or process emissions "
              "({non_electric:,.0f} tCO2/yr), which green power cannot zero"},
}


def _w(key: str, language: str) -> str:
    return WORDS[key][language]


# the reference table's English name of the fossil factor, and output units, in Chinese
FACTOR_SOURCES = {"zh": ((re.compile(r"^mee_nbs_fossil (\d{4}): .*$"),
                          r"生态环境部、国家统计局 \1 年化石能源电力二氧化碳排放因子"),),
                  "en": ((re.compile(r"^mee_nbs_fossil (\d{4}): .*$"),
                          r"the fossil-fuel power factor of MEE and NBS, \1"),)}
UNITS_ZH = {"pcs": "件"}  # t, MWh: units both languages write alike


def _factor_source(text: str, language: str) -> str:
    for pattern, replacement in FACTOR_SOURCES[language]:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def _unit(unit: str, language: str) -> str:
    return UNITS_ZH.get(unit, unit) if language == "zh" else unit


def reason_text(reason: Reason, language: str) -> str:
    figures = dict(reason.figures)
    if "product" in figures:  # a product code: its name in the reader's language
        figures["product"] = product_name(str(figures["product"]), language)
        figures["unit"] = _unit(str(figures["unit"]), language)
    return REASONS[reason.key][language].format(**figures)


def _basis(park: ParkBaseline, assessment: Assessment, language: str) -> str:
    limit = assessment.effect.limit_with
    if language == "zh":
        return (f"口径：国家级零碳园区核算方法（发改环资〔2025〕910号，口径代码 national_910）。"
                f"园区数据为截至{park.through_month.year}年{park.through_month.month}月的近12个月，"
                f"按已计量的{park.coverage_pct:.1f}%刻钟折算为全年；非绿电电网电量按"
                f"{park.fossil_kgco2_per_kwh:g} kgCO2/kWh"
                f"（{_factor_source(park.fossil_factor_source, language)}），"
                f"电力按等价值{park.electricity_kgce_per_kwh:g} kgce/kWh折标。"
                f"限值来源：{localised(limit.source, language, limit.source_zh)}。")
    return (f"Basis: the national zero-carbon park calculation (NDRC Notice No. 910, 2025; "
            f"calculation national_910). The park: the 12 months through "
            f"{park.through_month:%B %Y}, annualised from the {park.coverage_pct:.1f} % of "
            f"quarter-hours measured. Non-green grid power at {park.fossil_kgco2_per_kwh:g} "
            f"kgCO2/kWh ({_factor_source(park.fossil_factor_source, language)}); electricity at "
            f"its primary-energy equivalent, {park.electricity_kgce_per_kwh:g} kgce/kWh. "
            f"Limit: {localised(limit.source, language)}.")


def _conditions(assessment: Assessment, language: str) -> list[Block]:
    if not assessment.conditions:
        return []
    rows = [[_w(c.reason, language), f"{c.green_power_mwh_per_year:,.0f}", f"{c.pv_kwp:,.0f}",
             f"{c.roof_holds_kwp:,.0f}"] for c in assessment.conditions]
    return [Heading(_w("conditions", language)),
            Table([_w(k, language) for k in ("condition", "green_power", "or_pv", "roof_holds")],
                  rows)]


def _footprint(assessment: Assessment, language: str) -> list[Block]:
    own = assessment.footprint
    rows = [[_w(key, language), f"{getattr(own, key):,.1f} tCO2"]
            for key in ("electricity_tco2", "fuels_tco2", "heat_tco2", "process_tco2",
                        "emissions_tco2")]
    rows.append([_w("energy_tce", language), f"{own.energy_tce:,.1f} tce"])
    rows.append([_w("intensity", language),
                 f"{assessment.carbon_intensity_tco2_per_10k_cny:,.3f} tCO2/"
                 + ("万元" if language == "zh" else "10k CNY")])
    return [Heading(_w("footprint", language)),
            Table([_w("item", language), _w("value", language)], rows)]


def _effect(assessment: Assessment, language: str) -> list[Block]:
    effect = assessment.effect
    rows = [
        [_w("core", language), f"{effect.indicator_without:.3f}", f"{effect.indicator_with:.3f}",
         f"≤ {effect.limit_with.tco2_per_tce:g}"],
        [_w("clean", language), f"{effect.clean_share_without_pct:.1f}%",
         f"{effect.clean_share_with_pct:.1f}%", "≥ 90%"],
        [_w("size", language), "", f"{effect.energy_with_tce:,.0f}", ""],
    ]
    return [Heading(_w("effect", language)),
            Table([_w(k, language) for k in ("indicator", "without", "with", "limit")], rows)]


def _products(assessment: Assessment, language: str) -> list[Block]:
    if not assessment.products:
        return []
    rows = [[product_name(p.product_code, language),
             f"{p.kgce_per_unit:,.1f} kgce/{_unit(p.unit, language)}",
             "—" if p.grade2_limit is None else f"{p.grade2_limit:,.1f}",
             WORDS[p.status][language].format(limit_unit=p.limit_unit)]
            for p in assessment.products]
    return [Heading(_w("products", language)),
            Table([_w(k, language) for k in ("product", "unit_energy", "grade2", "status")],
                  rows)]


def admission_layout(assessment: Assessment, park: ParkBaseline, language: str) -> Layout:
    applicant = assessment.application.applicant
    name = applicant.name_zh if language == "zh" else applicant.name_en
    separator = "：" if language == "zh" else ": "
    blocks: list[Block] = [
        Heading(f"{_w('title', language)} · {name}", level=1),
        Paragraph(f"{_w('outcome', language)}{separator}{_w(assessment.outcome, language)}",
                  tone={"pass": "good", "fail": "bad"}.get(assessment.outcome, "normal")),
    ]
    if assessment.reasons:
        blocks.append(Paragraph(f"{_w('why', language)}{separator}"
                                + ("；" if language == "zh" else "; ").join(
                                    reason_text(r, language) for r in assessment.reasons)))
    if assessment.priority_industry:
        blocks.append(Paragraph(_w("priority", language)))
    blocks += _conditions(assessment, language)
    blocks += _footprint(assessment, language)
    blocks += _effect(assessment, language)
    blocks += _products(assessment, language)
    blocks.append(Paragraph(_basis(park, assessment, language), tone="muted"))
    return Layout(title=f"{_w('title', language)} · {name}", blocks=blocks, images={})
