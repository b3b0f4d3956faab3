"""The month's valuation, start to end: the assumptions, the carbon asset ledger, every
installed PV system and battery valued from what it realised, each configured investment case
valued from a twin run with its sensitivity, the financing view of all of them; landed for the
warehouse (asset_valuations, carbon_ledger, case_sensitivity), rendered (HTML + PDF, kept
under `<data root>/reports/valuation/<month>/`) and emailed to `recipients.finance` with the
scorecards' send log (key `valuation/<park>/<month>`)."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from jobs.common import landing
from jobs.common.park_assets import Battery, PvSystem
from jobs.common.settings import Settings, join_path
from jobs.scorecards.mail import DeliveryReport, SmtpSender, deliver
from jobs.scorecards.mime import Message
from jobs.valuation.annualise import days_factor, pv_year_factor
from jobs.valuation.assets import AssetValuation, YearOfData, needs_simulation, value_asset
from jobs.valuation.assumptions import Assumptions, assumptions_for
from jobs.valuation.cases import CaseRun, run_case
from jobs.valuation.financing import FinancingView, financing_view
from jobs.valuation.ledger import LedgerRow, carbon_ledger
from jobs.valuation.realised import RealisedAsset, realised_assets
from jobs.valuation.schemas import (
    ASSET_VALUATIONS_DATASET,
    ASSET_VALUATIONS_SCHEMA,
    CARBON_LEDGER_DATASET,
    CARBON_LEDGER_SCHEMA,
    CASE_SENSITIVITY_DATASET,
    CASE_SENSITIVITY_SCHEMA,
)
from jobs.valuation.sensitivity import sensitivity, tornado
from jobs.valuation.simulated import SimulatedAssets, simulate_year

CURRENCY = "CNY"


@dataclass(frozen=True)
class ValuedCase:
    run: CaseRun
    sensitivity: pd.DataFrame
    tornado: pd.DataFrame
    financing: FinancingView


@dataclass
class Valuations:
    """Everything the month's report shows."""

    run_id: str
    month: dt.date
    created_at_utc: dt.datetime
    assumptions: Assumptions
    ledger: list[LedgerRow]
    assets: list[tuple[AssetValuation, FinancingView | None]]  # None: insufficient data
    cases: list[ValuedCase]
    simulated: SimulatedAssets | None = None  # the twin's year, where an asset needed it
    landed: list[str] = field(default_factory=list)


@dataclass
class ValuationRun:
    valuations: Valuations
    report: DeliveryReport
    kept: list[str]  # the report files under the data root


def value_month(settings: Settings, month: dt.date, *, cases: bool = True,
                case_workdir: Path | None = None, today: dt.date | None = None) -> Valuations:
    """The month's figures (no landing, no report): the twin runs (the simulated year, the
    cases) go under `case_workdir` (default: a temporary folder, removed afterwards)."""
    month = month.replace(day=1)
    park = settings.park
    assumptions = assumptions_for(park.valuation, tariffs=park.tariffs)
    metered = {r.asset_id: r for r in realised_assets(settings, month)}
    configured: list[PvSystem | Battery] = [*park.assets.pv, *park.assets.batteries]
    simulation = park.valuation.simulated_year
    thin = [a.id for a in configured
            if needs_simulation(metered.get(a.id), simulation.full_year_min_days)]
    assets = []
    valued_cases = []
    simulated = None
    with tempfile.TemporaryDirectory(prefix="valuation-twin-") as scratch:
        folder = case_workdir or Path(scratch)
        if thin and simulation.enabled:
            simulated = simulate_year(settings, month, folder, today)
        for config in configured:
            realised = metered.get(config.id)
            year = _year_of_data(settings, realised, config.id, thin, simulated)
            valued = value_asset(park, realised, assumptions, year, month)
            view = None if valued.valuation is None or valued.flows is None else \
                financing_view(valued.flows, valued.valuation, park.valuation.financing)
            assets.append((valued, view))
        if cases and park.valuation.cases:
            for case in park.valuation.cases:
                run = run_case(settings, case, assumptions, month, folder, today)
                table = sensitivity(run, assumptions)
                valued_cases.append(ValuedCase(
                    run, table, tornado(table, run),
                    financing_view(run.flows, run.valuation, park.valuation.financing)))
    return Valuations(run_id=f"valuation-{month:%Y%m}-{uuid.uuid4().hex[:8]}", month=month,
                      created_at_utc=dt.datetime.now(dt.UTC),
                      assumptions=assumptions, ledger=carbon_ledger(settings, month, assumptions),
                      assets=assets, cases=valued_cases, simulated=simulated)


def _year_of_data(settings: Settings, realised: RealisedAsset | None, asset_id: str,
                  thin: list[str], simulated: SimulatedAssets | None) -> YearOfData:
    if asset_id not in thin and realised is not None:
        return YearOfData("metered_year", realised, _year_factor(settings, realised))
    if simulated is not None and asset_id in simulated.assets:
        return YearOfData("simulated_year", simulated.assets[asset_id], simulated.scale)
    return YearOfData("insufficient_data", None, 0.0)


def _year_factor(settings: Settings, realised: RealisedAsset) -> float:
    if realised.asset_kind != "pv":
        return days_factor(realised.days_covered)
    system = next(s for s in settings.park.assets.pv if s.id == realised.asset_id)
    days = [realised.first_day + dt.timedelta(days=i)
            for i in range((realised.last_day - realised.first_day).days + 1)]
    # the days between first and last that metered nothing do not count twice
    return pv_year_factor(settings.park.park, [system], days) * len(days) / realised.days_covered \
        if realised.days_covered else 0.0


def land(settings: Settings, valuations: Valuations) -> list[str]:
    """Write the month's rows to the landing zone, one file per dataset for this run."""
    common = {"run_id": valuations.run_id, "created_at_utc": valuations.created_at_utc,
              "month": valuations.month, "price_date": valuations.assumptions.price_date,
              "currency": CURRENCY}
    rate_pct = valuations.assumptions.value("discount_rate")
    carbon = valuations.assumptions.value("cea_price_base")
    asset_rows = [{**common, **valued.row(), "basis": "realised",
                   "discount_rate_pct": rate_pct, "carbon_price_cny_per_tco2": carbon,
                   **(_financing_columns(view) if view else {})}
                  for valued, view in valuations.assets]
    asset_rows += [{**common, **_case_row(case), "discount_rate_pct": rate_pct,
                    "carbon_price_cny_per_tco2": carbon, **_financing_columns(case.financing)}
                   for case in valuations.cases]
    ledger_rows = [{**common, **row.as_dict()} for row in valuations.ledger]
    sensitivity_rows = [{**common, "case_id": case.run.case_id, **point}
                        for case in valuations.cases
                        for point in case.sensitivity.to_dict("records")]
    paths = []
    for dataset, schema, rows in (
            (ASSET_VALUATIONS_DATASET, ASSET_VALUATIONS_SCHEMA, asset_rows),
            (CARBON_LEDGER_DATASET, CARBON_LEDGER_SCHEMA, ledger_rows),
            (CASE_SENSITIVITY_DATASET, CASE_SENSITIVITY_SCHEMA, sensitivity_rows)):
        if not rows:
            continue
        table = pa.Table.from_pylist([{name: row.get(name) for name in schema.names}
                                      for row in rows], schema=schema)
        paths += landing.write_partitioned(settings.landing_root, dataset, table,
                                           valuations.run_id, ts_column="created_at_utc")
    valuations.landed = paths
    return paths


def asset_line(valued: AssetValuation, view: FinancingView | None) -> str:
    """One installed asset for the console: what it was valued on, and its figures."""
    basis = valued.data_basis.replace("_", " ") + ("" if valued.operated
                                                   else ", no operation data")
    if valued.valuation is None:
        return f"{valued.asset_id}: insufficient data ({basis})"
    irr = "—" if valued.valuation.irr is None else f"{valued.valuation.irr:.1%}"
    return (f"{valued.asset_id} ({basis}): NPV CNY {valued.valuation.npv_cny:,.0f}, IRR {irr}, "
            f"remaining CNY {valued.remaining_value_cny or 0.0:,.0f}"
            + (", green bond" if view is not None and view.green_bond_eligible else ""))


def _financing_columns(view: FinancingView) -> dict:
    return {"green_bond_eligible": view.green_bond_eligible, "min_dscr": view.min_dscr,
            "loan_cny": view.loan_cny, "ppp_private_irr": view.ppp_private_irr}


def _case_row(case: ValuedCase) -> dict:
    run, valuation = case.run, case.run.valuation
    first = case.run.flows.iloc[1]
    return {"asset_id": run.case_id, "asset_kind": run.asset_kind, "basis": "twin_case",
            "data_basis": "simulated_year",
            "owner_enterprise_id": None, "size": run.size, "size_unit": run.size_unit,
            "commissioned": None, "age_years": 0.0, "life_years": run.costs.life_years,
            "capex_cny": run.costs.capex_cny, "realised_days": run.days,
            "annualise_factor": run.annualise_factor,
            "year1_energy_kwh": float(first["energy_kwh"]),
            "year1_bill_savings_cny": float(first["bill_savings_cny"]),
            "year1_export_revenue_cny": float(first["export_revenue_cny"]),
            "year1_tco2_avoided": float(first["tco2_avoided"]),
            "remaining_value_cny": valuation.npv_cny, **vars(valuation)}


def monthly_valuation(settings: Settings, month: dt.date, *, force: bool = False,
                      sender: SmtpSender | None = None, cases: bool = True) -> ValuationRun:
    """Value, land, render, keep and email the month's valuation report."""
    from jobs.valuation.report import render_report  # matplotlib and fpdf2 only when reporting

    valuations = value_month(settings, month, cases=cases)
    land(settings, valuations)
    park = settings.park
    default = park.scorecards.default_language.value
    languages = sorted({(c.language.value if c.language else default)
                        for c in park.recipients.finance} or {default})
    folder = join_path(settings.data_root, "reports", "valuation", f"{valuations.month:%Y-%m}")
    pages = {language: render_report(valuations, park, language, folder)
             for language in languages}
    messages = [Message(key=f"valuation/{park.park.id}/{valuations.month:%Y-%m}",
                        recipient=contact, subject=page.layout.title, text=page.text,
                        html=page.html, inline_images=dict(page.layout.images),
                        attachments=[(f"{park.park.id}-valuation-{valuations.month:%Y-%m}.pdf",
                                      page.pdf, "application/pdf")],
                        language=language)
                for contact in park.recipients.finance
                for language in [contact.language.value if contact.language else default]
                for page in [pages[language]]]
    kept = [path for page in pages.values() for path in page.paths]
    return ValuationRun(valuations, deliver(settings, messages, force=force, sender=sender),
                        kept)
