"""The month's scorecards, start to end: data from the warehouse, one rendering per card and
language (kept on disk under `<data root>/reports/scorecards/<month>/`), one message per
recipient, delivered with the send log so a re-run does not email anyone twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jobs.common import landing
from jobs.common.park_config import Contact
from jobs.common.settings import Settings, join_path
from jobs.scorecards.data import build_enterprise_scorecards, build_park_scorecard
from jobs.scorecards.html import to_html, to_text
from jobs.scorecards.layout import Layout, enterprise_layout, park_layout
from jobs.scorecards.mail import DeliveryReport, Message, SmtpSender, deliver
from jobs.scorecards.pdf import to_pdf


@dataclass(frozen=True)
class Rendered:
    layout: Layout
    html: str
    text: str
    pdf: bytes
    paths: tuple[str, str]  # html, pdf on disk


def _render(settings: Settings, layout: Layout, language: str, month: dt.date,
            name: str) -> Rendered:
    html, text, pdf = to_html(layout, language), to_text(layout), to_pdf(layout, language)
    folder = join_path(settings.data_root, "reports", "scorecards", f"{month:%Y-%m}")
    html_path = join_path(folder, f"{name}.{language}.html")
    pdf_path = join_path(folder, f"{name}.{language}.pdf")
    landing.write_atomically(html_path, html.encode("utf-8"))
    landing.write_atomically(pdf_path, pdf)
    return Rendered(layout, html, text, pdf, (html_path, pdf_path))


def _message(key: str, contact: Contact, rendered: Rendered, attachment: str,
             language: str) -> Message:
    return Message(key=key, recipient=contact, subject=rendered.layout.title,
                   text=rendered.text, html=rendered.html,
                   inline_images=dict(rendered.layout.images),
                   attachments=[(attachment, rendered.pdf, "application/pdf")],
                   language=language)


def monthly_scorecards(settings: Settings, month: dt.date, *, force: bool = False,
                       sender: SmtpSender | None = None) -> tuple[DeliveryReport, list[str]]:
    """Every enterprise's card to its contacts and the park's card to park management.
    Returns the delivery report and the files kept on disk."""
    month = month.replace(day=1)
    park = settings.park
    default = park.scorecards.default_language.value
    messages: list[Message] = []
    kept: list[str] = []
    cache: dict[tuple[str, str], Rendered] = {}

    def rendered(name: str, language: str, make_layout) -> Rendered:
        if (name, language) not in cache:
            cache[(name, language)] = _render(settings, make_layout(language), language,
                                              month, name)
            kept.extend(cache[(name, language)].paths)
        return cache[(name, language)]

    contacts = {e.id: e.contacts for e in park.enterprises}
    for card in build_enterprise_scorecards(settings, month):
        for contact in contacts.get(card.enterprise_id, []) or []:
            language = contact.language.value if contact.language else default
            page = rendered(card.enterprise_id, language,
                            lambda lang, card=card: enterprise_layout(card, lang))
            messages.append(_message(f"enterprise/{card.enterprise_id}/{month:%Y-%m}", contact,
                                     page, f"{card.enterprise_id}-{month:%Y-%m}.pdf",
                                     language))
    park_card = build_park_scorecard(settings, month)
    for contact in park.recipients.park_management:
        language = contact.language.value if contact.language else default
        page = rendered(f"park-{park.park.id}", language,
                        lambda lang: park_layout(park_card, lang))
        messages.append(_message(f"park/{park.park.id}/{month:%Y-%m}", contact, page,
                                 f"{park.park.id}-{month:%Y-%m}.pdf", language))
    return deliver(settings, messages, force=force, sender=sender), kept
