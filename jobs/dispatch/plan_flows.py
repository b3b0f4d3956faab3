"""A plan's physical flows, whoever made it: the optimiser's solution and the rule-based
baseline both become `PlanFlows`, so both are costed and published by the same code."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PlanFlows:
    """Average power per interval (kW, kW_th); frames have one column per asset."""

    grid_import_kw: np.ndarray
    grid_export_kw: np.ndarray
    pv_kw: pd.DataFrame
    battery_charge_kw: pd.DataFrame
    battery_discharge_kw: pd.DataFrame
    soc_kwh: pd.DataFrame
    ev_kw: pd.DataFrame
    ev_unserved_kwh: float
    hvac_kw: pd.DataFrame = field(default_factory=pd.DataFrame)  # one column per zone
    # of hvac_kw, the part run against the zone's mode (heating a cooled zone, or the reverse)
    hvac_reverse_kw: pd.DataFrame = field(default_factory=pd.DataFrame)
    zone_temp_c: pd.DataFrame = field(default_factory=pd.DataFrame)
    comfort_breach_kh: float = 0.0  # kelvin-hours outside the zones' comfort bands
    heat_charge_kw_th: pd.DataFrame = field(default_factory=pd.DataFrame)  # per tank
    heat_discharge_kw_th: pd.DataFrame = field(default_factory=pd.DataFrame)
    stored_heat_kwh_th: pd.DataFrame = field(default_factory=pd.DataFrame)
    backup_heat_kw_th: pd.DataFrame = field(default_factory=pd.DataFrame)
