"""The group's monthly scorecard for its management: laid out from the published group
warehouse (scorecard_data.py, scorecard_layout.py) and rendered by the park cards' own path
(jobs/scorecards/render_pool.render_card: HTML, plain text and an A4 PDF with the Chinese font
embedded), in both languages; kept on the group's store, and emailed with the PDF attached in
each reader's language (zh default, en) through the scorecards' mail path
(jobs/scorecards/mail.py): the same SMTP sender and send log, so a re-run sends nothing twice."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from jobs.common.settings import Settings, join_path
from jobs.group.config import Group
from jobs.group.scorecard_data import GroupMonth, read_group_month
from jobs.group.scorecard_layout import group_layout, month_label
from jobs.group.scorecard_words import GROUP_WORDS
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.i18n import word_in
from jobs.scorecards.mail import DeliveryReport, SmtpSender, deliver, smtp_password
from jobs.scorecards.mime import Message
from jobs.scorecards.pdf import layout_text
from jobs.scorecards.render_pool import Rendered, render_card
from jobs.scorecards.sendlog import SendLog

LANGUAGES = ("zh", "en")  # both are kept every month, whoever reads which


@dataclass
class GroupScorecardRun:
    report: DeliveryReport
    kept: list[str]


def group_name(group: Group, language: str) -> str:
    identity = group.config.group
    return identity.name_zh if language == "zh" else identity.name_en


def render_group_scorecard(group: Group, data: GroupMonth) -> dict[str, Rendered]:
    """Both languages' HTML, text and PDF, kept under
    `<root>/reports/group-scorecards/<YYYY-MM>/group-scorecard.<zh|en>.html|.pdf`."""
    layouts = {language: group_layout(data, group_name(group, language), language)
               for language in LANGUAGES}
    folder = join_path(group.root, "reports", "group-scorecards", f"{data.month:%Y-%m}")
    with tempfile.TemporaryDirectory(prefix="group-scorecard-fonts-") as font_folder:
        fonts = fonts_for([layout_text(layout) for layout in layouts.values()],
                          Path(font_folder))
        _, rendered, _ = render_card("group-scorecard", layouts, fonts, folder)
    return rendered


def messages(group: Group, data: GroupMonth, rendered: dict[str, Rendered]) -> list[Message]:
    key = f"group/{group.config.group.id}/{data.month:%Y-%m}"
    out = []
    for contact in group.config.management:
        language = str(contact.language or "zh")  # a StrEnum's str is its value
        page = rendered[language]
        subject = word_in(GROUP_WORDS, "subject", language, group=group_name(group, language),
                          month=month_label(data.month, language))
        attachment = f"{group.config.group.id}-{data.month:%Y-%m}.{language}.pdf"
        out.append(Message(key=key, recipient=contact, language=language, subject=subject,
                           text=page.text, html=page.html,
                           attachments=[(attachment, page.pdf, "application/pdf")]))
    return out


def monthly_group_scorecard(group: Group, month: dt.date, *, force: bool = False,
                            sender: SmtpSender | None = None) -> GroupScorecardRun:
    """Render the month's group scorecard in both languages (HTML and PDF), keep them on the
    group's store (`<root>/reports/group-scorecards/<YYYY-MM>/`), and email each management
    contact not already sent it (force: again) in their language, the PDF attached."""
    data = read_group_month(group.warehouse_path, month)
    rendered = render_group_scorecard(group, data)
    composed = messages(group, data, rendered)
    kept = [path for language in LANGUAGES for path in rendered[language].paths]
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

