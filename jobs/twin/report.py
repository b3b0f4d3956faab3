"""The closed-loop comparison as a park manager reads it: one row per controller."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

LABELS = {"none": "no control", "rule_based": "rule-based controller",
          "plan": "day-ahead plan in the loop", "mpc": "intraday re-optimisation (mpc)",
          "perfect": "perfect foresight, re-solved"}


def print_summary(console: Console, summary: dict[str, Any], scenario: list[str]) -> None:
    results = summary["results"]
    title = (f"closed loop on the twin: {summary['days']} days from {summary['first_day']}"
             + (f", scenario {', '.join(scenario)}" if scenario else ""))
    table = Table(title=title)
    for column in ("controller", "cost CNY", "of which demand charge", "Scope 2 loc. tCO2",
                   "Scope 2 market tCO2", "absorption %", "export MWh",
                   "curtailed by plan MWh", "curtailed by protection MWh", "import breaches",
                   "self-sufficiency %", "peak kW", "EV unserved kWh",
                   "comfort K·h outside", "wall s"):
        table.add_column(column, justify="right")
    for controller, r in results.items():
        table.add_row(LABELS.get(controller, controller), f"{r['total_cost_cny']:,.0f}",
                      f"{r['demand_charge_cny']:,.0f}", f"{r['scope2_location_tco2']:,.1f}",
                      f"{r['scope2_market_tco2']:,.1f}", f"{r['renewable_absorption_pct']:.1f}",
                      f"{r['grid_export_kwh'] / 1000:,.1f}",
                      f"{r.get('pv_curtailed_by_plan_kwh', 0.0) / 1000:,.1f}",
                      f"{r.get('pv_curtailed_by_protection_kwh', 0.0) / 1000:,.1f}",
                      _breaches(r), f"{r['self_sufficiency_pct']:.1f}",
                      f"{r['peak_import_kw']:,.0f}", f"{r.get('ev_unserved_kwh', 0.0):,.0f}",
                      f"{r.get('comfort_violation_kh', 0.0):,.1f}",
                      f"{r['timings']['total_s']:.0f}")
    console.print(table)
    if "none" in results:
        base = results["none"]["total_cost_cny"]
        for controller, r in results.items():
            if controller != "none":
                console.print(f"{LABELS.get(controller, controller)}: saves "
                              f"{base - r['total_cost_cny']:,.0f} CNY against no control")
    for controller, r in results.items():
        intraday = r.get("intraday")
        if intraday:
            console.print(f"{LABELS.get(controller, controller)}: {intraday['solves']} re-solves, "
                          f"median {intraday['median_solve_s']} s, max "
                          f"{intraday['max_solve_s']} s; {intraday['fallbacks']} fell back to "
                          "the day-ahead plan" + (f" (first: {intraday['fallback_reasons'][0]})"
                                                  if intraday["fallback_reasons"] else "")
                          + (f"; {intraday['kept']} intervals followed the held plan"
                             if intraday.get("kept") else ""))
    console.print(f"warm-up {summary['warmup_s']:.0f} s, total {summary['total_s']:.0f} s; "
                  f"runs and summary.json in {summary['workdir']}")


def _breaches(result: dict[str, Any]) -> str:
    """Import-limit breaches (episodes, kWh above, highest kW) and export the protection could
    not curtail, from the twin's truth."""
    text = str(result.get("import_breaches", 0))
    if result.get("import_breaches"):
        text += (f" ({result['import_over_limit_kwh']:,.0f} kWh, "
                 f"max {result['import_max_kw']:,.0f} kW)")
    if result.get("export_over_limit_kwh", 0.0) > 0.5:
        text += f"; export over limit {result['export_over_limit_kwh']:,.0f} kWh"
    return text
