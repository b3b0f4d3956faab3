"""`park` commands for tenants: low-carbon admission and one plan per enterprise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jobs.common.config_errors import ConfigError

if TYPE_CHECKING:
    pass

from jobs.cli.base import (
    ConfigDir,
    DataRoot,
    ParkFile,
    app,
    cli_settings,
    console,
)


@app.command()
def admit(application: Annotated[Path, typer.Argument(help="The applicant's file (YAML).")],
          config_dir: ConfigDir = None, park_file: ParkFile = None,
          data_root: DataRoot = None) -> None:
    """Low-carbon admission (低碳准入): assess an applicant against the park's rules and its
    effect on the park's national indicators; writes the zh/en report and lands the decision."""
    from jobs.admission.park_baseline import NoBaselineError
    from jobs.admission.report import reason_text
    from jobs.admission.run import admit as run_admit
    from jobs.warehouse.published import WarehouseNotPublishedError

    settings = cli_settings(config_dir, park_file, data_root)
    try:
        admitted = run_admit(settings, application)
    except ConfigError as exc:
        console.print(f"[bold red]Application rejected[/]\n{escape(str(exc))}")
        raise typer.Exit(2) from exc
    except (NoBaselineError, WarehouseNotPublishedError) as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    assessment = admitted.assessment
    effect = assessment.effect
    colour = {"pass": "green", "conditional": "yellow", "fail": "red"}[assessment.outcome]
    console.print(f"[bold {colour}]{assessment.outcome.value}[/]: "
                  f"{escape(assessment.application.applicant.name_en)}")
    for reason in assessment.reasons:
        console.print(f"  - {escape(reason_text(reason, 'en'))}")
    for condition in assessment.conditions:
        roof = ("" if condition.pv_fits_roof
                else f" (its roof holds only {condition.roof_holds_kwp:,.0f} kWp)")
        console.print(f"  condition {condition.reason}: buy "
                      f"{condition.green_power_mwh_per_year:,.0f} MWh/yr of green power or "
                      f"install {condition.pv_kwp:,.0f} kWp of PV{roof}")
    console.print(f"park core indicator (national_910, 12 months through "
                  f"{admitted.park.through_month:%Y-%m}): {effect.indicator_without:.3f} -> "
                  f"{effect.indicator_with:.3f} tCO2/tce (limit "
                  f"{effect.limit_with.tco2_per_tce:g}); clean-energy share "
                  f"{effect.clean_share_without_pct:.1f}% -> {effect.clean_share_with_pct:.1f}%")
    for path in admitted.report_paths:
        console.print(f"  report: {path}")


@app.command("plan-enterprise")
def plan_enterprise(enterprise_id: Annotated[str, typer.Argument(help="The enterprise's id.")],
                    config_dir: ConfigDir = None, park_file: ParkFile = None,
                    data_root: DataRoot = None) -> None:
    """One plan per enterprise (一企一策): its candidate measures from its own data, ranked by
    cost per tonne, and the path to its targets."""
    from jobs.enterprise_plan.inputs import NoEnterpriseDataError
    from jobs.enterprise_plan.plan import build_plan
    from jobs.warehouse.published import WarehouseNotPublishedError

    settings = cli_settings(config_dir, park_file, data_root)
    try:
        plan = build_plan(settings, enterprise_id)
    except KeyError as exc:
        console.print(f"[red]{escape(str(exc.args[0]))}[/]")
        raise typer.Exit(2) from exc
    except (NoEnterpriseDataError, WarehouseNotPublishedError) as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    year = plan.year
    console.print(f"{enterprise_id}: {year.first_day} to {year.last_day} "
                  f"({year.coverage_pct:.1f}% of a year metered, annualised); emissions "
                  f"{year.emissions_market_tco2:,.0f} tCO2/yr (Scope 1 + market-based Scope 2)")
    table = Table("measure", "size", "saving CNY/yr", "tCO2/yr", "capex CNY", "payback yr",
                  "NPV CNY", "CNY/tCO2")
    for column in table.columns:
        column.overflow = "fold"  # a narrow terminal wraps a figure, never cuts it
    table.columns[0].no_wrap = table.columns[1].no_wrap = True
    table.columns[0].min_width = len("demand_response")
    for m in plan.measures:
        cost = m.cost_per_tco2_cny
        table.add_row(m.key, f"{m.size:,.0f} {m.size_unit}", f"{m.saving_cny_per_year:,.0f}",
                      f"{m.tco2_per_year:,.1f}", f"{m.capex_cny:,.0f}",
                      "—" if m.payback_years is None else f"{m.payback_years:.1f}",
                      f"{m.npv_cny:,.0f}", "—" if cost is None else f"{cost:,.0f}")
    console.print(table)
    console.print(f"gap to its cap (location basis): {plan.cap_gap_tco2:,.1f} tCO2/yr "
                  f"({'closed' if plan.cap_gap_closed else 'not closed'} by the path); "
                  f"to its intensity path (market basis): {plan.path_gap_tco2:,.1f} tCO2/yr "
                  f"({'closed' if plan.path_gap_closed else 'not closed'})")
    for step in plan.path:
        console.print(f"  then {step.measure.key}: {step.cumulative_tco2:,.1f} tCO2/yr")


@app.command()
def couplings(month: Annotated[str | None, typer.Option(
                  "--month", help="YYYY-MM (default: the latest month with couplings).")] = None,
              as_json: Annotated[bool, typer.Option(
                  "--json", help="Print JSON instead of tables.")] = False,
              config_dir: ConfigDir = None, park_file: ParkFile = None,
              data_root: DataRoot = None) -> None:
    """The circular-coupling map (产业循环图谱): a month's flows between enterprises and across
    the park boundary, the incentive they earn, and the suggested couplings, valued."""
    import datetime as dt
    import json

    from jobs.couplings.read import coupling_month, latest_month
    from jobs.couplings.suggest import suggested_couplings
    from jobs.warehouse.published import WarehouseNotPublishedError, connect_published

    settings = cli_settings(config_dir, park_file, data_root)
    try:
        wanted = dt.date.fromisoformat(f"{month}-01") if month else None
    except ValueError as error:
        raise typer.BadParameter(f"--month {month!r}: expected YYYY-MM") from error
    try:
        with connect_published(settings) as connection:
            wanted = wanted or latest_month(connection)
            mapped = None if wanted is None else coupling_month(connection, wanted)
        suggestions = suggested_couplings(settings)
    except WarehouseNotPublishedError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps({"map": None if mapped is None else mapped.as_dict(),
                          "suggestions": [s.as_dict() for s in suggestions]},
                         ensure_ascii=False, indent=2))
        return
    if mapped is None or not mapped.flows:
        console.print("no couplings on the map" + (f" in {wanted:%Y-%m}" if wanted else ""))
    else:
        flows = Table("from", "to", "carrier", "kind", "quantity", "source", "counts for",
                      title=f"couplings {mapped.month:%Y-%m}")
        for f in mapped.flows:
            flows.add_row(f.from_id, f.to_id, f.carrier, f.kind, f"{f.quantity:,.1f} {f.unit}",
                          f.source, f.counts_for or "map only")
        console.print(flows)
        paid = Table("enterprise", "carrier", "recovered", "reward tCO2", "subsidy CNY",
                     title="incentives (config couplings.incentives)")
        for i in mapped.incentives:
            paid.add_row(i.enterprise_id, i.carrier, f"{i.recovered_quantity:,.1f} {i.unit}",
                         f"{i.reward_tco2:,.2f}", f"{i.subsidy_cny:,.0f}")
        console.print(paid)
    offered = Table("supplier", "receiver", "carrier", "quantity/yr", "saving CNY/yr",
                    "tCO2/yr", title="suggested couplings")
    for s in suggestions:
        offered.add_row(s.supplier_id, s.receiver_id, f"{s.carrier} ({s.kind})",
                        f"{s.quantity_per_year:,.0f} {s.unit}",
                        "no price" if s.saving_cny_per_year is None
                        else f"{s.saving_cny_per_year:,.0f}",
                        "not assessed" if s.tco2_per_year is None else f"{s.tco2_per_year:,.1f}")
    console.print(offered if suggestions else "no suggested couplings (no matching offers)")
