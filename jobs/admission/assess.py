"""Low-carbon admission (低碳准入): an applicant against the park's rules and its effect on the
park's national indicators, computed with the warehouse's own factors (calculation
national_910, jobs/admission/park_baseline.py).

The applicant's year, by the national method:
  emissions = (electricity − green power) × fossil factor + gas × its factor
              + fossil heat × its factor (default 0.11 tCO2/GJ) + Σ process output × factor
  energy    = electricity at 等价值 + gas + heat, in tce
The park with it: (park emissions + the applicant's) / (park energy + the applicant's), against
the limit of the size band the park would then be in.
Neutral to the core indicator: the applicant's own ratio no higher than the park's today, i.e.
  emissions ≤ park ratio × its energy → green power needed = (emissions − ratio × energy) /
  fossil factor, or the PV of the same yield on its roof.

Outcome: fail (an excluded industry, a product above grade 2, or a gap green power cannot
close), conditional (admitted once it buys the green power or builds the PV named), or pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from jobs.admission.application import Application
from jobs.admission.park_baseline import Limit, ParkBaseline


class Outcome(StrEnum):
    PASS = "pass"
    CONDITIONAL = "conditional"
    FAIL = "fail"


@dataclass(frozen=True)
class Footprint:
    """The applicant's year by the national method."""

    electricity_tco2: float
    fuels_tco2: float
    heat_tco2: float
    process_tco2: float
    energy_tce: float
    clean_energy_tce: float
    non_green_mwh: float

    @property
    def emissions_tco2(self) -> float:
        return self.electricity_tco2 + self.fuels_tco2 + self.heat_tco2 + self.process_tco2

    @property
    def non_electric_tco2(self) -> float:
        """What green power cannot zero."""
        return self.fuels_tco2 + self.heat_tco2 + self.process_tco2


@dataclass(frozen=True)
class ParkEffect:
    indicator_without: float
    indicator_with: float
    limit_without: Limit
    limit_with: Limit
    clean_share_without_pct: float
    clean_share_with_pct: float
    energy_with_tce: float

    @property
    def tips_over_limit(self) -> bool:
        return (self.indicator_without <= self.limit_without.tco2_per_tce
                and self.indicator_with > self.limit_with.tco2_per_tce)


@dataclass(frozen=True)
class ProductCheck:
    product_code: str
    kgce_per_unit: float
    grade2_limit: float | None
    unit: str
    limit_unit: str | None
    status: str  # meets / misses / no_limit / other_unit (the last two: not assessed)


@dataclass(frozen=True)
class Condition:
    reason: str  # neutral_to_core / carbon_intensity
    green_power_mwh_per_year: float
    pv_kwp: float
    roof_holds_kwp: float

    @property
    def pv_fits_roof(self) -> bool:
        return self.pv_kwp <= self.roof_holds_kwp


@dataclass(frozen=True)
class Reason:
    """Why an outcome is what it is: a key the report words in each language, and figures."""

    key: str  # excluded_industry / product_above_grade2 / tips_over_limit / green_power_short
    figures: dict[str, object]


@dataclass(frozen=True)
class Assessment:
    application: Application
    outcome: Outcome
    reasons: list[Reason]
    footprint: Footprint
    carbon_intensity_tco2_per_10k_cny: float
    effect: ParkEffect
    products: list[ProductCheck]
    conditions: list[Condition] = field(default_factory=list)
    priority_industry: bool = False


def footprint(application: Application, park: ParkBaseline) -> Footprint:
    plan = application.planned_annual
    non_green_mwh = plan.electricity_mwh - plan.green_power_mwh
    heat_factor = 0.0 if not plan.heat_is_fossil else (
        plan.heat_factor_tco2_per_gj if plan.heat_factor_tco2_per_gj is not None
        else park.heat_default_tco2_per_gj)
    energy_tce = (plan.electricity_mwh * park.electricity_kgce_per_kwh  # MWh x kgce/kWh = tce
                  + plan.natural_gas_nm3 * park.gas_kgce_per_nm3 / 1000.0
                  + plan.heat_received_gj * park.heat_kgce_per_gj / 1000.0)
    clean_tce = (plan.green_power_mwh * park.electricity_kgce_per_kwh
                 + (0.0 if plan.heat_is_fossil
                    else plan.heat_received_gj * park.heat_kgce_per_gj / 1000.0))
    return Footprint(
        electricity_tco2=non_green_mwh * park.fossil_kgco2_per_kwh,  # MWh x kg/kWh = t
        fuels_tco2=plan.natural_gas_nm3 * park.gas_tco2_per_nm3,
        heat_tco2=plan.heat_received_gj * heat_factor,
        process_tco2=sum(p.output_t * p.factor_tco2_per_t for p in application.process_emissions),
        energy_tce=energy_tce, clean_energy_tce=clean_tce, non_green_mwh=non_green_mwh)


def park_effect(park: ParkBaseline, applicant: Footprint, limit_without: Limit,
                limit_with: Limit) -> ParkEffect:
    energy_with = park.energy_tce_per_year + applicant.energy_tce
    return ParkEffect(
        indicator_without=park.indicator_tco2_per_tce,
        indicator_with=(park.emissions_tco2_per_year + applicant.emissions_tco2) / energy_with,
        limit_without=limit_without, limit_with=limit_with,
        clean_share_without_pct=park.clean_energy_share_pct,
        clean_share_with_pct=100.0 * (park.clean_energy_tce_per_year
                                      + applicant.clean_energy_tce) / energy_with,
        energy_with_tce=energy_with)


def check_products(application: Application,
                   limits: dict[str, tuple[float, str, str]]) -> list[ProductCheck]:
    checks = []
    for product in application.products:
        kgce = product.product_energy_tce * 1000.0 / product.output_quantity
        limit = limits.get(product.product_code)
        if limit is None:
            status = "no_limit"
        elif limit[1] != product.output_unit:
            status = "other_unit"
        else:
            status = "meets" if kgce <= limit[0] else "misses"
        checks.append(ProductCheck(product.product_code, kgce, limit[0] if limit else None,
                                   product.output_unit, limit[1] if limit else None, status))
    return checks


def industry_matches(code: str, prefixes: list[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)
