"""Assemble the dispatch model from the per-asset builders: the park bus balances in every
interval, and the objective is the sum of every builder's costs."""

from __future__ import annotations

import pyomo.environ as pyo

from jobs.dispatch.builders import (
    add_battery,
    add_demand_response,
    add_direct_green,
    add_ev_fleet,
    add_export_of_stored_energy_rule,
    add_grid_connection,
    add_hvac_zones,
    add_pv,
    add_thermal_stores,
)
from jobs.dispatch.inputs import DispatchInputs


def build_model(inputs: DispatchInputs, relax_hard_limits: bool = False) -> pyo.ConcreteModel:
    """relax_hard_limits: the second attempt after an infeasible solve, with the import limit
    and the batteries' end-of-day SOC soft and priced (builders.BREACH_CNY_PER_KWH)."""
    model = pyo.ConcreteModel(name="park_day_ahead")
    model.T = pyo.Set(initialize=list(inputs.periods), ordered=True, doc="plan intervals")
    model.bus_terms = []
    model.cost_terms = []
    add_grid_connection(model, inputs, relax_hard_limits)
    add_pv(model, inputs)
    add_direct_green(model, inputs)
    add_battery(model, inputs, relax_hard_limits)
    add_export_of_stored_energy_rule(model, inputs)
    add_ev_fleet(model, inputs)
    add_hvac_zones(model, inputs)
    add_thermal_stores(model, inputs)
    add_demand_response(model, inputs)  # last: it measures the loads the others define
    load = inputs.base_load_kw.to_numpy()

    @model.Constraint(model.T, doc="power into the park bus equals power out of it (kW)")
    def bus_balance(m, t):
        return sum(sign * terms[t] for sign, terms in m.bus_terms) == float(load[t])

    model.total_cost_cny = pyo.Objective(expr=sum(model.cost_terms), sense=pyo.minimize)
    return model
