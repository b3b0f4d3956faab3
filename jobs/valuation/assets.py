"""Each installed PV system and battery valued over its life from what it realised.

The realised year (realised.py, annualised) is the asset's performance at its current age;
year-1 figures are backed out from it through the degradation to date, so the projection
runs from commissioning: NPV, IRR, payback and LCOE/LCOS describe the whole project as it has
turned out, and `remaining_value_cny` is what the years still ahead are worth today (the
discounted net cash flows after the valuation month), which is what a lender or a buyer
looks at. Capex is the configured unit price times the size when the park has not stated
what it paid (the assumptions list says which)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from jobs.common.park_config import Battery, ParkConfig, PvSystem
from jobs.valuation import finance
from jobs.valuation.assumptions import Assumptions
from jobs.valuation.cashflows import AssetBenefits, Escalation, Valuation, project, valuate
from jobs.valuation.costs import AssetKind, battery_costs, escalation_for, prices_for, pv_costs
from jobs.valuation.realised import RealisedAsset


@dataclass(frozen=True)
class AssetValuation:
    asset_id: str
    asset_kind: str  # pv / battery
    owner_enterprise_id: str | None
    size: float
    size_unit: str  # kWp / kWh
    commissioned: dt.date | None
    age_years: float
    life_years: int
    capex_cny: float
    realised_days: int
    annualise_factor: float
    year1_energy_kwh: float
    year1_bill_savings_cny: float
    year1_export_revenue_cny: float
    year1_tco2_avoided: float
    valuation: Valuation
    remaining_value_cny: float
    flows: pd.DataFrame

    def row(self) -> dict:
        """The flat record landed for the warehouse (no cash-flow table)."""
        fields = {k: v for k, v in asdict(self).items() if k not in ("valuation", "flows")}
        return {**fields, **asdict(self.valuation)}


def value_asset(park: ParkConfig, realised: RealisedAsset, assumptions: Assumptions,
                annualise_factor: float, month: dt.date) -> AssetValuation:
    """annualise_factor: from the realised days to a year (PV: seasonally corrected)."""
    config = _config(park, realised.asset_id)
    valued_on = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    commissioned = config.commissioned
    age = max((valued_on - commissioned).days / 365.25, 0.0) if commissioned else 0.0
    kind: AssetKind
    if isinstance(config, PvSystem):
        size, unit, kind = config.kwp, "kWp", "pv"
        costs = pv_costs(config.kwp, assumptions)
    else:
        size, unit, kind = config.capacity_kwh, "kWh", "battery"
        costs = battery_costs(config.capacity_kwh, assumptions,
                              park.valuation.battery.replacement_year)
    escalation = escalation_for(kind, assumptions)
    life, capex = costs.life_years, costs.capex_cny
    # the realised year is operating year ceil(age); back out year 1 through the degradation
    operating_year = min(max(int(np.ceil(age)), 1), life)
    fade = _output_factor(escalation, operating_year)
    tariff = (1 + escalation.tariff_escalation_pct_per_year / 100.0) ** (operating_year - 1)
    year = annualise_factor / fade
    benefits = AssetBenefits(
        energy_kwh_per_year=realised.energy_kwh * year,
        bill_savings_cny_per_year=realised.bill_savings_cny * year / tariff,
        export_revenue_cny_per_year=realised.export_revenue_cny * year / tariff,
        tco2_avoided_per_year=realised.tco2_avoided * year,
        certificates_per_year=realised.energy_kwh * year / 1000.0 if unit == "kWp" else 0.0,
        charging_cost_cny_per_year=realised.charging_cost_cny * year / tariff)
    prices = prices_for(assumptions)
    flows = project(costs, benefits, escalation, prices)
    rate = assumptions.rate()
    ahead = flows[flows["year"] > age]
    remaining = float(finance.npv(rate, np.concatenate([[0.0], ahead["net_cny"].to_numpy()]))) \
        if not ahead.empty else 0.0
    return AssetValuation(
        asset_id=realised.asset_id, asset_kind=realised.asset_kind,
        owner_enterprise_id=realised.owner_enterprise_id, size=size, size_unit=unit,
        commissioned=commissioned, age_years=round(age, 2), life_years=life, capex_cny=capex,
        realised_days=realised.days_covered, annualise_factor=annualise_factor,
        year1_energy_kwh=benefits.energy_kwh_per_year,
        year1_bill_savings_cny=benefits.bill_savings_cny_per_year,
        year1_export_revenue_cny=benefits.export_revenue_cny_per_year,
        year1_tco2_avoided=benefits.tco2_avoided_per_year,
        valuation=valuate(flows, rate), remaining_value_cny=remaining, flows=flows)


def _output_factor(escalation: Escalation, year: int) -> float:
    return (1 - escalation.degradation_first_year_pct / 100.0) \
        * (1 - escalation.degradation_pct_per_year / 100.0) ** (year - 1)


def _config(park: ParkConfig, asset_id: str) -> PvSystem | Battery:
    assets: list[PvSystem | Battery] = [*park.assets.pv, *park.assets.batteries]
    for asset in assets:
        if asset.id == asset_id:
            return asset
    raise KeyError(f"{asset_id}: metered in the warehouse but not among the configured PV "
                   "systems and batteries")
