"""An enterprise's plan (一企一策): its candidate measures, ranked by cost per tonne (cheapest
first; measures that only save money come with them), and the path to its targets: the ranked
measures taken in turn until the gap to its cap (location basis: only measures that cut grid
kWh or fuel) and to its intensity path (market basis) are closed, green power bought last for
what is left of the market-based gap."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jobs.common.settings import Settings
from jobs.enterprise_plan.inputs import EnterpriseYear, enterprise_year
from jobs.enterprise_plan.measures import (
    Measure,
    demand_response,
    efficiency,
    green_power,
    heat_recovery,
    load_shift,
    rooftop_pv,
    target_gaps,
)
from jobs.valuation.assumptions import assumptions_for
from jobs.warehouse.reference_pv_yield import monthly_pv_yield_kwh_per_kwp


@dataclass(frozen=True)
class PathStep:
    measure: Measure
    cumulative_tco2: float  # market basis
    cumulative_cap_basis_tco2: float


@dataclass(frozen=True)
class EnterprisePlan:
    year: EnterpriseYear
    measures: list[Measure]  # ranked: abatement by cost per tonne, then money-only measures
    cap_gap_tco2: float
    path_gap_tco2: float
    path: list[PathStep]
    cap_gap_closed: bool
    path_gap_closed: bool


def _rank(measures: list[Measure]) -> list[Measure]:
    abating = sorted((m for m in measures if m.tco2_per_year > 0),
                     key=lambda m: m.cost_per_tco2_cny or 0.0)
    saving = sorted((m for m in measures if m.tco2_per_year <= 0),
                    key=lambda m: -m.npv_cny)
    return abating + saving


def build_plan(settings: Settings, enterprise_id: str, today: dt.date | None = None
               ) -> EnterprisePlan:
    enterprise = next((e for e in settings.park.enterprises if e.id == enterprise_id), None)
    if enterprise is None:
        known = ", ".join(e.id for e in settings.park.enterprises)
        raise KeyError(f"unknown enterprise {enterprise_id!r}; the park's are: {known}")
    year = enterprise_year(settings, enterprise_id)
    figures = assumptions_for(settings.park.valuation)
    yield_kwh_per_kwp = float(monthly_pv_yield_kwh_per_kwp(settings.park).sum())
    candidates = [rooftop_pv(enterprise, year, settings, figures, yield_kwh_per_kwp),
                  load_shift(year, settings, figures), demand_response(year, settings, figures),
                  heat_recovery(year, settings, figures), efficiency(year, figures)]
    measures = [m for m in candidates if m is not None]
    cap_gap, path_gap = target_gaps(enterprise, year, (today or year.last_day).year)
    path: list[PathStep] = []
    market = cap_basis = 0.0
    for measure in _rank(measures):
        if measure.tco2_per_year <= 0 or (market >= path_gap and cap_basis >= cap_gap):
            continue
        market += measure.tco2_per_year
        cap_basis += measure.tco2_per_year if measure.lowers_cap_basis else 0.0
        path.append(PathStep(measure, market, cap_basis))
    bought = green_power(year, path_gap - market, settings, figures)
    if bought is not None:
        measures.append(bought)
        market += bought.tco2_per_year
        path.append(PathStep(bought, market, cap_basis))
    return EnterprisePlan(year, _rank(measures), cap_gap, path_gap, path,
                          cap_basis >= cap_gap - 1e-9, market >= path_gap - 1e-9)
