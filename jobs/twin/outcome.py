"""What a controller achieved over the evaluated days, read from its own warehouse: the
figures a park manager compares (cost, emissions, renewable absorption, self-sufficiency,
peak demand).

Energy cost prices each interval's metered import and export with the tariff in force; the
demand charge is the period's peak import times the monthly charge, prorated to the days
(the month's peak so far is the same for every controller). Emissions: location-based and
market-based Scope 2 with the warehouse's factors (market-based: the residual-mix factor; no
green-power purchases in twin runs) plus Scope 1 from gas, which no controller changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from jobs.common.settings import Settings
from jobs.dispatch.tariff import interval_prices
from jobs.warehouse.published import connect_published

DAYS_PER_MONTH = 30.0


@dataclass(frozen=True)
class Outcome:
    controller: str
    days: int
    energy_cost_cny: float
    demand_charge_cny: float  # prorated to the days
    grid_import_kwh: float
    grid_export_kwh: float
    peak_import_kw: float
    scope2_location_tco2: float
    scope2_market_tco2: float
    scope1_tco2: float
    renewable_absorption_pct: float
    self_sufficiency_pct: float
    battery_throughput_kwh: float  # discharged
    # added for the investment cases (jobs/valuation/cases.py); defaults only so that an
    # Outcome made by hand elsewhere still builds
    pv_generation_kwh: float = 0.0
    battery_charge_kwh: float = 0.0
    # what the charged energy cost (the LCOS's charging cost): in an interval the park
    # exports, the export price it would otherwise have earned; else the import price
    battery_charging_cost_cny: float = 0.0

    @property
    def total_cost_cny(self) -> float:
        return self.energy_cost_cny + self.demand_charge_cny

    def as_dict(self) -> dict:
        return {**asdict(self), "total_cost_cny": self.total_cost_cny}


def outcome(settings: Settings, controller: str, first_day: dt.date, days: int) -> Outcome:
    last_day = first_day + dt.timedelta(days=days - 1)
    with connect_published(settings) as connection:
        balance = connection.execute(
            "select interval_start_utc, grid_import_kwh, grid_export_kwh, import_demand_kw, "
            "battery_charge_kwh "
            "from fct_energy_balance where local_date between ? and ? order by 1",
            [first_day, last_day]).df()
        daily = connection.execute(
            "select sum(grid_import_kwh), sum(consumption_kwh), sum(pv_generation_kwh), "
            "sum(coalesce(pv_curtailed_kwh, 0)), sum(scope1_tco2), "
            "sum(battery_discharge_kwh) from fct_park_daily_kpis "
            "where local_date between ? and ?", [first_day, last_day]).fetchone()
        factors = connection.execute(
            "select location_kgco2_per_kwh, market_kgco2_per_kwh "
            "from int_accounting_factors_selected").fetchone()
    if balance.empty or daily is None or factors is None:
        raise RuntimeError(f"{controller}: no energy balance for {first_day}..{last_day}")
    index = pd.DatetimeIndex(balance["interval_start_utc"]).tz_convert("UTC")
    prices = interval_prices(settings.park.tariffs, index, settings.park.park.timezone)
    imported = balance["grid_import_kwh"].fillna(0.0).to_numpy()
    exported = balance["grid_export_kwh"].fillna(0.0).to_numpy()
    charged = balance["battery_charge_kwh"].fillna(0.0).to_numpy()
    demand_charge = float(prices["demand_charge_cny_per_kw_month"].max())
    peak_kw = float(balance["import_demand_kw"].max())
    import_kwh, consumption, pv, curtailed, scope1, discharged = (float(v or 0.0) for v in daily)
    return Outcome(
        controller=controller, days=days,
        energy_cost_cny=float((prices["import_price_cny_per_kwh"].to_numpy() * imported).sum()
                              - (prices["export_price_cny_per_kwh"].to_numpy()
                                 * exported).sum()),
        demand_charge_cny=demand_charge * peak_kw * days / DAYS_PER_MONTH,
        grid_import_kwh=float(imported.sum()), grid_export_kwh=float(exported.sum()),
        peak_import_kw=peak_kw,
        scope2_location_tco2=import_kwh * float(factors[0]) / 1000.0,
        scope2_market_tco2=import_kwh * float(factors[1]) / 1000.0,
        scope1_tco2=scope1,
        renewable_absorption_pct=100.0 * pv / (pv + curtailed) if pv + curtailed > 0 else 100.0,
        self_sufficiency_pct=100.0 * max(1.0 - import_kwh / consumption, 0.0)
        if consumption > 0 else 0.0,
        battery_throughput_kwh=discharged,
        pv_generation_kwh=pv, battery_charge_kwh=float(charged.sum()),
        battery_charging_cost_cny=float((np.where(
            exported > imported, prices["export_price_cny_per_kwh"].to_numpy(),
            prices["import_price_cny_per_kwh"].to_numpy()) * charged).sum()))
