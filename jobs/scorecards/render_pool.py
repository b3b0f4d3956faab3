"""Rendering a month's scorecards across worker processes.

Charts and PDFs are pure CPU work in Python (matplotlib, fpdf2), so a 200-enterprise month
renders on every core in parallel (make bench, scorecards). Two rounds: first every card's
layouts with their charts, so that the batch's fonts can be cut to the characters they print
(font_subset.py), then each card's HTML, text and PDF, written to disk by the worker and handed
back as soon as it is done so that sending overlaps the rest of the rendering.

Workers are spawned (not forked): the caller may be a Prefect worker with threads, and a
clean interpreter also keeps them clear of the dispatch's forkserver. Starting them costs
about two seconds, so small months render in this process.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

from jobs.common import landing
from jobs.common.settings import join_path
from jobs.scorecards.font_subset import BatchFonts
from jobs.scorecards.html import self_contained, to_html, to_text
from jobs.scorecards.layout import Layout
from jobs.scorecards.pdf import to_pdf

# below this many cards per worker, starting the worker costs more than it saves
CARDS_PER_PROCESS_MIN = 20


@dataclass(frozen=True)
class CardJob:
    name: str  # the card's file name: enterprise id, or park-<id>
    make_layout: Callable[[str], Layout]  # language -> layout; must pickle
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Rendered:
    layout: Layout
    html: str
    text: str
    pdf: bytes
    paths: tuple[str, str]  # html, pdf on disk


def processes_for(cards: int, configured: int | None) -> int:
    """Worker processes for a month of `cards` cards (1: render in this process): as
    configured, else one per core when there are enough cards to pay for starting them."""
    if configured:
        return max(1, min(configured, cards))
    return max(1, min(os.cpu_count() or 1, cards // CARDS_PER_PROCESS_MIN))


class CardRenderer:
    """A context manager around the workers; `seconds` sums the time spent per stage in all of
    them (CPU-side seconds, so with two workers it can exceed the wall time)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._executor: futures.Executor = (
            futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            if processes > 1 else _InlineExecutor())

    def __enter__(self) -> CardRenderer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        # on an error, queued cards are dropped rather than rendered for nobody
        self._executor.shutdown(wait=True, cancel_futures=exc is not None)

    def start_layouts(self, jobs: list[CardJob]) -> list[futures.Future]:
        """Submit the layouts now (e.g. while the caller queries the park's figures)."""
        return [self._executor.submit(_layouts, job) for job in jobs]

    def layouts(self, pending: list[futures.Future]) -> dict[str, dict[str, Layout]]:
        """card name -> language -> layout, once all are done."""
        done: dict[str, dict[str, Layout]] = {}
        for future in pending:
            name, layouts, seconds = future.result()
            done[name] = layouts
            self.seconds["layout_and_charts"] += seconds
        return done

    def render(self, layouts: Mapping[str, Mapping[str, Layout]], fonts: BatchFonts,
               folder: str) -> Iterator[tuple[str, dict[str, Rendered]]]:
        """(card name, language -> rendering) as each card is done, files already on disk."""
        pending = [self._executor.submit(render_card, name, dict(pages), fonts, folder)
                   for name, pages in layouts.items()]
        for future in futures.as_completed(pending):
            name, rendered, seconds = future.result()
            for stage, spent in seconds.items():
                self.seconds[stage] += spent
            yield name, rendered


def _layouts(job: CardJob) -> tuple[str, dict[str, Layout], float]:
    started = time.perf_counter()
    layouts = {language: job.make_layout(language) for language in job.languages}
    return job.name, layouts, time.perf_counter() - started


def render_card(name: str, layouts: dict[str, Layout], fonts: BatchFonts, folder: str
                ) -> tuple[str, dict[str, Rendered], dict[str, float]]:
    """A card's HTML, text and PDF per language, written under `folder` as
    `<name>.<language>.html/.pdf`; also the seconds spent per stage."""
    seconds: defaultdict[str, float] = defaultdict(float)
    rendered = {}
    for language, layout in layouts.items():
        started = time.perf_counter()
        html, text = to_html(layout, language), to_text(layout)
        made_html = time.perf_counter()
        pdf = to_pdf(layout, language, fonts)
        made_pdf = time.perf_counter()
        html_path = join_path(folder, f"{name}.{language}.html")
        pdf_path = join_path(folder, f"{name}.{language}.pdf")
        landing.write_atomically(html_path,
                                 self_contained(html, layout.images).encode("utf-8"))
        landing.write_atomically(pdf_path, pdf)
        seconds["html_and_text"] += made_html - started
        seconds["pdf"] += made_pdf - made_html
        seconds["files"] += time.perf_counter() - made_pdf
        rendered[language] = Rendered(layout, html, text, pdf, (html_path, pdf_path))
    return name, rendered, dict(seconds)


class _InlineExecutor(futures.Executor):
    """Runs each submitted call at once in this process: the same code path as the pool for
    months too small to pay for starting workers."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: futures.Future = futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller by future.result()
            future.set_exception(error)
        return future


def cards_per_language(wanted: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(card name, language) pairs, as many as there are recipients -> each card's languages,
    once each and in a stable order."""
    languages: dict[str, dict[str, None]] = defaultdict(dict)
    for name, language in wanted:
        languages[name][language] = None
    return {name: tuple(found) for name, found in languages.items()}

