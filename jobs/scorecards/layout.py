"""A scorecard as a list of blocks in one language (headings, paragraphs, tables, chart
images), so that the HTML email and the PDF show exactly the same content, each rendered its
own way (html.py, pdf.py)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from jobs.couplings.card import coupling_blocks, coupling_figures, coupling_ledger_rows
from jobs.scorecards import charts
from jobs.scorecards.blocks import Block, Heading, Image, Layout, Paragraph, Table, change, number
from jobs.scorecards.i18n import word
from jobs.scorecards.model import DataQuality, EnterpriseScorecard, ParkScorecard
from jobs.scorecards.model import Figure as HeadlineFigure
from jobs.scorecards.national_layout import contribution_blocks, readiness_blocks


def _figure_rows(figures: list[HeadlineFigure], language: str) -> list[list[str]]:
    return [[word(f.key, language), number(f.value, f.unit, language),
             change(f.change_vs_previous_month_pct), change(f.change_vs_last_year_pct)]
            for f in figures]


def _month(card_month, language: str, through=None) -> str:
    """The card's month; for a month still running, with the last day its data reaches."""
    text = f"{card_month.year}年{card_month.month}月" if language == "zh" \
        else card_month.strftime("%B %Y")
    if through is not None:
        text += word("through_day", language, month=through.month, day=through.day,
                     month_abbr=f"{through:%b}")
    return text


def _closing(quality: DataQuality, language: str) -> list[Block]:
    """Every card ends with how far its data can be trusted, and who made it."""
    return [Heading(word("data_quality", language)),
            Paragraph(word("data_quality_text", language,
                           expected=quality.intervals_expected,
                           measured=quality.intervals_measured,
                           estimated=quality.intervals_estimated,
                           missing=quality.intervals_missing,
                           complete=quality.complete_pct), "muted"),
            Paragraph(word("footer", language), "muted")]


def enterprise_figures(card: EnterpriseScorecard, language: str) -> dict[str, Figure]:
    """The enterprise card's charts by cid, in the order the card shows them."""
    return {"trend": charts.trend_figure(card.trend, language),
            "profile": charts.profile_figure(card.daily_profile, language, card.profile_days),
            "tou": charts.tou_figure(card.tou_shares_kwh, language),
            "sources": charts.sources_figure(card.emissions_by_source_tco2, language)}


def park_figures(card: ParkScorecard, language: str) -> dict[str, Figure]:
    """The park card's charts by cid: the coupling map (when the month has flows) and the
    path to peak and neutrality."""
    return {**coupling_figures(card.couplings, language),
            "trajectory": charts.trajectory_figure(card.trajectory, language)}


def enterprise_layout(card: EnterpriseScorecard, language: str) -> Layout:
    name = card.name_zh if language == "zh" else card.name_en
    title = word("enterprise_title", language, name=name,
                 month=_month(card.month, language, card.through_day))
    images = {cid: charts.chart_png(f) for cid, f in enterprise_figures(card, language).items()}
    blocks: list[Block] = [Heading(title, 1),
                           Paragraph(word(f"light_{card.overall_light}", language),
                                     "good" if card.overall_light == "green" else
                                     "bad" if card.overall_light == "red" else "muted")]
    if card.is_new:
        blocks.append(Paragraph(word("new_enterprise", language), "muted"))
    blocks += [Heading(word("headline", language)),
               Table([word("headline", language), "", word("vs_previous_month", language),
                      word("vs_last_year", language)], _figure_rows(card.headline, language)),
               Paragraph(word("intensity_note", language,
                              method=word(f"method_{card.intensity_scope2_method}", language)),
                         "muted"),
               Heading(word("targets", language)),
               Table([word("targets", language), word("target", language),
                      word("actual", language), word("projected", language),
                      word("status", language)],
                     [[word(t.key, language), number(t.target, t.unit, language),
                       number(t.actual, t.unit, language), number(t.projected, t.unit, language),
                       word(f"light_{t.light}", language)] for t in card.targets],
                     [t.light for t in card.targets]),
               Paragraph(word("rank_text", language, intensity=card.rank_by_intensity,
                              improvement=card.rank_by_improvement or "—",
                              n=card.enterprises_ranked)
                         if card.rank_by_intensity is not None else word("rank_none", language)),
               Heading(word("findings", language))]
    blocks += [Paragraph(word(f"finding_{f.key}", language, **f.params),
                         "bad" if f.severity == "warning" else
                         "good" if f.severity == "saving" else "normal")
               for f in card.findings] or [Paragraph("—", "muted")]
    blocks += [Heading(word("charts", language))]
    blocks += [Image(cid, word(f"{cid}_chart", language)) for cid in images]
    blocks.insert(-3, Paragraph(word("trend_note", language), "muted"))  # under the trend
    account = card.carbon_account
    blocks += [Heading(word("carbon_account", language)),
               Table([word("carbon_account", language), ""],
                     [[word(key, language), number(getattr(account, key), "tCO2", language)]
                      for key in ("month_tco2", "year_to_date_tco2", "allowances_tco2",
                                  "surplus_tco2", "projected_surplus_tco2")]
                     + [[word("status", language), word(f"status_{account.status}", language)]]
                     + coupling_ledger_rows(account, language)),
               *contribution_blocks(card.contribution, card.month, language),
               *_closing(card.data_quality, language)]
    return Layout(title, blocks, images)


def _emissions_scope(by_kind: dict[str, float], language: str) -> list[Block]:
    """What the park's emissions sum: the enterprises, the common loads, the losses."""
    if not by_kind:
        return []
    parts = {"enterprises": by_kind.get("enterprise", 0.0),
             "common": by_kind.get("park_common", 0.0),
             "losses": by_kind.get("losses_unallocated", 0.0)}
    return [Paragraph(word("park_emissions_scope", language, total=sum(by_kind.values()),
                           **parts), "muted")]


def park_layout(card: ParkScorecard, language: str) -> Layout:
    name = card.name_zh if language == "zh" else card.name_en
    title = word("park_title", language, name=name,
                 month=_month(card.month, language, card.through_day))
    images = {cid: charts.chart_png(f) for cid, f in park_figures(card, language).items()}
    unit = "tCO2/tce"
    method = word(f"method_{card.core_scope2_method}", language)
    guiding: list[Block] = [] if card.readiness else [
        Heading(word("indicators", language)),
        Table([word("indicators", language), "", word("target", language),
               word("status", language)],
              [[i.name_zh if language == "zh" else i.name_en, number(i.value, i.unit, language),
                word("target_grade2", language) if i.unit == "grade" else i.target,
                word(f"indicator_{i.status}", language)] for i in card.indicators],
              [{"met": "green", "not_met": "red"}.get(i.status, "grey")
               for i in card.indicators])]
    blocks: list[Block] = [
        Heading(title, 1),
        *readiness_blocks(card.readiness, card.month, language),
        Heading(word("core_indicator_enterprise", language, method=method)),
        Table([word("core_indicator", language), ""],
              [[word("core_month", language), number(card.core_indicator_month, unit, language)],
               [word("core_ytd", language), number(card.core_indicator_year_to_date, unit,
                                                   language)],
               [word("core_rolling", language), number(card.core_indicator_rolling_12m, unit,
                                                       language)],
               [word("core_limit", language), number(card.core_indicator_limit, unit,
                                                     language)]],
              [card.core_indicator_light] * 3),  # the limit row is the yardstick: no light
        *guiding,
        Heading(word("energy_balance", language)),
        Table([word("energy_balance", language), "", word("vs_previous_month", language),
               word("vs_last_year", language)], _figure_rows(card.headline, language)),
        *_emissions_scope(card.emissions_by_kind_tco2, language),
        Paragraph(word("dispatch_saving", language, cny=card.dispatch_saving_cny)
                  if card.dispatch_saving_cny is not None
                  else word("dispatch_saving_none", language)),
        Heading(word("league", language)),
        Table(["#", word("enterprise", language), word("intensity", language),
               word("change", language), word("status", language)],
              [[str(int(r.rank)) if pd.notna(r.rank) else "—",
                r.name_zh if language == "zh" else r.name_en,
                number(r.intensity, "tCO2/10k CNY", language), change(r.change_pct),
                word(f"light_{r.light}", language)] for r in card.league.itertuples()],
              list(card.league["light"]) if len(card.league) else []),
        Heading(word("flagged", language))]
    colon = "：" if language == "zh" else ": "
    blocks += [Paragraph(f"{f.name_zh if language == 'zh' else f.name_en}{colon}"
                         f"{word('action_' + f.action, language)} · "
                         f"{word(_red_months_key(f.detail), language, **f.detail)}", "bad")
               for f in card.flagged] or [Paragraph(word("flagged_none", language), "muted")]
    blocks += [*coupling_blocks(card.couplings, language),
               Image("trajectory", word("trajectory_chart", language)),
               Paragraph(word("trajectory_note", language, method=method), "muted"),
               *_closing(card.data_quality, language)]
    return Layout(title, blocks, images)


def _red_months_key(detail: dict) -> str:
    """English says "1 month", never "1 months"."""
    return "rule_red_month" if detail.get("months") == 1 else "rule_red_months"
