"""The admission decision: the rules of the park's `admission` section applied to an assessed
applicant, each condition a quantity (MWh a year of green power, or kWp on its roof)."""

from __future__ import annotations

from jobs.admission.application import Application
from jobs.admission.assess import (
    Assessment,
    Condition,
    Footprint,
    Outcome,
    Reason,
    check_products,
    footprint,
    industry_matches,
    park_effect,
)
from jobs.admission.park_baseline import ParkBaseline, core_limit, grade2_limits
from jobs.common.config_text import localised
from jobs.common.settings import Settings

NEGLIGIBLE_TCO2 = 1e-3


def _green_power_to_cut(tco2: float, park: ParkBaseline) -> float:
    """MWh a year of the applicant's grid power that, made green, take off `tco2`."""
    return max(tco2, 0.0) / park.fossil_kgco2_per_kwh  # t / (kg/kWh) = MWh


def _condition(reason: str, mwh: float, application: Application, settings: Settings,
               pv_kwh_per_kwp_year: float) -> Condition:
    rules = settings.park.admission
    return Condition(reason=reason, green_power_mwh_per_year=mwh,
                     pv_kwp=mwh * 1000.0 / pv_kwh_per_kwp_year,
                     roof_holds_kwp=application.roof_area_m2 * rules.roof_pv_kwp_per_m2)


def assess_application(settings: Settings, application: Application, park: ParkBaseline,
                       pv_kwh_per_kwp_year: float) -> Assessment:
    rules = settings.park.admission
    own = footprint(application, park)
    limit_without = core_limit(settings, park.energy_tce_per_year)
    limit_with = core_limit(settings, park.energy_tce_per_year + own.energy_tce)
    effect = park_effect(park, own, limit_without, limit_with)
    products = check_products(application, grade2_limits(settings))
    intensity = own.emissions_tco2 / application.output_value_10k_cny
    code = application.applicant.industry_code
    reasons: list[Reason] = []
    fail = False
    if industry_matches(code, rules.excluded_industries):
        fail = True
        reasons.append(Reason("excluded_industry", {"code": code,
                                                    "source": rules.excluded_industries_source,
                                                    "source_zh": localised(
                                                        rules.excluded_industries_source, "zh",
                                                        rules.excluded_industries_source_zh)}))
    missing = [p for p in products if p.status == "misses"]
    if missing and rules.products_must_meet_grade2:
        fail = True
        reasons += [Reason("product_above_grade2", {"product": p.product_code,
                                                     "kgce": p.kgce_per_unit, "unit": p.unit,
                                                     "limit": p.grade2_limit}) for p in missing]

    wanted: list[tuple[str, float]] = []  # (reason, tCO2 a year to take off)
    if rules.must_stay_neutral_to_core_indicator and effect.indicator_with > \
            effect.indicator_without:
        wanted.append(("neutral_to_core",
                       own.emissions_tco2 - effect.indicator_without * own.energy_tce))
    if effect.tips_over_limit:
        reasons.append(Reason("tips_over_limit", {"without": effect.indicator_without,
                                                  "with": effect.indicator_with,
                                                  "limit": limit_with.tco2_per_tce}))
        wanted.append(("park_limit", park.emissions_tco2_per_year + own.emissions_tco2
                       - limit_with.tco2_per_tce * effect.energy_with_tce))
    if intensity > rules.max_carbon_intensity_tco2_per_10k_cny:
        wanted.append(("carbon_intensity", own.emissions_tco2
                       - rules.max_carbon_intensity_tco2_per_10k_cny
                       * application.output_value_10k_cny))
    # an applicant fed back with exactly the quantity asked lands on the line, give or take
    # the float arithmetic: a kilogram a year is no condition
    conditions = [_condition(reason, _green_power_to_cut(tco2, park), application, settings,
                             pv_kwh_per_kwp_year) for reason, tco2 in wanted
                  if tco2 > NEGLIGIBLE_TCO2]
    for condition in conditions:
        if condition.green_power_mwh_per_year > own.non_green_mwh + 1e-9:
            fail = True
            reasons.append(Reason("green_power_short", {
                "condition": condition.reason, "needed": condition.green_power_mwh_per_year,
                "available": own.non_green_mwh, "non_electric": own.non_electric_tco2}))
    outcome = Outcome.FAIL if fail else Outcome.CONDITIONAL if conditions else Outcome.PASS
    return Assessment(application=application, outcome=outcome, reasons=reasons,
                      footprint=own, carbon_intensity_tco2_per_10k_cny=intensity,
                      effect=effect, products=products, conditions=conditions,
                      priority_industry=industry_matches(code, rules.priority_industries))


def binding_condition(assessment: Assessment) -> Condition | None:
    """The condition that asks most: meeting it meets the others."""
    return max(assessment.conditions, key=lambda c: c.green_power_mwh_per_year, default=None)


__all__ = ["Footprint", "assess_application", "binding_condition"]
