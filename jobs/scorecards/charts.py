"""The scorecards' charts, small enough for a mail client (600 px wide) and the same PNGs in
the PDF: 12-month trend, daily load profile against PV, consumption by TOU period, emissions
by source, and the park's path to peak and neutrality. Matplotlib's object API on the Agg
canvas; Chinese through the shipped Noto Sans SC (fonts.py); every word from i18n."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from jobs.scorecards.fonts import use_cjk_in_matplotlib
from jobs.scorecards.i18n import WORDS, word

SIZE_IN, DPI = (6.0, 2.6), 100
INK, LOAD, SUN, CARBON, GRID = "#34495e", "#2c7fb8", "#f4b400", "#d95f02", "#dddddd"
TOU_COLOURS = {"critical_peak": "#b2182b", "peak": "#ef8a62", "flat": "#bdbdbd",
               "valley": "#67a9cf", "deep_valley": "#2166ac"}


def chart_canvas(title: str) -> tuple[Figure, Axes]:
    """A chart's canvas with its title, in the scorecards' style."""
    use_cjk_in_matplotlib()
    figure = Figure(figsize=SIZE_IN, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.set_title(title, fontsize=11, color=INK)
    return figure, axes


# fixed margins (in figure fractions) instead of tight_layout, which draws every chart twice
# to measure it: room for rotated month labels below and a second axis on the right
MARGINS = {"left": 0.11, "right": 0.89, "top": 0.87, "bottom": 0.25}


def chart_png(figure: Figure, **margins: float) -> bytes:
    """The figure as PNG bytes; `margins` replace some of MARGINS (long axis labels)."""
    figure.subplots_adjust(**{**MARGINS, **margins})
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _empty(figure: Figure, axes: Axes, language: str) -> bytes:
    axes.text(0.5, 0.5, word("no_comparison", language), ha="center", va="center",
              transform=axes.transAxes, color=INK)
    axes.set_xticks([])
    axes.set_yticks([])
    return chart_png(figure)


def trend_png(trend: pd.DataFrame, language: str) -> bytes:
    """Monthly electricity (bars, MWh) and emissions (line, tCO2) over the last 12 months."""
    figure, axes = chart_canvas(word("trend_chart", language))
    if trend.empty:
        return _empty(figure, axes, language)
    labels = [pd.Timestamp(m).strftime("%Y-%m") for m in trend["month"]]
    x = np.arange(len(labels))
    axes.bar(x, trend["electricity_kwh"].fillna(0.0) / 1000.0, color=LOAD, width=0.6,
             label=word("electricity_kwh", language))
    axes.set_ylabel(word("mwh", language), fontsize=8)
    axes.set_xticks(x, labels, fontsize=7, rotation=45, ha="right")
    carbon = axes.twinx()
    carbon.plot(x, trend["tco2"], color=CARBON, marker="o", markersize=3,
                label=word("emissions", language))
    carbon.set_ylabel(word("tCO2", language), fontsize=8)
    carbon.spines[["top"]].set_visible(False)
    handles = axes.get_legend_handles_labels()[0] + carbon.get_legend_handles_labels()[0]
    axes.legend(handles=handles, labels=[str(h.get_label()) for h in handles], fontsize=7,
                loc="upper left", frameon=False)
    return chart_png(figure)


def profile_png(profile: pd.DataFrame, language: str) -> bytes:
    """The month's mean load by time of day, with the PV allocated to it."""
    figure, axes = chart_canvas(word("profile_chart", language))
    if profile.empty:
        return _empty(figure, axes, language)
    x = np.arange(len(profile))
    axes.fill_between(x, profile["pv_kw"].fillna(0.0), color=SUN, alpha=0.6,
                      label=word("pv", language), linewidth=0)
    axes.plot(x, profile["load_kw"], color=LOAD, linewidth=1.6, label=word("load", language))
    ticks = x[:: max(len(x) // 8, 1)]
    axes.set_xticks(ticks, [str(profile.index[i]) for i in ticks], fontsize=7)
    axes.set_ylabel(word("kW", language), fontsize=8)
    axes.set_xlabel(word("time_axis", language), fontsize=8)
    axes.legend(fontsize=7, loc="upper left", frameon=False)
    return chart_png(figure)


def tou_png(shares_kwh: pd.Series, language: str) -> bytes:
    """Consumption by TOU period, as one stacked bar with the shares written on it."""
    figure, axes = chart_canvas(word("tou_chart", language))
    total = float(shares_kwh.sum())
    if total <= 0:
        return _empty(figure, axes, language)
    left = 0.0
    for period in [p for p in TOU_COLOURS if p in shares_kwh.index]:
        share = 100.0 * float(shares_kwh[period]) / total
        axes.barh(0, share, left=left, color=TOU_COLOURS[period], height=0.5)
        if share >= 4:
            label = WORDS[period][language] if period in WORDS else period
            axes.text(left + share / 2, 0, f"{label}\n{share:.0f}%", ha="center", va="center",
                      fontsize=8, color="white")
        left += share
    axes.set_xlim(0, 100)
    axes.set_yticks([])
    axes.set_xlabel("%", fontsize=8)
    axes.grid(False)
    return chart_png(figure)


def sources_png(sources_tco2: pd.Series, language: str) -> bytes:
    figure, axes = chart_canvas(word("sources_chart", language))
    sources = sources_tco2.dropna()
    if sources.empty or float(sources.sum()) <= 0:
        return _empty(figure, axes, language)
    labels = [WORDS[s][language] if s in WORDS else s for s in sources.index]
    axes.barh(labels, sources.to_numpy(), color=CARBON)
    for y, value in enumerate(sources.to_numpy()):
        axes.text(value, y, f" {value:,.1f}", va="center", fontsize=8, color=INK)
    axes.set_xlabel(word("tCO2", language), fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    return chart_png(figure)


def trajectory_png(trajectory: pd.DataFrame, language: str) -> bytes:
    """Yearly emissions so far against the path to the peak year and then to zero."""
    figure, axes = chart_canvas(word("trajectory_chart", language))
    if trajectory.empty:
        return _empty(figure, axes, language)
    axes.plot(trajectory["year"], trajectory["path_tco2"], color=INK, linestyle="--",
              label=word("path_tco2", language))
    actual = trajectory.dropna(subset=["actual_tco2"])
    axes.plot(actual["year"], actual["actual_tco2"], color=CARBON, marker="o", markersize=4,
              label=word("actual_tco2", language))
    axes.set_ylabel(word("tCO2", language), fontsize=8)
    axes.set_xlabel(word("year_axis", language), fontsize=8)
    axes.legend(fontsize=7, frameon=False)
    return chart_png(figure)
