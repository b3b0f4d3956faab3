"""The valuation report as scorecard blocks (jobs/scorecards/layout.py), so that it goes out
through the same HTML, PDF and mail path: summary, carbon asset ledger, installed assets,
proposed projects with their tornado and cash-flow charts, the financing view, and every
assumption with its source. Every monetary figure carries its currency; the basis paragraph
states the price date, the pre-tax constant-price view and the discount rate."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from jobs.common.park_config import ParkConfig
from jobs.scorecards.charts import chart_png
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.i18n import word_in
from jobs.scorecards.layout import Block, Heading, Image, Layout, Paragraph, Table
from jobs.scorecards.pdf import layout_text
from jobs.scorecards.render_pool import Rendered, render_card
from jobs.valuation import charts
from jobs.valuation.figure_words import figure_row
from jobs.valuation.run import Valuations, ValuedCase
from jobs.valuation.windows import Window
from jobs.valuation.words import VALUATION_WORDS

PARAMETERS = ("carbon_price", "tariff", "capex", "discount_rate", "energy_yield")


def say(key: str, language: str, **params: object) -> str:
    return word_in(VALUATION_WORDS, key, language, **params)


def cny(value: float | None, language: str) -> str:
    """Money with its currency: in Chinese 万元 from 10,000 up, 元 below; in English plain
    yuan after the code, as banks write it (CNY 1,262,934)."""
    if value is None:
        return "—"
    if language != "zh":
        return f"CNY {value:,.0f}"
    if abs(value) >= 1e4:
        return f"{value / 1e4:,.1f} 万元"
    return f"{value:,.0f} 元"


def _pct(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def valuation_layout(valuations: Valuations, park: ParkConfig, language: str) -> Layout:
    name = park.park.name_zh if language == "zh" else park.park.name_en
    month = f"{valuations.month.year}年{valuations.month.month}月" if language == "zh" \
        else valuations.month.strftime("%B %Y")
    title = say("title", language, park=name, month=month)
    a = valuations.assumptions
    park_row = next(r for r in valuations.ledger if r.entity_kind == "park")
    eligible = sum(view.green_bond_eligible for _, view in valuations.assets if view) \
        + sum(case.financing.green_bond_eligible for case in valuations.cases)
    blocks: list[Block] = [
        Heading(title, 1),
        Paragraph(say("basis", language, price_date=a.price_date.isoformat(),
                      rate=a.value("discount_rate")), "muted"),
        Paragraph(say("summary", language, pledge=cny(park_row.pledge_capacity_cny, language),
                      certificates=cny(park_row.certificates_value_cny, language),
                      remaining=cny(sum(v.remaining_value_cny or 0.0
                                        for v, _ in valuations.assets), language),
                      eligible=eligible)),
        *_ledger(valuations, park, language),
        *_installed(valuations, language),
    ]
    images: dict[str, bytes] = {}
    for index, case in enumerate(valuations.cases):
        case_blocks, case_images = _case(case, park, index, language)
        blocks += case_blocks
        images.update(case_images)
    blocks += _financing(valuations, park, language) + _assumptions(valuations, language)
    blocks.append(Paragraph(say("made_by", language, run_id=valuations.run_id), "muted"))
    return Layout(title, blocks, images)


def _ledger(valuations: Valuations, park: ParkConfig, language: str) -> list[Block]:
    names = {e.id: (e.name_zh if language == "zh" else e.name_en) for e in park.enterprises}
    rows = []
    for row in valuations.ledger:
        label = say("park_total", language) if row.entity_kind == "park" \
            else names.get(row.entity_id, row.entity_id)
        values = "—" if row.surplus_value_base_cny is None else " / ".join(
            cny(v, language) for v in (row.surplus_value_low_cny, row.surplus_value_base_cny,
                                       row.surplus_value_high_cny))
        rows.append([label, _num(row.allowances_held_tco2, 0) if row.allowances_held_tco2
                     is not None else say("no_allowances", language),
                     _num(row.verified_emissions_ytd_tco2), _num(row.projected_emissions_year_tco2),
                     _num(row.projected_surplus_tco2), values, str(row.certificates_held),
                     cny(row.pledge_capacity_cny, language)])
    lights = [None if r.projected_surplus_tco2 is None else
              "red" if r.projected_surplus_tco2 < 0 else "green" for r in valuations.ledger]
    return [Heading(say("ledger", language)),
            Paragraph(say("ledger_note", language,
                          ltv=valuations.assumptions.value("allowance_pledge_ltv")), "muted"),
            Table([say(k, language) for k in ("entity", "held", "emissions_ytd", "projected",
                                                "surplus", "surplus_value", "certificates",
                                                "pledge")], rows, lights),
            Paragraph(say("common_loads_note", language, common=next(
                r.common_loads_ytd_tco2 for r in valuations.ledger if r.entity_kind == "park")),
                "muted")]


def _wan(value: float | None) -> str:
    """A table's money in units of 10,000 CNY (万元), the unit named in the column's header."""
    return "—" if value is None else f"{value / 1e4:,.1f}"


def _valuation_cells(valuation, language: str) -> list[str]:
    """NPV, IRR, payback, LCOE/LCOS and break-even carbon price, plain numbers: the units are
    in the headers (_VALUATION_HEADER)."""
    lcoe = valuation.lcoe_cny_per_kwh if valuation.lcoe_cny_per_kwh is not None \
        else valuation.lcos_cny_per_kwh
    return [_wan(valuation.npv_cny), _pct(valuation.irr), _num(valuation.simple_payback_years),
            "—" if lcoe is None else f"{lcoe:.3f}",
            _break_even(valuation.break_even_carbon_price_cny_per_tco2, language)]


_VALUATION_HEADER = ("npv", "irr", "payback", "lcoe", "break_even")


def _break_even(price: float | None, language: str) -> str:
    """A price below zero means the asset pays without one: say so rather than print it."""
    if price is None:
        return "—"
    if price <= 0.0:
        return say("no_carbon_price_needed", language)
    return f"{price:,.0f}"


def windows_text(windows: tuple[Window, ...] | list[Window], language: str) -> str:
    """The season samples, e.g. 2026-01-15 起 7 天 / 7 days from 2026-01-15."""
    if language == "zh":
        return "、".join(f"{w.first_day} 起 {w.days} 天" for w in windows)
    return ", ".join(f"{w.days} days from {w.first_day}" for w in windows)


def _installed(valuations: Valuations, language: str) -> list[Block]:
    """Two tables, so that neither is too wide for a page: what each asset is and what it is
    valued on, then its figures."""
    if not valuations.assets:
        return []
    facts, figures, lights, notes = [], [], [], []
    separator = "；" if language == "zh" else "; "
    for valued, _ in valuations.assets:
        name = valued.name(language)
        basis = say(valued.data_basis, language)
        if not valued.operated:
            basis = f"{basis}{separator}{say('no_operation_data', language)}"
        capex = _wan(valued.capex_cny) + ("" if valued.capex_source == "config" else (
            f"（{say('estimated', language)}）" if language == "zh"
            else f" ({say('estimated', language)})"))
        paid = valued.paid_on.isoformat() if valued.paid_on else "—"
        facts.append([name, f"{valued.size:,.0f} {valued.size_unit}", capex, paid,
                      _num(valued.age_years), basis])
        if valued.valuation is None:
            figures.append([name, "—", say("insufficient_data", language)] + ["—"] * 5)
        else:
            figures.append([name, _wan((valued.year1_bill_savings_cny or 0.0)
                                       + (valued.year1_export_revenue_cny or 0.0)),
                            *_valuation_cells(valued.valuation, language),
                            _wan(valued.remaining_value_cny)])
        lights.append(None if valued.valuation is not None else "grey")
        if valued.valuation is not None and (valued.year1_energy_kwh or 0.0) <= 0:
            notes.append(Paragraph(say("no_energy", language, asset=name), "bad"))
    return [Heading(say("installed", language)), *_basis_notes(valuations, language),
            Table([say(k, language) for k in ("asset", "size", "capex_paid", "paid_on", "age",
                                                "data_basis")], facts, lights),
            Table([say(k, language) for k in ("asset", "year1_savings", *_VALUATION_HEADER,
                                                "remaining")], figures, lights), *notes]


def _basis_notes(valuations: Valuations, language: str) -> list[Block]:
    """How each kind of year was made, said once above the table."""
    found = {valued.data_basis for valued, _ in valuations.assets}
    notes: list[Block] = []
    if "metered_year" in found:
        metered = [v for v, _ in valuations.assets if v.data_basis == "metered_year"]
        notes.append(Paragraph(say("metered_note", language,
                                   days=min(v.realised_days for v in metered)), "muted"))
    if "simulated_year" in found and valuations.simulated is not None:
        simulated = valuations.simulated
        notes.append(Paragraph(say(
            "simulated_note", language, windows=windows_text(simulated.windows, language),
            controller=say(f"controller_{simulated.controller}", language),
            scale=simulated.scale), "muted"))
    if any(not v.operated for v, _ in valuations.assets):
        notes.append(Paragraph(say("unused_note", language), "muted"))
    if "insufficient_data" in found:
        notes.append(Paragraph(say("insufficient_note", language), "bad"))
    if any(v.capex_source != "config" for v, _ in valuations.assets):
        notes.append(Paragraph(say("estimated_note", language), "muted"))
    return notes


def case_labels(language: str) -> dict[str, str]:
    """The words of a case's charts and its tornado table: the parameters, the money axis
    (万元 is no unit an English reader knows: CNY 10k, as the tables say) and a multiplier's
    sign."""
    money = say("money_axis", language)
    return {**{p: say(p, language) for p in PARAMETERS}, "axis": say("npv_axis", language),
            "money": money, "times": say("times", language),
            "CNY/tCO2": say("cny_per_tco2", language),
            "net": say("net_cash_flow", language), "cumulative": say("cumulative", language)}


def case_figures(tornado: pd.DataFrame, npv_cny: float, flows: pd.DataFrame, title: str,
                 index: int, language: str) -> dict[str, Figure]:
    """A case's two charts as the report draws them (cids tornado-<index>, cashflow-<index>)."""
    labels = case_labels(language)
    return {f"tornado-{index}": charts.tornado_figure(
                tornado, npv_cny, say("tornado_title", language, title=title), labels),
            f"cashflow-{index}": charts.cashflow_figure(
                flows, say("cashflow_title", language, title=title),
                {"net": labels["net"], "cumulative": labels["cumulative"],
                 "axis": labels["money"], "year": say("year_axis", language)})}


def _case(case: ValuedCase, park: ParkConfig, index: int, language: str
          ) -> tuple[list[Block], dict[str, bytes]]:
    run = case.run
    config = next(c for c in park.valuation.cases if c.id == run.case_id)
    title = config.title_zh if language == "zh" else config.title_en
    labels = case_labels(language)
    tornado_cid, cashflow_cid = f"tornado-{index}", f"cashflow-{index}"
    images = {cid: chart_png(figure) for cid, figure in case_figures(
        case.tornado, run.valuation.npv_cny, run.flows, title, index, language).items()}
    tornado_rows = [[labels.get(r.parameter, r.parameter), _wan(r.npv_at_low_cny),
                     _wan(r.npv_at_high_cny)] for r in case.tornado.itertuples()]
    blocks: list[Block] = [
        Heading(say("cases", language) if index == 0 else title),
        Paragraph(say("case_basis", language, title=title,
                      windows=windows_text(run.windows, language),
                      controller=say(f"controller_{run.controller}", language),
                      factor=run.annualise_factor, capex=cny(run.costs.capex_cny, language))),
        Table([say(k, language) for k in _VALUATION_HEADER],
              [_valuation_cells(run.valuation, language)]),
        Image(tornado_cid, say("tornado_title", language, title=title)),
        Table([say(k, language) for k in ("parameter", "npv_low", "npv_high")], tornado_rows),
        Image(cashflow_cid, say("cashflow_title", language, title=title)),
    ]
    return blocks, images


def _dscr(value: float | None, language: str) -> str:
    """A coverage below zero is no ratio a lender reads: the years' cash flow does not even
    pay the running costs, so say that."""
    if value is not None and value < 0:
        return say("negative_cash_flow", language)
    return _num(value, 2)


def _financing(valuations: Valuations, park: ParkConfig, language: str) -> list[Block]:
    rules = park.valuation.financing
    titles = {c.id: (c.title_zh if language == "zh" else c.title_en)
              for c in park.valuation.cases}
    projects = [(v.name(language), view) for v, view in valuations.assets if view] + [
        (titles.get(case.run.case_id, case.run.case_id), case.financing)
        for case in valuations.cases]
    if not projects:
        return []
    yes, no = say("yes", language), say("no", language)
    rows = [[name, _dscr(view.min_dscr, language), yes if view.green_bond_eligible else no,
             _pct(view.ppp_private_irr), _num(view.ppp_private_cny_per_government_cny)]
            for name, view in projects]
    lights: list[str | None] = ["green" if view.green_bond_eligible else "grey"
                                for _, view in projects]
    return [Heading(say("financing", language)),
            Paragraph(say("financing_note", language, irr=rules.green_bond_min_irr_pct,
                          payback=rules.max_payback_years, share=rules.loan_share_pct,
                          rate=rules.loan_rate_pct, tenor=rules.loan_tenor_years,
                          dscr=rules.min_dscr, gov=rules.ppp_government_share_pct), "muted"),
            Table([say(k, language) for k in ("asset", "min_dscr", "eligible", "private_irr",
                                                "leverage")], rows, lights)]


def _assumptions(valuations: Valuations, language: str) -> list[Block]:
    rows = [figure_row(f, language) for f in valuations.assumptions.figures.values()]
    return [Heading(say("assumptions", language)),
            Table([say(k, language) for k in ("figure", "value", "unit", "source",
                                                "confidence")], rows)]


def render_report(valuations: Valuations, park: ParkConfig, language: str, folder: str
                  ) -> Rendered:
    """The report in one language, written under `folder` as valuation.<language>.html/.pdf."""
    layout = valuation_layout(valuations, park, language)
    with tempfile.TemporaryDirectory(prefix="valuation-fonts-") as font_folder:
        fonts = fonts_for([layout_text(layout)], Path(font_folder))
        _, rendered, _ = render_card("valuation", {language: layout}, fonts, folder)
    return rendered[language]
