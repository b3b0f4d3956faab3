"""A day-ahead plan run against what the day turned out to be: how a plan made on forecasts
would have done (the benchmark's simulated week compares it with the rule-based controller
and with a plan made in perfect foresight, both on the actual day).

It executes the plan as the setpoint writer does, with its one live correction:
- batteries follow their planned setpoints within the SOC they actually have, except that the
  grid import may not exceed the month's peak the plan expected (max of the month so far and
  the plan's own peak): above it, charging is cut and then discharge added, as far as the
  batteries allow, because a new monthly peak costs the demand charge for the whole month;
- HVAC zones are driven toward the plan's temperature path (the setpoints it publishes), so
  their power follows the actual weather;
- the grid takes whatever the actual load and PV leave; PV is curtailed only where the export
  limit forces it.
Vehicles and the waste-heat tank cannot follow a schedule made for other arrivals and other
heat: EVs charge on arrival and the tank runs on its own controller, as under the baseline.
The closed loop on the digital twin (setpoint writer) replaces this estimate with measurement.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from jobs.dispatch.baseline import ev_on_arrival, settle_at_meter, tanks_automatic, zones_under
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.plan_flows import PlanFlows


def _batteries_with_peak_guard(plan: PlanFlows, actual: DispatchInputs, other_net_kw: np.ndarray
                               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    hours = actual.interval_h
    guard_kw = max(actual.grid.month_peak_so_far_kw, float(plan.grid_import_kw.max(initial=0.0)))
    spec = actual.batteries.to_dict("index")
    soc = {b: s["soc_initial_kwh"] for b, s in spec.items()}
    charge = {b: np.zeros(len(other_net_kw)) for b in spec}
    discharge = {b: np.zeros(len(other_net_kw)) for b in spec}
    soc_path = {b: np.zeros(len(other_net_kw)) for b in spec}
    for t, other_kw in enumerate(other_net_kw):
        most_charge = {b: max(min(s["power_kw"], (s["soc_max_kwh"] - soc[b])
                                  / (s["charge_efficiency"] * hours)), 0.0)
                       for b, s in spec.items()}
        most_discharge = {b: max(min(s["power_kw"], (soc[b] - s["soc_min_kwh"])
                                     * s["discharge_efficiency"] / hours), 0.0)
                          for b, s in spec.items()}
        setpoint = {b: float(np.clip(plan.battery_discharge_kw[b].iloc[t]
                                     - plan.battery_charge_kw[b].iloc[t],
                                     -most_charge[b], most_discharge[b])) for b in spec}
        excess_kw = other_kw - sum(setpoint.values()) - guard_kw
        for b in spec:
            if excess_kw <= 0:
                break
            raised = min(excess_kw, most_discharge[b] - setpoint[b])
            setpoint[b] += raised
            excess_kw -= raised
        for b, s in spec.items():
            charge[b][t], discharge[b][t] = max(-setpoint[b], 0.0), max(setpoint[b], 0.0)
            soc[b] += hours * (s["charge_efficiency"] * charge[b][t]
                               - discharge[b][t] / s["discharge_efficiency"])
            soc_path[b][t] = soc[b]
    index = actual.interval_start_utc
    return (pd.DataFrame(charge, index=index), pd.DataFrame(discharge, index=index),
            pd.DataFrame(soc_path, index=index))


def realise(plan: PlanFlows, actual: DispatchInputs) -> PlanFlows:
    """The plan's flows on the actual day (same intervals, batteries and zones)."""
    ev_kw, ev_unserved_kwh = ev_on_arrival(actual)
    hvac_kw, zone_temp_c, breach_kh = zones_under(actual, plan.zone_temp_c)
    tanks = tanks_automatic(actual)
    potential = actual.pv_potential_kw.to_numpy()
    other_net_kw = (actual.base_load_kw.to_numpy() + ev_kw.to_numpy().sum(axis=1)
                    + hvac_kw.to_numpy().sum(axis=1) - potential.sum(axis=1))
    charge, discharge, soc = _batteries_with_peak_guard(plan, actual, other_net_kw)
    net_kw = other_net_kw + charge.to_numpy().sum(axis=1) - discharge.to_numpy().sum(axis=1)
    grid_import, grid_export, pv_used = settle_at_meter(net_kw, potential,
                                                        actual.grid.export_limit_kw)
    return dataclasses.replace(
        plan, grid_import_kw=grid_import, grid_export_kw=grid_export,
        pv_kw=pd.DataFrame(pv_used, index=actual.interval_start_utc,
                           columns=actual.pv_potential_kw.columns),
        battery_charge_kw=charge, battery_discharge_kw=discharge, soc_kwh=soc,
        ev_kw=ev_kw, ev_unserved_kwh=ev_unserved_kwh, hvac_kw=hvac_kw, zone_temp_c=zone_temp_c,
        comfort_breach_kh=breach_kh, heat_charge_kw_th=tanks["charge"],
        heat_discharge_kw_th=tanks["discharge"], stored_heat_kwh_th=tanks["stored"],
        backup_heat_kw_th=tanks["backup"])
