"""A scorecard layout as an HTML email that common mail clients show as intended: one
600-px table column, inline styles only (no <style>, no scripts, no web fonts), images by
Content-ID, and a plain-text alternative with the same words."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from html import escape

from jobs.scorecards.blocks import (
    HEADING_COLOUR,
    LIGHT_COLOURS,
    TABLE_HEAD_COLOUR,
    TONE_COLOURS,
    Heading,
    Image,
    Layout,
    Paragraph,
    Table,
)

WIDTH_PX = 600
FONT = "'PingFang SC','Microsoft YaHei','Noto Sans SC',Arial,sans-serif"


def _block(block) -> str:
    if isinstance(block, Heading):
        size = 20 if block.level == 1 else 15
        return (f'<tr><td style="padding:14px 0 4px;font-family:{FONT};font-size:{size}px;'
                f'color:{HEADING_COLOUR};">{escape(block.text)}</td></tr>')
    if isinstance(block, Paragraph):
        return (f'<tr><td style="padding:4px 0;font-family:{FONT};font-size:13px;'
                f'line-height:1.5;color:{TONE_COLOURS[block.tone]};">{escape(block.text)}</td></tr>')
    if isinstance(block, Image):
        return (f'<tr><td style="padding:6px 0;"><img src="cid:{escape(block.cid)}" '
                f'width="{WIDTH_PX}" alt="{escape(block.alt)}" style="display:block;'
                f'width:100%;max-width:{WIDTH_PX}px;height:auto;border:0;"></td></tr>')
    if isinstance(block, Table):
        head = "".join(f'<th align="left" style="padding:4px 6px;font-weight:normal;'
                       f'color:#ffffff;background:{TABLE_HEAD_COLOUR};font-size:12px;">{escape(h)}</th>'
                       for h in block.header)
        body = []
        for index, row in enumerate(block.rows):
            light = block.lights[index] if index < len(block.lights) else None
            marker = (f'<span style="color:{LIGHT_COLOURS[light]};">&#9679;</span> '
                      if light else "")
            cells = "".join(
                f'<td style="padding:4px 6px;border-bottom:1px solid #eeeeee;font-size:12px;">'
                f'{marker if i == 0 else ""}{escape(cell)}</td>' for i, cell in enumerate(row))
            body.append(f"<tr>{cells}</tr>")
        return (f'<tr><td><table role="presentation" width="100%" cellpadding="0" '
                f'cellspacing="0" style="border-collapse:collapse;font-family:{FONT};">'
                f'<tr>{head}</tr>{"".join(body)}</table></td></tr>')
    raise TypeError(f"unknown block {block!r}")


def to_html(layout: Layout, language: str) -> str:
    lang = "zh-CN" if language == "zh" else "en"
    rows = "".join(_block(block) for block in layout.blocks)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(layout.title)}</title></head>"
            f'<body style="margin:0;padding:0;background:#f4f6f8;">'
            f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            f'style="background:#f4f6f8;"><tr><td align="center" style="padding:16px;">'
            f'<table role="presentation" width="{WIDTH_PX}" cellpadding="0" cellspacing="0" '
            f'style="width:{WIDTH_PX}px;max-width:100%;background:#ffffff;padding:16px;">'
            f"{rows}</table></td></tr></table></body></html>")


_CID_SRC = re.compile(r'src="cid:([^"]+)"')


def self_contained(html: str, images: Mapping[str, bytes]) -> str:
    """The email's HTML with each `cid:` image inlined as a data: URI, for the copy kept on
    disk: opened from a folder (a browser, an archive), a Content-ID points nowhere."""

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in images:
            raise ValueError(f"the HTML refers to an image it lacks: {name!r}")
        return f'src="data:image/png;base64,{base64.b64encode(images[name]).decode("ascii")}"'

    return _CID_SRC.sub(inline, html)


def to_text(layout: Layout) -> str:
    lines = []
    for block in layout.blocks:
        if isinstance(block, Heading):
            lines += ["", block.text, "=" * 20 if block.level == 1 else "-" * 20]
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines += [" | ".join(block.header)] + [" | ".join(row) for row in block.rows]
        elif isinstance(block, Image):
            lines.append(f"[{block.alt}]")
    return "\n".join(lines).strip() + "\n"
