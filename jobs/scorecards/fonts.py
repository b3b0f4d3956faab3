"""The Chinese font every scorecard renderer uses: Noto Sans SC (OFL), shipped on PyPI as
pylopdf-fonts-zh-cn and installed by `uv sync` with everything else, so no renderer falls
back to boxes on a machine without CJK fonts. Regular weight only: emphasis is size and
colour, never bold. DejaVu Sans (bundled with matplotlib) covers the few symbols the Chinese
subset lacks (e.g. subscript digits)."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
import pylopdf_fonts_zh_cn
from matplotlib import font_manager

CJK_FAMILY = "Noto Sans SC"
FALLBACK_FAMILY = "DejaVu Sans"


def cjk_font_path() -> Path:
    return Path(pylopdf_fonts_zh_cn.sans_path())


def fallback_font_path() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@functools.cache
def use_cjk_in_matplotlib() -> None:
    """Register the font with matplotlib (per process) and make it the first sans-serif."""
    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FAMILY, FALLBACK_FAMILY]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font's minus sign is missing
