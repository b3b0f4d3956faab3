"""The cards' national-assessment blocks: the park card's acceptance-readiness section (the
six indicators with value, target, light, calculation, then for each one short of its target
the gap and what closes it, year to date and for the whole year at the pace so far) and an
enterprise card's contribution (its share of the park's national-method emissions and its
own guiding-indicator figures). Every figure says its calculation and period."""

from __future__ import annotations

import datetime as dt
import re

from jobs.common.config_text import localised
from jobs.scorecards.blocks import Block, Heading, Paragraph, Table, number
from jobs.scorecards.i18n import word
from jobs.scorecards.model import EnterpriseContribution, ReadinessRow

TARGET_SIGNS = {">=": "≥", "<=": "≤"}
# the mart's English reasons and sources that the Chinese card words itself
REASONS_ZH = (
    (re.compile(r"^no sourced grade-2 limit for (\d+) products?$"), r"\1 种产品无可溯源的二级限额"),
    (re.compile(r"^no sourced limit$"), "无可溯源的限额"),
    (re.compile(r"^the park's own target \((.*)\)$"), r"园区自定目标（\1）"),
    (re.compile(r"^park target(.*)$"), r"园区自定目标\1"),
    (re.compile(r"^park config \((.*)\)$"), r"园区配置（\1）"),
)
NOT_NATIONAL = "not set nationally: "  # fct_park_national_periods' prefix to a configured source


def in_chinese(text: str) -> str:
    for pattern, replacement in REASONS_ZH:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def period(through: dt.date, language: str) -> str:
    """January to the month of `through`: "1–6月" / "Jan–Jun" (the year said apart)."""
    if language == "zh":
        return f"{through.month}月" if through.month == 1 else f"1–{through.month}月"
    return "Jan" if through.month == 1 else f"Jan–{through:%b}"


def _name(row: ReadinessRow, language: str) -> str:
    """The indicator's name; the mart's English names start in lower case."""
    return row.name_zh if language == "zh" else row.name_en[:1].upper() + row.name_en[1:]


def _status(status: str, language: str) -> str:
    kind, _, reason = status.partition(": ")
    if kind in ("not_applicable", "not_assessed"):
        if language == "zh":
            reason = in_chinese(reason)
        return word(f"readiness_{kind}", language, reason=reason)
    return word(f"readiness_{kind}", language)


def _target(row: ReadinessRow, language: str) -> str:
    if row.target is None:
        return "—"
    sign = TARGET_SIGNS.get(row.target_op, row.target_op)
    text = f"{sign} {number(row.target, row.unit, language)}"
    if row.key == "unit_product_energy":
        text += " · " + word("target_grade2", language)
    if row.is_core and row.limit_set_nationally is False:
        text += word("limit_configured", language)
    return text


def _limit_source(rows: list[ReadinessRow], language: str) -> list[Block]:
    """Where a configured core limit comes from (a provincial rule, the park's own target)."""
    core = next((r for r in rows if r.is_core and r.limit_set_nationally is False), None)
    if core is None:
        return []
    source = core.target_source.removeprefix(NOT_NATIONAL)
    source = localised(in_chinese(source) if language == "zh" else source, language,
                       core.target_source_zh)
    return [Paragraph(word("limit_source", language, source=source), "muted")]


def _quantity(value: float | None, unit: str | None, language: str) -> str:
    return number(value, unit or "", language)


def _gap_line(row: ReadinessRow, language: str) -> Paragraph:
    name = _name(row, language)
    action = (row.close_action_zh if language == "zh" else row.close_action_en) or ""
    # a share's gap is a difference of percentages: percentage points, not a percentage
    gap = number(row.gap, "", language) + word("points", language) if row.unit == "%" \
        else number(row.gap, row.unit, language)
    params = {"name": name, "gap": gap, "action": action,
              "qty": _quantity(row.close_quantity, row.close_unit, language),
              "qty_year_end": _quantity(row.close_quantity_year_end, row.close_unit, language)}
    if row.close_unit == "MWh":
        text = word("gap_core", language, cost=number(row.close_cost_cny, "CNY", language),
                    kwp=number(row.close_pv_kwp, "kWp", language), **params)
        if row.closable_by_certificates is False:
            text += word("not_closable", language)
        if row.is_core and row.direct_green_share_pct is not None:
            text += word("direct_share", language,
                         now=number(row.direct_green_share_pct, "%", language),
                         closed=number(row.direct_green_share_if_closed_pct, "%", language))
    else:
        text = word("gap_other", language, **params)
    return Paragraph(text, "bad")


def readiness_blocks(rows: list[ReadinessRow], month: dt.date, language: str) -> list[Block]:
    """The section the park card opens with."""
    heading = Heading(word("readiness", language, year=month.year,
                           period=period(month, language)))
    if not rows:
        return [heading, Paragraph(word("readiness_none", language), "muted")]
    table = Table(
        [word("indicator", language), word("value", language), word("target", language),
         word("basis", language), word("status", language)],
        [[_name(r, language), number(r.value, r.unit, language),
          _target(r, language), word(f"calculation_{r.calculation}", language),
          _status(r.status, language)] for r in rows],
        [r.light for r in rows])
    gaps = [_gap_line(r, language) for r in rows if r.status == "misses"]
    return [heading, Paragraph(word("readiness_intro", language,
                                    months_left=rows[0].months_left), "muted"),
            table, *_limit_source(rows, language), *gaps]


def contribution_blocks(contribution: EnterpriseContribution | None, month: dt.date,
                        language: str) -> list[Block]:
    """An enterprise card's part in the national assessment."""
    blocks: list[Block] = [Heading(word("contribution", language))]
    if contribution is None or (contribution.month_tco2 is None
                                and contribution.ytd_tco2 is None):
        blocks.append(Paragraph(word("contribution_none", language), "muted"))
    else:
        blocks += [
            Table([word("contribution", language), "tCO2" if language == "en" else "吨CO2",
                   word("share_of_park", language)],
                  [[word("contribution_month", language),
                    number(contribution.month_tco2, "", language),
                    number(contribution.month_share_pct, "%", language)],
                   [word("contribution_ytd", language, year=month.year,
                         period=period(month, language)),
                    number(contribution.ytd_tco2, "", language),
                    number(contribution.ytd_share_pct, "%", language)]]),
            Paragraph(word("contribution_note", language), "muted")]
    guiding = contribution.guiding if contribution is not None else []
    if guiding:
        rows: list[list[str]] = []
        lights: list[str | None] = []
        for figure in guiding:
            if figure.key == "unit_product_energy":
                product = figure.product_zh if language == "zh" else figure.product_en
                name = word("guiding_unit_product_energy", language, product=product)
                target = (word("grade2_limit", language,
                               limit=number(figure.target, figure.unit, language))
                          if figure.target is not None else word("no_sourced_limit", language))
                status = _status(figure.status or "not_measured", language) \
                    if figure.status != "not_assessed" \
                    else word("readiness_not_assessed", language,
                              reason=word("no_sourced_limit", language))
                light: str | None = {"meets": "green", "misses": "red"}.get(
                    figure.status or "", "grey")
            else:
                name = word(f"guiding_{figure.key}", language)
                target = "" if figure.target is None else word(
                    "park_target", language, target=f"{TARGET_SIGNS.get(figure.target_op, '')} "
                    f"{number(figure.target, figure.unit, language)}")
                status = "" if figure.status is None else _status(figure.status, language)
                light = {"meets": "green", "misses": "red"}.get(figure.status or "")
            rows.append([name, number(figure.value, figure.unit, language), target, status])
            lights.append(light)
        blocks += [Heading(word("own_guiding", language, year=month.year,
                                period=period(month, language))),
                   Table([word("indicator", language), word("value", language),
                          word("target", language), word("status", language)], rows, lights)]
    return blocks
