"""One small builder per asset kind. Each adds its variables (named physically, with units)
and constraints to the model, says how it feeds the park's power balance, and adds its costs.

A builder registers:
  - `supply_kw[t]` terms (power into the park bus) and `demand_kw[t]` terms (out of it) via
    `model.bus_terms`, a list of (sign, indexed expression) the balance sums;
  - cost expressions (CNY over the horizon) via `model.cost_terms`.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from jobs.dispatch.inputs import DispatchInputs


def add_grid_connection(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    grid = inputs.grid
    hours = inputs.interval_h
    import_price = grid.import_price_cny_per_kwh.to_numpy()
    export_price = grid.export_price_cny_per_kwh.to_numpy()
    model.grid_import_kw = pyo.Var(model.T, bounds=(0, grid.import_limit_kw),
                                   doc="power drawn from the grid (kW)")
    model.grid_export_kw = pyo.Var(model.T, bounds=(0, grid.export_limit_kw),
                                   doc="power fed into the grid (kW)")
    model.month_peak_kw = pyo.Var(bounds=(grid.month_peak_so_far_kw, None),
                                  doc="the month's maximum demand after this plan (kW)")

    @model.Constraint(model.T, doc="the month's peak covers every planned interval")
    def peak_covers_import(m, t):
        return m.month_peak_kw >= m.grid_import_kw[t]

    model.bus_terms.append((+1, model.grid_import_kw))
    model.bus_terms.append((-1, model.grid_export_kw))
    carbon_cny_per_kwh = grid.grid_kgco2_per_kwh / 1000.0 * grid.carbon_price_cny_per_tco2
    model.cost_energy_cny = pyo.Expression(expr=sum(
        hours * (float(import_price[t]) * model.grid_import_kw[t]
                 - float(export_price[t]) * model.grid_export_kw[t]) for t in model.T),
        doc="energy bought less energy sold (CNY)")
    model.cost_carbon_cny = pyo.Expression(expr=sum(
        hours * carbon_cny_per_kwh * model.grid_import_kw[t] for t in model.T),
        doc="carbon price on grid-import emissions (CNY)")
    # 两部制电价: the month's demand charge grows only with a new monthly peak
    model.cost_demand_cny = pyo.Expression(
        expr=grid.demand_charge_cny_per_kw_month * (model.month_peak_kw
                                                    - grid.month_peak_so_far_kw),
        doc="increase of the month's demand charge (CNY)")
    model.cost_terms += [model.cost_energy_cny, model.cost_carbon_cny, model.cost_demand_cny]


def add_pv(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    potential = inputs.pv_potential_kw
    model.PV = pyo.Set(initialize=list(potential.columns), ordered=True, doc="PV systems")
    values = {(p, t): float(potential[p].iloc[t]) for p in model.PV for t in model.T}
    model.pv_kw = pyo.Var(model.PV, model.T, within=pyo.NonNegativeReals,
                          doc="PV output after any curtailment (kW)")

    @model.Constraint(model.PV, model.T, doc="PV output at most what the sun allows")
    def pv_within_potential(m, p, t):
        return m.pv_kw[p, t] <= values[p, t]

    model.pv_total_kw = pyo.Expression(model.T, rule=lambda m, t: sum(m.pv_kw[p, t] for p in m.PV))
    model.bus_terms.append((+1, model.pv_total_kw))


def add_battery(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    batteries = inputs.batteries
    hours = inputs.interval_h
    model.B = pyo.Set(initialize=list(batteries.index), ordered=True, doc="batteries")
    spec = batteries.to_dict("index")
    model.battery_charge_kw = pyo.Var(
        model.B, model.T, bounds=lambda m, b, t: (0, spec[b]["power_kw"]),
        doc="AC power into the battery (kW)")
    model.battery_discharge_kw = pyo.Var(
        model.B, model.T, bounds=lambda m, b, t: (0, spec[b]["power_kw"]),
        doc="AC power out of the battery (kW)")
    model.soc_kwh = pyo.Var(
        model.B, model.T, bounds=lambda m, b, t: (spec[b]["soc_min_kwh"], spec[b]["soc_max_kwh"]),
        doc="stored energy at the end of the interval (kWh)")

    @model.Constraint(model.B, model.T, doc="state of charge, recursively")
    def soc_balance(m, b, t):
        before = spec[b]["soc_initial_kwh"] if t == m.T.first() else m.soc_kwh[b, t - 1]
        return m.soc_kwh[b, t] == before + hours * (
            spec[b]["charge_efficiency"] * m.battery_charge_kw[b, t]
            - m.battery_discharge_kw[b, t] / spec[b]["discharge_efficiency"])

    @model.Constraint(model.B, doc="end-of-horizon SOC target")
    def soc_final(m, b):
        return m.soc_kwh[b, m.T.last()] >= spec[b]["soc_final_min_kwh"]

    # charging and discharging at once never pays while this cost and the losses are positive,
    # so no binaries are needed to keep them apart
    model.cost_degradation_cny = pyo.Expression(expr=sum(
        hours * spec[b]["degradation_cny_per_kwh"] * model.battery_discharge_kw[b, t]
        for b in model.B for t in model.T), doc="battery throughput (wear) cost (CNY)")
    model.battery_net_kw = pyo.Expression(model.T, rule=lambda m, t: sum(
        m.battery_discharge_kw[b, t] - m.battery_charge_kw[b, t] for b in m.B))
    model.bus_terms.append((+1, model.battery_net_kw))
    model.cost_terms.append(model.cost_degradation_cny)


def add_ev_fleet(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    groups = inputs.ev_groups
    hours = inputs.interval_h
    model.EV = pyo.Set(initialize=list(groups.index), ordered=True,
                       doc="groups of alike EV sessions")
    available = {g: inputs.ev_available(g) for g in model.EV}
    spec = groups.to_dict("index")
    model.ev_kw = pyo.Var(
        model.EV, model.T,
        bounds=lambda m, g, t: (0, spec[g]["max_kw"] if available[g][t] else 0),
        doc="charging power of the group (kW)")
    model.ev_unserved_kwh = pyo.Var(model.EV, within=pyo.NonNegativeReals,
                                    doc="energy the group's vehicles leave without (kWh)")

    @model.Constraint(model.EV, doc="each group's energy delivered before it leaves")
    def ev_energy_delivered(m, g):
        return (sum(hours * m.ev_kw[g, t] for t in m.T) + m.ev_unserved_kwh[g]
                == spec[g]["energy_kwh"])

    model.cost_ev_unserved_cny = pyo.Expression(expr=inputs.ev_unserved_penalty_cny_per_kwh * sum(
        model.ev_unserved_kwh[g] for g in model.EV), doc="penalty for energy not delivered (CNY)")
    model.ev_total_kw = pyo.Expression(model.T, rule=lambda m, t: sum(m.ev_kw[g, t] for g in m.EV))
    model.bus_terms.append((-1, model.ev_total_kw))
    model.cost_terms.append(model.cost_ev_unserved_cny)


def add_hvac_zones(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    """Each zone as one thermal resistance and capacitance (1R1C), cooled or heated by a heat
    pump of fixed COP: the zone may be pre-cooled (pre-heated) while power is cheap, and its
    comfort band is soft, a kelvin-hour outside it costing comfort_breach_cny_per_kh."""
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    hours = inputs.interval_h
    model.Z = pyo.Set(initialize=list(zones.index), ordered=True, doc="HVAC zones")
    if not len(zones):
        model.hvac_total_kw = pyo.Expression(model.T, rule=lambda m, t: 0.0)
        return
    spec = zones.to_dict("index")
    outdoor = inputs.outdoor_temp_c.to_numpy() if inputs.outdoor_temp_c is not None else []
    model.hvac_electric_kw = pyo.Var(
        model.Z, model.T, bounds=lambda m, z, t: (0, spec[z]["rated_electric_kw"]),
        doc="heat pump electric power (kW)")
    model.zone_temp_c = pyo.Var(model.Z, model.T, doc="zone temperature at interval end (C)")
    model.too_warm_k = pyo.Var(model.Z, model.T, within=pyo.NonNegativeReals,
                               doc="kelvin above the comfort band")
    model.too_cold_k = pyo.Var(model.Z, model.T, within=pyo.NonNegativeReals,
                               doc="kelvin below the comfort band")

    @model.Constraint(model.Z, model.T, doc="1R1C zone temperature, recursively")
    def zone_heat_balance(m, z, t):
        zone = spec[z]
        before = zone["initial_temp_c"] if t == m.T.first() else m.zone_temp_c[z, t - 1]
        sign = -1.0 if zone["mode"] == "cool" else 1.0
        heat_kw = ((float(outdoor[t]) - before) / zone["thermal_resistance_k_per_kw"]
                   + zone["internal_gain_kw"] + sign * zone["cop"] * m.hvac_electric_kw[z, t])
        return m.zone_temp_c[z, t] == before + hours * heat_kw / zone[
            "thermal_capacitance_kwh_per_k"]

    @model.Constraint(model.Z, model.T, doc="upper comfort bound, soft")
    def comfort_upper(m, z, t):
        return m.zone_temp_c[z, t] <= spec[z]["comfort_max_c"] + m.too_warm_k[z, t]

    @model.Constraint(model.Z, model.T, doc="lower comfort bound, soft")
    def comfort_lower(m, z, t):
        return m.zone_temp_c[z, t] >= spec[z]["comfort_min_c"] - m.too_cold_k[z, t]

    model.cost_comfort_cny = pyo.Expression(expr=inputs.comfort_breach_cny_per_kh * hours * sum(
        model.too_warm_k[z, t] + model.too_cold_k[z, t] for z in model.Z for t in model.T),
        doc="comfort breach penalty (CNY)")
    model.hvac_total_kw = pyo.Expression(
        model.T, rule=lambda m, t: sum(m.hvac_electric_kw[z, t] for z in m.Z))
    model.bus_terms.append((-1, model.hvac_total_kw))
    model.cost_terms.append(model.cost_comfort_cny)
