"""An investment case's two charts, in the scorecards' style and size (their canvas and PNG
helpers): the tornado of its sensitivity, and its cash flows over the life. Amounts are drawn
in units of 10,000 CNY (万元 to a Chinese reader, CNY 10k to an English one). Every word,
the unit's name included, comes from the caller's `labels`, so the caller chooses the
language; each chart is built as a Figure (`*_figure`, which tests read word by word) and
saved as PNG (`*_png`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from jobs.scorecards.charts import CARBON, INK, LOAD, chart_canvas, chart_png

CNY_PER_WAN = 10_000.0
WAN_AXIS = "万元"
LOW_END, HIGH_END = LOAD, CARBON


def _range_end(value: float, unit: str, words: Mapping[str, str]) -> str:
    """A parameter's value at one end of its range, its unit as the reader's language writes
    it (`words`: a unit -> its name, "times" -> a multiplier's sign: x, 倍)."""
    if unit == "x":
        return f"{value:.2g}{words.get('times', 'x')}"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:,.0f} {words.get(unit, unit)}"


def tornado_figure(tornado: pd.DataFrame, base_npv_cny: float, title: str,
                   labels: Mapping[str, str]) -> Figure:
    """Each parameter's NPV range (sensitivity.tornado()) as a horizontal bar from the base NPV
    to its value at the low end (one colour) and the high end (the other) of the parameter's
    range, largest swing on top, each end marked with the parameter's value there.

    labels: one per parameter (else its name); optional "axis" (default "NPV, 万元"),
    "times" (a multiplier's sign, default "x") and a unit's name by its code (default the
    code), and "low" and "high", which add a legend."""
    figure, axes = chart_canvas(title)
    rows = tornado.iloc[::-1]  # barh draws bottom-up: the largest swing ends on top
    y = np.arange(len(rows))
    base_wan = base_npv_cny / CNY_PER_WAN
    for end, colour in (("low", LOW_END), ("high", HIGH_END)):
        npv_wan = rows[f"npv_at_{end}_cny"].to_numpy(dtype=float) / CNY_PER_WAN
        axes.barh(y, npv_wan - base_wan, left=base_wan, color=colour, height=0.6,
                  label=labels.get(end))
        for row, (value, unit, x) in enumerate(zip(rows[f"{end}_value"], rows["unit"], npv_wan,
                                                   strict=True)):
            axes.text(x, row, f" {_range_end(value, unit, labels)} ", fontsize=6, color=INK,
                      va="center", ha="left" if x >= base_wan else "right")
    axes.axvline(base_wan, color=INK, linewidth=1.0)
    axes.set_yticks(y, [labels.get(name, name) for name in rows["parameter"]], fontsize=8)
    axes.set_xlabel(labels.get("axis", f"NPV, {WAN_AXIS}"), fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    axes.margins(x=0.2)  # room for the range-end marks
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    if "low" in labels and "high" in labels:
        axes.legend(fontsize=7, frameon=False, loc="lower right")
    figure.subplots_adjust(left=0.22)  # room for the parameters' names
    return figure


def tornado_png(tornado: pd.DataFrame, base_npv_cny: float, title: str,
                labels: Mapping[str, str]) -> bytes:
    return chart_png(tornado_figure(tornado, base_npv_cny, title, labels))


def cashflow_figure(flows: pd.DataFrame, title: str, labels: Mapping[str, str]) -> Figure:
    """Net cash flow per year (bars, red where negative) and its running total (line), from
    cashflows.project(). labels: "net" and "cumulative" (the legend); optional "year" (the
    x axis) and "axis" (the y axis, default "万元")."""
    figure, axes = chart_canvas(title)
    years = flows["year"].to_numpy()
    net_wan = flows["net_cny"].to_numpy(dtype=float) / CNY_PER_WAN
    axes.bar(years, net_wan, color=np.where(net_wan >= 0.0, LOAD, CARBON), width=0.7,
             label=labels["net"])
    axes.plot(years, np.cumsum(net_wan), color=INK, marker="o", markersize=3,
              label=labels["cumulative"])
    axes.axhline(0.0, color=INK, linewidth=0.8)
    if "year" in labels:
        axes.set_xlabel(labels["year"], fontsize=8)
    axes.set_ylabel(labels.get("axis", WAN_AXIS), fontsize=8)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    return figure


def cashflow_png(flows: pd.DataFrame, title: str, labels: Mapping[str, str]) -> bytes:
    return chart_png(cashflow_figure(flows, title, labels))
