"""Turn a solved model into the plan: one row per asset, interval and quantity (the landing
contract for `plans`), and the plan's headline figures."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from jobs.dispatch.inputs import DispatchInputs

PLAN_COLUMNS = ["interval_start_utc", "asset_kind", "asset_id", "quantity", "value", "unit"]


@dataclass(frozen=True)
class PlanSummary:
    energy_cost_cny: float
    demand_cost_cny: float
    carbon_cost_cny: float
    degradation_cost_cny: float
    ev_unserved_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    pv_potential_kwh: float
    pv_used_kwh: float
    month_peak_kw: float

    @property
    def total_cost_cny(self) -> float:
        return (self.energy_cost_cny + self.demand_cost_cny + self.carbon_cost_cny
                + self.degradation_cost_cny)

    @property
    def renewable_absorption_pct(self) -> float:
        """消纳率: PV generated over what the sun allowed (curtailment lowers it)."""
        if self.pv_potential_kwh <= 0:
            return 100.0
        return 100.0 * self.pv_used_kwh / self.pv_potential_kwh


def extract(model: pyo.ConcreteModel, inputs: DispatchInputs) -> tuple[pd.DataFrame, PlanSummary]:
    starts = inputs.interval_start_utc
    rows: list[tuple] = []

    def add(kind: str, asset: str, quantity: str, unit: str, values) -> None:
        rows.extend((starts[t], kind, asset, quantity, float(values(t)), unit) for t in model.T)

    add("grid", "grid", "import_kw", "kW", lambda t: pyo.value(model.grid_import_kw[t]))
    add("grid", "grid", "export_kw", "kW", lambda t: pyo.value(model.grid_export_kw[t]))
    for p in model.PV:
        potential = inputs.pv_potential_kw[p].to_numpy()
        add("pv", p, "output_kw", "kW", lambda t, p=p: pyo.value(model.pv_kw[p, t]))
        add("pv", p, "curtailed_kw", "kW",
            lambda t, p=p, pot=potential: max(float(pot[t]) - pyo.value(model.pv_kw[p, t]), 0.0))
    for b in model.B:
        add("battery", b, "setpoint_kw", "kW",  # positive = discharge, as the PCS takes it
            lambda t, b=b: pyo.value(model.battery_discharge_kw[b, t])
            - pyo.value(model.battery_charge_kw[b, t]))
        add("battery", b, "soc_kwh", "kWh", lambda t, b=b: pyo.value(model.soc_kwh[b, t]))
    for g in model.EV:
        add("ev_group", g, "power_kw", "kW", lambda t, g=g: pyo.value(model.ev_kw[g, t]))
    plan = pd.DataFrame(rows, columns=PLAN_COLUMNS)

    hours = inputs.interval_h
    summary = PlanSummary(
        energy_cost_cny=pyo.value(model.cost_energy_cny),
        demand_cost_cny=pyo.value(model.cost_demand_cny),
        carbon_cost_cny=pyo.value(model.cost_carbon_cny),
        degradation_cost_cny=pyo.value(model.cost_degradation_cny),
        ev_unserved_kwh=sum(pyo.value(model.ev_unserved_kwh[g]) for g in model.EV),
        grid_import_kwh=hours * sum(pyo.value(model.grid_import_kw[t]) for t in model.T),
        grid_export_kwh=hours * sum(pyo.value(model.grid_export_kw[t]) for t in model.T),
        pv_potential_kwh=hours * float(inputs.pv_potential_kw.to_numpy().sum()),
        pv_used_kwh=hours * sum(pyo.value(model.pv_kw[p, t]) for p in model.PV for t in model.T),
        month_peak_kw=pyo.value(model.month_peak_kw))
    return plan, summary
