"""A scorecard layout as a PDF (A4), the same blocks as the email, with the Chinese font
embedded (fpdf2 subsets it) so it reads the same on any machine. Regular weight only:
headings are larger and coloured, never bold."""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import Align, WrapMode
from fpdf.fonts import FontFace

from jobs.scorecards.blocks import (
    HEADING_COLOUR,
    LIGHT_COLOURS,
    TABLE_HEAD_COLOUR,
    TONE_COLOURS,
    Block,
    Heading,
    Image,
    Layout,
    Paragraph,
    Table,
)
from jobs.scorecards.font_subset import BatchFonts
from jobs.scorecards.fonts import cjk_font_path, fallback_font_path

FAMILY, FALLBACK = "NotoSansSC", "DejaVuSans"
MIN_SPLIT_ROWS = 3  # a table parted over two pages keeps at least this many rows on each
# a chart's width on the page: its 600 px at about 100 dpi, centred; at the full text width
# (180 mm) the enterprise card's four charts took a page and a half and left its last page
# with a few lines
IMAGE_WIDTH_MM = 150.0


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def layout_text(layout: Layout, separator: str = "") -> str:
    """Every character a layout prints (its texts joined by `separator`: " " keeps words
    apart)."""
    parts = [layout.title]
    for block in layout.blocks:
        if isinstance(block, Heading | Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts += block.header + [cell for row in block.rows for cell in row]
    return separator.join(parts)


def to_pdf(layout: Layout, language: str, fonts: BatchFonts | None = None) -> bytes:
    """fonts: the batch's fonts (font_subset.fonts_for); default: the whole fonts, which is
    several times slower per PDF."""
    pdf = FPDF(format="A4")
    pdf.set_title(layout.title)
    pdf.set_creator("park energy & carbon platform")
    fonts = fonts or BatchFonts(cjk_font_path(), fallback_font_path())
    pdf.add_font(FAMILY, "", str(fonts.main))
    if fonts.fallback is not None:
        pdf.add_font(FALLBACK, "", str(fonts.fallback))
        pdf.set_fallback_fonts([FALLBACK])
    pdf.set_lang("zh-CN" if language == "zh" else "en")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    wrap = wrap_mode(language)
    for unit in keep_together(layout.blocks):
        # a unit that would cross the page's end starts a new page (when it fits on one): no
        # heading left at a page's foot, no short table split, no note parted from its chart;
        # a long table instead fills the page and goes on over it (split_to_fit)
        if not _fits(pdf, unit, layout, wrap) and pdf.get_y() > pdf.t_margin + 1:
            here, unit = split_to_fit(pdf, unit, layout, wrap)
            for block in here:
                _render(pdf, block, layout, wrap)
            pdf.add_page()
        for block in unit:
            _render(pdf, block, layout, wrap)
    return bytes(pdf.output())


def _fits(pdf: FPDF, blocks: list[Block], layout: Layout, wrap: tuple[WrapMode, Align]) -> bool:
    """Whether the blocks fit in what is left of the page (tried, not drawn)."""
    with pdf.offset_rendering() as trial:
        for block in blocks:
            _render(pdf, block, layout, wrap)
    return not trial.page_break_triggered


def split_to_fit(pdf: FPDF, unit: list[Block], layout: Layout, wrap: tuple[WrapMode, Align]
                 ) -> tuple[list[Block], list[Block]]:
    """The unit parted into what fills the rest of this page and what goes on the next: at
    its first table of at least 2 x MIN_SPLIT_ROWS rows, after as many rows as fit (at least
    MIN_SPLIT_ROWS, and leaving at least as many), the header repeated over the page. A unit
    without such a table, or whose heading and first rows do not fit, goes whole to the next
    page ([], unit)."""
    for position, block in enumerate(unit):
        if isinstance(block, Table) and len(block.rows) >= 2 * MIN_SPLIT_ROWS:
            before, after = unit[:position], unit[position + 1:]
            for rows in range(len(block.rows) - MIN_SPLIT_ROWS, MIN_SPLIT_ROWS - 1, -1):
                first = Table(block.header, block.rows[:rows], block.lights[:rows])
                if _fits(pdf, [*before, first], layout, wrap):
                    rest = Table(block.header, block.rows[rows:], block.lights[rows:])
                    return [*before, first], [rest, *after]
            break
    return [], unit


def wrap_mode(language: str) -> tuple[WrapMode, Align]:
    """Chinese breaks between any two characters, justified; English only between words (a
    word too long for its cell is still broken), or "months" prints as "mo" and "nths" on two
    lines, and ragged right, or a narrow cell spreads its few words across it."""
    return (WrapMode.CHAR, Align.J) if language == "zh" else (WrapMode.WORD, Align.L)


def keep_together(blocks: list[Block]) -> list[list[Block]]:
    """The blocks in units a page must not part: a heading with what it introduces (its
    muted notes and the first other block after it), a muted note with the block before it
    (a chart's or a table's note, the footer), a table with the chart just before it (the
    valuation's tornado and its figures), and the card's last unit (its closing: data
    quality and footer) with the one before, so that no page holds only those few lines."""
    units: list[list[Block]] = []
    for block in blocks:
        joins = units and (_introduces(units[-1])
                           or (isinstance(block, Paragraph) and block.tone == "muted")
                           or (isinstance(block, Table) and isinstance(units[-1][-1], Image)))
        if joins:
            units[-1].append(block)
        else:
            units.append([block])
    if len(units) >= 2:
        units[-2:] = [units[-2] + units[-1]]
    return units


def _introduces(unit: list[Block]) -> bool:
    """A unit of a heading and only its notes so far: it still waits for its content."""
    return isinstance(unit[0], Heading) and all(
        isinstance(b, Heading) or (isinstance(b, Paragraph) and b.tone == "muted")
        for b in unit)


def _render(pdf: FPDF, block: Block, layout: Layout, wrap: tuple[WrapMode, Align]) -> None:
    width = pdf.epw
    mode, align = wrap
    if isinstance(block, Heading):
        pdf.set_font(FAMILY, size=16 if block.level == 1 else 12.5)
        pdf.set_text_color(*_rgb(HEADING_COLOUR))
        pdf.ln(2)
        pdf.multi_cell(width, 8 if block.level == 1 else 7, block.text, wrapmode=mode,
                       align=align, new_x="LMARGIN", new_y="NEXT")
    elif isinstance(block, Paragraph):
        pdf.set_font(FAMILY, size=9.5)
        pdf.set_text_color(*_rgb(TONE_COLOURS[block.tone]))
        pdf.multi_cell(width, 5.2, block.text, wrapmode=mode, align=align,
                       new_x="LMARGIN", new_y="NEXT")
    elif isinstance(block, Table):
        pdf.set_font(FAMILY, size=8.5)
        pdf.set_text_color(*_rgb(TONE_COLOURS["normal"]))
        heading = FontFace(emphasis="", fill_color=_rgb(TABLE_HEAD_COLOUR),
                           color=(255, 255, 255))
        with pdf.table(headings_style=heading, line_height=5.5, padding=1,
                       wrapmode=mode, text_align=align) as table:
            table.row(block.header)
            for index, cells in enumerate(block.rows):
                light = block.lights[index] if index < len(block.lights) else None
                row = table.row()
                for position, cell in enumerate(cells):
                    style = FontFace(color=_rgb(LIGHT_COLOURS[light])) \
                        if light and position == len(cells) - 1 else None
                    row.cell(cell, style=style)
        pdf.ln(1)
    elif isinstance(block, Image):
        image_width = min(IMAGE_WIDTH_MM, width)
        pdf.image(io.BytesIO(layout.images[block.cid]), w=image_width,
                  x=pdf.l_margin + (width - image_width) / 2)
