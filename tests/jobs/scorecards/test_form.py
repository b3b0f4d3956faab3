"""The cards' form, measured: legends outside the data (matplotlib's own renderer gives the
boxes), whole-year ticks, text colours readable on white (WCAG contrast >= 4.5:1, computed
from the formula), and PDF pages that neither split a table nor leave a heading or a few
lines alone (read back from the PDF's text, page by page)."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from jobs.scorecards import charts
from jobs.scorecards.blocks import (
    HEADING_COLOUR,
    LIGHT_COLOURS,
    TABLE_HEAD_COLOUR,
    TONE_COLOURS,
    Heading,
    Table,
)
from jobs.scorecards.layout import enterprise_layout, park_layout
from jobs.scorecards.pdf import MIN_SPLIT_ROWS, layout_text, to_pdf
from tests.jobs.scorecards.samples import enterprise_card, park_card


def _figures(language: str):
    card, park = enterprise_card(), park_card()
    return {"trend": charts.trend_figure(card.trend, language),
            "profile": charts.profile_figure(card.daily_profile, language, card.profile_days),
            "trajectory": charts.trajectory_figure(park.trajectory, language)}


def _data_extents(figure, renderer):
    """Window extents of every drawn data artist: lines, bars, filled areas."""
    for axes in figure.axes:
        for artist in axes.get_children():
            data = isinstance(artist, Line2D | Collection) or (
                isinstance(artist, Rectangle) and artist is not axes.patch)
            drawn = artist.get_visible() and (not isinstance(artist, Line2D)
                                              or len(artist.get_xdata()))
            if data and drawn:
                yield artist, artist.get_window_extent(renderer)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_legends_lie_outside_every_data_artist_and_the_plot_area(language):
    for name, figure in _figures(language).items():
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        legends = figure.legends + [a.get_legend() for a in figure.axes if a.get_legend()]
        assert legends, name
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for axes in figure.axes:
                assert not box.overlaps(axes.get_window_extent(renderer)), (name, "axes")
            for artist, extent in _data_extents(figure, renderer):
                assert not box.overlaps(extent), (name, artist)
            title = figure.get_suptitle() and figure._suptitle.get_window_extent(renderer)
            assert not box.overlaps(title), (name, "title")


def test_the_trajectory_has_whole_years_and_marks_the_projection():
    figure = charts.trajectory_figure(park_card().trajectory, "en")
    figure.canvas.draw()
    axes = figure.axes[0]
    labels = [t.get_text().replace("\u2212", "-") for t in axes.get_xticklabels()
              if t.get_text()]
    assert labels and all(re.fullmatch(r"\d{4}", label) for label in labels), labels
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "2026 projected (annualised from 287 days)" in legend


def test_the_profile_says_which_days_it_averages():
    card = enterprise_card()
    assert charts.profile_figure(card.daily_profile, "zh", card.profile_days) \
        .get_suptitle() == "日负荷曲线与光伏：10月1日–14日日均"
    assert charts.profile_figure(card.daily_profile, "en", card.profile_days) \
        .get_suptitle() == "Daily load and PV: mean day of 1–14 Oct"


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_by_known_pairs():
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just too light


def test_every_text_colour_reads_on_white():
    colours = {**{f"tone {k}": v for k, v in TONE_COLOURS.items()},
               **{f"light {k}": v for k, v in LIGHT_COLOURS.items()}, "heading": HEADING_COLOUR}
    for name, colour in colours.items():
        assert _contrast(colour, "#ffffff") >= 4.5, name
    assert _contrast("#ffffff", TABLE_HEAD_COLOUR) >= 4.5  # white header text on it


def _pages(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", ["enterprise", "park"])
def test_pdf_pages_keep_tables_whole_and_headings_with_their_content(kind, language):
    layout = enterprise_layout(enterprise_card(), language) if kind == "enterprise" \
        else park_layout(park_card(), language)
    pages = [_squash(p) for p in _pages(to_pdf(layout, language))]
    for block in layout.blocks:
        if isinstance(block, Table) and len(block.rows) < 2 * MIN_SPLIT_ROWS:
            cells = [_squash(c) for row in [block.header, *block.rows] for c in row if c]
            # the first and the last cell on the same page: a short table is not split (a
            # long one may be, with MIN_SPLIT_ROWS on each page: test_pdf_split.py)
            first = [i for i, p in enumerate(pages) if cells[0] in p]
            last = [i for i, p in enumerate(pages) if cells[-1] in p]
            assert set(first) & set(last), (block.header, first, last)
    for index, page in enumerate(pages[:-1]):
        for block in layout.blocks:  # no page ends with a heading whose content is over the page
            if isinstance(block, Heading) and block.level == 2:
                text = _squash(block.text)
                if page.endswith(text):
                    pytest.fail(f"heading {block.text!r} alone at the foot of page {index + 1}")
    pdf = to_pdf(layout, language)
    document = pdfium.PdfDocument(pdf)
    for number, text in enumerate(_pages(pdf), start=1):
        lines = [line for line in text.splitlines() if line.strip()]
        images = sum(1 for obj in document[number - 1].get_objects()
                     if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
        assert images or len(lines) >= 8, (number, lines)  # no page of a few lines


@pytest.mark.parametrize("kind", ["enterprise", "park"])
def test_english_pdf_lines_break_between_words(kind):
    # every line of the PDF is made of whole words of the layout: "months" never prints as
    # "mo" at one line's end and "nths" at the next one's start
    layout = enterprise_layout(enterprise_card(), "en") if kind == "enterprise" \
        else park_layout(park_card(), "en")
    words = set(re.findall(r"\S+", layout_text(layout, separator=" ")))
    broken = [token for page in _pages(to_pdf(layout, "en"))
              for line in page.splitlines() for token in line.split()
              if token not in words and not any(token in word for word in words if
                                                len(word) > 30)]  # a word wider than its cell
    assert broken == []
