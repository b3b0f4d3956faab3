"""One small builder per asset kind. Each adds its variables (named physically, with units)
and constraints to the model, says how it feeds the park's power balance, and adds its costs.

A builder registers:
  - `supply_kw[t]` terms (power into the park bus) and `demand_kw[t]` terms (out of it) via
    `model.bus_terms`, a list of (sign, indexed expression) the balance sums;
  - cost expressions (CNY over the horizon) via `model.cost_terms`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from jobs.dispatch.baseline import dr_baseline_kw
from jobs.dispatch.inputs import DispatchInputs, zone_gain_kw

# A bound that cannot hold (say a load above the import limit) is only ever relaxed in a
# second solve that reports the breach; the price makes any breach the last resort.
BREACH_CNY_PER_KWH = 1_000.0
# PV the park curtails (at the export cap, mostly) is worth nothing on the bill, so without a
# price on it the solver picks any of the equally cheap ways to spend a surplus: idle zones and
# an empty battery as readily as pre-cooling and charging. This tie-break makes it use the PV
# it would curtail wherever that costs nothing else (the park's absorption, 消纳率). It is
# far below any tariff spread or wear cost, so it never buys absorption with the bill.
CURTAILED_PV_CNY_PER_KWH = 0.005
# A zone's heat pump also runs against the zone's mode for the day, as its controller in auto
# does (a cooled hall heated on a cold spring morning, a heated one cooled on a warm afternoon).
# This price on that direction keeps the day's mode the first choice and makes running both
# ways at once to spend curtailed PV a loss (2 x the tie-break above is 0.01 CNY/kWh); against
# the comfort price (50 CNY/K·h) it is nothing.
REVERSE_HVAC_CNY_PER_KWH = 0.02


def add_grid_connection(model: pyo.ConcreteModel, inputs: DispatchInputs,
                        relax: bool = False) -> None:
    """relax: the import limit becomes soft (import_over_limit_kw, priced at
    BREACH_CNY_PER_KWH), for the second solve after an infeasible one."""
    grid = inputs.grid
    hours = inputs.hours
    import_price = grid.import_price_cny_per_kwh.to_numpy()
    export_price = grid.export_price_cny_per_kwh.to_numpy()
    model.grid_import_kw = pyo.Var(model.T, bounds=(0, None if relax else grid.import_limit_kw),
                                   doc="power drawn from the grid (kW)")
    if relax:
        model.import_over_limit_kw = pyo.Var(model.T, within=pyo.NonNegativeReals,
                                             doc="import above the contract limit (kW)")
        model.import_within_limit = pyo.Constraint(model.T, rule=lambda m, t: (
            m.grid_import_kw[t] <= grid.import_limit_kw + m.import_over_limit_kw[t]))
        model.cost_terms.append(BREACH_CNY_PER_KWH * sum(
            hours[t] * model.import_over_limit_kw[t] for t in model.T))
    model.grid_export_kw = pyo.Var(model.T, bounds=(0, grid.export_limit_kw),
                                   doc="power fed into the grid (kW)")
    model.month_peak_kw = pyo.Var(bounds=(grid.month_peak_so_far_kw, None),
                                  doc="the month's maximum demand after this plan (kW)")

    # One meter cannot import and export at once. Where export pays less than import, an LP
    # never does both (it would lose the spread); where it pays as much or more (valley hours
    # under a flat feed-in price), it would trade through the meter, so only those intervals
    # get a binary choosing the direction (tests/jobs/dispatch: the export-arbitrage case).
    arbitrage = [t for t in model.T
                 if grid.export_limit_kw > 0 and export_price[t] >= import_price[t]]
    model.T_export_pays = pyo.Set(initialize=arbitrage, ordered=True,
                                  doc="intervals where export pays at least the import price")
    if arbitrage:
        most_import_kw = grid.import_limit_kw if not relax else _most_import_kw(inputs)
        model.exporting = pyo.Var(model.T_export_pays, within=pyo.Binary,
                                  doc="1: the meter exports in this interval, 0: it imports")
        model.import_only_if_not_exporting = pyo.Constraint(
            model.T_export_pays, rule=lambda m, t: (
                m.grid_import_kw[t] <= most_import_kw * (1 - m.exporting[t])))
        model.export_only_if_exporting = pyo.Constraint(
            model.T_export_pays, rule=lambda m, t: (
                m.grid_export_kw[t] <= grid.export_limit_kw * m.exporting[t]))

    @model.Constraint(model.T, doc="the month's peak covers every planned interval")
    def peak_covers_import(m, t):
        return m.month_peak_kw >= m.grid_import_kw[t]

    model.bus_terms.append((+1, model.grid_import_kw))
    model.bus_terms.append((-1, model.grid_export_kw))
    carbon_cny_per_kwh = grid.grid_kgco2_per_kwh / 1000.0 * grid.carbon_price_cny_per_tco2
    model.cost_energy_cny = pyo.Expression(expr=sum(
        hours[t] * (float(import_price[t]) * model.grid_import_kw[t]
                 - float(export_price[t]) * model.grid_export_kw[t]) for t in model.T),
        doc="energy bought less energy sold (CNY)")
    model.cost_carbon_cny = pyo.Expression(expr=sum(
        hours[t] * carbon_cny_per_kwh * model.grid_import_kw[t] for t in model.T),
        doc="carbon price on grid-import emissions (CNY)")
    # 两部制电价: the month's demand charge grows only with a new monthly peak
    model.cost_demand_cny = pyo.Expression(
        expr=grid.demand_charge_cny_per_kw_month * (model.month_peak_kw
                                                    - grid.month_peak_so_far_kw),
        doc="increase of the month's demand charge (CNY)")
    model.cost_terms += [model.cost_energy_cny, model.cost_carbon_cny, model.cost_demand_cny]


def _asset_set(model: pyo.ConcreteModel, name: str, table: pd.DataFrame, doc: str
               ) -> dict | None:
    """Add the set of the table's assets to the model (empty sets too, so extraction can
    always iterate); the assets' rows by id, or None when there are none."""
    model.add_component(name, pyo.Set(initialize=list(table.index), ordered=True, doc=doc))
    return table.to_dict("index") if len(table) else None


def _most_import_kw(inputs: DispatchInputs) -> float:
    """More than any plan could import: every load at once with the batteries charging."""
    hvac = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    return float(inputs.base_load_kw.max() + inputs.ev_groups["max_kw"].sum()
                 + (hvac["rated_electric_kw"].sum() if len(hvac) else 0.0)
                 + inputs.batteries["power_kw"].sum() + inputs.grid.import_limit_kw)


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
    hours = inputs.hours
    model.cost_curtailed_pv_cny = pyo.Expression(expr=CURTAILED_PV_CNY_PER_KWH
                                                 * sum(hours[t] * (values[p, t] - model.pv_kw[p, t])
                                                       for p in model.PV for t in model.T),
                                                 doc="tie-break against curtailed PV (CNY)")
    model.cost_terms.append(model.cost_curtailed_pv_cny)


def add_export_of_stored_energy_rule(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    """Unless the tariff pays for exported battery energy (Chinese C&I users are not paid for
    it), the park exports at most what its PV makes in the interval: no charging in the valley
    to sell to the grid. Needs add_grid_connection and add_pv first."""
    if inputs.grid.stored_energy_export_paid or inputs.grid.export_limit_kw <= 0:
        return

    @model.Constraint(model.T, doc="export at most the interval's PV output (kW)")
    def export_only_pv(m, t):
        return m.grid_export_kw[t] <= m.pv_total_kw[t]


def add_direct_green(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    """A direct green supply line (绿电直连) serves the park's net demand, off the grid bill,
    and is never exported (以荷定源): the park takes what it offers up to that demand, so
    the grid imports only the rest. Without it in the model, a windy evening looks like a
    peak-price, peak-demand one: the batteries are spent on load the line would have served
    for nothing. The line gives nothing while the park exports: where the park could export
    (PV offered in the interval, or stored energy paid), a binary chooses between the line
    supplying and the meter exporting; a linear blend of the two would let the line's energy
    out through the meter. Needs add_grid_connection and add_pv first."""
    offered = inputs.direct_green_kw
    if offered is None or not (offered > 0).any():
        return
    values = offered.to_numpy(dtype=float)
    model.direct_green_kw = pyo.Var(model.T, bounds=lambda m, t: (0.0, values[t]),
                                    doc="power taken from the direct green lines (kW)")
    export_cap = inputs.grid.export_limit_kw
    pv_offered = inputs.pv_potential_kw.sum(axis=1).to_numpy() \
        if len(inputs.pv_potential_kw.columns) else [0.0] * len(values)
    # the park can export only where PV (and the batteries at full power) can exceed the base
    # load: elsewhere the export is 0 and no binary is needed (most of a day where PV stays
    # below the load; a binary in every daylight interval made the summer re-solves 5x slower)
    batteries_kw = float(inputs.batteries["power_kw"].sum()) if len(inputs.batteries) else 0.0
    base = inputs.base_load_kw.to_numpy(dtype=float)
    surplus_possible = [pv_offered[t] + batteries_kw > base[t] for t in model.T]
    model.no_export_where_the_line_supplies = pyo.Constraint(model.T, rule=lambda m, t: (
        m.grid_export_kw[t] == 0 if values[t] > 0 and not surplus_possible[t]
        and not inputs.grid.stored_energy_export_paid else pyo.Constraint.Skip))
    either = [t for t in model.T if values[t] > 0 and export_cap > 0
              and (surplus_possible[t] or inputs.grid.stored_energy_export_paid)]
    model.T_green_or_export = pyo.Set(initialize=either, ordered=True,
                                      doc="intervals where the line and the export compete")
    if either:
        model.green_supplying = pyo.Var(model.T_green_or_export, within=pyo.Binary,
                                        doc="1: the lines supply, 0: the meter may export")
        model.green_only_if_supplying = pyo.Constraint(
            model.T_green_or_export, rule=lambda m, t: (
                m.direct_green_kw[t] <= values[t] * m.green_supplying[t]))
        model.export_only_if_green_not_supplying = pyo.Constraint(
            model.T_green_or_export, rule=lambda m, t: (
                m.grid_export_kw[t] <= export_cap * (1 - m.green_supplying[t])))
    model.bus_terms.append((+1, model.direct_green_kw))


def add_battery(model: pyo.ConcreteModel, inputs: DispatchInputs, relax: bool = False) -> None:
    """relax: the end-of-horizon SOC target becomes soft (soc_final_shortfall_kwh)."""
    batteries = inputs.batteries
    hours = inputs.hours
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
        return m.soc_kwh[b, t] == before + hours[t] * (
            spec[b]["charge_efficiency"] * m.battery_charge_kw[b, t]
            - m.battery_discharge_kw[b, t] / spec[b]["discharge_efficiency"])

    if relax:
        model.soc_final_shortfall_kwh = pyo.Var(model.B, within=pyo.NonNegativeReals,
                                                doc="SOC missing at the horizon's end (kWh)")
        model.cost_terms.append(BREACH_CNY_PER_KWH * sum(
            model.soc_final_shortfall_kwh[b] for b in model.B))

    @model.Constraint(model.B, doc="end-of-horizon SOC target")
    def soc_final(m, b):
        shortfall = m.soc_final_shortfall_kwh[b] if relax else 0.0
        return m.soc_kwh[b, m.T.last()] + shortfall >= spec[b]["soc_final_min_kwh"]

    # charging and discharging at once never pays while this cost and the losses are positive,
    # so no binaries are needed to keep them apart
    model.cost_degradation_cny = pyo.Expression(expr=sum(
        hours[t] * spec[b]["degradation_cny_per_kwh"] * model.battery_discharge_kw[b, t]
        for b in model.B for t in model.T), doc="battery throughput (wear) cost (CNY)")
    model.battery_net_kw = pyo.Expression(model.T, rule=lambda m, t: sum(
        m.battery_discharge_kw[b, t] - m.battery_charge_kw[b, t] for b in m.B))
    model.bus_terms.append((+1, model.battery_net_kw))
    model.cost_terms.append(model.cost_degradation_cny)


def add_ev_fleet(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    groups = inputs.ev_groups
    hours = inputs.hours
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
        return (sum(hours[t] * m.ev_kw[g, t] for t in m.T) + m.ev_unserved_kwh[g]
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
    hours = inputs.hours
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
    model.hvac_reverse_kw = pyo.Var(
        model.Z, model.T, bounds=lambda m, z, t: (0, spec[z]["rated_electric_kw"]),
        doc="heat pump electric power against the zone's mode (kW)")

    @model.Constraint(model.Z, model.T, doc="one heat pump: both directions within its rating")
    def hvac_rating(m, z, t):
        return m.hvac_electric_kw[z, t] + m.hvac_reverse_kw[z, t] <= spec[z]["rated_electric_kw"]

    model.too_warm_k = pyo.Var(model.Z, model.T, within=pyo.NonNegativeReals,
                               doc="kelvin above the comfort band")
    model.too_cold_k = pyo.Var(model.Z, model.T, within=pyo.NonNegativeReals,
                               doc="kelvin below the comfort band")

    occupied = {z: inputs.zone_occupied(z) for z in model.Z}

    @model.Constraint(model.Z, model.T, doc="1R1C zone temperature, recursively")
    def zone_heat_balance(m, z, t):
        zone = spec[z]
        before = zone["initial_temp_c"] if t == m.T.first() else m.zone_temp_c[z, t - 1]
        sign = -1.0 if zone["mode"] == "cool" else 1.0
        # an empty zone keeps only part of its gains, as the twin's do: with all of them the
        # plan under-heated the nights and the zones drew ~5 % more than planned (issue 16)
        heat_kw = ((float(outdoor[t]) - before) / zone["thermal_resistance_k_per_kw"]
                   + zone_gain_kw(zone, occupied[z][t]) + sign * zone["cop"]
                   * (m.hvac_electric_kw[z, t] - m.hvac_reverse_kw[z, t]))
        return m.zone_temp_c[z, t] == before + hours[t] * heat_kw / zone[
            "thermal_capacitance_kwh_per_k"]

    @model.Constraint(model.Z, model.T, doc="upper comfort bound while occupied, soft")
    def comfort_upper(m, z, t):
        if not occupied[z][t]:
            return pyo.Constraint.Skip
        return m.zone_temp_c[z, t] <= spec[z]["comfort_max_c"] + m.too_warm_k[z, t]

    @model.Constraint(model.Z, model.T, doc="lower comfort bound while occupied, soft")
    def comfort_lower(m, z, t):
        if not occupied[z][t]:
            return pyo.Constraint.Skip
        return m.zone_temp_c[z, t] >= spec[z]["comfort_min_c"] - m.too_cold_k[z, t]

    # Unoccupied, the band does not bind comfort, but the zone's controller still holds its
    # setpoint, which the writer keeps within the band: a cooled zone is never taken below the
    # band's bottom (a heated one above its top). Without this the model would "absorb" a
    # surplus by cooling an empty hall far below anything the twin or a real zone can do.
    model.beyond_setpoints_k = pyo.Var(model.Z, model.T, within=pyo.NonNegativeReals,
                                       doc="kelvin past the band while unoccupied")

    @model.Constraint(model.Z, model.T, doc="unoccupied: not driven past the band, soft")
    def setpoint_reach(m, z, t):
        if occupied[z][t]:
            return pyo.Constraint.Skip
        if spec[z]["mode"] == "cool":
            return m.zone_temp_c[z, t] >= spec[z]["comfort_min_c"] - m.beyond_setpoints_k[z, t]
        return m.zone_temp_c[z, t] <= spec[z]["comfort_max_c"] + m.beyond_setpoints_k[z, t]

    model.cost_comfort_cny = pyo.Expression(expr=inputs.comfort_breach_cny_per_kh * sum(
        hours[t] * (model.too_warm_k[z, t] + model.too_cold_k[z, t])
        for z in model.Z for t in model.T),
        doc="comfort breach penalty (CNY)")
    model.cost_terms.append(inputs.comfort_breach_cny_per_kh * sum(
        hours[t] * model.beyond_setpoints_k[z, t] for z in model.Z for t in model.T))
    model.cost_terms.append(REVERSE_HVAC_CNY_PER_KWH * sum(
        hours[t] * model.hvac_reverse_kw[z, t] for z in model.Z for t in model.T))
    model.hvac_total_kw = pyo.Expression(
        model.T, rule=lambda m, t: sum(m.hvac_electric_kw[z, t] + m.hvac_reverse_kw[z, t]
                                       for z in m.Z))
    model.bus_terms.append((-1, model.hvac_total_kw))
    model.cost_terms.append(model.cost_comfort_cny)


def add_thermal_stores(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    """Waste-heat tanks: charged only from the waste heat on offer, discharged only into the
    heat demand, with standing losses on the stored heat; heat the tank does not give comes
    from the backup boiler, whose cost (and carbon) is what storing waste heat saves."""
    spec = _asset_set(model, "S", inputs.thermal_stores, "thermal stores")
    if spec is None:
        return
    hours = inputs.hours
    waste = {s: inputs.waste_heat_kw_th[s].to_numpy() for s in model.S}
    demand = {s: inputs.heat_demand_kw_th[s].to_numpy() for s in model.S}
    model.heat_charge_kw_th = pyo.Var(
        model.S, model.T, bounds=lambda m, s, t: (0, min(spec[s]["max_charge_kw_th"],
                                                         float(waste[s][t]))),
        doc="waste heat put into the tank (kW_th)")
    model.heat_discharge_kw_th = pyo.Var(
        model.S, model.T, bounds=lambda m, s, t: (0, min(spec[s]["max_discharge_kw_th"],
                                                         float(demand[s][t]))),
        doc="heat taken from the tank to its users (kW_th)")
    model.backup_heat_kw_th = pyo.Var(model.S, model.T, within=pyo.NonNegativeReals,
                                      doc="heat from the backup boiler (kW_th)")
    model.stored_heat_kwh_th = pyo.Var(
        model.S, model.T, bounds=lambda m, s, t: (0, spec[s]["capacity_kwh_th"]),
        doc="heat stored at the end of the interval (kWh_th)")

    @model.Constraint(model.S, model.T, doc="the users' heat demand is met")
    def heat_served(m, s, t):
        return m.heat_discharge_kw_th[s, t] + m.backup_heat_kw_th[s, t] == float(demand[s][t])

    @model.Constraint(model.S, model.T, doc="stored heat, recursively, with standing losses")
    def heat_balance(m, s, t):
        before = spec[s]["stored_initial_kwh_th"] if t == m.T.first() \
            else m.stored_heat_kwh_th[s, t - 1]
        return m.stored_heat_kwh_th[s, t] == before * (1.0 - spec[s]["loss_per_h"] * hours[t]) \
            + hours[t] * (m.heat_charge_kw_th[s, t] - m.heat_discharge_kw_th[s, t])

    # no worse off than a tank left alone (always feasible): the plan may not spend the
    # store's heat just because the horizon ends
    @model.Constraint(model.S, doc="end-of-horizon heat target")
    def heat_final(m, s):
        kept = float(np.prod(1.0 - spec[s]["loss_per_h"] * hours))
        return m.stored_heat_kwh_th[s, m.T.last()] >= spec[s]["stored_initial_kwh_th"] * kept

    backup_cny_per_kwh_th = inputs.backup_heat_cny_per_kwh_th + (
        inputs.backup_heat_kgco2_per_kwh_th / 1000.0 * inputs.grid.carbon_price_cny_per_tco2)
    model.cost_backup_heat_cny = pyo.Expression(expr=backup_cny_per_kwh_th * sum(
        hours[t] * model.backup_heat_kw_th[s, t] for s in model.S for t in model.T),
        doc="backup boiler heat, with its carbon price (CNY)")
    model.cost_terms.append(model.cost_backup_heat_cny)


def add_demand_response(model: pyo.ConcreteModel, inputs: DispatchInputs) -> None:
    """Each event pays for the reduction of its scope's average load in its window below the
    baseline (the load with no control, from the same forecast), up to the requested
    reduction, as provincial rules assess a response over the window. Below zero (more load
    than the baseline) the plan pays the same rate: a stated simplification that keeps the
    model linear and steers it away from raising load in an event."""
    spec = _asset_set(model, "DR", inputs.dr_events, "DR events")
    if spec is None:
        return
    hours = inputs.hours
    window = {e: [t for t, inside in enumerate(inputs.in_dr_window(e)) if inside]
              for e in model.DR}
    baseline = dr_baseline_kw(inputs)
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    zone_enterprise = zones["enterprise"].to_dict() if "enterprise" in zones else {}
    consumers = inputs.consumer_base_load_kw

    def scope_load(m, e, t):
        enterprise = spec[e]["enterprise_id"]
        if not isinstance(enterprise, str):  # the park, at its grid connection
            return m.grid_import_kw[t] - m.grid_export_kw[t]
        return float(consumers[enterprise].iloc[t]) + sum(
            m.hvac_electric_kw[z, t] + m.hvac_reverse_kw[z, t]
            for z in m.Z if zone_enterprise.get(z) == enterprise)

    model.dr_response_kw = pyo.Var(
        model.DR, bounds=lambda m, e: (None, spec[e]["requested_reduction_kw"]),
        doc="the window's average load reduction below its baseline, paid (kW)")

    @model.Constraint(model.DR, doc="the response is what the load does below its baseline")
    def dr_response_measured(m, e):
        if not window[e]:
            return m.dr_response_kw[e] == 0
        return m.dr_response_kw[e] <= sum(
            float(baseline[e].iloc[t]) - scope_load(m, e, t) for t in window[e]) / len(window[e])

    model.dr_revenue_cny = pyo.Expression(expr=sum(
        spec[e]["compensation_cny_per_kwh"] * sum(hours[t] for t in window[e])
        * model.dr_response_kw[e]
        for e in model.DR), doc="DR compensation earned (CNY)")
    model.cost_terms.append(-model.dr_revenue_cny)
