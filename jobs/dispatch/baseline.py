"""The rule-based baseline, computed on the same inputs as the optimised plan, so every plan
reports its saving against what a conventional controller would have done:

- PV serves the load first; a surplus charges the batteries, then is exported up to the
  export limit, and what is left is curtailed;
- batteries discharge to cover the load in peak and critical-peak periods, never below their
  SOC floor; they never charge from the grid;
- EVs charge at full power from arrival until their energy is delivered or they leave;
- HVAC zones run as thermostats holding the edge of their comfort band while occupied and
  are off otherwise (no pre-cooling);
- waste-heat tanks store all the waste heat they can and give heat whenever it is needed;
- demand-response events get no special action.

It is also the fallback plan when no optimised plan can be made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs.dispatch.inputs import DispatchInputs, zone_gain_kw
from jobs.dispatch.plan_flows import PlanFlows

DISCHARGE_PERIODS = frozenset({"peak", "critical_peak"})
THERMOSTAT_BAND_K = 1.0  # full power 1 K from the setpoint: a common building thermostat


def ev_on_arrival(inputs: DispatchInputs) -> tuple[pd.DataFrame, float]:
    hours = inputs.interval_h
    power: dict[str, np.ndarray] = {}
    unserved = 0.0
    for group, row in inputs.ev_groups.iterrows():
        remaining = float(row["energy_kwh"])
        series = np.zeros(len(inputs.interval_start_utc))
        for t, plugged in enumerate(inputs.ev_available(str(group))):
            if plugged and remaining > 0:
                series[t] = min(float(row["max_kw"]), remaining / hours)
                remaining -= series[t] * hours
        power[group] = series
        unserved += remaining
    return pd.DataFrame(power, index=inputs.interval_start_utc), unserved


def _thermostats(inputs: DispatchInputs) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Each zone's heat pump holds its usual setpoint (the zones' optional setpoint_c, else
    the edge of its comfort band) while occupied and is off otherwise; returns power (kW),
    temperature (C) and the kelvin-hours outside the band."""
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    targets = {}
    for zone, row in zones.iterrows():
        edge = row["comfort_max_c"] if row["mode"] == "cool" else row["comfort_min_c"]
        usual = row.get("setpoint_c", edge)
        usual = edge if pd.isna(usual) else usual
        targets[zone] = np.where(inputs.zone_occupied(str(zone)), usual, np.nan)
    # a usual setpoint is held the way a building thermostat holds it (proportional, so a
    # little above it when cooling); the band's edge, as an ideal controller holds a limit
    usual_setpoints = "setpoint_c" in zones.columns
    return zones_under(inputs, pd.DataFrame(targets, index=inputs.interval_start_utc),
                       proportional_band_k=THERMOSTAT_BAND_K if usual_setpoints else None)


def zones_under(inputs: DispatchInputs, target_c: pd.DataFrame,
                proportional_band_k: float | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The zones' 1R1C temperatures when each heat pump drives its zone toward a target
    temperature per interval (one column per zone; NaN: off), within its rating: a
    thermostat's setpoint, or a plan's temperature path written as setpoints. With a
    proportional band (K) the pump runs at full power that far from the target and in
    proportion nearer (a building thermostat); without, it gives exactly what reaches the
    target by the interval's end (a plan's path is already smooth). Returns power (kW),
    temperature (C) and the kelvin-hours outside the comfort band while occupied."""
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    index = inputs.interval_start_utc
    hours = inputs.interval_h
    outdoor = inputs.outdoor_temp_c.to_numpy() if inputs.outdoor_temp_c is not None else []
    power, temps, breach = {}, {}, 0.0
    for zone, row in zones.iterrows():
        occupied = inputs.zone_occupied(str(zone))
        targets = target_c[zone].to_numpy(dtype=float)
        cooling = row["mode"] == "cool"
        sign = -1.0 if cooling else 1.0
        temp = float(row["initial_temp_c"])
        kw, path = np.zeros(len(index)), np.zeros(len(index))
        for t in range(len(index)):
            free_kw = (outdoor[t] - temp) / row["thermal_resistance_k_per_kw"] \
                + zone_gain_kw(row, occupied[t])
            free_temp = temp + hours * free_kw / row["thermal_capacitance_kwh_per_k"]
            if not np.isnan(targets[t]):
                needed_k = (free_temp - targets[t]) if cooling else (targets[t] - free_temp)
                exact_kw = needed_k * row["thermal_capacitance_kwh_per_k"] / (hours * row["cop"])
                if proportional_band_k is not None:
                    error_k = (temp - targets[t]) if cooling else (targets[t] - temp)
                    exact_kw = min(exact_kw, row["rated_electric_kw"] * error_k
                                   / proportional_band_k)
                kw[t] = min(max(exact_kw, 0.0), row["rated_electric_kw"])
            temp = free_temp + sign * hours * row["cop"] * kw[t] \
                / row["thermal_capacitance_kwh_per_k"]
            path[t] = temp
            if occupied[t]:
                breach += hours * (max(temp - row["comfort_max_c"], 0.0)
                                   + max(row["comfort_min_c"] - temp, 0.0))
        power[zone], temps[zone] = kw, path
    return pd.DataFrame(power, index=index), pd.DataFrame(temps, index=index), breach


def tanks_automatic(inputs: DispatchInputs) -> dict[str, pd.DataFrame]:
    """Each tank takes all the waste heat it has room for and gives all the heat it holds
    when asked, the way the tank's own controller runs without a plan."""
    stores = inputs.thermal_stores
    index = inputs.interval_start_utc
    hours = inputs.interval_h
    out: dict[str, dict[str, np.ndarray]] = {
        name: {} for name in ("charge", "discharge", "stored", "backup")}
    for tank, row in stores.iterrows():
        waste = inputs.waste_heat_kw_th[tank].to_numpy()
        demand = inputs.heat_demand_kw_th[tank].to_numpy()
        stored = float(row["stored_initial_kwh_th"])
        series = {name: np.zeros(len(index)) for name in out}
        for t in range(len(index)):
            stored *= 1.0 - row["loss_per_h"] * hours
            charge = min(waste[t], row["max_charge_kw_th"],
                         max(row["capacity_kwh_th"] - stored, 0.0) / hours)
            stored += hours * charge
            discharge = min(demand[t], row["max_discharge_kw_th"], stored / hours)
            stored -= hours * discharge
            series["charge"][t], series["discharge"][t] = charge, discharge
            series["stored"][t], series["backup"][t] = stored, demand[t] - discharge
        for name in out:
            out[name][tank] = series[name]
    return {name: pd.DataFrame(columns, index=index) for name, columns in out.items()}


def dr_baseline_kw(inputs: DispatchInputs) -> pd.DataFrame:
    """Each DR event's baseline: the load of its scope with no control, from the same
    forecast (EVs charging on arrival, HVAC as thermostats, no battery; the park's baseline is
    net of PV as its grid meter sees it). One column per event, every interval."""
    events = inputs.dr_events
    index = inputs.interval_start_utc
    if not len(events):
        return pd.DataFrame(index=index)
    ev_kw, _ = ev_on_arrival(inputs)
    hvac_kw, _, _ = _thermostats(inputs)
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    zone_enterprise = zones["enterprise"] if "enterprise" in zones else pd.Series(dtype=object)
    park_kw = (inputs.base_load_kw.to_numpy() + ev_kw.to_numpy().sum(axis=1)
               + hvac_kw.to_numpy().sum(axis=1) - inputs.pv_potential_kw.to_numpy().sum(axis=1))
    baseline = {}
    for event, row in events.iterrows():
        enterprise = row["enterprise_id"]
        if not isinstance(enterprise, str):
            baseline[event] = park_kw
            continue
        own_zones = [z for z in hvac_kw.columns if zone_enterprise.get(z) == enterprise]
        baseline[event] = inputs.consumer_base_load_kw[enterprise].to_numpy() + sum(
            (hvac_kw[zone].to_numpy() for zone in own_zones), 0.0)
    return pd.DataFrame(baseline, index=index)


def settle_at_meter(net_kw: np.ndarray, potential_kw: np.ndarray, export_limit_kw: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the grid meter sees of the park's net need (kW, > 0: power still needed, already
    net of all PV potential): import it, or export the surplus up to the limit and curtail
    the rest from every PV system in proportion. Returns import, export, PV used (per system)."""
    grid_import = np.maximum(net_kw, 0.0)
    grid_export = np.minimum(np.maximum(-net_kw, 0.0), export_limit_kw)
    curtailed = np.maximum(-net_kw, 0.0) - grid_export
    total = potential_kw.sum(axis=1)
    kept = np.where(total > 0, 1.0 - curtailed / np.where(total > 0, total, 1.0), 1.0)
    return grid_import, grid_export, potential_kw * kept[:, None]


def rule_based_flows(inputs: DispatchInputs) -> PlanFlows:
    hours = inputs.interval_h
    index = inputs.interval_start_utc
    periods = inputs.grid.tou_period.to_numpy()
    ev_kw, ev_unserved_kwh = ev_on_arrival(inputs)
    hvac_kw, zone_temp_c, comfort_breach_kh = _thermostats(inputs)
    tanks = tanks_automatic(inputs)
    demand = (inputs.base_load_kw.to_numpy() + ev_kw.to_numpy().sum(axis=1)
              + (hvac_kw.to_numpy().sum(axis=1) if len(hvac_kw.columns) else 0.0))
    potential = inputs.pv_potential_kw.to_numpy()
    batteries = inputs.batteries.to_dict("index")
    soc = {b: spec["soc_initial_kwh"] for b, spec in batteries.items()}
    charge = {b: np.zeros(len(index)) for b in batteries}
    discharge = {b: np.zeros(len(index)) for b in batteries}
    soc_path = {b: np.zeros(len(index)) for b in batteries}
    net_kw = np.zeros(len(index))
    for t in range(len(index)):
        net = demand[t] - potential[t].sum()  # > 0: power still needed
        for b, spec in batteries.items():
            if net < 0:
                room_kw = (spec["soc_max_kwh"] - soc[b]) / (spec["charge_efficiency"] * hours)
                charge[b][t] = max(min(spec["power_kw"], -net, room_kw), 0.0)
                soc[b] += spec["charge_efficiency"] * charge[b][t] * hours
                net += charge[b][t]
            elif net > 0 and periods[t] in DISCHARGE_PERIODS:
                stored_kw = (soc[b] - spec["soc_min_kwh"]) * spec["discharge_efficiency"] / hours
                discharge[b][t] = max(min(spec["power_kw"], net, stored_kw), 0.0)
                soc[b] -= discharge[b][t] / spec["discharge_efficiency"] * hours
                net -= discharge[b][t]
            soc_path[b][t] = soc[b]
        net_kw[t] = net
    grid_import, grid_export, pv_used = settle_at_meter(net_kw, potential,
                                                        inputs.grid.export_limit_kw)

    def frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(columns, index=index)

    return PlanFlows(
        grid_import_kw=grid_import, grid_export_kw=grid_export,
        pv_kw=pd.DataFrame(pv_used, index=index, columns=inputs.pv_potential_kw.columns),
        battery_charge_kw=frame(charge), battery_discharge_kw=frame(discharge),
        soc_kwh=frame(soc_path), ev_kw=ev_kw, ev_unserved_kwh=ev_unserved_kwh,
        hvac_kw=hvac_kw, zone_temp_c=zone_temp_c, comfort_breach_kh=comfort_breach_kh,
        heat_charge_kw_th=tanks["charge"], heat_discharge_kw_th=tanks["discharge"],
        stored_heat_kwh_th=tanks["stored"], backup_heat_kw_th=tanks["backup"])


def no_control_consumer_load_kw(inputs: DispatchInputs, park_entity: str = "park"
                                ) -> pd.DataFrame:
    """Each consumer's expected load with no control (its base load, its HVAC zones as
    thermostats, and the EVs charging on arrival on the park's own meter): the consumer load
    forecast that is scored against what is later measured."""
    consumers = inputs.consumer_base_load_kw.copy()
    hvac_kw, _, _ = _thermostats(inputs)
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    for zone in hvac_kw.columns:
        enterprise = zones["enterprise"].get(zone) if "enterprise" in zones else None
        owner = enterprise if isinstance(enterprise, str) else park_entity
        consumers[owner] = consumers.get(owner, 0.0) + hvac_kw[zone]
    ev_kw, _ = ev_on_arrival(inputs)
    if len(ev_kw.columns):
        consumers[park_entity] = consumers.get(park_entity, 0.0) + ev_kw.sum(axis=1)
    return consumers
