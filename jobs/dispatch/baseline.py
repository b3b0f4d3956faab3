"""The rule-based baseline, computed on the same inputs as the optimised plan, so every plan
reports its saving against what a conventional controller would have done:

- PV serves the load first; a surplus charges the batteries, then is exported up to the
  export limit, and what is left is curtailed;
- batteries discharge to cover the load in peak and critical-peak periods, never below their
  SOC floor; they never charge from the grid;
- EVs charge at full power from arrival until their energy is delivered or they leave;
- HVAC zones run as thermostats holding the edge of their comfort band (no pre-cooling).

It is also the fallback plan when no optimised plan can be made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs.dispatch.extract import PlanFlows
from jobs.dispatch.inputs import DispatchInputs

DISCHARGE_PERIODS = frozenset({"peak", "critical_peak"})


def _ev_on_arrival(inputs: DispatchInputs) -> tuple[pd.DataFrame, float]:
    hours = inputs.interval_h
    power = pd.DataFrame(index=inputs.interval_start_utc)
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
    return power, unserved


def _thermostats(inputs: DispatchInputs) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Each zone's heat pump gives just what keeps the zone at its band edge, within its
    rating; returns power (kW), temperature (C) and the kelvin-hours outside the band."""
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    index = inputs.interval_start_utc
    hours = inputs.interval_h
    outdoor = inputs.outdoor_temp_c.to_numpy() if inputs.outdoor_temp_c is not None else []
    power, temps, breach = {}, {}, 0.0
    for zone, row in zones.iterrows():
        cooling = row["mode"] == "cool"
        target = row["comfort_max_c"] if cooling else row["comfort_min_c"]
        sign = -1.0 if cooling else 1.0
        temp = float(row["initial_temp_c"])
        kw, path = np.zeros(len(index)), np.zeros(len(index))
        for t in range(len(index)):
            free_kw = (outdoor[t] - temp) / row["thermal_resistance_k_per_kw"] \
                + row["internal_gain_kw"]
            free_temp = temp + hours * free_kw / row["thermal_capacitance_kwh_per_k"]
            needed_k = (free_temp - target) if cooling else (target - free_temp)
            kw[t] = min(max(needed_k * row["thermal_capacitance_kwh_per_k"]
                            / (hours * row["cop"]), 0.0), row["rated_electric_kw"])
            temp = free_temp + sign * hours * row["cop"] * kw[t] \
                / row["thermal_capacitance_kwh_per_k"]
            path[t] = temp
            breach += hours * (max(temp - row["comfort_max_c"], 0.0)
                               + max(row["comfort_min_c"] - temp, 0.0))
        power[zone], temps[zone] = kw, path
    return pd.DataFrame(power, index=index), pd.DataFrame(temps, index=index), breach


def rule_based_flows(inputs: DispatchInputs) -> PlanFlows:
    hours = inputs.interval_h
    index = inputs.interval_start_utc
    periods = inputs.grid.tou_period.to_numpy()
    ev_kw, ev_unserved_kwh = _ev_on_arrival(inputs)
    hvac_kw, zone_temp_c, comfort_breach_kh = _thermostats(inputs)
    demand = (inputs.base_load_kw.to_numpy() + ev_kw.to_numpy().sum(axis=1)
              + (hvac_kw.to_numpy().sum(axis=1) if len(hvac_kw.columns) else 0.0))
    potential = inputs.pv_potential_kw.to_numpy()
    batteries = inputs.batteries.to_dict("index")
    soc = {b: spec["soc_initial_kwh"] for b, spec in batteries.items()}
    charge = {b: np.zeros(len(index)) for b in batteries}
    discharge = {b: np.zeros(len(index)) for b in batteries}
    soc_path = {b: np.zeros(len(index)) for b in batteries}
    grid_import, grid_export = np.zeros(len(index)), np.zeros(len(index))
    pv_used = potential.copy()
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
        if net >= 0:
            grid_import[t] = net
        else:
            grid_export[t] = min(-net, inputs.grid.export_limit_kw)
            curtailed = -net - grid_export[t]
            total = potential[t].sum()
            if curtailed > 0 and total > 0:
                pv_used[t] = potential[t] * (1.0 - curtailed / total)

    def frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(columns, index=index)

    return PlanFlows(
        grid_import_kw=grid_import, grid_export_kw=grid_export,
        pv_kw=pd.DataFrame(pv_used, index=index, columns=inputs.pv_potential_kw.columns),
        battery_charge_kw=frame(charge), battery_discharge_kw=frame(discharge),
        soc_kwh=frame(soc_path), ev_kw=ev_kw, ev_unserved_kwh=ev_unserved_kwh,
        hvac_kw=hvac_kw, zone_temp_c=zone_temp_c, comfort_breach_kh=comfort_breach_kh)
