"""The park's dispatchable assets and its grid terms, from the validated config and what is
measured now, in the shapes DispatchInputs takes (no Pyomo, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from jobs.common.park_config import ParkConfig
from jobs.dispatch.inputs import BATTERY_COLUMNS, HVAC_COLUMNS, THERMAL_STORE_COLUMNS, GridTerms


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
        carbon_price_cny_per_tco2=park.dispatch.carbon_price_cny_per_tco2,
        stored_energy_export_paid=bool(prices["stored_export_paid"].all()))


def hvac_zone_table(park: ParkConfig, outdoor_temp_c: pd.Series,
                    zone_temp_now_c: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per HVAC zone. A zone starts at its measured temperature (else its normal
    setpoint) and is cooled if, left to itself, the day's mean outdoor temperature plus its
    internal gains would hold it at or above its setpoint (R x gain is the steady-state
    rise), else heated. In the heating season (the local day of the first interval) a zone
    with a heating band takes that band, setpoint and heat pump input: a plan over the
    season's edge keeps its first day's."""
    rows = {}
    index = outdoor_temp_c.index
    heating = bool(len(index)) and park.assets.heating_at(pd.Timestamp(index[0]),
                                                          park.park.timezone)
    for zone in park.assets.hvac_zones:
        zone = zone.in_season(heating)
        free_running_c = float(outdoor_temp_c.mean()) \
            + zone.thermal_resistance_k_per_kw * zone.internal_gain_kw
        rows[zone.id] = {
            "rated_electric_kw": zone.rated_electric_kw, "cop": zone.cop,
            "thermal_resistance_k_per_kw": zone.thermal_resistance_k_per_kw,
            "thermal_capacitance_kwh_per_k": zone.thermal_capacitance_kwh_per_k,
            "comfort_min_c": zone.comfort_min_c, "comfort_max_c": zone.comfort_max_c,
            "initial_temp_c": (zone_temp_now_c or {}).get(zone.id, zone.normal_setpoint_c),
            "internal_gain_kw": zone.internal_gain_kw,
            "unoccupied_gain_share": zone.unoccupied_gain_share,
            "mode": "cool" if free_running_c >= zone.normal_setpoint_c else "heat",
            "enterprise": zone.enterprise, "setpoint_c": zone.normal_setpoint_c}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[*HVAC_COLUMNS, "enterprise", "setpoint_c",
                                           "unoccupied_gain_share"])


def thermal_store_table(park: ParkConfig,
                        stored_now_kwh_th: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per waste-heat tank, starting from the heat measured in it now (else half
    full), clamped into 0..capacity."""
    rows = {}
    for tank in park.assets.thermal_storage:
        stored = (stored_now_kwh_th or {}).get(tank.id, tank.capacity_kwh_th / 2.0)
        rows[tank.id] = {
            "capacity_kwh_th": tank.capacity_kwh_th, "max_charge_kw_th": tank.max_charge_kw_th,
            "max_discharge_kw_th": tank.max_discharge_kw_th,
            "loss_per_h": tank.loss_pct_per_hour / 100.0,
            "stored_initial_kwh_th": min(max(stored, 0.0), tank.capacity_kwh_th)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(THERMAL_STORE_COLUMNS))
