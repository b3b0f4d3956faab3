"""Each installed PV system and battery valued over its life, from a year it can be judged by.

The year (data_basis): the asset's metered twelve months when they are a full year
(`metered_year`, realised.py, annualised over the few missing days); otherwise the twin's
simulated year of the park (`simulated_year`, simulated.py: season samples scaled to a year,
under the controller the platform would run); otherwise `insufficient_data`, and no NPV. An
asset that delivered nothing in its metered days was not operated (`operated` false): it
reads "no operation data" and is valued on the simulated year, under the platform's
controller, never from its idle days.

A metered year is the asset's performance at its current age: year-1 figures are backed out
from it through the degradation to date. The twin simulates the asset as it is configured,
without ageing, so its year is year 1. The projection runs from the year the capex was paid
(`valuation.installed.<id>.paid_on`, else commissioning): NPV, IRR, payback and LCOE/LCOS
describe the whole project, and `remaining_value_cny` is what the years still ahead are worth
today (the discounted net cash flows after the valuation month), which is what a lender or a
buyer looks at. Capex is what the park paid (`valuation.installed.<id>.capex_cny`), else the
unit price times the size, marked `estimated`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from jobs.common.park_config import Battery, ParkConfig, PvSystem
from jobs.valuation import finance
from jobs.valuation.assumptions import Assumptions
from jobs.valuation.cashflows import AssetBenefits, Escalation, Valuation, project, valuate
from jobs.valuation.costs import AssetKind, battery_costs, escalation_for, prices_for, pv_costs
from jobs.valuation.realised import RealisedAsset

DataBasis = Literal["metered_year", "simulated_year", "insufficient_data"]


@dataclass(frozen=True)
class YearOfData:
    """The year an asset is valued on: the sums over `realised.days_covered` days, and the
    factor that makes them a year."""

    basis: DataBasis
    realised: RealisedAsset | None  # None: insufficient data
    annualise_factor: float
    note: str = ""  # how the year was made (which samples, which controller)


@dataclass(frozen=True)
class AssetValuation:
    asset_id: str
    asset_name_zh: str
    asset_name_en: str
    asset_kind: str  # pv / battery
    owner_enterprise_id: str | None
    size: float
    size_unit: str  # kWp / kWh
    commissioned: dt.date | None
    paid_on: dt.date | None  # year 0 of the projection
    age_years: float
    life_years: int
    capex_cny: float
    capex_source: str  # config (what the park paid) / estimated (unit price x size)
    data_basis: DataBasis
    operated: bool  # delivered energy in its metered days
    metered_days: int
    realised_days: int  # days the year rests on (metered or simulated)
    annualise_factor: float
    year_note: str
    year1_energy_kwh: float | None
    year1_bill_savings_cny: float | None
    year1_export_revenue_cny: float | None
    year1_tco2_avoided: float | None
    valuation: Valuation | None  # None: insufficient data
    remaining_value_cny: float | None
    flows: pd.DataFrame | None

    def name(self, language: str) -> str:
        return self.asset_name_zh if language == "zh" else self.asset_name_en

    def row(self) -> dict:
        """The flat record landed for the warehouse (no cash-flow table)."""
        fields = {k: v for k, v in asdict(self).items()
                  if k not in ("valuation", "flows", "year_note")}
        return {**fields, **(asdict(self.valuation) if self.valuation else {})}


def value_asset(park: ParkConfig, realised: RealisedAsset | None, assumptions: Assumptions,
                year: YearOfData, month: dt.date) -> AssetValuation:
    """`realised`: the asset's metered days (None: none metered); `year`: what it is valued
    on (choose_year())."""
    source = realised or year.realised
    if source is None:
        raise ValueError("value_asset: neither metered nor simulated days name the asset")
    config = _config(park, source.asset_id)
    installed = park.valuation.installed.get(config.id)
    valued_on = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    paid_on = installed.paid_on if installed and installed.paid_on else None
    start = paid_on or config.commissioned
    age = max((valued_on - start).days / 365.25, 0.0) if start else 0.0
    capex = installed.capex_cny if installed else None
    kind: AssetKind
    if isinstance(config, PvSystem):
        size, unit, kind = config.kwp, "kWp", "pv"
        costs = pv_costs(config.kwp, assumptions, capex)
    else:
        size, unit, kind = config.capacity_kwh, "kWh", "battery"
        costs = battery_costs(config.capacity_kwh, assumptions,
                              park.valuation.battery.replacement_year, capex)
    common: dict[str, Any] = dict(
        asset_id=config.id,
        asset_name_zh=(installed.name_zh if installed and installed.name_zh else config.id),
        asset_name_en=(installed.name_en if installed and installed.name_en else config.id),
        asset_kind=kind,
        owner_enterprise_id=source.owner_enterprise_id,
        size=size, size_unit=unit, commissioned=config.commissioned, paid_on=paid_on,
        age_years=round(age, 2), life_years=costs.life_years, capex_cny=costs.capex_cny,
        capex_source="config" if capex is not None else "estimated",
        data_basis=year.basis, operated=bool(realised and realised.energy_kwh > 0),
        metered_days=realised.days_covered if realised else 0,
        realised_days=year.realised.days_covered if year.realised else 0,
        annualise_factor=year.annualise_factor, year_note=year.note)
    if year.realised is None:
        return AssetValuation(**common, year1_energy_kwh=None, year1_bill_savings_cny=None,
                              year1_export_revenue_cny=None, year1_tco2_avoided=None,
                              valuation=None, remaining_value_cny=None, flows=None)
    escalation = escalation_for(kind, assumptions)
    life = costs.life_years
    if year.basis == "metered_year":
        # the metered year is operating year ceil(age); back out year 1 through the fade
        operating_year = min(max(int(np.ceil(age)), 1), life)
        fade = _output_factor(escalation, operating_year)
        tariff = (1 + escalation.tariff_escalation_pct_per_year / 100.0) ** (operating_year - 1)
    else:  # the twin's asset is as configured, without ageing: its year is year 1
        fade = tariff = 1.0
    scale = year.annualise_factor / fade
    data = year.realised
    benefits = AssetBenefits(
        energy_kwh_per_year=data.energy_kwh * scale,
        bill_savings_cny_per_year=data.bill_savings_cny * scale / tariff,
        export_revenue_cny_per_year=data.export_revenue_cny * scale / tariff,
        tco2_avoided_per_year=data.tco2_avoided * scale,
        certificates_per_year=data.energy_kwh * scale / 1000.0 if unit == "kWp" else 0.0,
        charging_cost_cny_per_year=data.charging_cost_cny * scale / tariff)
    flows = project(costs, benefits, escalation, prices_for(assumptions))
    rate = assumptions.rate()
    ahead = flows[flows["year"] > age]
    remaining = float(finance.npv(rate, np.concatenate([[0.0], ahead["net_cny"].to_numpy()]))) \
        if not ahead.empty else 0.0
    return AssetValuation(
        **common, year1_energy_kwh=benefits.energy_kwh_per_year,
        year1_bill_savings_cny=benefits.bill_savings_cny_per_year,
        year1_export_revenue_cny=benefits.export_revenue_cny_per_year,
        year1_tco2_avoided=benefits.tco2_avoided_per_year,
        valuation=valuate(flows, rate), remaining_value_cny=remaining, flows=flows)


def needs_simulation(realised: RealisedAsset | None, full_year_min_days: int) -> bool:
    """No full metered year, or a metered year in which the asset delivered nothing."""
    return realised is None or realised.days_covered < full_year_min_days \
        or realised.energy_kwh <= 0.0


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
