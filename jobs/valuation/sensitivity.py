"""How far an investment case's NPV moves when one assumption moves: five parameters, ten
evenly spaced points each, every point the case re-projected from its twin-measured year 1
with only that parameter changed; and the tornado of each range's two ends.

Re-projecting (not re-running the twin) is what makes 50 points cheap, and it is sound
because none of the parameters changes how the park is operated, only what that is worth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.valuation.assumptions import Assumptions
from jobs.valuation.cases import CaseRun
from jobs.valuation.cashflows import AssetBenefits, AssetCosts, Valuation, project, valuate

POINTS_PER_PARAMETER = 10


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    low: float
    high: float


def parameters(assumptions: Assumptions) -> tuple[Parameter, ...]:
    """The ranges: carbon from none to twice the high CEA price; the tariff (as a multiplier
    of everything priced by it) and the capex +-30 %; the real discount rate 4-12 %; the
    energy the asset delivers +-20 % (a sunnier or cloudier site, a busier battery)."""
    return (
        Parameter("carbon_price", "CNY/tCO2", 0.0, 2.0 * assumptions.value("cea_price_high")),
        Parameter("tariff", "x", 0.7, 1.3),
        Parameter("capex", "x", 0.7, 1.3),
        Parameter("discount_rate", "%", 4.0, 12.0),
        Parameter("energy_yield", "x", 0.8, 1.2),
    )


def _scaled_benefits(benefits: AssetBenefits, factor: float, *names: str) -> AssetBenefits:
    return dataclasses.replace(benefits, **{name: getattr(benefits, name) * factor
                                            for name in names})


def _scaled_costs(run: CaseRun, factor: float) -> AssetCosts:
    """Capex times `factor`, with what is defined as a share of it: a battery's replacement
    and O&M. PV's O&M is priced per watt, so it stays."""
    costs = run.costs
    return dataclasses.replace(
        costs, capex_cny=costs.capex_cny * factor,
        replacements=tuple((year, cost_cny * factor) for year, cost_cny in costs.replacements),
        om_cny_per_year=costs.om_cny_per_year * (factor if run.asset_kind == "battery" else 1.0))


def reproject(run: CaseRun, parameter: str | None = None, value: float = 0.0) -> Valuation:
    """The case valued with one parameter set to `value` (None: as it ran)."""
    costs, benefits, prices, rate = run.costs, run.benefits, run.prices, run.discount_rate
    if parameter == "carbon_price":
        prices = dataclasses.replace(prices, carbon_cny_per_tco2=value)
    elif parameter == "tariff":
        # the charging cost is paid at the same tariff (it moves the LCOS, not the NPV)
        benefits = _scaled_benefits(benefits, value, "bill_savings_cny_per_year",
                                    "export_revenue_cny_per_year", "charging_cost_cny_per_year")
    elif parameter == "capex":
        costs = _scaled_costs(run, value)
    elif parameter == "discount_rate":
        rate = value / 100.0
    elif parameter == "energy_yield":
        # every benefit is the delivered energy's: more kWh save, avoid and certify more
        benefits = _scaled_benefits(benefits, value,
                                    *(item.name for item in dataclasses.fields(AssetBenefits)))
    elif parameter is not None:
        raise ValueError(f"unknown sensitivity parameter {parameter!r}")
    flows = project(costs, benefits, run.escalation, prices)
    return valuate(flows, rate, run.annual_bill_bau_cny)


def sensitivity(run: CaseRun, assumptions: Assumptions) -> pd.DataFrame:
    """One row per point (parameter, value, unit, npv_cny, irr, simple_payback_years), the
    parameters in the order of parameters() and each one's values rising."""
    rows = []
    for parameter in parameters(assumptions):
        for value in np.linspace(parameter.low, parameter.high, POINTS_PER_PARAMETER):
            result = reproject(run, parameter.name, float(value))
            rows.append({"parameter": parameter.name, "value": float(value),
                         "unit": parameter.unit, "npv_cny": result.npv_cny, "irr": result.irr,
                         "simple_payback_years": result.simple_payback_years})
    return pd.DataFrame(rows)


def tornado(table: pd.DataFrame, run: CaseRun) -> pd.DataFrame:
    """Each parameter's NPV at the low and the high end of its range, and the swing between
    them, largest swing first. base_npv_cny is the case re-projected with nothing changed:
    the valuation's own NPV, the point the bars are drawn from."""
    base_npv_cny = reproject(run).npv_cny
    rows = []
    for name, points in table.groupby("parameter", sort=False):
        points = points.sort_values("value")
        low, high = points.iloc[0], points.iloc[-1]
        rows.append({"parameter": name, "unit": low["unit"], "low_value": low["value"],
                     "high_value": high["value"], "npv_at_low_cny": low["npv_cny"],
                     "npv_at_high_cny": high["npv_cny"],
                     "swing_cny": abs(high["npv_cny"] - low["npv_cny"]),
                     "base_npv_cny": base_npv_cny})
    return (pd.DataFrame(rows).sort_values("swing_cny", ascending=False, kind="stable")
            .reset_index(drop=True))
