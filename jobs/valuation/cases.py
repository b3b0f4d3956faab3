"""An investment case (more PV, or one more battery) valued from the digital twin: the park as
it is and the park with the asset run side by side over the simulated year's season samples
(windows.py: past days only), same seed (so the same weather, loads and cars), and the
difference of the two outcomes, scaled from the sampled days to a year, is the asset's year-1
benefit. Costs and prices come from the valuation's assumptions.

The runs (two parks x four samples) are independent, so they run two at a time in spawned
processes (simulated.py), and their outcomes are kept under the data root for the next run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jobs.common.park_config import Battery, InvestmentCase, ParkConfig
from jobs.common.settings import Settings
from jobs.twin.compare import apply_scenario
from jobs.twin.outcome import Outcome
from jobs.valuation.annualise import DAYS_PER_YEAR
from jobs.valuation.assumptions import Assumptions
from jobs.valuation.cashflows import (
    AssetBenefits,
    AssetCosts,
    Escalation,
    Prices,
    Valuation,
    project,
    valuate,
)
from jobs.valuation.costs import AssetKind, battery_costs, escalation_for, prices_for, pv_costs
from jobs.valuation.simulated import cache_key, cached, park_layout, run_twin_jobs
from jobs.valuation.windows import Window, sample_scale, season_windows

MWH_PER_CERTIFICATE = 1.0  # a green certificate (绿证) per MWh of renewable generation
# outcome fields that are not amounts over the days, so do not add up across samples
_NOT_SUMMED = {"controller", "days", "peak_import_kw", "import_max_kw",
               "renewable_absorption_pct", "self_sufficiency_pct"}


@dataclass(frozen=True)
class CaseRun:
    case_id: str
    asset_kind: AssetKind
    size: float  # the added kWp, or the added battery's kWh
    size_unit: str  # kWp or kWh
    scenario: str  # the twin's change, as `park twin --scenario` takes it
    first_day: dt.date  # the first sample's first day
    days: int  # simulated days in all samples
    controller: str
    baseline: Outcome  # the park as it is
    changed: Outcome  # the park with the case's asset
    # the simulated days' differences times this give year 1 (see annualise_factor())
    annualise_factor: float
    costs: AssetCosts
    benefits: AssetBenefits
    escalation: Escalation
    prices: Prices
    discount_rate: float  # real, a fraction: the rate `valuation` is at
    annual_bill_bau_cny: float  # the baseline's bill over 365 days, for the lifecycle costs
    flows: pd.DataFrame  # cashflows.project()
    valuation: Valuation
    twin_seconds: float  # wall time of the twin runs together (0: from the cache)
    windows: tuple[Window, ...] = ()  # the season samples


def case_asset_kind(case: InvestmentCase) -> AssetKind:
    return "pv" if case.add_pv_kwp is not None else "battery"


def scenario_change(park: ParkConfig, case: InvestmentCase) -> str:
    """The twin's change for the case. Added PV scales every configured PV system by the same
    factor, (configured kWp + added kWp) / configured kWp, so the new panels have the park's
    present orientation mix and losses; a site with a different roof would need its own system
    in the config. A battery is added as one more battery of the given size."""
    if case.add_pv_kwp is None:
        return f"battery={case.add_battery_kwh}/{case.add_battery_kw}"
    configured_kwp = sum(system.kwp for system in park.assets.pv)
    if configured_kwp <= 0.0:
        raise ValueError(f"case {case.id}: added PV takes the orientation of the park's PV, "
                         "and this park has none configured")
    return f"pv={(configured_kwp + case.add_pv_kwp) / configured_kwp!r}"


def with_empty_new_batteries(park: dict[str, Any], changed: dict[str, Any]) -> dict[str, Any]:
    """The changed park with every battery it adds starting at its lowest state of charge.
    A new battery would otherwise start half full (the config's default) and the energy it
    held, discharged in the first days, would count as a saving it never paid for, and then
    be annualised. The error left is the other end: what it holds at the end is not counted.
    """
    existing = {battery["id"] for battery in park["assets"].get("batteries", [])}
    for battery in changed["assets"].get("batteries", []):
        if battery["id"] not in existing:
            battery["initial_soc_pct"] = battery.get(
                "soc_min_pct", Battery.model_fields["soc_min_pct"].default)
    return changed


def _as_outcome(result: dict[str, Any]) -> Outcome:
    return Outcome(**{item.name: result[item.name] for item in dataclasses.fields(Outcome)})


def summed_outcome(outcomes: list[Outcome]) -> Outcome:
    """The samples' outcomes as one over all their days: amounts added, peaks the highest,
    percentages the mean of the samples."""
    first = outcomes[0]
    fields: dict[str, Any] = {"controller": first.controller,
                              "days": sum(o.days for o in outcomes)}
    for item in dataclasses.fields(Outcome):
        values = [getattr(o, item.name) for o in outcomes]
        if item.name in ("controller", "days"):
            continue
        if item.name in ("peak_import_kw", "import_max_kw"):
            fields[item.name] = max(values)
        elif item.name in _NOT_SUMMED:
            fields[item.name] = sum(values) / len(values)
        else:
            fields[item.name] = type(values[0])(sum(values))
    return Outcome(**fields)


def case_benefits(asset_kind: AssetKind, baseline: Outcome, changed: Outcome,
                  factor: float) -> AssetBenefits:
    """Year-1 benefits from the difference of the two runs.

    The bill saving is the whole difference of total cost (energy and prorated demand charge);
    the twin's energy cost already nets the export revenue, so a PV case's extra export is in
    the saving and export_revenue stays 0. A run can deliver less than nothing extra (the
    controller using the new asset no more than the old ones): the energy is then 0.
    """
    bill_savings_cny = (baseline.total_cost_cny - changed.total_cost_cny) * factor
    tco2_avoided = (baseline.scope2_location_tco2 - changed.scope2_location_tco2) * factor
    if asset_kind == "pv":
        extra_pv_kwh = max(changed.pv_generation_kwh - baseline.pv_generation_kwh, 0.0) * factor
        return AssetBenefits(
            energy_kwh_per_year=extra_pv_kwh, bill_savings_cny_per_year=bill_savings_cny,
            tco2_avoided_per_year=tco2_avoided,
            certificates_per_year=extra_pv_kwh / 1000.0 / MWH_PER_CERTIFICATE)
    extra_discharge_kwh = max(changed.battery_throughput_kwh - baseline.battery_throughput_kwh,
                              0.0) * factor
    charging_cost_cny = max(changed.battery_charging_cost_cny
                            - baseline.battery_charging_cost_cny, 0.0) * factor
    return AssetBenefits(
        energy_kwh_per_year=extra_discharge_kwh, bill_savings_cny_per_year=bill_savings_cny,
        tco2_avoided_per_year=tco2_avoided, charging_cost_cny_per_year=charging_cost_cny)


def case_costs(case: InvestmentCase, assumptions: Assumptions,
               replacement_year: int | None) -> AssetCosts:
    """Capex (the case's own figure, else unit price x size), O&M and, for a battery, the one
    cell replacement (costs.py)."""
    if case.add_pv_kwp is not None:
        return pv_costs(case.add_pv_kwp, assumptions, case.capex_cny)
    assert case.add_battery_kwh is not None  # InvestmentCase allows PV or a battery only
    return battery_costs(case.add_battery_kwh, assumptions, replacement_year, case.capex_cny)


def value_case(case: InvestmentCase, assumptions: Assumptions, *, scenario: str,
               first_day: dt.date, baseline: Outcome, changed: Outcome, annualise: float,
               replacement_year: int | None, twin_seconds: float = 0.0) -> CaseRun:
    """The case valued from its two outcomes (run_case()'s second half, without the twin)."""
    if (baseline.days, baseline.controller) != (changed.days, changed.controller):
        raise ValueError(f"case {case.id}: the two runs differ: {baseline.days} days "
                         f"{baseline.controller} and {changed.days} days {changed.controller}")
    asset_kind = case_asset_kind(case)
    costs = case_costs(case, assumptions, replacement_year)
    benefits = case_benefits(asset_kind, baseline, changed, annualise)
    escalation = escalation_for(asset_kind, assumptions)
    prices = prices_for(assumptions)
    flows = project(costs, benefits, escalation, prices)
    rate = assumptions.rate()
    # the bill is mostly the load, whose season a few days cannot tell: calendar days
    annual_bill_bau_cny = baseline.total_cost_cny * DAYS_PER_YEAR / baseline.days
    size, size_unit = ((case.add_pv_kwp, "kWp") if case.add_pv_kwp is not None
                       else (case.add_battery_kwh, "kWh"))
    return CaseRun(
        case_id=case.id, asset_kind=asset_kind, size=float(size or 0.0), size_unit=size_unit,
        scenario=scenario, first_day=first_day, days=baseline.days,
        controller=baseline.controller, baseline=baseline, changed=changed,
        annualise_factor=annualise, costs=costs, benefits=benefits, escalation=escalation,
        prices=prices, discount_rate=rate, annual_bill_bau_cny=annual_bill_bau_cny,
        flows=flows, valuation=valuate(flows, rate, annual_bill_bau_cny),
        twin_seconds=twin_seconds)


def case_controller(case: InvestmentCase, configured: str) -> str:
    """The configured controller; `auto`: none for PV, the rule-based controller for a battery
    (see ValuationSettings.case_controller)."""
    if configured != "auto":
        return configured
    return "none" if case_asset_kind(case) == "pv" else "rule_based"


def run_case(settings: Settings, case: InvestmentCase, assumptions: Assumptions,
             month: dt.date, workdir: Path, today: dt.date | None = None) -> CaseRun:
    """Run the twin with and without the case's asset over the simulated year's samples
    before `month` and value it.

    The runs go under workdir/<case id>/<baseline|changed>/<sample's first day>/, emptied
    first so a re-run of the month does not mix with the last one's readings.
    """
    valuation_settings = settings.park.valuation
    change = scenario_change(settings.park, case)
    park, park_text = park_layout(settings)
    changed = with_empty_new_batteries(park, apply_scenario(park, change))
    windows = season_windows(month, valuation_settings.simulated_year.days_per_season,
                             today or dt.date.today())
    controller = case_controller(case, valuation_settings.case_controller)
    case_dir = workdir / case.id
    started = time.perf_counter()

    def compute() -> list[list[dict[str, Any]]]:
        shutil.rmtree(case_dir, ignore_errors=True)
        jobs = [(layout, str(case_dir / name / f"{w.first_day:%Y%m%d}"), w.first_day, w.days,
                 controller, False)
                for name, layout in (("baseline", park), ("changed", changed)) for w in windows]
        outcomes = [result["outcome"] for result in run_twin_jobs(jobs)]
        return [outcomes[:len(windows)], outcomes[len(windows):]]

    key = cache_key(park_text, "case", case.model_dump(mode="json"),
                    [(w.first_day, w.days) for w in windows], controller)
    (baselines, changes), from_cache = cached(settings, key, compute)
    baseline = summed_outcome([_as_outcome(o) for o in baselines])
    with_asset = summed_outcome([_as_outcome(o) for o in changes])
    run = value_case(case, assumptions, scenario=change, first_day=windows[0].first_day,
                     baseline=baseline, changed=with_asset, annualise=sample_scale(windows),
                     replacement_year=valuation_settings.battery.replacement_year,
                     twin_seconds=0.0 if from_cache else time.perf_counter() - started)
    return dataclasses.replace(run, windows=tuple(windows))
