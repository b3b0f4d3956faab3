"""The month's scorecards, start to end: data from the warehouse, one rendering per card and
language (kept on disk under `<data root>/reports/scorecards/<month>/`), one message per
recipient, delivered with the send log so a re-run does not email anyone twice."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.common import landing
from jobs.common.park_config import Contact
from jobs.common.settings import Settings, join_path
from jobs.scorecards.data import build_enterprise_scorecards, build_park_scorecard
from jobs.scorecards.html import to_html, to_text
from jobs.scorecards.layout import Layout, enterprise_layout, park_layout
from jobs.scorecards.mail import DeliveryReport, Message, SmtpSender, deliver
from jobs.scorecards.pdf import font_for, layout_text, to_pdf


@dataclass(frozen=True)
class Rendered:
    layout: Layout
    html: str
    text: str
    pdf: bytes
    paths: tuple[str, str]  # html, pdf on disk


@dataclass(frozen=True)
class _Wanted:
    """One message to make: which card, for whom, in which language."""

    name: str  # the card's file name: enterprise id, or park-<id>
    key: str  # the send log's key
    contact: Contact
    language: str
    attachment: str


def _render(settings: Settings, layout: Layout, language: str, month: dt.date, name: str,
            font: Path) -> Rendered:
    html, text = to_html(layout, language), to_text(layout)
    pdf = to_pdf(layout, language, font)
    folder = join_path(settings.data_root, "reports", "scorecards", f"{month:%Y-%m}")
    html_path = join_path(folder, f"{name}.{language}.html")
    pdf_path = join_path(folder, f"{name}.{language}.pdf")
    landing.write_atomically(html_path, html.encode("utf-8"))
    landing.write_atomically(pdf_path, pdf)
    return Rendered(layout, html, text, pdf, (html_path, pdf_path))


def monthly_scorecards(settings: Settings, month: dt.date, *, force: bool = False,
                       sender: SmtpSender | None = None) -> tuple[DeliveryReport, list[str]]:
    """Every enterprise's card to its contacts and the park's card to park management.
    Returns the delivery report and the files kept on disk.

    All layouts are made first, so that the Chinese font is cut once to the characters they
    use and every PDF embeds that small font (make bench, scorecards)."""
    month = month.replace(day=1)
    park = settings.park
    default = park.scorecards.default_language.value
    cards: dict[str, Callable[[str], Layout]] = {}
    wanted: list[_Wanted] = []
    contacts = {e.id: e.contacts for e in park.enterprises}
    for card in build_enterprise_scorecards(settings, month):
        cards[card.enterprise_id] = functools.partial(enterprise_layout, card)
        wanted += [_Wanted(card.enterprise_id, f"enterprise/{card.enterprise_id}/{month:%Y-%m}",
                           contact, contact.language.value if contact.language else default,
                           f"{card.enterprise_id}-{month:%Y-%m}.pdf")
                   for contact in contacts.get(card.enterprise_id, [])]
    park_name = f"park-{park.park.id}"
    cards[park_name] = functools.partial(park_layout, build_park_scorecard(settings, month))
    wanted += [_Wanted(park_name, f"park/{park.park.id}/{month:%Y-%m}", contact,
                       contact.language.value if contact.language else default,
                       f"{park.park.id}-{month:%Y-%m}.pdf")
               for contact in park.recipients.park_management]
    layouts = {(w.name, w.language): cards[w.name](w.language) for w in wanted}
    rendered: dict[tuple[str, str], Rendered] = {}
    with tempfile.TemporaryDirectory(prefix="scorecard-font-") as folder:
        font = font_for([layout_text(layout) for layout in layouts.values()],
                        Path(folder) / "noto-sans-sc-subset.otf")
        for (name, language), layout in layouts.items():
            rendered[(name, language)] = _render(settings, layout, language, month, name, font)
    messages = [Message(key=w.key, recipient=w.contact, subject=page.layout.title,
                        text=page.text, html=page.html, inline_images=dict(page.layout.images),
                        attachments=[(w.attachment, page.pdf, "application/pdf")],
                        language=w.language)
                for w in wanted for page in [rendered[(w.name, w.language)]]]
    kept = [path for page in rendered.values() for path in page.paths]
    return deliver(settings, messages, force=force, sender=sender), kept
