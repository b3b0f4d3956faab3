"""Year-by-year cash flows of one asset (a PV system or a battery) and the valuation they give.

Pre-tax project view, as the project investment cash flow (项目投资现金流量表) of 建设项目经济评价
方法与参数 (3rd ed.): no loan, no income tax, no depreciation; the question is whether the asset
pays for itself, not how it is financed. Amounts are in constant year-0 CNY; every change over
time is an explicit real escalation (above inflation), so the discount rate must be real too.
Year-1 benefits come from the realised data (a month or a year of metered operation, annualised).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from jobs.valuation import finance

# Columns that add up to net_cny; charging_cost_cny is a memo (see project()).
NET_COMPONENTS = ("capex_cny", "om_cny", "replacement_cny", "salvage_cny", "bill_savings_cny",
                  "export_revenue_cny", "certificate_revenue_cny", "carbon_revenue_cny")


def _require_finite(owner: object) -> None:
    """NaN or infinity in an input would spread to every year of the projection unnoticed."""
    for item in fields(owner):  # type: ignore[arg-type]
        value = getattr(owner, item.name)
        if isinstance(value, int | float) and not math.isfinite(value):
            raise ValueError(f"{type(owner).__name__}.{item.name} must be finite, got {value!r}")


@dataclass(frozen=True)
class AssetCosts:
    capex_cny: float  # paid in year 0
    life_years: int
    om_cny_per_year: float  # year-1 O&M
    om_escalation_pct_per_year: float = 0.0
    # (operating year, cost CNY), e.g. battery cells in year 10; in year-0 CNY, not escalated
    replacements: tuple[tuple[int, float], ...] = ()
    salvage_cny: float = 0.0  # received at the end of the last year

    def __post_init__(self) -> None:
        _require_finite(self)
        if isinstance(self.life_years, bool) or not isinstance(self.life_years, int) or (
                self.life_years < 1):
            raise ValueError(f"AssetCosts.life_years must be a whole number >= 1, "
                             f"got {self.life_years!r}")
        if self.om_escalation_pct_per_year <= -100.0:
            raise ValueError(f"AssetCosts.om_escalation_pct_per_year must be > -100, "
                             f"got {self.om_escalation_pct_per_year!r}")
        for year, cost_cny in self.replacements:
            if not 1 <= year <= self.life_years or not math.isfinite(cost_cny):
                raise ValueError(f"AssetCosts.replacements: year must be in 1..{self.life_years} "
                                 f"and cost finite, got ({year!r}, {cost_cny!r})")


@dataclass(frozen=True)
class AssetBenefits:
    """Year-1 values, from the realised data."""

    energy_kwh_per_year: float  # PV generation, or battery discharge
    # avoided import cost (energy + demand): the bill without the asset minus the bill with it
    bill_savings_cny_per_year: float
    export_revenue_cny_per_year: float = 0.0
    tco2_avoided_per_year: float = 0.0
    certificates_per_year: float = 0.0  # green certificates (1 per MWh of PV)
    # Battery: cost of the energy charged. Already inside bill_savings (the bill with the battery
    # pays for it), so it is kept only to compute the LCOS.
    charging_cost_cny_per_year: float = 0.0

    def __post_init__(self) -> None:
        _require_finite(self)
        if self.energy_kwh_per_year < 0.0:
            raise ValueError(f"AssetBenefits.energy_kwh_per_year must be >= 0, "
                             f"got {self.energy_kwh_per_year!r}")


@dataclass(frozen=True)
class Escalation:
    degradation_first_year_pct: float = 0.0  # PV: 1.5 % in year 1 ...
    degradation_pct_per_year: float = 0.0  # ... then 0.45 %/yr (capacity fade for a battery)
    tariff_escalation_pct_per_year: float = 0.0  # real, applies to savings, export and charging

    def __post_init__(self) -> None:
        _require_finite(self)
        for name in ("degradation_first_year_pct", "degradation_pct_per_year"):
            if not 0.0 <= getattr(self, name) < 100.0:
                raise ValueError(f"Escalation.{name} must be in [0, 100), "
                                 f"got {getattr(self, name)!r}")
        if self.tariff_escalation_pct_per_year <= -100.0:
            raise ValueError(f"Escalation.tariff_escalation_pct_per_year must be > -100, "
                             f"got {self.tariff_escalation_pct_per_year!r}")


@dataclass(frozen=True)
class Prices:
    carbon_cny_per_tco2: float = 0.0  # constant over the life (real)
    certificate_cny_each: float = 0.0

    def __post_init__(self) -> None:
        _require_finite(self)


def project(costs: AssetCosts, benefits: AssetBenefits, escalation: Escalation,
            prices: Prices) -> pd.DataFrame:
    """One row per year 0..life_years, costs negative and revenues positive, CNY.

    Year 0 holds only the capex. In year y >= 1 the output factor is
    (1 - first-year degradation) * (1 - yearly degradation)^(y-1); energy, savings, export,
    certificates and tCO2 scale with it, and savings, export and charging cost also with the
    tariff index (1 + tariff escalation)^(y-1), which is kept as a column so that valuate() can
    escalate a business-as-usual bill the same way. charging_cost_cny is a memo, not part of
    net_cny: the battery's charging energy is already paid inside bill_savings_cny.
    """
    years = np.arange(costs.life_years + 1)
    operating = years >= 1
    years_after_first = np.maximum(years - 1, 0)
    output_factor = np.where(operating,
                             (1.0 - escalation.degradation_first_year_pct / 100.0)
                             * (1.0 - escalation.degradation_pct_per_year / 100.0)
                             ** years_after_first, 0.0)
    tariff_index = (1.0 + escalation.tariff_escalation_pct_per_year / 100.0) ** (years - 1.0)
    om_index = np.where(operating,
                        (1.0 + costs.om_escalation_pct_per_year / 100.0) ** years_after_first, 0.0)
    replacement_cny = np.zeros(len(years))
    for year, cost_cny in costs.replacements:
        replacement_cny[year] -= cost_cny
    tco2_avoided = benefits.tco2_avoided_per_year * output_factor
    certificates = benefits.certificates_per_year * output_factor

    table = pd.DataFrame({
        "year": years,
        "capex_cny": np.where(operating, 0.0, -costs.capex_cny),
        "om_cny": -costs.om_cny_per_year * om_index,
        "replacement_cny": replacement_cny,
        "salvage_cny": np.where(years == costs.life_years, costs.salvage_cny, 0.0),
        "energy_kwh": benefits.energy_kwh_per_year * output_factor,
        "bill_savings_cny": benefits.bill_savings_cny_per_year * output_factor * tariff_index,
        "export_revenue_cny": benefits.export_revenue_cny_per_year * output_factor * tariff_index,
        "certificate_revenue_cny": certificates * prices.certificate_cny_each,
        "carbon_revenue_cny": tco2_avoided * prices.carbon_cny_per_tco2,
        "tco2_avoided": tco2_avoided,
        "charging_cost_cny": -benefits.charging_cost_cny_per_year * output_factor * tariff_index,
    })
    table["net_cny"] = table[list(NET_COMPONENTS)].sum(axis=1)
    table["tariff_index"] = tariff_index
    return table


@dataclass(frozen=True)
class Valuation:
    """What an asset is worth at a discount rate; names follow REopt's Financial outputs."""

    npv_cny: float  # REopt npv: PV of net_cny, carbon and certificate revenue included
    irr: float | None  # REopt internal_rate_of_return, as a fraction; None: no root (finance.irr)
    simple_payback_years: float | None  # REopt simple_payback_years: cumulative net first >= 0
    discounted_payback_years: float | None  # the same on discounted net cash flows
    # capex + O&M + replacements - salvage over the energy (PV); None for a battery or no energy
    lcoe_cny_per_kwh: float | None
    # the same plus the charging cost over the discharged energy, when charging cost > 0
    lcos_cny_per_kwh: float | None
    lifecycle_tco2_avoided: float  # undiscounted sum over the life (REopt reports lifecycle tCO2)
    # REopt breakeven_cost_of_emissions_reduction_per_tonne_CO2: carbon price making npv 0,
    # negative when profitable without one; None when no carbon is avoided
    break_even_carbon_price_cny_per_tco2: float | None
    # REopt lcc_bau: PV of the business-as-usual bill, escalated with the tariff
    lcc_bau_cny: float | None = None
    # REopt lcc: lcc_bau - npv, so that npv = lcc_bau - lcc exactly as REopt defines it
    lcc_cny: float | None = None


def _operating(table: pd.DataFrame, column: str) -> np.ndarray:
    return table[column].to_numpy(dtype=float)[1:]


def valuate(flows: pd.DataFrame, rate: float,
            annual_bill_bau_cny: float | None = None) -> Valuation:
    """Valuation of a project() table at the (real) discount rate `rate`, a fraction.

    annual_bill_bau_cny: year-1 bill of the site without the asset; when given, the lifecycle
    costs with and without it are reported as well.
    """
    if not np.array_equal(flows["year"].to_numpy(), np.arange(len(flows))):
        raise ValueError("flows must have one row per year 0..life, as project() returns")
    net_cny = flows["net_cny"].to_numpy(dtype=float)
    capex_cny = -float(flows["capex_cny"].iloc[0])
    # Costs of owning the asset in years 1..n, positive for spending; salvage offsets them.
    own_costs_cny = -(_operating(flows, "om_cny") + _operating(flows, "replacement_cny")
                      + _operating(flows, "salvage_cny"))
    energy_kwh = _operating(flows, "energy_kwh")
    charging_cost_cny = -_operating(flows, "charging_cost_cny")
    lcoe = lcos = None
    if energy_kwh.sum() > 0.0:  # an asset that delivered nothing has no cost per kWh
        if charging_cost_cny.sum() > 0.0:
            lcos = finance.lcos_cny_per_kwh(rate, capex_cny, own_costs_cny, charging_cost_cny,
                                            energy_kwh)
        else:
            lcoe = finance.lcoe_cny_per_kwh(rate, capex_cny, own_costs_cny, energy_kwh)

    npv_cny = finance.npv(rate, net_cny)
    lcc_bau_cny = lcc_cny = None
    if annual_bill_bau_cny is not None:
        if not math.isfinite(annual_bill_bau_cny):
            raise ValueError(f"annual_bill_bau_cny must be finite, got {annual_bill_bau_cny!r}")
        lcc_bau_cny = finance.npv(rate, np.concatenate(
            ([0.0], annual_bill_bau_cny * _operating(flows, "tariff_index"))))
        lcc_cny = lcc_bau_cny - npv_cny

    return Valuation(
        npv_cny=npv_cny,
        irr=finance.irr(net_cny),
        simple_payback_years=finance.simple_payback_years(net_cny),
        discounted_payback_years=finance.discounted_payback_years(rate, net_cny),
        lcoe_cny_per_kwh=lcoe,
        lcos_cny_per_kwh=lcos,
        lifecycle_tco2_avoided=float(flows["tco2_avoided"].sum()),
        break_even_carbon_price_cny_per_tco2=finance.break_even_carbon_price_cny_per_tco2(
            rate, net_cny - flows["carbon_revenue_cny"].to_numpy(dtype=float),
            _operating(flows, "tco2_avoided")),
        lcc_bau_cny=lcc_bau_cny,
        lcc_cny=lcc_cny,
    )
