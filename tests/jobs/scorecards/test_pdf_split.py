"""A long table fills the page it starts on and goes on over the next, its header repeated and
at least 3 rows on each page, its heading with its first rows; a short table, or one whose
heading and first 3 rows do not fit, moves whole. Read back from the PDF's text, page by page."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from jobs.scorecards.blocks import Heading, Image, Layout, Paragraph, Table
from jobs.scorecards.charts import chart_canvas, chart_png
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.pdf import layout_text, to_pdf

HEADER = ["Entity", "Allowances"]


def _pages(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def _layout(filler_lines: int, rows: int) -> Layout:
    """A title, `filler_lines` lines of text, then a heading, its note and a table of `rows`
    rows named row-01, row-02, ..."""
    filler = [Paragraph(f"Filler line {i:02d} of the summary.") for i in range(filler_lines)]
    table = Table(HEADER, [[f"row-{i:02d}", f"{i * 100:,}"] for i in range(1, rows + 1)])
    return Layout("title", [Heading("Valuation", 1), *filler, Heading("Carbon asset ledger"),
                            Paragraph("How the ledger counts.", "muted"), table,
                            Paragraph("The park total's note.", "muted")], {})


@pytest.fixture(scope="module")
def fonts(tmp_path_factory):
    """The few glyphs these layouts print (the whole fonts make each PDF several times
    slower)."""
    return fonts_for([layout_text(_layout(1, 20)) + "0123456789,"],
                     tmp_path_factory.mktemp("fonts"))


def _rows_by_page(pdf: bytes) -> list[list[str]]:
    return [re.findall(r"row-\d\d", page) for page in _pages(pdf)]


@pytest.mark.parametrize("filler_lines", [30, 36])
def test_a_long_table_fills_the_page_and_repeats_its_header_over_the_next(filler_lines,
                                                                          fonts):
    pages = _pages(to_pdf(_layout(filler_lines, 20), "en", fonts))
    rows = [re.findall(r"row-\d\d", page) for page in pages]
    assert [r for page in rows for r in page] == [f"row-{i:02d}" for i in range(1, 21)]
    assert len(pages) == 2 and len(rows[0]) >= 3 and len(rows[1]) >= 3, rows
    assert "Carbon asset ledger" in pages[0]  # the heading stays with its first rows
    for page in pages:
        assert page.count("Entity") == 1  # the header on both pages
    assert "The park total's note." in pages[1]


def test_the_heading_and_three_rows_not_fitting_move_whole(fonts):
    # 46 filler lines leave room for the heading and the note, not for three rows
    pages = _pages(to_pdf(_layout(46, 20), "en", fonts))
    assert "Carbon asset ledger" not in pages[0]
    assert re.findall(r"row-\d\d", pages[0]) == []
    assert "Carbon asset ledger" in pages[1]


def test_a_short_table_is_never_split(fonts):
    for filler in (34, 38, 42):
        rows = [r for r in _rows_by_page(to_pdf(_layout(filler, 5), "en", fonts)) if r]
        assert len(rows) == 1 and len(rows[0]) == 5, (filler, rows)


def test_a_table_under_a_chart_stays_on_the_chart_s_page(fonts):
    # the valuation's tornado and the table of its figures: with the chart at the foot of a
    # page the table went on the next one alone
    figure, _ = chart_canvas("tornado")
    table = Table(HEADER, [[f"row-{i:02d}", f"{i * 100:,}"] for i in range(1, 6)])
    for filler in (20, 26, 32):
        layout = Layout("title", [Heading("Valuation", 1),
                                  *[Paragraph(f"Filler line {i:02d} of the summary.")
                                    for i in range(filler)],
                                  Image("tornado", "tornado"), table, Heading("Financing view"),
                                  Paragraph("What a lender reads.")],
                        {"tornado": chart_png(figure)})
        pdf = to_pdf(layout, "en", fonts)
        document = pdfium.PdfDocument(pdf)
        with_image = [i for i in range(len(document)) if any(
            o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for o in document[i].get_objects())]
        with_rows = [i for i, rows in enumerate(_rows_by_page(pdf)) if rows]
        assert with_image == with_rows, (filler, with_image, with_rows)
