"""What each PV system and battery actually earned, from the warehouse: the realised figures a
valuation projects over the asset's life.

Window: the twelve months up to the end of the valuation month (local time), or as much of
them as the warehouse holds; the caller annualises from the days covered (annualise.py).

PV: each interval's park export is taken from PV first (shared among the systems by their
generation), the rest was used on site. Used on site is worth the import price it avoided,
exported the export price; the carbon avoided is the generation at the location-based grid
factor (what the grid would have emitted for it). Certificates: one per MWh generated.

Batteries: discharging avoided imports at the interval's import price and charging bought at
it (charging from PV that would otherwise have been exported is priced at import too: a
conservative simplification); the demand charge saved is each month's peak import without the
batteries (import + discharge - charge) minus the metered peak, at the demand charge, shared
among the batteries by their discharge. Carbon: (discharge - charge) at the grid factor, which
is negative: a battery's losses are bought from the grid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.common.settings import Settings
from jobs.dispatch.tariff import interval_prices
from jobs.warehouse.published import connect_published

WINDOW_MONTHS = 12


@dataclass(frozen=True)
class RealisedAsset:
    asset_id: str
    asset_kind: str  # pv / battery
    owner_enterprise_id: str | None  # None: the park's own asset
    first_day: dt.date
    last_day: dt.date
    days_covered: int  # local days with metered energy for the asset
    energy_kwh: float  # PV generated, or battery discharged
    self_consumed_kwh: float  # PV only
    exported_kwh: float  # PV only
    charged_kwh: float  # battery only
    bill_savings_cny: float  # import avoided (PV self-use; battery net arbitrage + demand)
    demand_savings_cny: float  # battery only, included in bill_savings_cny
    export_revenue_cny: float
    charging_cost_cny: float  # battery only, included (negatively) in bill_savings_cny
    tco2_avoided: float


def window(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last local day of the twelve months ending with `month`."""
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    first = month.replace(day=1)
    for _ in range(WINDOW_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, end


FLOWS_SQL = """
select energy.interval_start_utc, devices.asset_id, devices.enterprise_id, energy.energy_flow,
       energy.local_date, sum(energy.energy_kwh) as energy_kwh
from fct_interval_energy as energy
join dim_devices as devices using (device_id)
where energy.energy_flow in ('pv_generation', 'battery_charge', 'battery_discharge')
  and energy.local_date between ? and ?
  and devices.asset_id is not null
group by all
"""

BALANCE_SQL = """
select interval_start_utc, local_date, coalesce(grid_import_kwh, 0) as grid_import_kwh,
       coalesce(grid_export_kwh, 0) as grid_export_kwh
from fct_energy_balance
where local_date between ? and ?
"""


def realised_assets(settings: Settings, month: dt.date) -> list[RealisedAsset]:
    """What each metered asset earned in the twelve months up to `month` (window())."""
    return realised_between(settings, *window(month))


def realised_between(settings: Settings, first: dt.date, last: dt.date
                     ) -> list[RealisedAsset]:
    """What each asset with a metered flow earned between the local days first..last (a twin
    run's warehouse is read the same way, for the simulated year)."""
    with connect_published(settings) as connection:
        # through Arrow: DuckDB's own .df() trips a pandas deprecation (inplace drop)
        flows = connection.sql(FLOWS_SQL, params=[first, last]).to_arrow_table().to_pandas()
        balance = connection.sql(BALANCE_SQL, params=[first, last]).to_arrow_table().to_pandas()
        factor = connection.execute(
            "select location_kgco2_per_kwh from int_accounting_factors_selected").fetchone()
    if flows.empty or balance.empty or factor is None:
        return []
    tco2_per_kwh = float(factor[0]) / 1000.0
    index = pd.DatetimeIndex(balance["interval_start_utc"]).tz_convert("UTC")
    prices = interval_prices(settings.park.tariffs, index, settings.park.park.timezone)
    balance = balance.assign(
        interval_start_utc=index, import_price=prices["import_price_cny_per_kwh"].to_numpy(),
        export_price=prices["export_price_cny_per_kwh"].to_numpy(),
        demand_charge=prices["demand_charge_cny_per_kw_month"].to_numpy(),
        month=[t.tz_convert(settings.park.park.timezone).strftime("%Y-%m") for t in index])
    flows["interval_start_utc"] = pd.DatetimeIndex(flows["interval_start_utc"]).tz_convert("UTC")
    per_interval = flows.pivot_table(index="interval_start_utc", columns="energy_flow",
                                     values="energy_kwh", aggfunc="sum", fill_value=0.0)
    for flow in ("pv_generation", "battery_charge", "battery_discharge"):
        if flow not in per_interval:
            per_interval[flow] = 0.0
    park = balance.set_index("interval_start_utc").join(per_interval, how="left").fillna(
        {"pv_generation": 0.0, "battery_charge": 0.0, "battery_discharge": 0.0})
    assets = []
    for (asset_id, owner), rows in flows.groupby(["asset_id", "enterprise_id"], dropna=False):
        kind = "pv" if (rows["energy_flow"] == "pv_generation").any() else "battery"
        # the park's columns are all distinct from the asset's except the local day
        joined = rows.set_index("interval_start_utc").join(
            park.drop(columns=["local_date"]), how="inner")
        if joined.empty:
            continue
        made = _pv(joined, tco2_per_kwh) if kind == "pv" else _battery(joined, park, tco2_per_kwh)
        assets.append(RealisedAsset(
            asset_id=str(asset_id), asset_kind=kind,
            owner_enterprise_id=None if pd.isna(owner) else str(owner),
            first_day=min(rows["local_date"]), last_day=max(rows["local_date"]),
            days_covered=int(rows["local_date"].nunique()), **made))
    return assets


def _pv(rows: pd.DataFrame, tco2_per_kwh: float) -> dict[str, float]:
    generated = rows["energy_kwh"].to_numpy()
    park_pv = rows["pv_generation"].to_numpy()
    exported_share = np.divide(np.minimum(rows["grid_export_kwh"].to_numpy(), park_pv), park_pv,
                               out=np.zeros_like(park_pv), where=park_pv > 0)
    exported = generated * exported_share
    used = generated - exported
    return {"energy_kwh": float(generated.sum()), "self_consumed_kwh": float(used.sum()),
            "exported_kwh": float(exported.sum()), "charged_kwh": 0.0,
            "bill_savings_cny": float((used * rows["import_price"].to_numpy()).sum()),
            "demand_savings_cny": 0.0,
            "export_revenue_cny": float((exported * rows["export_price"].to_numpy()).sum()),
            "charging_cost_cny": 0.0, "tco2_avoided": float(generated.sum() * tco2_per_kwh)}


def _battery(rows: pd.DataFrame, park: pd.DataFrame, tco2_per_kwh: float) -> dict[str, float]:
    flows = rows.pivot_table(index=rows.index, columns="energy_flow", values="energy_kwh",
                             aggfunc="sum", fill_value=0.0)
    flows = flows.reindex(columns=["battery_charge", "battery_discharge"], fill_value=0.0)
    prices = park["import_price"].reindex(flows.index)
    charged, discharged = flows["battery_charge"], flows["battery_discharge"]
    charging_cost = float((charged * prices).sum())
    arbitrage = float((discharged * prices).sum()) - charging_cost
    demand = _demand_savings(park, discharged)
    return {"energy_kwh": float(discharged.sum()), "self_consumed_kwh": 0.0,
            "exported_kwh": 0.0, "charged_kwh": float(charged.sum()),
            "bill_savings_cny": arbitrage + demand, "demand_savings_cny": demand,
            "export_revenue_cny": 0.0, "charging_cost_cny": charging_cost,
            "tco2_avoided": float((discharged.sum() - charged.sum()) * tco2_per_kwh)}


def _demand_savings(park: pd.DataFrame, discharged: pd.Series) -> float:
    """This battery's share of each month's demand charge saved by all batteries, for the
    days of the month in the window: a monthly charge, so a window holding 7 of January's 31
    days carries 7/31 of it. The caller scales the window's days to a year; counted whole, a
    week would bring a month's charge and the year 52 of them."""
    hours = 0.25
    metered_kw = park["grid_import_kwh"] / hours
    without_kw = (park["grid_import_kwh"] + park["battery_discharge"]
                  - park["battery_charge"]).clip(lower=0.0) / hours
    saved = 0.0
    for _, in_month in park.groupby("month"):
        index = in_month.index
        days = pd.to_datetime(in_month["local_date"])
        share_of_month = days.dt.date.nunique() / days.iloc[0].days_in_month
        saved_cny = (without_kw[index].max() - metered_kw[index].max()) \
            * in_month["demand_charge"].max() * share_of_month
        total_discharge = in_month["battery_discharge"].sum()
        mine = discharged.reindex(index, fill_value=0.0).sum()
        if total_discharge > 0:
            saved += saved_cny * mine / total_discharge
    return float(saved)

