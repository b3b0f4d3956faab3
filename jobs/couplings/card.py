"""The park card's circular-coupling section: the month's map (Sankey-style, sankey.py), the
incentive each enterprise earned for it, and the suggested couplings with their value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
from matplotlib.figure import Figure

from jobs.common.config_text import localised
from jobs.common.settings import Settings
from jobs.couplings.read import Flow, Incentive, coupling_month, party_names
from jobs.couplings.sankey import UNIT_TEXT, sankey_figure
from jobs.couplings.suggest import Suggestion, suggested_couplings
from jobs.scorecards.blocks import Block, Heading, Image, Paragraph, Table, number
from jobs.scorecards.i18n import word


@dataclass(frozen=True)
class CouplingCard:
    month: dt.date
    flows: list[Flow]
    incentives: list[Incentive]
    suggestions: list[Suggestion]
    names: dict[str, dict[str, str]]  # language -> party id -> name
    incentive_source: dict[str, str]  # language -> the park's rule, in words
    price_source: dict[str, str]  # language -> where the prices come from
    images: dict[str, bytes] = field(default_factory=dict)


def read_coupling_card(connection: duckdb.DuckDBPyConnection, settings: Settings,
                       month: dt.date) -> CouplingCard:
    mapped = coupling_month(connection, month)
    section = settings.park.couplings
    return CouplingCard(month, mapped.flows, mapped.incentives,
                        suggested_couplings(settings, connection),
                        {language: party_names(settings, language) for language in ("zh", "en")},
                        {language: localised(section.incentive_source, language,
                                             section.incentive_source_zh)
                         for language in ("zh", "en")},
                        {language: localised(section.prices.source, language,
                                             section.prices.source_zh)
                         for language in ("zh", "en")})


def _month(month: dt.date, language: str) -> str:
    return f"{month.year}年{month.month}月" if language == "zh" else f"{month:%B %Y}"


def _quantity(value: float, unit: str, language: str) -> str:
    return number(value, "", language) + f" {UNIT_TEXT.get(unit, unit)}"


def coupling_figures(card: CouplingCard | None, language: str) -> dict[str, Figure]:
    """The section's one chart (cid 'couplings'), when the month has flows."""
    if card is None or not card.flows:
        return {}
    return {"couplings": sankey_figure(card.flows, card.names[language], word(
        "couplings_chart", language, month=_month(card.month, language)), language)}


def coupling_blocks(card: CouplingCard | None, language: str) -> list[Block]:
    """The section's blocks; its image is coupling_figures()' 'couplings'."""
    if card is None:
        return []
    names = card.names[language]
    blocks: list[Block] = [Heading(word("couplings", language,
                                        month=_month(card.month, language)))]
    if not card.flows:
        blocks.append(Paragraph(word("couplings_none", language), "muted"))
    else:
        blocks += [Image("couplings", word("couplings_chart", language,
                                           month=_month(card.month, language))),
                   Paragraph(word("couplings_note", language,
                                  declared=sum(f.source == "declared" for f in card.flows),
                                  metered=sum(f.source == "metered" for f in card.flows)),
                             "muted")]
    if card.incentives:
        blocks += [Heading(word("coupling_incentives", language), 3),
                   Paragraph(word("coupling_rule", language,
                                  source=card.incentive_source[language]), "muted"),
                   Table([word(k, language) for k in ("coupling_party", "coupling_carrier",
                                                      "coupling_recovered", "coupling_reward",
                                                      "coupling_subsidy")],
                         [[names.get(i.enterprise_id, i.enterprise_id),
                           word(f"carrier_{i.carrier}", language),
                           _quantity(i.recovered_quantity, i.unit, language),
                           number(i.reward_tco2, "", language),
                           number(i.subsidy_cny, "", language)] for i in card.incentives])]
    blocks.append(Heading(word("coupling_suggestions", language), 3))
    if not card.suggestions:
        blocks.append(Paragraph(word("coupling_suggestions_none", language), "muted"))
        return blocks
    rows = []
    for s in card.suggestions:
        heat = "" if s.supply_temperature_c is None \
            else f" {s.supply_temperature_c:.0f}→{s.need_temperature_c:.0f} °C"
        incentive = [number(s.incentive_tco2_per_year, "tCO2", language)] \
            if s.incentive_tco2_per_year else []
        if s.incentive_cny_per_year:
            incentive.append(number(s.incentive_cny_per_year, "CNY", language))
        rows.append([f"{names.get(s.supplier_id, s.supplier_id)} → "
                     f"{names.get(s.receiver_id, s.receiver_id)}",
                     word(f"carrier_{s.carrier}", language) + heat,
                     _quantity(s.quantity_per_year, s.unit, language),
                     word("coupling_no_price", language) if s.saving_cny_per_year is None
                     else number(s.saving_cny_per_year, "", language),
                     word("coupling_not_assessed", language) if s.tco2_per_year is None
                     else number(s.tco2_per_year, "", language),
                     " + ".join(incentive) or "—"])
    blocks += [Table([word(k, language) for k in ("coupling_pair", "coupling_carrier",
                                                  "coupling_quantity_year", "coupling_saving",
                                                  "coupling_tco2", "coupling_incentive_year")],
                     rows),
               Paragraph(word("coupling_suggestions_note", language,
                              price_source=card.price_source[language]), "muted")]
    return blocks


def coupling_ledger_rows(account: object, language: str) -> list[list[str]]:
    """The carbon ledger's coupling-incentive lines (year to date) of an enterprise card, when
    the enterprise earned any: the reward apart from the ETS allowances, and the subsidy."""
    reward = getattr(account, "coupling_reward_ytd_tco2", None)
    subsidy = getattr(account, "coupling_subsidy_ytd_cny", None)
    if not reward and not subsidy:
        return []
    return [[word("ledger_coupling_reward", language), number(reward, "tCO2", language)],
            [word("ledger_coupling_subsidy", language), number(subsidy, "CNY", language)]]
