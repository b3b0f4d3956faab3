"""Turn a plan's flows into the published plan: one row per asset, interval and quantity (the
landing contract for `plans`), and its headline figures. The optimiser's solution and the
rule-based baseline both become `PlanFlows`, so both are costed by the same arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from jobs.dispatch.inputs import DispatchInputs

PLAN_COLUMNS = ["interval_start_utc", "asset_kind", "asset_id", "quantity", "value", "unit"]


@dataclass(frozen=True)
class PlanFlows:
    """Average power per interval (kW); frames have one column per asset."""

    grid_import_kw: np.ndarray
    grid_export_kw: np.ndarray
    pv_kw: pd.DataFrame
    battery_charge_kw: pd.DataFrame
    battery_discharge_kw: pd.DataFrame
    soc_kwh: pd.DataFrame
    ev_kw: pd.DataFrame
    ev_unserved_kwh: float
    hvac_kw: pd.DataFrame = field(default_factory=pd.DataFrame)  # one column per zone
    zone_temp_c: pd.DataFrame = field(default_factory=pd.DataFrame)
    comfort_breach_kh: float = 0.0  # kelvin-hours outside the zones' comfort bands


@dataclass(frozen=True)
class PlanSummary:
    energy_cost_cny: float
    demand_cost_cny: float
    carbon_cost_cny: float
    degradation_cost_cny: float
    comfort_cost_cny: float
    ev_unserved_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    pv_potential_kwh: float
    pv_used_kwh: float
    month_peak_kw: float

    @property
    def total_cost_cny(self) -> float:
        return (self.energy_cost_cny + self.demand_cost_cny + self.carbon_cost_cny
                + self.degradation_cost_cny + self.comfort_cost_cny)

    @property
    def renewable_absorption_pct(self) -> float:
        """消纳率: PV generated over what the sun allowed (curtailment lowers it)."""
        if self.pv_potential_kwh <= 0:
            return 100.0
        return 100.0 * self.pv_used_kwh / self.pv_potential_kwh


def summarise(inputs: DispatchInputs, flows: PlanFlows) -> PlanSummary:
    hours = inputs.interval_h
    grid = inputs.grid
    import_price = grid.import_price_cny_per_kwh.to_numpy()
    export_price = grid.export_price_cny_per_kwh.to_numpy()
    peak = max(grid.month_peak_so_far_kw, float(flows.grid_import_kw.max(initial=0.0)))
    degradation = inputs.batteries["degradation_cny_per_kwh"] if len(inputs.batteries) else []
    return PlanSummary(
        energy_cost_cny=float(hours * (import_price @ flows.grid_import_kw
                                       - export_price @ flows.grid_export_kw)),
        demand_cost_cny=grid.demand_charge_cny_per_kw_month * (peak - grid.month_peak_so_far_kw),
        carbon_cost_cny=float(hours * grid.grid_kgco2_per_kwh / 1000.0
                              * grid.carbon_price_cny_per_tco2 * flows.grid_import_kw.sum()),
        degradation_cost_cny=float(hours * sum(
            flows.battery_discharge_kw[b].sum() * cost
            for b, cost in zip(inputs.batteries.index, degradation, strict=True))),
        comfort_cost_cny=inputs.comfort_breach_cny_per_kh * flows.comfort_breach_kh,
        ev_unserved_kwh=flows.ev_unserved_kwh,
        grid_import_kwh=float(hours * flows.grid_import_kw.sum()),
        grid_export_kwh=float(hours * flows.grid_export_kw.sum()),
        pv_potential_kwh=hours * float(inputs.pv_potential_kw.to_numpy().sum()),
        pv_used_kwh=hours * float(flows.pv_kw.to_numpy().sum()),
        month_peak_kw=peak)


def plan_rows(inputs: DispatchInputs, flows: PlanFlows) -> pd.DataFrame:
    starts = inputs.interval_start_utc
    parts = []

    def add(kind: str, asset: str, quantity: str, unit: str, values) -> None:
        parts.append(pd.DataFrame({"interval_start_utc": starts, "asset_kind": kind,
                                   "asset_id": asset, "quantity": quantity,
                                   "value": np.asarray(values, dtype=float), "unit": unit}))

    add("grid", "grid", "import_kw", "kW", flows.grid_import_kw)
    add("grid", "grid", "export_kw", "kW", flows.grid_export_kw)
    for pv in flows.pv_kw.columns:
        add("pv", pv, "output_kw", "kW", flows.pv_kw[pv])
        add("pv", pv, "curtailed_kw", "kW",
            np.maximum(inputs.pv_potential_kw[pv].to_numpy() - flows.pv_kw[pv].to_numpy(), 0))
    for battery in flows.battery_charge_kw.columns:
        # positive = discharge, as the PCS takes its setpoint
        add("battery", battery, "setpoint_kw", "kW",
            flows.battery_discharge_kw[battery] - flows.battery_charge_kw[battery])
        add("battery", battery, "soc_kwh", "kWh", flows.soc_kwh[battery])
    for group in flows.ev_kw.columns:
        add("ev_group", group, "power_kw", "kW", flows.ev_kw[group])
    for zone in flows.hvac_kw.columns:
        add("hvac_zone", zone, "electric_kw", "kW", flows.hvac_kw[zone])
        add("hvac_zone", zone, "zone_temp_c", "degC", flows.zone_temp_c[zone])
    if not parts:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    return pd.concat(parts, ignore_index=True)[PLAN_COLUMNS]


def solved_flows(model: pyo.ConcreteModel, inputs: DispatchInputs) -> PlanFlows:
    periods = list(model.T)

    def frame(variable, assets) -> pd.DataFrame:
        return pd.DataFrame({a: [pyo.value(variable[a, t]) for t in periods] for a in assets},
                            index=inputs.interval_start_utc)

    return PlanFlows(
        grid_import_kw=np.array([pyo.value(model.grid_import_kw[t]) for t in periods]),
        grid_export_kw=np.array([pyo.value(model.grid_export_kw[t]) for t in periods]),
        pv_kw=frame(model.pv_kw, list(model.PV)),
        battery_charge_kw=frame(model.battery_charge_kw, list(model.B)),
        battery_discharge_kw=frame(model.battery_discharge_kw, list(model.B)),
        soc_kwh=frame(model.soc_kwh, list(model.B)),
        ev_kw=frame(model.ev_kw, list(model.EV)),
        ev_unserved_kwh=sum(pyo.value(model.ev_unserved_kwh[g]) for g in model.EV),
        hvac_kw=frame(model.hvac_electric_kw, list(model.Z)) if len(model.Z) else pd.DataFrame(),
        zone_temp_c=frame(model.zone_temp_c, list(model.Z)) if len(model.Z) else pd.DataFrame(),
        comfort_breach_kh=inputs.interval_h * sum(
            pyo.value(model.too_warm_k[z, t]) + pyo.value(model.too_cold_k[z, t])
            for z in model.Z for t in periods))


def extract(model: pyo.ConcreteModel, inputs: DispatchInputs) -> tuple[pd.DataFrame, PlanSummary]:
    flows = solved_flows(model, inputs)
    return plan_rows(inputs, flows), summarise(inputs, flows)
