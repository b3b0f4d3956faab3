"""An investment case (more PV, or one more battery) valued from the digital twin: the park as
it is and the park with the asset run side by side over the same simulated days, same seed
(so the same weather, loads and cars), and the difference of the two outcomes, annualised,
is the asset's year-1 benefit. Costs and prices come from the valuation's assumptions.

The two twin runs are independent, so they run at once in two spawned processes: the
monthly valuation has a fixed time budget and the machine two cores. Spawned rather than
forked because the parent may hold DuckDB connections and threads a fork would copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from jobs.common.park_config import Battery, InvestmentCase, ParkConfig
from jobs.common.settings import Settings
from jobs.twin.compare import apply_scenario, compare_controllers
from jobs.twin.outcome import Outcome
from jobs.valuation.annualise import DAYS_PER_YEAR, days_factor, pv_year_factor
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

# Evaluated days start on the valuation month's 10th: clear of the month's first days, whose
# demand charge peak is still forming, and early enough that a short run stays in the month.
FIRST_DAY_OF_MONTH = 10
# Days simulated before the evaluated ones. One is the least any controller can have: the
# warehouse derives interval energy from counter differences, so the first evaluated interval
# needs a reading before it. The plan controller forecasts loads and cars from the last days
# of the same day type (jobs/forecast/load.py, ev.py), so it gets a full week.
WARMUP_DAYS = {"none": 1, "rule_based": 1, "plan": 7}
SAMPLE_S = 900  # the coarsest sampling the 15-minute energy intervals still resolve
MWH_PER_CERTIFICATE = 1.0  # a green certificate (绿证) per MWh of renewable generation


@dataclass(frozen=True)
class CaseRun:
    case_id: str
    asset_kind: AssetKind
    size: float  # the added kWp, or the added battery's kWh
    size_unit: str  # kWp or kWh
    scenario: str  # the twin's change, as `park twin --scenario` takes it
    first_day: dt.date
    days: int
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
    twin_seconds: float  # wall time of the two twin runs together


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


def twin_outcome(park: dict[str, Any], workdir: Path, first_day: dt.date, days: int,
                 controller: str) -> dict[str, Any]:
    """One controller's run of one park, in a process of its own (a top-level function, so a
    spawned process can import it)."""
    # Each run builds its own warehouse under workdir; a warehouse path set for production
    # would point both runs, and their builds, at the production warehouse.
    os.environ.pop("PARK_WAREHOUSE_PATH", None)
    summary = compare_controllers(park, workdir, first_day, days,
                                  warmup_days=WARMUP_DAYS[controller], sample_s=SAMPLE_S,
                                  controllers=(controller,), on_progress=lambda _: None)
    return summary["results"][controller]


def _as_outcome(result: dict[str, Any]) -> Outcome:
    return Outcome(**{item.name: result[item.name] for item in dataclasses.fields(Outcome)})


def twin_pair(park: dict[str, Any], changed: dict[str, Any], workdir: Path, first_day: dt.date,
              days: int, controller: str) -> tuple[Outcome, Outcome, float]:
    """The baseline and the changed park's outcomes, run at once, and the wall seconds."""
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        runs = [pool.submit(twin_outcome, layout, workdir / name, first_day, days, controller)
                for name, layout in (("baseline", park), ("changed", changed))]
        baseline, with_asset = (_as_outcome(run.result()) for run in runs)
    return baseline, with_asset, time.perf_counter() - started


def annualise_factor(asset_kind: AssetKind, park: ParkConfig, first_day: dt.date,
                     days: int) -> float:
    """What the simulated days' difference is multiplied by to give a year.

    A battery's day is worth about the same in any season (the TOU spread and its cycle do
    not follow the sun much): 365 / days. Added PV's is not, since a November day yields far
    less than a June one: the modelled yield of the 365 days from first_day over the modelled
    yield of the simulated days. The simulated days' own clouds are not in the factor; a run
    on overcast days understates the year.
    """
    if asset_kind == "battery":
        return days_factor(days)
    return pv_year_factor(park.park, park.assets.pv,
                          [first_day + dt.timedelta(days=i) for i in range(days)])


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
    """The configured controller; `auto`: none for PV, the day-ahead plan for a battery
    (see ValuationSettings.case_controller)."""
    if configured != "auto":
        return configured
    return "none" if case_asset_kind(case) == "pv" else "plan"


def run_case(settings: Settings, case: InvestmentCase, assumptions: Assumptions,
             month: dt.date, workdir: Path) -> CaseRun:
    """Run the twin with and without the case's asset from `month`'s 10th and value it.

    The runs go under workdir/<case id>/ (baseline/, changed/), which is emptied first so a
    re-run of the month does not mix with the last one's readings.
    """
    valuation_settings = settings.park.valuation
    change = scenario_change(settings.park, case)
    park = yaml.safe_load(settings.park_path.read_text(encoding="utf-8"))
    first_day = month.replace(day=FIRST_DAY_OF_MONTH)
    days = valuation_settings.case_days
    case_dir = workdir / case.id
    shutil.rmtree(case_dir, ignore_errors=True)
    case_dir.mkdir(parents=True)
    baseline, changed, twin_seconds = twin_pair(
        park, with_empty_new_batteries(park, apply_scenario(park, change)), case_dir,
        first_day, days, case_controller(case, valuation_settings.case_controller))
    return value_case(case, assumptions, scenario=change, first_day=first_day,
                      baseline=baseline, changed=changed,
                      annualise=annualise_factor(case_asset_kind(case), settings.park,
                                                 first_day, days),
                      replacement_year=valuation_settings.battery.replacement_year,
                      twin_seconds=twin_seconds)
