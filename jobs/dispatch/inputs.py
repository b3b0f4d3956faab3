"""What the optimiser needs, as plain pandas objects, checked on the way in.

Nothing here knows Pyomo; every series is indexed by the plan's interval starts (UTC), so a
DST day is simply 92 or 100 rows. Asset tables are indexed by asset id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

BATTERY_COLUMNS = ("capacity_kwh", "power_kw", "charge_efficiency", "discharge_efficiency",
                   "soc_min_kwh", "soc_max_kwh", "soc_initial_kwh", "soc_final_min_kwh",
                   "degradation_cny_per_kwh")
EV_GROUP_COLUMNS = ("arrival_utc", "departure_utc", "energy_kwh", "max_kw")
HVAC_COLUMNS = ("rated_electric_kw", "cop", "thermal_resistance_k_per_kw",
                "thermal_capacitance_kwh_per_k", "comfort_min_c", "comfort_max_c",
                "initial_temp_c", "internal_gain_kw", "mode")  # mode: "cool" or "heat"
# optional HVAC columns: "enterprise" (the zone's consumer, for enterprise DR events),
# "setpoint_c" (what its own thermostat holds without a plan; default: the band's edge) and
# "unoccupied_gain_share" (the gains left while the zone is empty; default 1: all of them)
THERMAL_STORE_COLUMNS = ("capacity_kwh_th", "max_charge_kw_th", "max_discharge_kw_th",
                         "loss_per_h", "stored_initial_kwh_th")


def zone_gain_kw(zone: Mapping[str, Any], occupied: bool) -> float:
    """A zone's internal gains in an interval: all of them while occupied, the configured share
    (servers, lights) while empty, as the twin's zones and a real building have them."""
    share = zone.get("unoccupied_gain_share", 1.0)
    share = 1.0 if share is None or math.isnan(share) else float(share)  # older tables
    return float(zone["internal_gain_kw"]) * (1.0 if occupied else share)


DR_EVENT_COLUMNS = ("start_utc", "end_utc", "requested_reduction_kw",
                    "compensation_cny_per_kwh", "enterprise_id")  # enterprise None: the park


class DispatchInputError(ValueError):
    """Inputs that cannot make a plan: the message says which and why."""


@dataclass(frozen=True)
class GridTerms:
    """The park's connection and its prices for the plan's intervals."""

    import_limit_kw: float
    export_limit_kw: float  # 0: no export allowed
    import_price_cny_per_kwh: pd.Series
    export_price_cny_per_kwh: pd.Series  # what exported energy earns (0 where not paid)
    tou_period: pd.Series  # peak / flat / valley / critical_peak, for reports
    demand_charge_cny_per_kw_month: float = 0.0
    month_peak_so_far_kw: float = 0.0  # the demand charge only bites above this
    grid_kgco2_per_kwh: float = 0.0
    carbon_price_cny_per_tco2: float = 0.0
    # False: export at most the interval's PV output (no battery energy to the grid)
    stored_energy_export_paid: bool = False


@dataclass(frozen=True)
class DispatchInputs:
    interval_start_utc: pd.DatetimeIndex
    interval_h: float
    base_load_kw: pd.Series  # everything not dispatched, forecast
    pv_potential_kw: pd.DataFrame  # columns: PV system ids; what the sun allows
    batteries: pd.DataFrame  # index: battery id; BATTERY_COLUMNS
    ev_groups: pd.DataFrame  # index: group id; EV_GROUP_COLUMNS (aggregated alike sessions)
    grid: GridTerms
    ev_unserved_penalty_cny_per_kwh: float = 10.0
    hvac_zones: pd.DataFrame | None = None  # index: zone id; HVAC_COLUMNS
    outdoor_temp_c: pd.Series | None = None  # forecast, needed with hvac_zones
    # True where a zone is occupied (index: intervals, columns: zones); the comfort band binds
    # only then. None: always occupied
    hvac_occupied: pd.DataFrame | None = None
    comfort_breach_cny_per_kh: float = 50.0  # per kelvin-hour outside a zone's band
    # waste-heat stores: index tank id; THERMAL_STORE_COLUMNS. The forecast waste heat offered
    # to each tank and the heat its users need (kW_th, one column per tank); heat the tank
    # cannot give comes from a backup boiler at backup_heat_cny_per_kwh_th.
    thermal_stores: pd.DataFrame = field(default_factory=pd.DataFrame)
    waste_heat_kw_th: pd.DataFrame = field(default_factory=pd.DataFrame)
    heat_demand_kw_th: pd.DataFrame = field(default_factory=pd.DataFrame)
    backup_heat_cny_per_kwh_th: float = 0.0
    backup_heat_kgco2_per_kwh_th: float = 0.0
    # demand response: index event id; DR_EVENT_COLUMNS. An enterprise event is measured on
    # the enterprise's own load, so it needs that enterprise's column here (its forecast load
    # without the HVAC zones the plan schedules; the columns need not cover every consumer).
    # the PV systems' inverter ratings (kW, index: system id), for the power limit in % that
    # inverters take; without them the plan publishes the limit in kW only
    pv_rated_kw: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    dr_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    consumer_base_load_kw: pd.DataFrame = field(default_factory=pd.DataFrame)
    # each step's length (h) where they differ (move blocking, jobs/dispatch/blocking.py:
    # an interval's series are its step's means); None: every step is interval_h
    step_h: tuple[float, ...] | None = None
    # what the park's direct green supply lines (绿电直连) offer (kW, forecast; None: no line).
    # The park takes it up to its net demand, off the grid bill, and never exports it.
    direct_green_kw: pd.Series | None = None

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise DispatchInputError("dispatch inputs rejected:\n  " + "\n  ".join(problems))

    @property
    def periods(self) -> range:
        return range(len(self.interval_start_utc))

    @property
    def hours(self) -> np.ndarray:
        """Each step's length (h): energy = power x hours[t]."""
        if self.step_h is None:
            return np.full(len(self.interval_start_utc), float(self.interval_h))
        return np.asarray(self.step_h, dtype=float)

    @property
    def interval_end_utc(self) -> pd.DatetimeIndex:
        return self.interval_start_utc + pd.to_timedelta(self.hours, unit="h")

    def in_dr_window(self, event: str) -> list[bool]:
        """Whether each interval lies inside the event's window (events start and end on
        interval boundaries, the inbox checks that; a partly covered interval does not count)."""
        row = self.dr_events.loc[event]
        return list((self.interval_start_utc >= row["start_utc"])
                    & (self.interval_end_utc <= row["end_utc"]))

    def zone_occupied(self, zone: str) -> list[bool]:
        if self.hvac_occupied is None:
            return [True] * len(self.interval_start_utc)
        return [bool(v) for v in self.hvac_occupied[zone]]

    def ev_available(self, group: str) -> list[bool]:
        """Whether the group's vehicles are plugged in during each interval (any overlap)."""
        row = self.ev_groups.loc[group]
        return list((self.interval_start_utc < row["departure_utc"])
                    & (self.interval_end_utc > row["arrival_utc"]))


def _problems(inputs: DispatchInputs):
    index = inputs.interval_start_utc
    if len(index) == 0:
        yield "no intervals"
        return
    if index.tz is None or str(index.tz) != "UTC":
        yield "interval_start_utc must be UTC"
    if not index.is_monotonic_increasing or index.has_duplicates:
        yield "interval_start_utc must be strictly increasing"
    if inputs.interval_h <= 0:
        yield "interval_h must be positive"
    if inputs.step_h is not None and (len(inputs.step_h) != len(index) or not all(
            math.isfinite(h) and h > 0 for h in inputs.step_h)):
        yield "step_h must give a finite, positive length (h) for every interval"
    series = {"base_load_kw": inputs.base_load_kw,
              "grid.import_price_cny_per_kwh": inputs.grid.import_price_cny_per_kwh,
              "grid.export_price_cny_per_kwh": inputs.grid.export_price_cny_per_kwh,
              "grid.tou_period": inputs.grid.tou_period}
    for name, values in series.items():
        if not values.index.equals(index):
            yield f"{name} is not indexed by the plan's intervals"
        elif values.isna().any():
            yield f"{name} has gaps at {list(values.index[values.isna()][:3])}"
    if not inputs.pv_potential_kw.index.equals(index):
        yield "pv_potential_kw is not indexed by the plan's intervals"
    elif not (inputs.pv_potential_kw.fillna(-1.0) >= 0).to_numpy().all():
        yield "pv_potential_kw must be non-negative and complete"
    missing = set(BATTERY_COLUMNS) - set(inputs.batteries.columns)
    if missing:
        yield f"batteries lack {sorted(missing)}"
    else:
        for battery, row in inputs.batteries.iterrows():
            if not 0 <= row["soc_min_kwh"] <= row["soc_initial_kwh"] <= row["soc_max_kwh"] \
                    <= row["capacity_kwh"]:
                yield (f"battery {battery}: need 0 <= soc_min <= soc_initial <= soc_max <= "
                       f"capacity (kWh), got {row['soc_min_kwh']}, {row['soc_initial_kwh']}, "
                       f"{row['soc_max_kwh']}, {row['capacity_kwh']}")
            if not row["soc_min_kwh"] <= row["soc_final_min_kwh"] <= row["soc_max_kwh"]:
                yield f"battery {battery}: soc_final_min_kwh outside its SOC window"
            for efficiency in ("charge_efficiency", "discharge_efficiency"):
                if not 0 < row[efficiency] <= 1:
                    yield f"battery {battery}: {efficiency} must be in (0, 1]"
    missing = set(EV_GROUP_COLUMNS) - set(inputs.ev_groups.columns)
    if missing:
        yield f"ev_groups lack {sorted(missing)}"
    else:
        for group, row in inputs.ev_groups.iterrows():
            if row["departure_utc"] <= row["arrival_utc"]:
                yield f"EV group {group}: departure must be after arrival"
            if row["energy_kwh"] < 0 or row["max_kw"] <= 0:
                yield f"EV group {group}: energy_kwh >= 0 and max_kw > 0 required"
    if inputs.hvac_zones is not None and len(inputs.hvac_zones):
        missing = set(HVAC_COLUMNS) - set(inputs.hvac_zones.columns)
        if missing:
            yield f"hvac_zones lack {sorted(missing)}"
        elif inputs.outdoor_temp_c is None or not inputs.outdoor_temp_c.index.equals(index):
            yield "hvac_zones need outdoor_temp_c indexed by the plan's intervals"
        else:
            occupied = inputs.hvac_occupied
            if occupied is not None and not (occupied.index.equals(index) and set(
                    inputs.hvac_zones.index) <= set(occupied.columns)):
                yield "hvac_occupied must be indexed by the plan's intervals, a column per zone"
            for zone, row in inputs.hvac_zones.iterrows():
                if row["mode"] not in ("cool", "heat"):
                    yield f"HVAC zone {zone}: mode must be 'cool' or 'heat'"
                if not row["comfort_min_c"] < row["comfort_max_c"]:
                    yield f"HVAC zone {zone}: comfort_min_c must be below comfort_max_c"
    green = inputs.direct_green_kw
    if green is not None and (not green.index.equals(index) or green.isna().any()
                              or not np.isfinite(green.to_numpy(dtype=float)).all()
                              or (green < 0).any()):
        yield "direct_green_kw must be indexed by the plan's intervals, finite and non-negative"
    yield from _thermal_problems(inputs)
    yield from _dr_problems(inputs)
    if inputs.grid.import_limit_kw <= 0 or inputs.grid.export_limit_kw < 0:
        yield "grid limits: import_limit_kw > 0 and export_limit_kw >= 0 required"


def _frame_problems(name: str, frame: pd.DataFrame, index: pd.DatetimeIndex,
                    columns) -> list[str]:
    if not frame.index.equals(index):
        return [f"{name} must be indexed by the plan's intervals"]
    missing = set(columns) - set(frame.columns)
    if missing:
        return [f"{name} lacks columns {sorted(missing)}"]
    if frame[list(columns)].isna().to_numpy().any() or (frame[list(columns)] < 0).to_numpy().any():
        return [f"{name} must be complete and non-negative"]
    return []


def _lacks(name: str, table: pd.DataFrame, columns) -> str | None:
    """Why an optional asset table cannot be used, if it cannot (None: it can, or is empty)."""
    missing = set(columns) - set(table.columns)
    return f"{name} lack {sorted(missing)}" if len(table) and missing else None


def _thermal_problems(inputs: DispatchInputs):
    stores = inputs.thermal_stores
    if problem := _lacks("thermal_stores", stores, THERMAL_STORE_COLUMNS):
        yield problem
    if problem or not len(stores):
        return
    for name in ("waste_heat_kw_th", "heat_demand_kw_th"):
        yield from _frame_problems(name, getattr(inputs, name), inputs.interval_start_utc,
                                   stores.index)
    for tank, row in stores.iterrows():
        if not 0 <= row["stored_initial_kwh_th"] <= row["capacity_kwh_th"]:
            yield f"thermal store {tank}: stored_initial_kwh_th outside 0..capacity"
        if not 0 <= row["loss_per_h"] < 1:
            yield f"thermal store {tank}: loss_per_h must be in [0, 1)"
    if inputs.backup_heat_cny_per_kwh_th < 0:
        yield "backup_heat_cny_per_kwh_th must be >= 0"


def _dr_problems(inputs: DispatchInputs):
    events = inputs.dr_events
    if problem := _lacks("dr_events", events, DR_EVENT_COLUMNS):
        yield problem
    if problem or not len(events):
        return
    for event, row in events.iterrows():
        if not row["start_utc"] < row["end_utc"]:
            yield f"DR event {event}: end must be after start"
        if row["requested_reduction_kw"] <= 0 or row["compensation_cny_per_kwh"] < 0:
            yield f"DR event {event}: requested_reduction_kw > 0, compensation >= 0 required"
        enterprise = row["enterprise_id"]
        if isinstance(enterprise, str) and enterprise not in inputs.consumer_base_load_kw:
            yield (f"DR event {event}: enterprise {enterprise} has no base-load forecast in "
                   "consumer_base_load_kw")
    if len(inputs.consumer_base_load_kw.columns):
        yield from _frame_problems("consumer_base_load_kw", inputs.consumer_base_load_kw,
                                   inputs.interval_start_utc, inputs.consumer_base_load_kw.columns)
