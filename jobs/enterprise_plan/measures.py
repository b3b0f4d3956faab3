"""One plan per enterprise (一企一策): candidate measures from its own data, each with its saving,
tCO2, capex, payback and NPV (jobs/valuation/finance.py, at the valuation's discount rate and
market figures), ranked by cost per tonne and combined into a path to its target.

tCO2 are on its own account: the market-based figure (what its intensity path is judged on) and
whether the measure also lowers the location-based figure its annual cap is judged on (green
power bought does not: it changes no kWh drawn from the grid)."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.common.park_config import Enterprise
from jobs.common.settings import Settings
from jobs.enterprise_plan.inputs import EnterpriseYear
from jobs.scorecards.lights import intensity_path_target
from jobs.valuation.assumptions import Assumptions, market_defaults
from jobs.valuation.finance import npv, simple_payback_years

HEAT_FOSSIL_TCO2_PER_GJ = 0.11  # the heat a recovered GJ replaces: fossil steam, 910号 default
KG_PER_TONNE = 1000.0


@dataclass(frozen=True)
class Measure:
    key: str  # rooftop_pv / load_shift / demand_response / heat_recovery / efficiency / green_power
    size: float  # in size_unit
    size_unit: str
    saving_cny_per_year: float  # less its running cost
    tco2_per_year: float  # market-based
    lowers_cap_basis: bool
    capex_cny: float
    life_years: int
    npv_cny: float
    payback_years: float | None
    note: str = ""

    @property
    def cost_per_tco2_cny(self) -> float | None:
        """Abatement cost: minus the NPV spread over the tonnes of its life."""
        if self.tco2_per_year <= 0:
            return None
        return -self.npv_cny / (self.tco2_per_year * self.life_years)


def market_figure(settings: Settings, name: str) -> float:
    """A market figure the valuation's own assumptions do not carry (it keeps only what it
    uses): the park's override, else the market default."""
    configured = settings.park.valuation.market.get(name)
    return configured if configured is not None else market_defaults()[name].value


def _measure(key: str, size: float, unit: str, saving: float, tco2: float, lowers_cap: bool,
             capex: float, life: int, rate: float, note: str = "") -> Measure:
    flows = [-capex] + [saving] * life
    return Measure(key, size, unit, saving, tco2, lowers_cap, capex, life, npv(rate, flows),
                   simple_payback_years(flows) if capex > 0 else 0.0, note)


def rooftop_pv(enterprise: Enterprise, year: EnterpriseYear, settings: Settings,
               figures: Assumptions, yield_kwh_per_kwp: float) -> Measure | None:
    if not enterprise.roof_area_m2:
        return None
    kwp = enterprise.roof_area_m2 * settings.park.admission.roof_pv_kwp_per_m2
    generated = kwp * yield_kwh_per_kwp
    used = min(generated, year.daytime_grid_kwh)  # what its daytime load takes
    om = kwp * 1000.0 * figures.value("pv_om")
    saving = used * year.daytime_price_cny_per_kwh - om
    note = f"{generated:,.0f} kWh/yr, {used:,.0f} used on site"
    return _measure("rooftop_pv", kwp, "kWp", saving, used * year.market_kgco2_per_kwh
                    / KG_PER_TONNE, True, kwp * 1000.0 * figures.value("pv_capex"),
                    settings.park.enterprise_plans.pv_life_years, figures.rate(), note)


def load_shift(year: EnterpriseYear, settings: Settings, figures: Assumptions) -> Measure | None:
    plans = settings.park.enterprise_plans
    shifted = year.hvac_peak_kwh * plans.hvac_shiftable_share
    if shifted <= 0:
        return None
    spread = year.peak_price_cny_per_kwh - year.valley_price_cny_per_kwh
    return _measure("load_shift", shifted, "kWh/yr", shifted * spread, 0.0, False, 0.0, 1,
                    figures.rate(), f"HVAC pre-cooling/heating, {spread:.3f} CNY/kWh spread")


def demand_response(year: EnterpriseYear, settings: Settings, figures: Assumptions
                    ) -> Measure | None:
    plans = settings.park.enterprise_plans
    kw = year.hvac_peak_mean_kw * plans.hvac_shiftable_share
    if kw <= 0 or plans.dr_events_per_year == 0:
        return None
    income = (kw * plans.dr_events_per_year * plans.dr_event_hours
              * market_figure(settings, "dr_energy_compensation"))
    return _measure("demand_response", kw, "kW", income, 0.0, False, 0.0, 1, figures.rate(),
                    f"{plans.dr_events_per_year} events x {plans.dr_event_hours:g} h")


def heat_recovery(year: EnterpriseYear, settings: Settings, figures: Assumptions
                  ) -> Measure | None:
    gj = year.unrecovered_waste_heat_gj
    if gj <= 0:
        return None
    plans = settings.park.enterprise_plans
    return _measure("heat_recovery", gj, "GJ/yr", gj * plans.heat_price_cny_per_gj,
                    gj * HEAT_FOSSIL_TCO2_PER_GJ, True,
                    gj * plans.heat_recovery_capex_cny_per_gj_year,
                    plans.heat_recovery_life_years, figures.rate(), plans.heat_source)


def efficiency(year: EnterpriseYear, figures: Assumptions) -> Measure | None:
    tce = year.product_excess_tce
    if tce <= 0 or year.energy_tce <= 0:
        return None
    # the tce above grade 2 at its own average cost and emissions per tce; the capex is the
    # enterprise's engineering question, not ours: none is assumed
    saving = tce * year.energy_cost_cny / year.energy_tce
    tco2 = tce * year.emissions_market_tco2 / year.energy_tce
    return _measure("efficiency", tce, "tce/yr", saving, tco2, True, 0.0, 1, figures.rate(),
                    "products to grade 2 of their limit standard (capex not assessed)")


def green_power(year: EnterpriseYear, gap_tco2: float, settings: Settings,
                figures: Assumptions) -> Measure | None:
    if year.market_kgco2_per_kwh <= 0 or gap_tco2 <= 0:
        return None
    mwh = min(gap_tco2 * KG_PER_TONNE / year.market_kgco2_per_kwh / 1000.0,
              year.grid_kwh / 1000.0)
    cost = mwh * market_figure(settings, "gec_price")
    return _measure("green_power", mwh, "MWh/yr", -cost, mwh * year.market_kgco2_per_kwh, False,
                    0.0, 1, figures.rate(), "certificates at the market default price")


def target_gaps(enterprise: Enterprise, year: EnterpriseYear, calendar_year: int
                ) -> tuple[float, float]:
    """(tCO2 a year above its cap on the location basis, above its intensity path on the market
    basis); 0 where it has no such target or meets it."""
    targets = enterprise.targets
    cap_gap = 0.0 if targets.annual_cap_tco2 is None else max(
        year.emissions_location_tco2 - targets.annual_cap_tco2, 0.0)
    path = intensity_path_target(targets, calendar_year)
    path_gap = 0.0 if path is None or year.output_value_10k_cny is None else max(
        year.emissions_market_tco2 - path * year.output_value_10k_cny, 0.0)
    return cap_gap, path_gap
