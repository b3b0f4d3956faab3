"""The month's scorecards, start to end: data from the warehouse, one rendering per card and
language (kept on disk under `<data root>/reports/scorecards/<month>/`), one message per
recipient, delivered with the send log so a re-run does not email anyone twice."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jobs.common.park_config import Contact
from jobs.common.settings import Settings, join_path
from jobs.scorecards.data import build_enterprise_scorecards, build_park_scorecard
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.layout import enterprise_layout, park_layout
from jobs.scorecards.mail import (
    Delivery,
    DeliveryReport,
    SmtpSender,
    checked_sender,
    deliver,
)
from jobs.scorecards.mime import Message
from jobs.scorecards.pdf import layout_text
from jobs.scorecards.render_pool import CardJob, CardRenderer, cards_per_language, processes_for


@dataclass(frozen=True)
class _Wanted:
    """One message to make: which card, for whom, in which language."""

    name: str  # the card's file name: enterprise id, or park-<id>
    key: str  # the send log's key
    contact: Contact
    language: str
    attachment: str


@dataclass
class MonthlyRun:
    report: DeliveryReport
    kept: list[str]  # the files written under the data root
    processes: int = 1  # rendering worker processes (1: in this process)
    # wall seconds of the steps in this process, and the rendering stages summed over workers
    seconds: dict[str, float] = field(default_factory=dict)


def monthly_scorecards(settings: Settings, month: dt.date, *, force: bool = False,
                       sender: SmtpSender | None = None,
                       on_delivery: Callable[[Delivery], None] | None = None) -> MonthlyRun:
    """Every enterprise's card to its contacts and the park's card to park management.

    The enterprises' layouts start rendering while the park's figures are queried; all layouts
    are made before any PDF, so that the fonts are cut once to the characters they use; each
    card's messages go out as soon as its PDFs are written (make bench, scorecards). A mail
    server that cannot be reached raises SmtpUnreachable before anything is rendered.
    `on_delivery` hears of each message as it goes (the CLI prints it: progress)."""
    month = month.replace(day=1)
    park = settings.park
    default = park.scorecards.default_language.value
    seconds: defaultdict[str, float] = defaultdict(float)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] += now - clock
        clock = now

    contacts = {e.id: e.contacts for e in park.enterprises}
    enterprise_cards = build_enterprise_scorecards(settings, month)
    wanted = [_Wanted(card.enterprise_id, f"enterprise/{card.enterprise_id}/{month:%Y-%m}",
                      contact, contact.language.value if contact.language else default,
                      f"{card.enterprise_id}-{month:%Y-%m}.pdf")
              for card in enterprise_cards for contact in contacts.get(card.enterprise_id, [])]
    park_name = f"park-{park.park.id}"
    wanted += [_Wanted(park_name, f"park/{park.park.id}/{month:%Y-%m}", contact,
                       contact.language.value if contact.language else default,
                       f"{park.park.id}-{month:%Y-%m}.pdf")
               for contact in park.recipients.park_management]
    languages = cards_per_language([(w.name, w.language) for w in wanted])
    # a mail server that is down fails the batch here, in seconds, before any rendering
    sender, owns_sender = checked_sender(settings, [(w.key, w.contact.email) for w in wanted],
                                         force=force, sender=sender)
    try:
        return _render_and_send(settings, month, force, sender, wanted, enterprise_cards,
                                languages, seconds, lap, on_delivery)
    finally:
        if owns_sender and sender is not None:
            sender.close()


def _render_and_send(settings: Settings, month: dt.date, force: bool,
                     sender: SmtpSender | None, wanted: list[_Wanted], enterprise_cards: list,
                     languages: dict[str, tuple[str, ...]], seconds: defaultdict[str, float],
                     lap: Callable[[str], None],
                     on_delivery: Callable[[Delivery], None] | None) -> MonthlyRun:
    park = settings.park
    park_name = f"park-{park.park.id}"
    lap("enterprise_data")
    processes = processes_for(len(languages), park.scorecards.render_processes)
    folder = join_path(settings.data_root, "reports", "scorecards", f"{month:%Y-%m}")
    with CardRenderer(processes) as renderer, \
            tempfile.TemporaryDirectory(prefix="scorecard-fonts-") as font_folder:
        pending = renderer.start_layouts([
            CardJob(card.enterprise_id, functools.partial(enterprise_layout, card),
                    languages[card.enterprise_id])
            for card in enterprise_cards if card.enterprise_id in languages])
        park_card = build_park_scorecard(settings, month)
        lap("park_data")
        if park_name in languages:
            pending += renderer.start_layouts([CardJob(
                park_name, functools.partial(park_layout, park_card), languages[park_name])])
        layouts = renderer.layouts(pending)
        lap("layouts_wait")
        fonts = fonts_for([layout_text(layout) for pages in layouts.values()
                           for layout in pages.values()], Path(font_folder))
        lap("fonts")
        by_card: defaultdict[str, list[_Wanted]] = defaultdict(list)
        for w in wanted:
            by_card[w.name].append(w)
        kept: list[str] = []

        def messages() -> Iterator[Message]:
            for name, pages in renderer.render(layouts, fonts, folder):
                kept.extend(path for page in pages.values() for path in page.paths)
                for w in by_card[name]:
                    page = pages[w.language]
                    yield Message(key=w.key, recipient=w.contact, subject=page.layout.title,
                                  text=page.text, html=page.html,
                                  inline_images=dict(page.layout.images),
                                  attachments=[(w.attachment, page.pdf, "application/pdf")],
                                  language=w.language)

        report = deliver(settings, messages(), force=force, sender=sender,
                         on_delivery=on_delivery)
        lap("render_and_send")
    seconds.update({f"workers_{stage}": spent for stage, spent in renderer.seconds.items()})
    return MonthlyRun(report, kept, processes, {k: round(v, 2) for k, v in seconds.items()})
