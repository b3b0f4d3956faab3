"""The scorecards' charts, small enough for a mail client (600 px wide) and the same PNGs in
the PDF: 12-month trend, daily load profile against PV, consumption by TOU period, emissions
by source, and the park's path to peak and neutrality. Matplotlib's object API on the Agg
canvas; Chinese through the shipped Noto Sans SC (fonts.py); every word from i18n. Each chart
is built as a Figure (`*_figure`, which tests measure) and saved as PNG (`*_png`). Legends sit
above the plot area, under the title, never on the bars or curves."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jobs.scorecards.fonts import use_cjk_in_matplotlib
from jobs.scorecards.i18n import WORDS, word

SIZE_IN, DPI = (6.0, 2.8), 100
INK, LOAD, SUN, CARBON, GRID = "#34495e", "#2c7fb8", "#f4b400", "#d95f02", "#dddddd"
TOU_COLOURS = {"critical_peak": "#b2182b", "peak": "#ef8a62", "flat": "#bdbdbd",
               "valley": "#67a9cf", "deep_valley": "#2166ac"}
# fixed margins (in figure fractions) instead of tight_layout, which draws every chart twice
# to measure it: the title on top, a row for the legend under it, room for rotated month
# labels below and a second axis on the right
MARGINS = {"left": 0.11, "right": 0.89, "top": 0.76, "bottom": 0.25}
TITLE_Y, LEGEND_Y = 0.97, 0.88  # figure fractions: the title's top, the legend row's top
TOP_WITHOUT_LEGEND = 0.84


def chart_canvas(title: str) -> tuple[Figure, Axes]:
    """A chart's canvas with its title, in the scorecards' style."""
    use_cjk_in_matplotlib()
    figure = Figure(figsize=SIZE_IN, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    figure.suptitle(title, fontsize=11, color=INK, y=TITLE_Y, va="top")
    figure.subplots_adjust(**MARGINS)
    return figure, axes


def legend_above(figure: Figure, axes: list[Axes]) -> None:
    """One legend for all the axes' labelled artists, in a row between the title and the
    plot area (outside the data, whatever the data's shape)."""
    handles = [h for a in axes for h in a.get_legend_handles_labels()[0]]
    figure.legend(handles=handles, labels=[str(h.get_label()) for h in handles], fontsize=7.5,
                  loc="upper center", bbox_to_anchor=(0.5, LEGEND_Y), ncol=len(handles),
                  frameon=False)


def chart_png(figure: Figure, **margins: float) -> bytes:
    """The figure as PNG bytes; `margins` replace some of MARGINS (long axis labels)."""
    if margins:
        figure.subplots_adjust(**margins)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _empty(figure: Figure, axes: Axes, language: str) -> Figure:
    axes.text(0.5, 0.5, word("no_comparison", language), ha="center", va="center",
              transform=axes.transAxes, color=INK)
    axes.set_xticks([])
    axes.set_yticks([])
    return figure


def trend_figure(trend: pd.DataFrame, language: str) -> Figure:
    """Monthly electricity (bars, MWh) and the carbon account's emissions (line, tCO2: the
    calculation of the account printed beside the chart) over the last 12 months."""
    figure, axes = chart_canvas(word("trend_chart", language))
    if trend.empty:
        return _empty(figure, axes, language)
    labels = [pd.Timestamp(m).strftime("%Y-%m") for m in trend["month"]]
    x = np.arange(len(labels))
    axes.bar(x, trend["electricity_kwh"].fillna(0.0) / 1000.0, color=LOAD, width=0.6,
             label=word("electricity_mwh", language))
    axes.set_ylabel(word("mwh", language), fontsize=8)
    axes.set_xticks(x, labels, fontsize=7, rotation=45, ha="right")
    carbon = axes.twinx()
    carbon.plot(x, trend["tco2"], color=CARBON, marker="o", markersize=3,
                label=word("emissions_account_basis", language))
    carbon.set_ylabel(word("tCO2", language), fontsize=8)
    carbon.spines[["top"]].set_visible(False)
    legend_above(figure, [axes, carbon])
    return figure


def _day_span(days: tuple[dt.date, dt.date], language: str) -> str:
    first, last = days
    if language == "zh":
        end = f"{last.day}日" if last.month == first.month else f"{last.month}月{last.day}日"
        return f"{first.month}月{first.day}日" + ("" if last == first else f"–{end}")
    start = f"{first.day}" if last.month == first.month else f"{first.day} {first:%b}"
    return f"{last.day} {last:%b}" if last == first else f"{start}–{last.day} {last:%b}"


def profile_figure(profile: pd.DataFrame, language: str,
                   days: tuple[dt.date, dt.date] | None = None) -> Figure:
    """The mean load by time of day over the days with data (`days`: the first and last),
    with the PV allocated to it: the title says which days it averages."""
    title = word("profile_chart", language) if days is None else word(
        "profile_chart_days", language, days=_day_span(days, language))
    figure, axes = chart_canvas(title)
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
    legend_above(figure, [axes])
    return figure


def tou_figure(shares_kwh: pd.Series, language: str) -> Figure:
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
    figure.subplots_adjust(top=TOP_WITHOUT_LEGEND)
    return figure


def sources_figure(sources_tco2: pd.Series, language: str) -> Figure:
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
    figure.subplots_adjust(left=0.22 if language == "en" else 0.14, top=TOP_WITHOUT_LEGEND)
    return figure


def trajectory_figure(trajectory: pd.DataFrame, language: str) -> Figure:
    """Whole years' emissions, the card's year annualised (a hollow marker, the days it rests
    on in its label), and the path to the peak year and then to zero; whole-year ticks."""
    figure, axes = chart_canvas(word("trajectory_chart", language))
    if trajectory.empty:
        return _empty(figure, axes, language)
    axes.plot(trajectory["year"], trajectory["path_tco2"].astype(float), color=INK,
              linestyle="--", label=word("path_tco2", language))
    actual = trajectory[trajectory["actual_tco2"].notna()]
    if len(actual):
        axes.plot(actual["year"], actual["actual_tco2"].astype(float), color=CARBON,
                  marker="o", markersize=4, label=word("actual_tco2", language))
    projected = trajectory[trajectory["projected_tco2"].notna()]
    for row in projected.itertuples():
        axes.plot([row.year], [float(row.projected_tco2)], linestyle="none", marker="o",
                  markersize=7, markerfacecolor="white", markeredgecolor=CARBON,
                  markeredgewidth=1.6, label=word("projected_tco2", language, year=row.year,
                                                  days=float(row.days_measured)))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_ylabel(word("tCO2", language), fontsize=8)
    axes.set_xlabel(word("year_axis", language), fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    legend_above(figure, [axes])
    return figure


def trend_png(trend: pd.DataFrame, language: str) -> bytes:
    return chart_png(trend_figure(trend, language))


def profile_png(profile: pd.DataFrame, language: str,
                days: tuple[dt.date, dt.date] | None = None) -> bytes:
    return chart_png(profile_figure(profile, language, days))


def tou_png(shares_kwh: pd.Series, language: str) -> bytes:
    return chart_png(tou_figure(shares_kwh, language))


def sources_png(sources_tco2: pd.Series, language: str) -> bytes:
    return chart_png(sources_figure(sources_tco2, language))


def trajectory_png(trajectory: pd.DataFrame, language: str) -> bytes:
    return chart_png(trajectory_figure(trajectory, language))
