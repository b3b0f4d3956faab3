"""The physical assets later stages optimise: PV, batteries, EV chargers, HVAC zones and
thermal storage, with their ratings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

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
    # the share of the gains left while the zone is empty (servers, lights stay; machines and
    # people leave): the twin's zones and the plan's model both use it
    unoccupied_gain_share: Annotated[Number, Field(ge=0, le=1)] = 0.3
    # the zone controller's proportional band: rated power at this distance from the
    # setpoint (the setpoint writer inverts it to deliver the planned power)
    controller_band_k: Annotated[Number, Field(gt=0, le=10)] = 1.0
    # The heating season's band, setpoint and heat pump input (assets.hvac_heating_season says
    # when): GB 50736-2012 Table 3.0.2 gives the heating condition its own indoor range
    # (level II 18-22 C), lower than the cooling one. Unset: the zone's band all year.
    heating_comfort_min_c: TemperatureC | None = None
    heating_comfort_max_c: TemperatureC | None = None
    heating_setpoint_c: TemperatureC | None = None
    # the electric input of the heat pump in heating, sized to the zone's design heat loss
    # (unset: rated_electric_kw); the same COP, as the model and the twin both assume
    heating_rated_electric_kw: PowerKw | None = None

    @model_validator(mode="after")
    def _heating_band(self) -> HvacZone:
        band = (self.heating_comfort_min_c, self.heating_comfort_max_c, self.heating_setpoint_c)
        if all(value is None for value in band):
            if self.heating_rated_electric_kw is not None:
                raise ValueError("heating_rated_electric_kw needs the heating band "
                                 "(heating_comfort_min_c, heating_comfort_max_c, "
                                 "heating_setpoint_c)")
            return self
        if any(value is None for value in band):
            raise ValueError("heating_comfort_min_c, heating_comfort_max_c and "
                             "heating_setpoint_c go together: set all three or none")
        low, high, setpoint = band
        if not low < high:
            raise ValueError(f"heating_comfort_min_c ({low}) must be below "
                             f"heating_comfort_max_c ({high})")
        if not low <= setpoint <= high:
            raise ValueError(f"heating_setpoint_c ({setpoint}) must lie within the heating "
                             f"band {low}-{high} C")
        return self

    @property
    def largest_electric_kw(self) -> float:
        """The most the heat pump draws in either season (its device's rating)."""
        return max(self.rated_electric_kw, self.heating_rated_electric_kw or 0.0)

    def in_season(self, heating: bool) -> HvacZone:
        """The zone as its controller and the plan see it on a day in (or out of) the heating
        season: the season's band, setpoint and heat pump input replace the year-round ones."""
        if not heating or self.heating_comfort_min_c is None:
            return self
        return self.model_copy(update={
            "comfort_min_c": self.heating_comfort_min_c,
            "comfort_max_c": self.heating_comfort_max_c,
            "normal_setpoint_c": self.heating_setpoint_c,
            "rated_electric_kw": self.heating_rated_electric_kw or self.rated_electric_kw})


def _month_day(value: Any) -> str:
    """"MM-DD", a real day of a leap year (02-29 allowed)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a month and day written MM-DD")
    try:
        dt.date(2024, int(value[:2]), int(value[3:]))
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year") from None
    return value


MonthDay = Annotated[str, BeforeValidator(_month_day)]


class HeatingSeason(Strict):
    """The days (local, both ends included, may run over the new year) the zones that have a
    heating band use it. A park's own rule: the hot-summer/cold-winter zone (Suzhou) has no
    statutory heating period."""
    first_day: MonthDay
    last_day: MonthDay

    def contains(self, day: dt.date) -> bool:
        first = (int(self.first_day[:2]), int(self.first_day[3:]))
        last = (int(self.last_day[:2]), int(self.last_day[3:]))
        today = (day.month, day.day)
        if first <= last:
            return first <= today <= last
        return today >= first or today <= last  # over the new year


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
    hvac_heating_season: HeatingSeason | None = None
    thermal_storage: list[ThermalStorage] = []

    @model_validator(mode="after")
    def _season_for_heating_bands(self) -> Assets:
        if self.hvac_heating_season is None:
            banded = [z.id for z in self.hvac_zones if z.heating_comfort_min_c is not None]
            if banded:
                raise ValueError(f"hvac_zones {', '.join(banded)} have a heating band but "
                                 "hvac_heating_season (first_day, last_day) is not set")
        return self

    def heating_at(self, when_utc: dt.datetime, timezone: str) -> bool:
        """In the heating season at this instant (naive: UTC), by the park's local day."""
        aware = when_utc if when_utc.tzinfo is not None else when_utc.replace(tzinfo=dt.UTC)
        return self.heating_on(aware.astimezone(ZoneInfo(timezone)).date())

    def heating_on(self, day: dt.date) -> bool:
        return self.hvac_heating_season is not None and self.hvac_heating_season.contains(day)

    def hvac_zones_on(self, day: dt.date) -> list[HvacZone]:
        """The zones as they are on `day` (local): in the heating season, with their heating
        band, setpoint and heat pump input."""
        heating = self.heating_on(day)
        return [zone.in_season(heating) for zone in self.hvac_zones]

    def all_ids(self) -> list[str]:
        groups: list[list] = [self.pv, self.batteries, self.ev_chargers, self.hvac_zones,
                              self.thermal_storage]
        return [asset.id for group in groups for asset in group]
