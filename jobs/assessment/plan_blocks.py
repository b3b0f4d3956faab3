"""The enterprise's plan (一企一策, jobs/enterprise_plan) as a section of its assessment report,
in Chinese and English: the candidate measures ranked as the plan ranks them, the gaps to its
targets and the path that closes them. An enterprise without metered data gets a line saying
so (and why) instead of a plan."""

from __future__ import annotations

from jobs.enterprise_plan.plan import EnterprisePlan
from jobs.scorecards.blocks import Block, Heading, Paragraph, Table

WORDS: dict[str, dict[str, str]] = {
    "plan": {"zh": "一企一策：转型措施与路径", "en": "Its plan (one plan per enterprise)"},
    "plan_none": {"zh": "暂不能生成方案：{reason}",
                  "en": "No plan can be computed: {reason}"},
    "plan_basis": {
        "zh": "依据：{first}至{last}的计量数据（覆盖一年的 {coverage:.0f}%，已年化）；"
              "年排放 {tco2:,.0f} tCO2（范围一 + 市场法范围二）。",
        "en": "From its metered data {first} to {last} ({coverage:.0f}% of a year, annualised); "
              "emissions {tco2:,.0f} tCO2/yr (Scope 1 + market-based Scope 2)."},
    "measure": {"zh": "措施", "en": "Measure"},
    "size": {"zh": "规模", "en": "Size"},
    "saving": {"zh": "节约（元/年）", "en": "Saving (CNY/yr)"},
    "tco2": {"zh": "减排（tCO2/年）", "en": "tCO2/yr"},
    "capex": {"zh": "投资（元）", "en": "Capex (CNY)"},
    "payback": {"zh": "回收期（年）", "en": "Payback (yr)"},
    "npv": {"zh": "净现值（元）", "en": "NPV (CNY)"},
    "gaps": {
        "zh": "距排放上限（地点法）差 {cap:,.1f} tCO2/年（路径{cap_closed}）；距强度路径（市场法）"
              "差 {path:,.1f} tCO2/年（路径{path_closed}）。",
        "en": "Gap to its cap (location basis): {cap:,.1f} tCO2/yr ({cap_closed} by the path); "
              "to its intensity path (market basis): {path:,.1f} tCO2/yr ({path_closed})."},
    "closed": {"zh": "可弥合", "en": "closed"},
    "open": {"zh": "不能完全弥合", "en": "not closed"},
    "path": {"zh": "路径：{steps}", "en": "Path: {steps}"},
    "rooftop_pv": {"zh": "屋顶光伏", "en": "Rooftop PV"},
    "load_shift": {"zh": "负荷移峰", "en": "Load shifted out of peak"},
    "demand_response": {"zh": "需求响应", "en": "Demand response"},
    "heat_recovery": {"zh": "余热回收", "en": "Heat recovery"},
    "efficiency": {"zh": "单位产品能耗达二级", "en": "Products to grade 2"},
    "green_power": {"zh": "绿电采购", "en": "Green-power purchase"},
}


def _w(key: str, language: str, **params: object) -> str:
    return WORDS[key][language].format(**params) if params else WORDS[key][language]


def _cny(value: float) -> str:
    return f"{value:,.0f}"


def _size_unit(unit: str, language: str) -> str:
    """A measure's size unit as the reader's language writes it ("kWh/yr" is "kWh/年")."""
    return unit.removesuffix("/yr") + "/年" if language == "zh" and unit.endswith("/yr") \
        else unit


def plan_blocks(plan: EnterprisePlan | str, language: str) -> list[Block]:
    """The plan's section, or (a text) why the enterprise has none."""
    blocks: list[Block] = [Heading(_w("plan", language))]
    if isinstance(plan, str):
        return [*blocks, Paragraph(_w("plan_none", language, reason=plan), "muted")]
    year = plan.year
    rows = [[_w(m.key, language), f"{m.size:,.0f} {_size_unit(m.size_unit, language)}",
             _cny(m.saving_cny_per_year),
             f"{m.tco2_per_year:,.1f}", _cny(m.capex_cny),
             "—" if m.payback_years is None else f"{m.payback_years:.1f}", _cny(m.npv_cny)]
            for m in plan.measures]
    steps = " → ".join(f"{_w(step.measure.key, language)} ({step.cumulative_tco2:,.1f})"
                       for step in plan.path)
    return [*blocks,
            Paragraph(_w("plan_basis", language, first=year.first_day, last=year.last_day,
                         coverage=year.coverage_pct, tco2=year.emissions_market_tco2), "muted"),
            Table([_w(k, language) for k in ("measure", "size", "saving", "tco2", "capex",
                                             "payback", "npv")], rows),
            Paragraph(_w("gaps", language, cap=plan.cap_gap_tco2, path=plan.path_gap_tco2,
                         cap_closed=_w("closed" if plan.cap_gap_closed else "open", language),
                         path_closed=_w("closed" if plan.path_gap_closed else "open",
                                        language))),
            *([Paragraph(_w("path", language, steps=steps))] if steps else [])]
