"""What the optimiser needs, as plain pandas objects, checked on the way in.

Nothing here knows Pyomo; every series is indexed by the plan's interval starts (UTC), so a
DST day is simply 92 or 100 rows. Asset tables are indexed by asset id.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

BATTERY_COLUMNS = ("capacity_kwh", "power_kw", "charge_efficiency", "discharge_efficiency",
                   "soc_min_kwh", "soc_max_kwh", "soc_initial_kwh", "soc_final_min_kwh",
                   "degradation_cny_per_kwh")
EV_GROUP_COLUMNS = ("arrival_utc", "departure_utc", "energy_kwh", "max_kw")
HVAC_COLUMNS = ("rated_electric_kw", "cop", "thermal_resistance_k_per_kw",
                "thermal_capacitance_kwh_per_k", "comfort_min_c", "comfort_max_c",
                "initial_temp_c", "internal_gain_kw", "mode")  # mode: "cool" or "heat"


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
    comfort_breach_cny_per_kh: float = 50.0  # per kelvin-hour outside a zone's band

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise DispatchInputError("dispatch inputs rejected:\n  " + "\n  ".join(problems))

    @property
    def periods(self) -> range:
        return range(len(self.interval_start_utc))

    def ev_available(self, group: str) -> list[bool]:
        """Whether the group's vehicles are plugged in during each interval (any overlap)."""
        row = self.ev_groups.loc[group]
        starts = self.interval_start_utc
        ends = starts + pd.Timedelta(hours=self.interval_h)
        return list((starts < row["departure_utc"]) & (ends > row["arrival_utc"]))


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
            for zone, row in inputs.hvac_zones.iterrows():
                if row["mode"] not in ("cool", "heat"):
                    yield f"HVAC zone {zone}: mode must be 'cool' or 'heat'"
                if not row["comfort_min_c"] < row["comfort_max_c"]:
                    yield f"HVAC zone {zone}: comfort_min_c must be below comfort_max_c"
    if inputs.grid.import_limit_kw <= 0 or inputs.grid.export_limit_kw < 0:
        yield "grid limits: import_limit_kw > 0 and export_limit_kw >= 0 required"
