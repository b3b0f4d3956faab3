"""The physical assets later stages optimise: PV, batteries, EV chargers, HVAC zones and
thermal storage, with their ratings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from jobs.common.config_types import (
    EnergyKwh,
    Fraction,
    Identifier,
    Number,
    Percent,
    PowerKw,
    PowerOrZeroKw,
    Strict,
    TemperatureC,
    refuse_bool,
)


class PvSystem(Strict):
    id: Identifier
    kwp: PowerKw
    inverter_kw: PowerKw
    tilt_deg: Annotated[Number, Field(ge=0, le=90)]
    azimuth_deg: Annotated[Number, Field(ge=0, lt=360)]  # 180 = south
    losses_pct: Percent = 14.0
    mounting: Literal["rooftop", "carport", "ground"] = "rooftop"
    commissioned: dt.date | None = None


class Battery(Strict):
    id: Identifier
    capacity_kwh: EnergyKwh
    power_kw: PowerKw
    charge_efficiency: Fraction = 0.95
    discharge_efficiency: Fraction = 0.95
    soc_min_pct: Percent = 10.0
    soc_max_pct: Percent = 95.0
    initial_soc_pct: Percent = 50.0
    commissioned: dt.date | None = None

    @model_validator(mode="after")
    def _soc_window(self) -> Battery:
        if not self.soc_min_pct < self.soc_max_pct:
            raise ValueError("soc_min_pct must be below soc_max_pct")
        return self


class EvCharger(Strict):
    id: Identifier
    kind: Literal["ac", "dc"]
    max_kw: PowerKw
    phases: Annotated[Literal[1, 3], BeforeValidator(refuse_bool)] = 3
    voltage_v: Annotated[Number, Field(gt=0, le=1500)] = 400.0  # LV AC/DC limit


class HvacZone(Strict):
    id: Identifier
    enterprise: Identifier | None = None
    rated_electric_kw: PowerKw
    cop: Annotated[Number, Field(gt=0, le=20)] = 3.2
    # 1R1C thermal model of the zone
    thermal_resistance_k_per_kw: Annotated[Number, Field(gt=0)]
    thermal_capacitance_kwh_per_k: Annotated[Number, Field(gt=0)]
    comfort_min_c: TemperatureC = 22.0
    comfort_max_c: TemperatureC = 26.0
    normal_setpoint_c: TemperatureC = 24.0
    internal_gain_kw: PowerOrZeroKw = 0.0
    # the zone controller's proportional band: rated power at this distance from the
    # setpoint (the setpoint writer inverts it to deliver the planned power)
    controller_band_k: Annotated[Number, Field(gt=0, le=10)] = 1.0


class ThermalStorage(Strict):
    id: Identifier
    capacity_kwh_th: EnergyKwh
    max_charge_kw_th: PowerKw
    max_discharge_kw_th: PowerKw
    loss_pct_per_hour: Annotated[Number, Field(ge=0, le=10)] = 0.5
    source: str = "waste heat"


class Assets(Strict):
    pv: list[PvSystem] = []
    batteries: list[Battery] = []
    ev_chargers: list[EvCharger] = []
    hvac_zones: list[HvacZone] = []
    thermal_storage: list[ThermalStorage] = []

    def all_ids(self) -> list[str]:
        groups: list[list] = [self.pv, self.batteries, self.ev_chargers, self.hvac_zones,
                              self.thermal_storage]
        return [asset.id for group in groups for asset in group]
