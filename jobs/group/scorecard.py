"""The group's monthly scorecard for its management: rendered from the published group
warehouse (scorecard_data.py) in each reader's language (zh default, en), kept on the group's
store, and emailed through the scorecards' mail path (jobs/scorecards/mail.py): the same
SMTP sender and send log, so a re-run sends nothing twice."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from types import SimpleNamespace
from typing import cast

from jobs.common import landing
from jobs.common.settings import Settings, join_path
from jobs.group.config import Group
from jobs.group.scorecard_data import GroupMonth, read_group_month
from jobs.group.scorecard_words import GROUP_WORDS
from jobs.scorecards.i18n import word_in
from jobs.scorecards.mail import DeliveryReport, SmtpSender, deliver, smtp_password
from jobs.scorecards.mime import Message
from jobs.scorecards.sendlog import SendLog

_CELL = "padding:6px 10px;border-bottom:1px solid #e3e6ea;"
_HEAD = "padding:6px 10px;border-bottom:2px solid #1f6f50;text-align:left;color:#1f6f50;"


@dataclass
class GroupScorecardRun:
    report: DeliveryReport
    kept: list[str]


def _w(key: str, language: str, **params: object) -> str:
    return word_in(GROUP_WORDS, key, language, **params)


def _number(value: object, digits: int, language: str, unit: str = "") -> str:
    if value is None:
        return _w("no_value", language)
    text = f"{float(value):,.{digits}f}"
    return f"{text} {unit}".strip()


def _month_label(month: dt.date, language: str) -> str:
    return f"{month.year}年{month.month}月" if language == "zh" else f"{month:%B %Y}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th style="{_HEAD}">{html.escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{html.escape(c)}</td>' for c in row)
                   + "</tr>" for row in rows)
    return (f'<table style="border-collapse:collapse;width:100%;font-size:14px">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _status(status: str | None, language: str) -> str:
    if status in ("meets", "misses"):
        return _w(f"status_{status}", language)
    return _w("status_other", language)


def sections(data: GroupMonth, language: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading, table headers, rows) of each part, in reading order: one source for the HTML
    and the plain-text alternative."""
    n, e = data.national, data.energy or {}
    totals = [[_w("emissions_tco2", language), _number(n["emissions_tco2"], 1, language, "tCO2")],
              [_w("energy_tce", language), _number(n["energy_tce"], 1, language, "tce")],
              [_w("indicator", language),
               _number(n["indicator_tco2_per_tce"], 3, language, "tCO2/tce")],
              [_w("clean_share", language), _number(n["clean_energy_share_pct"], 1, language, "%")],
              [_w("direct_green_share", language),
               _number(n["direct_green_share_pct"], 1, language, "%")],
              [_w("electricity_kwh", language), _number(e.get("electricity_kwh"), 0, language,
                                                         "kWh")],
              [_w("scope12_market", language), _number(
                  None if not e else float(e["scope1_tco2"]) + float(e["scope2_market_tco2"]),
                  1, language, "tCO2")]]
    league = [[str(row["indicator_rank"] or _w("no_value", language)), str(row["park_id"]),
               _number(row["indicator_tco2_per_tce"], 3, language),
               _number(row["limit_tco2_per_tce"], 2, language),
               _w("yes" if row["meets_limit"] else "no", language)
               if row["meets_limit"] is not None else _w("no_value", language),
               _number(row["clean_energy_share_pct"], 1, language, "%"),
               _number(row["direct_green_share_pct"], 1, language, "%")]
              for row in data.league]
    readiness = [[r.park_id, f"{r.through_month:%Y-%m}", _status(r.core_status, language),
                  str(r.meets), str(r.misses), str(r.other)] for r in data.readiness]
    parts = [(_w("totals", language), ["", ""], totals),
             (_w("league", language), [_w("rank", language), _w("park", language),
                                       "tCO2/tce", _w("limit", language),
                                       _w("meets_limit", language), _w("clean_share", language),
                                       _w("direct_green_share", language)], league),
             (_w("readiness", language), [_w("park", language), _w("through", language),
                                          _w("core_status", language), _w("meets", language),
                                          _w("misses", language), _w("other", language)],
              readiness)]
    if data.left_out:
        parts.append((_w("left_out", language), [_w("park", language), ""],
                      [[park, why] for park, why in data.left_out]))
    return parts


def render_html(group: Group, data: GroupMonth, language: str) -> str:
    name = group.config.group.name_zh if language == "zh" else group.config.group.name_en
    notes = {_w("totals", language): _w("totals_note", language),
             _w("league", language): _w("league_note", language),
             _w("left_out", language): _w("left_out_note", language)}
    body = []
    for heading, headers, rows in sections(data, language):
        body.append(f'<h2 style="font-size:17px;color:#1f2a33;margin:26px 0 6px">'
                    f"{html.escape(heading)}</h2>")
        if heading in notes:
            body.append(f'<p style="color:#5b6670;font-size:13px;margin:0 0 8px">'
                        f"{html.escape(notes[heading])}</p>")
        body.append(_table(headers if any(headers) else [], rows))
    period = _w("period", language, month=_month_label(data.month, language),
                parks=int(data.national["parks_reporting"]))
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{html.escape(_w('title', language, group=name))}</title></head>"
            '<body style="margin:0;background:#f4f6f8;font-family:\'Noto Sans CJK SC\','
            '\'Microsoft YaHei\',Arial,sans-serif;color:#1f2a33">'
            '<div style="max-width:760px;margin:0 auto;background:#fff;padding:24px 28px">'
            f'<h1 style="font-size:22px;margin:0;color:#1f6f50">'
            f"{html.escape(_w('title', language, group=name))}</h1>"
            f'<p style="margin:4px 0 0;color:#5b6670">{html.escape(period)}</p>'
            + "".join(body)
            + f'<p style="margin-top:28px;color:#8a949c;font-size:12px">'
              f"{html.escape(_w('footer', language))}</p></div></body></html>")


def render_text(group: Group, data: GroupMonth, language: str) -> str:
    name = group.config.group.name_zh if language == "zh" else group.config.group.name_en
    lines = [_w("title", language, group=name),
             _w("period", language, month=_month_label(data.month, language),
                parks=int(data.national["parks_reporting"]))]
    for heading, headers, rows in sections(data, language):
        lines += ["", heading]
        if any(headers):
            lines.append(" | ".join(headers))
        lines += [" | ".join(row) for row in rows]
    return "\n".join(lines) + "\n"


def messages(group: Group, data: GroupMonth) -> list[Message]:
    key = f"group/{group.config.group.id}/{data.month:%Y-%m}"
    out = []
    for contact in group.config.management:
        language = str(contact.language or "zh")  # a StrEnum's str is its value
        name = group.config.group.name_zh if language == "zh" else group.config.group.name_en
        out.append(Message(key=key, recipient=contact, language=language,
                           subject=_w("subject", language, group=name,
                                      month=_month_label(data.month, language)),
                           text=render_text(group, data, language),
                           html=render_html(group, data, language)))
    return out


def monthly_group_scorecard(group: Group, month: dt.date, *, force: bool = False,
                            sender: SmtpSender | None = None) -> GroupScorecardRun:
    """Render the month's group scorecard in every reader's language, keep each on the
    group's store (`<root>/reports/group-scorecards/<YYYY-MM>/`), and email it to every
    management contact not already sent it (force: again)."""
    data = read_group_month(group.warehouse_path, month)
    composed = messages(group, data)
    kept = []
    for language in sorted({message.language for message in composed}):
        path = join_path(group.root, "reports", "group-scorecards", f"{data.month:%Y-%m}",
                         f"group-scorecard-{language}.html")
        landing.write_atomically(path, render_html(group, data, language).encode())
        kept.append(path)
    log = SendLog(join_path(group.root, "state", "group-scorecard-sends.jsonl"))
    # deliver() takes a park's settings for its mail server and data root; the group's own
    # stand in (the sender and the log are given, so only these two names are read)
    settings = cast(Settings, SimpleNamespace(park=SimpleNamespace(mail=group.config.mail),
                                                data_root=group.root))
    owned = sender is None
    sender = sender or SmtpSender(group.config.mail, smtp_password(group.config.mail))
    try:
        report = deliver(settings, composed, force=force, sender=sender, log=log)
    finally:
        if owned:
            sender.close()
    return GroupScorecardRun(report, kept)

