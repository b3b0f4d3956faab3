"""The building blocks of a scorecard's layout (headings, paragraphs, tables, chart images)
and how a number prints: what layout.py and national_layout.py assemble and html.py and
pdf.py render."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from jobs.scorecards.i18n import WORDS

# Every colour text or a light is printed in, on white: each at least 4.5:1 against it (WCAG
# 2.x AA for body text; the lights' markers need only 3:1 but share the text colours), so that
# a grey note or an amber status is readable on paper and on a phone.
LIGHT_COLOURS = {"green": "#1b7a3e", "amber": "#9a5b00", "red": "#c0281e", "grey": "#616161"}
TONE_COLOURS = {"normal": "#222222", "muted": "#5f5f5f", "good": "#1b7a3e", "bad": "#c0281e"}
HEADING_COLOUR = "#1f3a5f"
TABLE_HEAD_COLOUR = "#1f7a70"  # the header row's background, under white text


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    tone: str = "normal"  # normal / muted / good / bad


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    lights: Sequence[str | None] = field(default_factory=list)  # a light per row, or none


@dataclass(frozen=True)
class Image:
    cid: str  # the PNG's name (Content-ID in the email, a key of the chart dict)
    alt: str


Block = Heading | Paragraph | Table | Image


@dataclass(frozen=True)
class Layout:
    title: str
    blocks: list[Block]
    images: dict[str, bytes]  # cid -> PNG


COUNT_UNITS = frozenset({"events"})


def number(value: float | None, unit: str, language: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    # a count is a whole number: "3 次", never "3.00 次"
    digits = 0 if unit in COUNT_UNITS or abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    unit_text = WORDS[unit][language] if unit in WORDS else unit
    return f"{value:,.{digits}f} {unit_text}".strip()


def change(pct: float | None) -> str:
    return "—" if pct is None else f"{pct:+.1f}%"
