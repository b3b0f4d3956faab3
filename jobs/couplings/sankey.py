"""The circular-coupling map drawn Sankey-style for the park card: one panel per carrier (a GJ
and a tonne cannot share one scale), suppliers on the left, receivers on the right, each band
as wide as its flow (one scale per panel, on both ends). Every node is labelled with its name
(wrapped to at most two lines) and its total; a node's slot is never shorter than its label,
so labels never overlap nor leave the picture (a test measures it), while its bar and bands
stay true to scale. Matplotlib's object API on
the Agg canvas, Chinese through the shipped Noto Sans SC."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from jobs.couplings.read import Flow
from jobs.scorecards.charts import INK, chart_png
from jobs.scorecards.fonts import use_cjk_in_matplotlib

CARRIER_ORDER = ("heat", "water", "solid_waste", "organic_waste")
CARRIER_COLOURS = {"heat": "#d95f02", "water": "#2c7fb8", "solid_waste": "#7f6a4d",
                   "organic_waste": "#1b7a3e"}
CARRIER_WORDS = {"heat": {"zh": "热量（GJ）", "en": "Heat (GJ)"},
                 "water": {"zh": "水（m³）", "en": "Water (m³)"},
                 "solid_waste": {"zh": "固体废物（t）", "en": "Solid waste (t)"},
                 "organic_waste": {"zh": "有机废物制沼气（t）",
                                   "en": "Organic waste to biogas (t)"}}
UNIT_TEXT = {"GJ": "GJ", "m3": "m³", "t": "t"}
WIDTH_IN, PANEL_IN, TITLE_IN, DPI = 6.0, 1.2, 0.45, 100
MAP_ONLY = "#9e9e9e"  # a flow no guiding indicator counts (heat sold on purpose, water bought)
LEFT_X, RIGHT_X, NODE_W = 0.30, 0.70, 0.015  # axes fractions: the node columns
LABEL_PT = 7.5
LABEL_LINES = 3  # a name in at most two lines, then the quantity
LABEL_IN = LABEL_LINES * LABEL_PT * 1.3 / 72  # inches
# a name's line, in characters, within the label column (~1.6 in at 7.5 pt): Latin letters
# are about half as wide as Chinese characters
LINE_CHARS_LATIN, LINE_CHARS_CJK = 28, 14
GAP_IN = 0.08
MIN_BAR = 0.01  # axes fraction: a tiny flow's node still shows
MIN_BAND_PX = 1.5


def _name_lines(name: str) -> list[str]:
    """The name in at most two lines that fit the label column; a longer one ends in '…'."""
    cjk = any(ord(ch) >= 0x2E80 for ch in name)
    width = LINE_CHARS_CJK if cjk else LINE_CHARS_LATIN
    lines = ([name[i:i + width] for i in range(0, len(name), width)] if cjk
             else textwrap.wrap(name, width, break_long_words=True)) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:width - 1] + "…"]
    return lines


def _label(name: str, quantity: float, unit: str) -> str:
    digits = 0 if quantity >= 100 else 1 if quantity >= 10 else 2  # as the cards' tables
    return "\n".join([*_name_lines(name), f"{quantity:,.{digits}f} {UNIT_TEXT.get(unit, unit)}"])


def _scale(columns: Sequence[Sequence[tuple[str, float]]], axes_in: float) -> float:
    """Axes height per unit of the carrier, one for both columns (a band is as wide on both
    ends): as large as lets every slot (never shorter than its label) fit its column."""
    min_h, gap = LABEL_IN / axes_in, GAP_IN / axes_in
    scale = min((1.0 - gap * (len(c) - 1)) / (sum(q for _, q in c) or 1.0) for c in columns)
    while scale > 1e-12 and any(sum(max(q * scale, min_h) for _, q in c) + gap * (len(c) - 1)
                                > 1.0 for c in columns):
        scale *= 0.97
    return scale


def _slots(totals: Sequence[tuple[str, float]], scale: float, axes_in: float
           ) -> dict[str, tuple[float, float]]:
    """(bottom, height) of each node's slot, top to bottom, in axes fractions: its quantity
    at `scale`, never shorter than its two-line label."""
    min_h, gap = LABEL_IN / axes_in, GAP_IN / axes_in
    slots, top = {}, 1.0
    for party, quantity in totals:
        height = max(quantity * scale, min_h)
        slots[party] = (top - height, height)
        top -= height + gap
    return slots


def _band(axes: Axes, left: tuple[float, float], right: tuple[float, float],
          colour: str) -> None:
    """A band from the left node's slice (bottom, top) to the right node's, as two cubic
    curves (the usual Sankey S-shape)."""
    x0, x1 = LEFT_X + NODE_W, RIGHT_X
    middle = (x0 + x1) / 2
    vertices = [(x0, left[1]), (middle, left[1]), (middle, right[1]), (x1, right[1]),
                (x1, right[0]), (middle, right[0]), (middle, left[0]), (x0, left[0]),
                (x0, left[1])]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4,
             Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    axes.add_patch(PathPatch(Path(vertices, codes), facecolor=colour, alpha=0.45,
                             edgecolor="none"))


def _panel(axes: Axes, flows: list[Flow], names: Mapping[str, str], axes_in: float,
           language: str) -> None:
    carrier = flows[0].carrier
    colour = CARRIER_COLOURS.get(carrier, INK)
    unit = flows[0].unit
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")
    axes.text(0.02, 1.0, CARRIER_WORDS.get(carrier, {}).get(language, carrier), fontsize=9,
              color=INK, ha="left", va="bottom", transform=axes.transAxes)

    def totals(side: str) -> list[tuple[str, float]]:
        summed: dict[str, float] = {}
        for flow in flows:
            party = getattr(flow, side)
            summed[party] = summed.get(party, 0.0) + flow.quantity
        return sorted(summed.items(), key=lambda item: (-item[1], item[0]))

    sources, targets = totals("from_id"), totals("to_id")
    scale = _scale([sources, targets], axes_in)
    left_slots, right_slots = _slots(sources, scale, axes_in), _slots(targets, scale, axes_in)

    def bar_top(slot: tuple[float, float], quantity: float) -> float:
        """The node's bar (its quantity at scale) sits in the middle of its slot."""
        return slot[0] + slot[1] / 2 + quantity * scale / 2

    left_top = {p: bar_top(left_slots[p], q) for p, q in sources}
    right_top = {p: bar_top(right_slots[p], q) for p, q in targets}
    order = sorted(flows, key=lambda f: ([p for p, _ in sources].index(f.from_id),
                                         [p for p, _ in targets].index(f.to_id)))
    for flow in order:
        width = max(flow.quantity * scale, MIN_BAND_PX / (axes_in * DPI))  # visible, ~1 px
        left = (left_top[flow.from_id] - width, left_top[flow.from_id])
        right = (right_top[flow.to_id] - width, right_top[flow.to_id])
        left_top[flow.from_id] -= width
        right_top[flow.to_id] -= width
        _band(axes, left, right, colour if flow.counts_for else MAP_ONLY)
    for slots, totals_, x, ha, text_x in (
            (left_slots, dict(sources), LEFT_X, "right", LEFT_X - 0.01),
            (right_slots, dict(targets), RIGHT_X, "left", RIGHT_X + NODE_W + 0.01)):
        for party, (bottom, height) in slots.items():
            bar = max(totals_[party] * scale, MIN_BAR)
            axes.add_patch(Rectangle((x, bottom + (height - bar) / 2), NODE_W, bar,
                                     facecolor=colour, edgecolor="none"))
            axes.text(text_x, bottom + height / 2, _label(names.get(party, party),
                                                          totals_[party], unit),
                      ha=ha, va="center", fontsize=LABEL_PT, color=INK, linespacing=1.2)


def sankey_figure(flows: Sequence[Flow], names: Mapping[str, str], title: str,
                  language: str) -> Figure:
    """One panel per carrier present, in CARRIER_ORDER; `names` maps party ids to names."""
    use_cjk_in_matplotlib()
    carriers = [c for c in CARRIER_ORDER if any(f.carrier == c for f in flows)]
    panel_in = [max(PANEL_IN, 0.35 + (LABEL_IN + GAP_IN) * max(
        len({f.from_id for f in flows if f.carrier == c}),
        len({f.to_id for f in flows if f.carrier == c}))) for c in carriers]
    height_in = TITLE_IN + sum(panel_in) + 0.1
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=11, color=INK, y=1 - 0.08 / height_in, va="top")
    top = 1 - TITLE_IN / height_in
    for carrier, inches in zip(carriers, panel_in, strict=True):
        axes_in = inches - 0.35  # the panel's title row
        axes = figure.add_axes((0.0, top - inches / height_in + 0.05 / height_in,
                                1.0, axes_in / height_in))
        _panel(axes, [f for f in flows if f.carrier == carrier], names, axes_in, language)
        top -= inches / height_in
    return figure


def sankey_png(flows: Sequence[Flow], names: Mapping[str, str], title: str,
               language: str) -> bytes:
    return chart_png(sankey_figure(flows, names, title, language))
