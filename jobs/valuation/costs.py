"""What owning a PV system or a battery costs, and how its output and prices move, from the
valuation's assumptions: one definition for installed assets and investment cases alike."""

from __future__ import annotations

from typing import Literal

from jobs.valuation.assumptions import Assumptions
from jobs.valuation.cashflows import AssetCosts, Escalation, Prices

AssetKind = Literal["pv", "battery"]


def pv_costs(kwp: float, assumptions: Assumptions, capex_cny: float | None = None
             ) -> AssetCosts:
    """Capex (as paid, else the unit price x size) and O&M per watt."""
    watts = kwp * 1000.0
    return AssetCosts(capex_cny=capex_cny if capex_cny is not None
                      else assumptions.value("pv_capex") * watts,
                      life_years=int(assumptions.value("pv_life")),
                      om_cny_per_year=assumptions.value("pv_om") * watts)


def battery_costs(kwh: float, assumptions: Assumptions, replacement_year: int | None,
                  capex_cny: float | None = None) -> AssetCosts:
    """Capex, O&M as a share of it, and the one cell replacement. A replacement in the last
    operating year (or after) is left out: it would buy no year of service."""
    capex = capex_cny if capex_cny is not None else assumptions.value("bess_capex") * kwh * 1e3
    life_years = int(assumptions.value("bess_life"))
    replacements: tuple[tuple[int, float], ...] = ()
    if replacement_year is not None and replacement_year < life_years:
        replacements = ((replacement_year, assumptions.value("bess_replacement") / 100.0
                         * capex),)
    return AssetCosts(capex_cny=capex, life_years=life_years,
                      om_cny_per_year=assumptions.value("bess_om") / 100.0 * capex,
                      replacements=replacements)


def escalation_for(kind: AssetKind, assumptions: Assumptions) -> Escalation:
    """PV degrades by its first-year and yearly rates; a battery's capacity fades from year 2
    (year 1 is a new battery's)."""
    tariff = assumptions.value("tariff_escalation")
    if kind == "pv":
        return Escalation(assumptions.value("pv_degradation_first_year"),
                          assumptions.value("pv_degradation_per_year"), tariff)
    return Escalation(0.0, assumptions.value("bess_capacity_fade"), tariff)


def prices_for(assumptions: Assumptions) -> Prices:
    return Prices(carbon_cny_per_tco2=assumptions.value("cea_price_base"),
                  certificate_cny_each=assumptions.value("gec_price"))
