"""A picture of one day-ahead plan that a park operator reads in seconds: where the park's power
comes from (above zero) and where it goes (below zero), interval by interval in the park's local
time, and each battery's state of charge beneath, with the time-of-use price where the rows
carry one.

Drawn from the published plan rows alone (the long `plans` contract), so any plan, optimised or
fallback, re-read from landing or fresh from a run, draws the same way. Kinds and quantities it
does not know are left out of the layers; the park's load is what balances the bus, so a new
consumer still shows, inside "other load". Matplotlib's object API on the Agg canvas: no GUI, no
global pyplot state, safe inside a worker. Every word on the chart comes from LABELS (a later
translation swaps the dict and, through matplotlib's rcParams, the font).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

LABELS: Mapping[str, str] = {
    "pv_used": "PV used",
    "battery_discharge": "Battery discharge",
    "grid_import": "Grid import",
    "pv_curtailed": "PV curtailed",
    "other_load": "Park load",
    "ev": "EV charging",
    "hvac": "HVAC",
    "battery_charge": "Battery charging",
    "grid_export": "Grid export",
    "power_axis": "kW  (sources + / uses −)",
    "soc_axis": "Battery SOC (kWh)",
    "no_battery": "No battery in this plan",
    "all_batteries": "All {n} batteries",
    "price_axis": "Import price (CNY/kWh)",
    "price": "TOU import price",
    "peak_import": "Peak grid import {kw:,.0f} kW at {time}",
    "time_axis": "Local time ({zone})",
}
# (layer, colour, hatch); sources stack up from zero in this order, uses down from zero
SOURCES = (("pv_used", "#f4b400", None), ("battery_discharge", "#1b9e77", None),
           ("grid_import", "#7f8c8d", None))
USES = (("other_load", "#34495e", None), ("ev", "#7570b3", None), ("hvac", "#66a9d9", None),
        ("battery_charge", "#9fd8c4", None), ("grid_export", "#d95f02", None))
CURTAILED = ("pv_curtailed", "#f4b400", "////")
PRICE_QUANTITIES = ("import_price_cny_per_kwh",)
MAX_SOC_LINES = 8
SIZE_IN, DPI = (10.0, 6.4), 100


def _series(rows: pd.DataFrame, kind: str, quantity: str, index: pd.DatetimeIndex) -> pd.Series:
    """The quantity summed over every asset of the kind, per interval (0 where absent)."""
    wanted = rows[(rows["asset_kind"] == kind) & (rows["quantity"] == quantity)]
    summed = wanted.groupby("interval_start_utc")["value"].sum()
    return summed.reindex(index, fill_value=0.0).astype(float)


def _layers(rows: pd.DataFrame, index: pd.DatetimeIndex) -> dict[str, pd.Series]:
    def total(kind: str, quantity: str) -> pd.Series:
        return _series(rows, kind, quantity, index)

    setpoints = rows[(rows["asset_kind"] == "battery") & (rows["quantity"] == "setpoint_kw")]
    per_battery = setpoints.pivot_table(index="interval_start_utc", columns="asset_id",
                                        values="value", aggfunc="sum").reindex(index).fillna(0.0)
    layers = {
        "pv_used": total("pv", "output_kw"),
        "pv_curtailed": total("pv", "curtailed_kw"),
        "grid_import": total("grid", "import_kw"),
        "grid_export": total("grid", "export_kw"),
        "battery_discharge": per_battery.clip(lower=0).sum(axis=1),
        "battery_charge": (-per_battery).clip(lower=0).sum(axis=1),
        "ev": total("ev_group", "power_kw"),
        "hvac": total("hvac_zone", "electric_kw"),
    }
    # what the bus balance leaves for the consumers the plan does not itemise
    supplied = layers["pv_used"] + layers["battery_discharge"] + layers["grid_import"]
    itemised = layers["ev"] + layers["hvac"] + layers["battery_charge"] + layers["grid_export"]
    layers["other_load"] = (supplied - itemised).clip(lower=0.0)
    return layers


def _edges(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Interval starts and the day's end, so a post-step draws the last interval too."""
    step = pd.Series(index).diff().median() if len(index) > 1 else pd.Timedelta(minutes=15)
    return index.append(pd.DatetimeIndex([index[-1] + step]))


def _stack(axis, edges: pd.DatetimeIndex, layers: dict[str, pd.Series], spec, sign: float,
           labels: Mapping[str, str]) -> np.ndarray:
    base = np.zeros(len(edges))
    for name, colour, hatch in spec:
        values = layers[name].to_numpy()
        if not np.any(values > 1e-6):
            continue
        top = base + sign * np.append(values, values[-1])
        axis.fill_between(edges, base, top, step="post", color=colour, alpha=0.9,
                          hatch=hatch, linewidth=0, label=labels[name])
        base = top
    return base


def _draw_power(axis, edges: pd.DatetimeIndex, layers: dict[str, pd.Series], zone: str,
                labels: Mapping[str, str]) -> None:
    index = edges[:-1]
    top = _stack(axis, edges, layers, SOURCES, +1.0, labels)
    curtailed = layers["pv_curtailed"].to_numpy()
    if np.any(curtailed > 1e-6):
        name, colour, hatch = CURTAILED
        axis.fill_between(edges, top, top + np.append(curtailed, curtailed[-1]), step="post",
                          facecolor="none", edgecolor=colour, hatch=hatch, linewidth=0,
                          label=labels[name])
    _stack(axis, edges, layers, USES, -1.0, labels)
    axis.axhline(0.0, color="black", linewidth=0.8)
    imports = layers["grid_import"]
    if imports.max() > 1e-6:  # the interval that sets the demand charge, marked on the stack
        peak_at = imports.idxmax()
        stack_top = sum(layers[name][peak_at] for name, _, _ in SOURCES)
        middle = peak_at + (edges[index.get_loc(peak_at) + 1] - peak_at) / 2
        axis.annotate(labels["peak_import"].format(
                          kw=imports.max(), time=peak_at.tz_convert(zone).strftime("%H:%M")),
                      xy=(middle, stack_top), xytext=(0, 14), textcoords="offset points",
                      ha="center", fontsize=8, color="#2c3e50",
                      arrowprops={"arrowstyle": "-|>", "color": "#2c3e50", "linewidth": 0.8})
    axis.set_ylabel(labels["power_axis"])
    axis.margins(x=0, y=0.12)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def _draw_soc(axis, edges: pd.DatetimeIndex, rows: pd.DataFrame, index: pd.DatetimeIndex,
              labels: Mapping[str, str]) -> None:
    soc = rows[(rows["asset_kind"] == "battery") & (rows["quantity"] == "soc_kwh")]
    if soc.empty:
        axis.text(0.5, 0.5, labels["no_battery"], transform=axis.transAxes, ha="center",
                  va="center", color="grey")
        axis.set_yticks([])
    else:
        # SOC is at the end of each interval: draw it there, from the day's start
        table = soc.pivot_table(index="interval_start_utc", columns="asset_id", values="value",
                                aggfunc="mean").reindex(index)
        if table.shape[1] > MAX_SOC_LINES:  # past a legend's worth of lines, the fleet's total
            table = table.sum(axis=1, min_count=1).to_frame(
                labels["all_batteries"].format(n=table.shape[1]))
        for battery in table.columns:
            axis.plot(edges[1:], table[battery].to_numpy(), linewidth=1.6, label=battery)
        axis.set_ylim(bottom=0)
    axis.set_ylabel(labels["soc_axis"])
    axis.grid(axis="y", alpha=0.3)
    price = rows[rows["quantity"].isin(PRICE_QUANTITIES)]
    handles, names = axis.get_legend_handles_labels()
    if not price.empty:
        per_interval = price.groupby("interval_start_utc")["value"].mean().reindex(index)
        twin = axis.twinx()
        values = per_interval.to_numpy()
        line = twin.step(edges, np.append(values, values[-1]), where="post", color="#c0392b",
                         linestyle="--", linewidth=1.2, label=labels["price"])
        twin.set_ylabel(labels["price_axis"], color="#c0392b")
        twin.tick_params(axis="y", colors="#c0392b")
        twin.set_ylim(bottom=0, top=max(float(np.nanmax(values)), 0.01) * 1.15)
        handles, names = handles + line, names + [labels["price"]]
    if handles:
        axis.legend(handles, names, loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8,
                    frameon=False)


def plan_chart_png(plan_rows: pd.DataFrame, timezone: str, title: str,
                   labels: Mapping[str, str] = LABELS) -> bytes:
    """The plan as a PNG (1000 x 640 px): power by source and use, battery SOC, TOU price."""
    rows = plan_rows.assign(
        interval_start_utc=pd.to_datetime(plan_rows["interval_start_utc"], utc=True))
    index = pd.DatetimeIndex(rows["interval_start_utc"].drop_duplicates().sort_values())
    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    power, soc = figure.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
    figure.suptitle(title, fontsize=12)
    if len(index):
        edges = _edges(index)
        _draw_power(power, edges, _layers(rows, index), timezone, labels)
        _draw_soc(soc, edges, rows, index, labels)
        soc.set_xlim(edges[0], edges[-1])
    locator = mdates.HourLocator(byhour=range(0, 24, 3), tz=timezone)
    soc.xaxis.set_major_locator(locator)
    soc.xaxis.set_minor_locator(mdates.HourLocator(tz=timezone))
    soc.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=timezone))
    soc.set_xlabel(labels["time_axis"].format(zone=timezone))
    sink = io.BytesIO()
    figure.savefig(sink, format="png", dpi=DPI)
    return sink.getvalue()
