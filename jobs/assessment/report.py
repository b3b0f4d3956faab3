"""The assessment as its readers see it, in Chinese and English: one page per enterprise (its
outcome, its figures against last year, what the better outcome would have taken) and one for
the park office (every enterprise's outcome)."""

from __future__ import annotations

from jobs.assessment.figures import EnterpriseFigures, Period
from jobs.assessment.judge import Check, Judgement
from jobs.assessment.plan_blocks import plan_blocks
from jobs.common.park_config import Enterprise
from jobs.enterprise_plan.plan import EnterprisePlan
from jobs.scorecards.layout import Block, Heading, Layout, Paragraph, Table

WORDS: dict[str, dict[str, str]] = {
    "annual": {"zh": "{year}年度考核", "en": "Annual assessment {year}"},
    "mid_term": {"zh": "{year}年中期评估（1–{month}月）",
                 "en": "Mid-term review {year} (January–{month_en})"},
    "reward": {"zh": "奖励（资金与荣誉）", "en": "Reward (funding and recognition)"},
    "recognition": {"zh": "通报表扬", "en": "Recognition"},
    "good_standing": {"zh": "合格", "en": "Good standing"},
    "reminder": {"zh": "提醒", "en": "Reminder"},
    "talk": {"zh": "约谈", "en": "Talk with the park office"},
    "production_limit": {"zh": "限产", "en": "Production limit"},
    "loss_of_preferential_policies": {"zh": "取消优惠政策",
                                      "en": "Loss of preferential policies"},
    "outcome": {"zh": "结果", "en": "Outcome"},
    "missing": {"zh": "数据不全（无计量数据或未报送产值），按规则处理。",
                "en": "Data missing (no meter data or no output value reported): the rule for "
                      "missing data applies."},
    "figures": {"zh": "考核指标", "en": "Figures"},
    "figure": {"zh": "指标", "en": "Figure"},
    "this": {"zh": "本期", "en": "This period"},
    "last": {"zh": "上年同期", "en": "Same months last year"},
    "change": {"zh": "变化", "en": "Change"},
    "intensity": {"zh": "碳排放强度（tCO2/万元）", "en": "Carbon intensity (tCO2/10k CNY)"},
    "efficiency": {"zh": "单位产值能耗（tce/万元）", "en": "Energy per output (tce/10k CNY)"},
    "clean": {"zh": "清洁能源消费占比", "en": "Clean-energy share"},
    "emissions": {"zh": "碳排放（tCO2）", "en": "Emissions (tCO2)"},
    "red": {"zh": "红灯月数", "en": "Red months"},
    "cap": {"zh": "年度排放上限（tCO2）", "en": "Annual cap (tCO2)"},
    "path": {"zh": "强度目标（tCO2/万元）", "en": "Intensity target (tCO2/10k CNY)"},
    "target_figures": {"zh": "对照目标", "en": "Against its targets"},
    "target": {"zh": "目标", "en": "Target"},
    "better": {"zh": "达到“{outcome}”所需", "en": "What “{outcome}” would have taken"},
    "condition": {"zh": "条件", "en": "Condition"},
    "needed": {"zh": "要求", "en": "Needed"},
    "actual": {"zh": "实际", "en": "Actual"},
    "met": {"zh": "达到", "en": "met"},
    "not_met": {"zh": "未达到", "en": "not met"},
    "intensity_fall": {"zh": "碳排放强度下降（%）", "en": "Carbon intensity fall (%)"},
    "clean_energy_share": {"zh": "清洁能源消费占比（%）", "en": "Clean-energy share (%)"},
    "efficiency_gain": {"zh": "单位产值能耗下降（%）", "en": "Energy per output fall (%)"},
    "red_months": {"zh": "红灯月数（至多）", "en": "Red months (at most)"},
    "targets": {"zh": "企业目标全部达成", "en": "All its targets met"},
    "park_title": {"zh": "企业考核结果汇总", "en": "Outcomes of all enterprises"},
    "enterprise": {"zh": "企业", "en": "Enterprise"},
    "basis": {"zh": "口径：企业自身核算（范围一 + 市场法范围二，能耗按当量值）；"
                    "强度按报送产值的月份计；红灯月数取自月度计分卡。规则来源：{source}。",
              "en": "Basis: the enterprise's own account (Scope 1 + market-based Scope 2, energy "
                    "at its calorific equivalent); intensities over the months with a reported "
                    "output value; red months from the monthly scorecards. Rules: {source}."},
}


def _w(key: str, language: str, **params: object) -> str:
    return WORDS[key][language].format(**params)


def period_title(period: Period, language: str) -> str:
    month_en = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"][period.through_month - 1]
    return _w(period.kind, language, year=period.year, month=period.through_month,
              month_en=month_en)


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _check_value(check: Check, language: str) -> tuple[str, str]:
    if check.key == "targets":
        actual = "—" if check.value is None else _w("met" if check.value else "not_met",
                                                     language)
        return _w("met", language), actual
    digits = 0 if check.key == "red_months" else 1
    value = check.value if isinstance(check.value, int | float) else None
    return _num(float(check.threshold), digits), _num(value, digits)


def enterprise_layout(enterprise: Enterprise, figures: EnterpriseFigures, judgement: Judgement,
                      period: Period, source: str, language: str,
                      plan: EnterprisePlan | str | None = None) -> Layout:
    """The enterprise's page, with its plan (一企一策) when given: the plan, or the reason
    there is none (a text)."""
    name = enterprise.name_zh if language == "zh" else enterprise.name_en
    title = f"{period_title(period, language)} · {name}"
    colon = "：" if language == "zh" else ": "
    blocks: list[Block] = [Heading(title, level=1), Paragraph(
        f"{_w('outcome', language)}{colon}{_w(judgement.outcome, language)}",
        tone="good" if judgement.outcome in ("reward", "recognition", "good_standing")
        else "bad")]
    if judgement.missing_data:
        blocks.append(Paragraph(_w("missing", language)))
    rows = [
        [_w("intensity", language), _num(figures.intensity_tco2_per_10k_cny, 3),
         _num(figures.previous_intensity_tco2_per_10k_cny, 3),
         _pct(None if figures.intensity_fall_pct is None else -figures.intensity_fall_pct)],
        [_w("efficiency", language), _num(figures.energy_per_10k_cny_tce, 3),
         _num(figures.previous_energy_per_10k_cny_tce, 3),
         _pct(None if figures.efficiency_gain_pct is None else -figures.efficiency_gain_pct)],
        [_w("clean", language), _num(figures.clean_energy_share_pct, 1) + "%"
         if figures.clean_energy_share_pct is not None else "—", "", ""],
        [_w("emissions", language), _num(figures.emissions_tco2, 1), "", ""],
        [_w("red", language), f"{figures.red_months}", "", ""],
    ]
    # The targets compare this period with a target, not with last year: a table of their own,
    # so that no target stands under "same months last year".
    targets = []
    if figures.cap_tco2 is not None:
        targets.append([_w("cap", language), _num(figures.cap_basis_tco2, 1),
                        _num(figures.cap_tco2, 1)])
    if figures.intensity_target is not None:
        targets.append([_w("path", language), _num(figures.intensity_tco2_per_10k_cny, 3),
                        _num(figures.intensity_target, 3)])
    blocks += [Heading(_w("figures", language)),
               Table([_w(k, language) for k in ("figure", "this", "last", "change")], rows)]
    if targets:
        blocks += [Heading(_w("target_figures", language)),
                   Table([_w(k, language) for k in ("figure", "this", "target")], targets)]
    if judgement.best_missed is not None and judgement.checks:
        blocks += [Heading(_w("better", language,
                              outcome=_w(judgement.best_missed, language))),
                   Table([_w(k, language) for k in ("condition", "needed", "actual")],
                         [[_w(c.key, language), *_check_value(c, language)]
                          for c in judgement.checks],
                         lights=["green" if c.holds else "red" for c in judgement.checks])]
    blocks.append(Paragraph(_w("basis", language, source=source), tone="muted"))
    if plan is not None:
        blocks += plan_blocks(plan, language)
    return Layout(title=title, blocks=blocks, images={})


def park_layout(rows: list[tuple[Enterprise, EnterpriseFigures, Judgement]], period: Period,
                source: str, language: str) -> Layout:
    title = f"{period_title(period, language)} · {_w('park_title', language)}"
    table = Table(
        [_w(k, language) for k in ("enterprise", "outcome", "intensity", "clean", "red")],
        [[e.name_zh if language == "zh" else e.name_en, _w(j.outcome, language),
          _num(f.intensity_tco2_per_10k_cny, 3),
          "—" if f.clean_energy_share_pct is None else f"{f.clean_energy_share_pct:.1f}%",
          f"{f.red_months}"] for e, f, j in rows])
    return Layout(title=title, blocks=[Heading(title, level=1), table, Paragraph(
        _w("basis", language, source=source), tone="muted")], images={})


__all__ = ["enterprise_layout", "park_layout", "period_title"]
