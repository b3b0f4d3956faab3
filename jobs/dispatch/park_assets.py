"""The park's dispatchable assets and its grid terms, from the validated config and what is
measured now, in the shapes DispatchInputs takes (no Pyomo, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from jobs.common.park_config import ParkConfig
from jobs.dispatch.inputs import BATTERY_COLUMNS, GridTerms


def battery_table(park: ParkConfig,
                  soc_now_pct: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per battery. The plan starts from the SOC measured now (else the configured
    initial SOC), clamped into the battery's window, and must end the day no lower than it
    started: tomorrow's plan should not find the battery emptied by today's."""
    rows = {}
    for battery in park.assets.batteries:
        capacity = battery.capacity_kwh
        soc_min = capacity * battery.soc_min_pct / 100.0
        soc_max = capacity * battery.soc_max_pct / 100.0
        start_pct = (soc_now_pct or {}).get(battery.id, battery.initial_soc_pct)
        start = min(max(capacity * start_pct / 100.0, soc_min), soc_max)
        rows[battery.id] = {
            "capacity_kwh": capacity, "power_kw": battery.power_kw,
            "charge_efficiency": battery.charge_efficiency,
            "discharge_efficiency": battery.discharge_efficiency,
            "soc_min_kwh": soc_min, "soc_max_kwh": soc_max, "soc_initial_kwh": start,
            "soc_final_min_kwh": start,
            "degradation_cny_per_kwh": park.dispatch.battery_degradation_cny_per_kwh}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(BATTERY_COLUMNS))


def grid_terms(park: ParkConfig, prices: pd.DataFrame, *, month_peak_so_far_kw: float,
               grid_kgco2_per_kwh: float) -> GridTerms:
    """prices: tariff.interval_prices() for the plan's intervals. Export is allowed only if
    the tariff pays for it in every interval (else the plan keeps export at zero)."""
    connection = park.park.grid_connection
    export_allowed = bool(prices["export_allowed"].all())
    demand_charges = prices["demand_charge_cny_per_kw_month"].unique()
    if len(demand_charges) != 1:
        raise ValueError("the plan spans tariff versions with different demand charges; "
                         "plan each version's intervals separately")
    return GridTerms(
        import_limit_kw=connection.import_limit_kw,
        export_limit_kw=connection.export_limit_kw if export_allowed else 0.0,
        import_price_cny_per_kwh=prices["import_price_cny_per_kwh"],
        export_price_cny_per_kwh=prices["export_price_cny_per_kwh"],
        tou_period=prices["tou_period"],
        demand_charge_cny_per_kw_month=float(demand_charges[0]),
        month_peak_so_far_kw=month_peak_so_far_kw,
        grid_kgco2_per_kwh=grid_kgco2_per_kwh,
        carbon_price_cny_per_tco2=park.dispatch.carbon_price_cny_per_tco2)
