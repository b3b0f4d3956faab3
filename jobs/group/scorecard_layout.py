"""The group scorecard as the scorecards' blocks (jobs/scorecards/blocks.py), so that it is
rendered by the park cards' own HTML, text and PDF renderers. Every figure says its basis
(the national method, 910号, or the GHG Protocol) and its period (the month, the year to date,
each park's latest month); parks are named as their park.yaml names them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jobs.group.scorecard_data import GroupMonth
from jobs.group.scorecard_words import GROUP_WORDS
from jobs.scorecards.blocks import Block, Heading, Layout, Paragraph, Table
from jobs.scorecards.i18n import word_in


def _w(key: str, language: str, **params: object) -> str:
    return word_in(GROUP_WORDS, key, language, **params)


def _number(value: Any, digits: int | None, language: str, unit: str = "") -> str:
    """digits None: by size, as the park cards print amounts (0 from 100, 1 from 10, else 2),
    so a small park's 3.37 tCO2 does not print as 3.4."""
    if value is None:
        return _w("no_value", language)
    number = float(value)
    if digits is None:
        digits = 0 if abs(number) >= 100 else 1 if abs(number) >= 10 else 2
    return f"{number:,.{digits}f} {unit}".strip()


def _why(problem: str | None, language: str) -> str:
    """Why a park is left out, for a manager: not exported, or which of its marts could not
    be read (the file and the technical reason are in dim_group_parks.problem)."""
    text = problem or ""
    if "has not been exported" in text:
        return _w("why_not_exported", language)
    mart = text.split("/park_id=", 1)[0].rsplit("/", 1)[-1] if "/park_id=" in text else "?"
    return _w("why_unreadable", language, mart=mart)


def month_label(month: dt.date, language: str) -> str:
    return f"{month.year}年{month.month}月" if language == "zh" else f"{month:%B %Y}"


def _year_to_date(month: dt.date, language: str) -> str:
    if language == "zh":
        return f"{month.year}年1月至{month.month}月"
    return f"January to {month:%B %Y}" if month.month > 1 else f"January {month.year}"


def _status(status: str | None, language: str) -> str:
    if status in ("meets", "misses"):
        return _w(f"status_{status}", language)
    return _w("status_other", language)


def _national(data: GroupMonth, language: str) -> list[Block]:
    n = data.national
    rows = [[_w("emissions_tco2", language), _number(n["emissions_tco2"], None, language, "tCO2")],
            [_w("energy_tce", language), _number(n["energy_tce"], None, language, "tce")],
            [_w("indicator", language),
             _number(n["indicator_tco2_per_tce"], 3, language, "tCO2/tce")],
            [_w("clean_share", language), _number(n["clean_energy_share_pct"], 1, language, "%")],
            [_w("direct_green_share", language),
             _number(n["direct_green_share_pct"], 1, language, "%")]]
    return [Heading(_w("totals", language, month=month_label(data.month, language))),
            Paragraph(_w("totals_basis", language, month=month_label(data.month, language),
                         parks=int(n["parks_reporting"])), "muted"),
            Table([_w("figure", language), _w("value", language)], rows)]


def _ghg(data: GroupMonth, language: str) -> list[Block]:
    e = data.energy
    if not e:
        return []
    rows = [[_w("electricity_kwh", language),
             _number(e["electricity_kwh"], None, language, "kWh")],
            [_w("scope1", language), _number(e["scope1_tco2"], None, language, "tCO2")],
            [_w("scope2_market", language),
             _number(e["scope2_market_tco2"], None, language, "tCO2")],
            [_w("scope12_market", language), _number(
                float(e["scope1_tco2"]) + float(e["scope2_market_tco2"]), None, language, "tCO2")]]
    return [Heading(_w("ghg", language, month=month_label(data.month, language))),
            Paragraph(_w("ghg_basis", language, month=month_label(data.month, language),
                         parks=int(e["parks_reporting"])), "muted"),
            Table([_w("figure", language), _w("value", language)], rows)]


def _league(data: GroupMonth, language: str) -> list[Block]:
    rows = [[str(row["indicator_rank"] or _w("no_value", language)),
             data.park_name(str(row["park_id"]), language),
             _number(row["indicator_tco2_per_tce"], 3, language),
             _number(row["limit_tco2_per_tce"], 2, language),
             _w("yes" if row["meets_limit"] else "no", language)
             if row["meets_limit"] is not None else _w("no_value", language),
             _number(row["clean_energy_share_pct"], 1, language, "%"),
             _number(row["direct_green_share_pct"], 1, language, "%")]
            for row in data.league]
    header = [_w("rank", language), _w("park", language), _w("indicator_unit", language),
              _w("limit", language), _w("meets_limit", language), _w("clean_share", language),
              _w("direct_green_share", language)]
    return [Heading(_w("league", language, period=_year_to_date(data.month, language))),
            Paragraph(_w("league_note", language), "muted"), Table(header, rows)]


def _readiness(data: GroupMonth, language: str) -> list[Block]:
    # the core indicator's status last: the PDF colours a row's last cell with its light
    rows = [[data.park_name(r.park_id, language), month_label(r.through_month, language),
             str(r.meets), str(r.misses), str(r.other), _status(r.core_status, language)]
            for r in data.readiness]
    lights = ["green" if r.core_status == "meets" else "red" if r.core_status == "misses"
              else "grey" for r in data.readiness]
    header = [_w("park", language), _w("through", language), _w("meets", language),
              _w("misses", language), _w("other", language), _w("core_status", language)]
    return [Heading(_w("readiness", language)),
            Paragraph(_w("readiness_note", language), "muted"), Table(header, rows, lights)]


def group_layout(data: GroupMonth, group_name: str, language: str) -> Layout:
    title = _w("title", language, group=group_name)
    blocks: list[Block] = [
        Heading(title, 1),
        Paragraph(_w("period", language, month=month_label(data.month, language),
                     parks=int(data.national["parks_reporting"]))),
        *_national(data, language), *_ghg(data, language), *_league(data, language),
        *_readiness(data, language)]
    if data.left_out:
        blocks += [Heading(_w("left_out", language)),
                   Paragraph(_w("left_out_note", language), "muted"),
                   Table([_w("park", language), _w("why", language)],
                         [[data.park_name(park, language), _why(why, language)]
                          for park, why in data.left_out])]
    blocks.append(Paragraph(_w("footer", language), "muted"))
    return Layout(title, blocks, {})
