"""One closed-loop scenario in a picture: cost and renewable absorption by controller, and
each controller's cost day by day side by side (matplotlib's object API on the Agg canvas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLOURS = {"none": "#9e9e9e", "rule_based": "#8d6e63", "plan": "#1e88e5", "mpc": "#43a047",
           "perfect": "#fb8c00"}


def draw_scenario(path: Path, name: str, summary: dict[str, Any]) -> None:
    results = summary["results"]
    controllers = list(results)
    colours = [COLOURS.get(c, "#555555") for c in controllers]
    figure = Figure(figsize=(14, 4.5), dpi=110)
    FigureCanvasAgg(figure)
    cost_axis, absorption_axis, daily_axis = figure.subplots(
        1, 3, gridspec_kw={"width_ratios": [1, 1, 1.6]})
    costs = [results[c]["total_cost_cny"] / 1000 for c in controllers]
    cost_axis.bar(controllers, costs, color=colours, label="bill")
    # what the comparison counts beyond the bill (jobs/twin/fair_cost.py: EV energy not
    # delivered, comfort, wear, the batteries' end-of-day energy), on top of the bill; older
    # summaries: the EV energy the cars left without, at the invariant's price
    compared = summary.get("compared_cny")
    if compared:
        unserved = [(compared[c]["compared_cny"] - compared[c]["bill_cny"]) / 1000
                    for c in controllers]
        label = "EV energy, comfort, wear, end-of-day storage"
    else:
        ev_cny_per_kwh = summary.get("targets", {}).get("perfect_never_beaten", {}).get(
            "ev_unserved_cny_per_kwh", 0.0)
        unserved = [ev_cny_per_kwh * results[c].get("ev_unserved_kwh", 0.0) / 1000
                    for c in controllers]
        label = "EV energy not delivered"
    if any(unserved):
        cost_axis.bar(controllers, unserved, bottom=costs, color="white", edgecolor=colours,
                      hatch="///", label=label)
        # below the axis: inside, it hid the tallest bar's figure
        cost_axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    bills = costs
    costs = [c + u for c, u in zip(costs, unserved, strict=True)]
    cost_axis.set_ylim(min(bills + costs) * 0.95, max(bills + costs) * 1.02)
    cost_axis.set_title("Cost, all days (kCNY): bill, and as compared" if compared
                        else "Cost, all days (kCNY)")
    for x, value in enumerate(costs):
        cost_axis.annotate(f"{value:,.1f}", (x, value), ha="center", va="bottom", fontsize=8)
    absorption = [results[c]["renewable_absorption_pct"] for c in controllers]
    absorption_axis.bar(controllers, absorption, color=colours)
    absorption_axis.set_ylim(max(min(absorption) - 5, 0), 101)
    absorption_axis.set_title("Renewable absorption (%)")
    for x, value in enumerate(absorption):
        absorption_axis.annotate(f"{value:.1f}", (x, value), ha="center", va="bottom",
                                 fontsize=8)
    daily = summary["daily_cost_cny"]
    days = len(next(iter(daily.values())))
    width = 0.8 / len(controllers)
    for i, controller in enumerate(controllers):
        daily_axis.bar(np.arange(days) + (i - (len(controllers) - 1) / 2) * width,
                       np.asarray(daily[controller]) / 1000, width, label=controller,
                       color=COLOURS.get(controller, "#555555"))
    every = [v / 1000 for costs in daily.values() for v in costs]
    daily_axis.set_ylim(min(every) * 0.95, max(every) * 1.02)
    daily_axis.set_xticks(range(days), [f"day {d + 1}" for d in range(days)])
    daily_axis.set_title("Cost by day (kCNY)")
    daily_axis.legend(fontsize=8, ncols=len(controllers), loc="upper center",
                      bbox_to_anchor=(0.5, -0.08))
    for axis in (cost_axis, absorption_axis):
        axis.tick_params(axis="x", labelsize=8)
    days_text = "1 day" if summary["days"] == 1 else f"{summary['days']} days"
    figure.suptitle(f"Closed loop on the twin, {name}: {days_text} from {summary['first_day']}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
