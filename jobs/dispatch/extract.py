"""Turn a plan's flows into the published plan: one row per asset, interval and quantity (the
landing contract for `plans`), and its headline figures, by the same arithmetic for the
optimiser's solution and for the rule-based baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from jobs.dispatch.baseline import dr_baseline_kw
from jobs.dispatch.inputs import DispatchInputs, zone_gain_kw
from jobs.dispatch.plan_flows import PlanFlows

CURTAILED_KW = 0.01  # less is solver noise, not a limit worth writing to an inverter
PLAN_COLUMNS = ["interval_start_utc", "asset_kind", "asset_id", "quantity", "value", "unit"]


@dataclass(frozen=True)
class PlanSummary:
    energy_cost_cny: float
    demand_cost_cny: float
    carbon_cost_cny: float
    degradation_cost_cny: float
    comfort_cost_cny: float
    backup_heat_cost_cny: float
    dr_revenue_cny: float
    ev_unserved_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    pv_potential_kwh: float
    pv_used_kwh: float
    month_peak_kw: float
    consumption_kwh: float  # what the park's loads used (base, EVs, HVAC)
    emissions_tco2: float  # grid import (location-based factor) and backup-boiler heat

    @property
    def self_sufficiency_pct(self) -> float:
        """Share of the loads' electricity not bought from the grid."""
        if self.consumption_kwh <= 0:
            return 100.0
        return 100.0 * max(1.0 - self.grid_import_kwh / self.consumption_kwh, 0.0)

    @property
    def total_cost_cny(self) -> float:
        return (self.energy_cost_cny + self.demand_cost_cny + self.carbon_cost_cny
                + self.degradation_cost_cny + self.comfort_cost_cny + self.backup_heat_cost_cny
                - self.dr_revenue_cny)

    @property
    def renewable_absorption_pct(self) -> float:
        """消纳率: PV generated over what the sun allowed (curtailment lowers it)."""
        if self.pv_potential_kwh <= 0:
            return 100.0
        return 100.0 * self.pv_used_kwh / self.pv_potential_kwh


def dr_loads_kw(inputs: DispatchInputs, flows: PlanFlows) -> pd.DataFrame:
    """The load each DR event is measured on under this plan (kW; one column per event)."""
    events = inputs.dr_events
    zones = inputs.hvac_zones if inputs.hvac_zones is not None else pd.DataFrame()
    zone_enterprise = zones["enterprise"] if "enterprise" in zones else pd.Series(dtype=object)
    loads = {}
    for event, enterprise in events["enterprise_id"].items() if len(events) else []:
        if not isinstance(enterprise, str):
            loads[event] = flows.grid_import_kw - flows.grid_export_kw
            continue
        own = [z for z in flows.hvac_kw.columns if zone_enterprise.get(z) == enterprise]
        loads[event] = inputs.consumer_base_load_kw[enterprise].to_numpy() + sum(
            (flows.hvac_kw[zone].to_numpy() for zone in own), 0.0)
    return pd.DataFrame(loads, index=inputs.interval_start_utc)


def dr_responses_kw(inputs: DispatchInputs, flows: PlanFlows) -> dict[str, float]:
    """Each event's paid response: its window's mean reduction below the baseline, at most the
    requested reduction (negative: more load than the baseline)."""
    baseline, loads = dr_baseline_kw(inputs), dr_loads_kw(inputs, flows)
    responses = {}
    for event in loads.columns:
        inside = np.array(inputs.in_dr_window(event))
        reduction = float((baseline[event] - loads[event])[inside].mean()) if inside.any() else 0.0
        responses[event] = min(reduction, float(inputs.dr_events.loc[event,
                                                                      "requested_reduction_kw"]))
    return responses


def _dr_revenue_cny(inputs: DispatchInputs, flows: PlanFlows) -> float:
    return sum(float(inputs.hours @ np.array(inputs.in_dr_window(event))) * response
               * float(inputs.dr_events.loc[event, "compensation_cny_per_kwh"])
               for event, response in dr_responses_kw(inputs, flows).items())


def summarise(inputs: DispatchInputs, flows: PlanFlows) -> PlanSummary:
    hours = inputs.hours  # each step's length: energy = hours @ power
    grid = inputs.grid
    import_price = grid.import_price_cny_per_kwh.to_numpy()
    export_price = grid.export_price_cny_per_kwh.to_numpy()
    peak = max(grid.month_peak_so_far_kw, float(flows.grid_import_kw.max(initial=0.0)))
    degradation = inputs.batteries["degradation_cny_per_kwh"] if len(inputs.batteries) else []
    backup_heat_kwh_th = float(hours @ flows.backup_heat_kw_th.to_numpy().sum(axis=1)) \
        if len(flows.backup_heat_kw_th.columns) else 0.0
    consumption_kw = (flows.grid_import_kw - flows.grid_export_kw + flows.pv_kw.to_numpy()
                      .sum(axis=1) + flows.battery_discharge_kw.to_numpy().sum(axis=1)
                      - flows.battery_charge_kw.to_numpy().sum(axis=1))
    return PlanSummary(
        energy_cost_cny=float(hours @ (import_price * flows.grid_import_kw
                                       - export_price * flows.grid_export_kw)),
        demand_cost_cny=grid.demand_charge_cny_per_kw_month * (peak - grid.month_peak_so_far_kw),
        carbon_cost_cny=float(grid.grid_kgco2_per_kwh / 1000.0
                              * grid.carbon_price_cny_per_tco2 * (hours @ flows.grid_import_kw)),
        degradation_cost_cny=float(sum(
            float(hours @ flows.battery_discharge_kw[b].to_numpy()) * cost
            for b, cost in zip(inputs.batteries.index, degradation, strict=True))),
        comfort_cost_cny=inputs.comfort_breach_cny_per_kh * flows.comfort_breach_kh,
        backup_heat_cost_cny=backup_heat_kwh_th * (
            inputs.backup_heat_cny_per_kwh_th + inputs.backup_heat_kgco2_per_kwh_th / 1000.0
            * grid.carbon_price_cny_per_tco2),
        dr_revenue_cny=_dr_revenue_cny(inputs, flows),
        ev_unserved_kwh=flows.ev_unserved_kwh,
        grid_import_kwh=float(hours @ flows.grid_import_kw),
        grid_export_kwh=float(hours @ flows.grid_export_kw),
        pv_potential_kwh=float(hours @ inputs.pv_potential_kw.to_numpy().sum(axis=1)),
        pv_used_kwh=float(hours @ flows.pv_kw.to_numpy().sum(axis=1)),
        month_peak_kw=peak,
        consumption_kwh=float(hours @ consumption_kw),
        emissions_tco2=(grid.grid_kgco2_per_kwh * float(hours @ flows.grid_import_kw)
                        + inputs.backup_heat_kgco2_per_kwh_th * backup_heat_kwh_th) / 1000.0)


def _protection_curtails(inputs: DispatchInputs, flows: PlanFlows) -> np.ndarray:
    """Per interval: True where the plan curtails only because export is at the connection's
    limit. The park's export protection (防逆流) curtails that much by itself, following the
    load as it comes; a fixed inverter limit would also hold back PV the park could have used
    when its load turns out above the forecast. So the plan writes a PV limit only where it
    wants curtailment for its own sake (export priced below zero, or a connection that may
    not export at all)."""
    limit_kw = inputs.grid.export_limit_kw
    if limit_kw <= 0:
        return np.zeros(len(flows.grid_export_kw), dtype=bool)
    export_kw = np.asarray(flows.grid_export_kw, dtype=float)
    at_cap = export_kw >= limit_kw - CURTAILED_KW - 1e-6 * limit_kw
    export_pays = inputs.grid.export_price_cny_per_kwh.to_numpy() >= 0.0
    return at_cap & export_pays


def plan_rows(inputs: DispatchInputs, flows: PlanFlows, first_interval_only: bool = False
              ) -> pd.DataFrame:
    """The plan as long-format rows. first_interval_only: only the first interval's rows,
    each series still worked out over the whole horizon (the intraday loop sends no more)."""
    starts = inputs.interval_start_utc[:1] if first_interval_only else inputs.interval_start_utc
    # one series per (asset, quantity), gathered as arrays and framed once at the end: the
    # intraday loop calls this at every interval, and a frame per series cost most of it
    parts: list[tuple[str, str, str, str, np.ndarray]] = []

    def add(kind: str, asset: str, quantity: str, unit: str, values) -> None:
        parts.append((kind, asset, quantity, unit,
                      np.asarray(values, dtype=float)[:len(starts)]))

    add("grid", "grid", "import_kw", "kW", flows.grid_import_kw)
    add("grid", "grid", "export_kw", "kW", flows.grid_export_kw)
    protected = _protection_curtails(inputs, flows)
    for pv in flows.pv_kw.columns:
        add("pv", pv, "output_kw", "kW", flows.pv_kw[pv])
        curtailed = np.maximum(inputs.pv_potential_kw[pv].to_numpy() - flows.pv_kw[pv].to_numpy(),
                               0)
        add("pv", pv, "curtailed_kw", "kW", curtailed)
        if pv in inputs.pv_rated_kw.index:  # the inverters' active power limit (WMaxLimPct)
            add("pv", pv, "power_limit_pct", "%", np.where(
                (curtailed > CURTAILED_KW) & ~protected, 100.0 * flows.pv_kw[pv].to_numpy()
                / float(inputs.pv_rated_kw[pv]), 100.0))
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
        # the planned temperature is what the zone's controller is asked to hold, within the
        # band (a zone planned to drift outside it is still asked for the band's edge)
        spec = inputs.hvac_zones.loc[zone] if inputs.hvac_zones is not None else None
        if spec is not None:
            add("hvac_zone", zone, "setpoint_c", "degC", flows.zone_temp_c[zone].clip(
                spec["comfort_min_c"], spec["comfort_max_c"]))
            # the decision itself: the writer turns it into the setpoint that makes the zone's
            # proportional controller draw this power (device_io/setpoints/hvac_power.py);
            # both directions, the writer sends the one that runs (none: idle)
            reverse = flows.hvac_reverse_kw[zone] if zone in flows.hvac_reverse_kw else \
                pd.Series(0.0, index=flows.hvac_kw.index)
            cooling = spec["mode"] == "cool"
            add("hvac_zone", zone, "cooling_kw" if cooling else "heating_kw", "kW",
                flows.hvac_kw[zone] - reverse)
            add("hvac_zone", zone, "heating_kw" if cooling else "cooling_kw", "kW", reverse)
            add("hvac_zone", zone, "gain_kw", "kW", pd.Series(
                [zone_gain_kw(spec, occupied) for occupied in inputs.zone_occupied(zone)],
                index=flows.hvac_kw.index))
    for tank in flows.stored_heat_kwh_th.columns:
        # positive = discharge, as the tank controller's power_setpoint_kw_th takes it
        add("thermal_storage", tank, "setpoint_kw_th", "kW_th",
            flows.heat_discharge_kw_th[tank] - flows.heat_charge_kw_th[tank])
        add("thermal_storage", tank, "stored_kwh_th", "kWh_th", flows.stored_heat_kwh_th[tank])
        add("thermal_storage", tank, "backup_heat_kw_th", "kW_th", flows.backup_heat_kw_th[tank])
    if len(inputs.dr_events):
        baseline, loads = dr_baseline_kw(inputs), dr_loads_kw(inputs, flows)
        for event, response in dr_responses_kw(inputs, flows).items():
            inside = np.array(inputs.in_dr_window(event))
            add("dr_event", event, "baseline_kw", "kW", np.where(inside, baseline[event], np.nan))
            add("dr_event", event, "expected_load_kw", "kW", np.where(inside, loads[event], np.nan))
            add("dr_event", event, "committed_reduction_kw", "kW", np.where(inside, response,
                                                                           np.nan))
    if not parts:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    count = len(starts)

    def repeated(field: int) -> np.ndarray:
        return np.repeat(np.array([part[field] for part in parts], dtype=object), count)

    rows = pd.DataFrame({"interval_start_utc": starts[np.tile(np.arange(count), len(parts))],
                         "asset_kind": repeated(0), "asset_id": repeated(1),
                         "quantity": repeated(2),
                         "value": np.concatenate([part[4] for part in parts]),
                         "unit": repeated(3)})[PLAN_COLUMNS]
    return rows[rows["value"].notna()].reset_index(drop=True)  # DR rows: the window only


def solved_flows(model: pyo.ConcreteModel, inputs: DispatchInputs) -> PlanFlows:
    periods = list(model.T)

    def frame(variable, assets) -> pd.DataFrame:
        return pd.DataFrame({a: [pyo.value(variable[a, t]) for t in periods] for a in assets},
                            index=inputs.interval_start_utc)

    tanks = list(model.S)

    def tank_frame(name: str) -> pd.DataFrame:
        return frame(getattr(model, name), tanks) if tanks else pd.DataFrame()

    return PlanFlows(
        grid_import_kw=np.array([pyo.value(model.grid_import_kw[t]) for t in periods]),
        grid_export_kw=np.array([pyo.value(model.grid_export_kw[t]) for t in periods]),
        pv_kw=frame(model.pv_kw, list(model.PV)),
        battery_charge_kw=frame(model.battery_charge_kw, list(model.B)),
        battery_discharge_kw=frame(model.battery_discharge_kw, list(model.B)),
        soc_kwh=frame(model.soc_kwh, list(model.B)),
        ev_kw=frame(model.ev_kw, list(model.EV)),
        ev_unserved_kwh=sum(pyo.value(model.ev_unserved_kwh[g]) for g in model.EV),
        hvac_kw=frame(model.hvac_electric_kw, list(model.Z))
        + frame(model.hvac_reverse_kw, list(model.Z)) if len(model.Z) else pd.DataFrame(),
        hvac_reverse_kw=frame(model.hvac_reverse_kw, list(model.Z)) if len(model.Z)
        else pd.DataFrame(),
        zone_temp_c=frame(model.zone_temp_c, list(model.Z)) if len(model.Z) else pd.DataFrame(),
        comfort_breach_kh=sum(
            inputs.hours[t] * (pyo.value(model.too_warm_k[z, t])
                               + pyo.value(model.too_cold_k[z, t]))
            for z in model.Z for t in periods),
        heat_charge_kw_th=tank_frame("heat_charge_kw_th"),
        heat_discharge_kw_th=tank_frame("heat_discharge_kw_th"),
        stored_heat_kwh_th=tank_frame("stored_heat_kwh_th"),
        backup_heat_kw_th=tank_frame("backup_heat_kw_th"))


def extract(model: pyo.ConcreteModel, inputs: DispatchInputs) -> tuple[pd.DataFrame, PlanSummary]:
    flows = solved_flows(model, inputs)
    return plan_rows(inputs, flows), summarise(inputs, flows)
