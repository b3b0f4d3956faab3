"""The fonts a batch of scorecard PDFs embeds, cut once per batch to the characters its
layouts print.

fpdf2 subsets every font it embeds on every PDF, and with the whole 8 MB Noto Sans SC (CFF
outlines) that was most of a PDF's cost. Per batch we therefore cut Noto to the batch's
characters and convert its outlines to TrueType quadratics, which fpdf2 re-subsets several
times faster than CFF; DejaVu Sans is cut to the few characters Noto lacks and left out
altogether when there are none (make bench, scorecards: 0.24 -> 0.09 s per PDF)."""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from jobs.scorecards.fonts import cjk_font_path, fallback_font_path

# how far (in font units, 1000 per em) a quadratic may stray from the cubic it replaces:
# a thousandth of an em, far below a printed pixel
MAX_CURVE_ERROR_UNITS = 1.0


@dataclass(frozen=True)
class BatchFonts:
    main: Path
    fallback: Path | None  # None: Noto covers every character of the batch


def fonts_for(texts: Iterable[str], folder: Path) -> BatchFonts:
    """Cut the batch's fonts into `folder` (which the caller owns and removes)."""
    characters = set(string.printable) | set("".join(texts))
    folder.mkdir(parents=True, exist_ok=True)
    covered = set(TTFont(str(cjk_font_path()), lazy=True).getBestCmap())
    main = _cut(cjk_font_path(), characters, folder / "noto-sans-sc-batch.ttf")
    _cff_to_truetype(main)
    uncovered = {c for c in characters if ord(c) not in covered and not c.isspace()}
    fallback = _cut(fallback_font_path(), uncovered, folder / "dejavu-sans-batch.ttf") \
        if uncovered else None
    return BatchFonts(main, fallback)


def _cut(source: Path, characters: set[str], target: Path) -> Path:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    return target


def _cff_to_truetype(path: Path) -> None:
    """Replace the font's CFF outlines by TrueType ones, in place."""
    font = TTFont(str(path))
    if "CFF " not in font:
        return
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF draws outer contours anticlockwise, TrueType clockwise
        glyphs[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR_UNITS, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"
    maxp = font["maxp"]  # version 1.0 (TrueType) carries hinting limits; there is no hinting
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for limit in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, limit, 0)
    font["head"].glyphDataFormat = 0
    post = font["post"]  # glyph names travel in 'post' format 2 once CFF is gone
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    font.save(str(path))
