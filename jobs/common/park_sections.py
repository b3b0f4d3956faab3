"""The park's identity, tenants and devices: who is in the park and how each device is reached."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from jobs.common.config_types import (
    Host,
    Identifier,
    Integer,
    Number,
    Port,
    PowerKw,
    PowerOrZeroKw,
    Strict,
)


class DeviceKind(StrEnum):
    GRID_METER = "grid_meter"  # the park's connection to the grid
    # 绿电直连: a dedicated line from an off-site non-fossil plant (wind, PV), declared with
    # its source_plant; what it imports is zero-rated in the national assessment
    DIRECT_GREEN_METER = "direct_green_meter"
    SUB_METER = "sub_meter"  # an enterprise's incoming feeder
    COMMON_METER = "common_meter"  # park common areas (lighting, pumps, offices)
    PV_INVERTER = "pv_inverter"
    BESS = "bess"
    EV_CHARGER = "ev_charger"
    HVAC = "hvac"
    GAS_METER = "gas_meter"
    THERMAL_STORAGE = "thermal_storage"
    WATER_METER = "water_meter"  # guiding indicators (issue 15): an enterprise's water


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Contact(Strict):
    name: str
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    role: str = "manager"
    language: Language | None = None  # None: the scorecards' default language (zh)


class GridConnection(Strict):
    meter_device_id: Identifier
    import_limit_kw: PowerKw
    export_limit_kw: PowerOrZeroKw
    contract_demand_kw: PowerKw
    voltage_kv: Annotated[Number, Field(gt=0, le=1000)] = 10.0  # 1000 kV: the highest UHV line


class Park(Strict):
    id: Identifier
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"
    latitude_deg: Annotated[Number, Field(ge=-90, le=90)]
    longitude_deg: Annotated[Number, Field(ge=-180, le=180)]
    altitude_m: Number = 0.0
    province: str
    grid_region: str  # e.g. 华东 (East China grid), for regional emission factors
    grid_connection: GridConnection

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        return zone


class EnterpriseTargets(Strict):
    """一企一策: the enterprise's own targets for the scorecard's traffic light."""

    # the year's emissions cap (Scope 1 + location-based Scope 2), tCO2
    annual_cap_tco2: Annotated[Number, Field(gt=0)] | None = None
    # the intensity path: tCO2/万元 must fall this % a year from the base year's value
    intensity_base_year: Annotated[Integer, Field(ge=2000, le=2100)] | None = None
    intensity_base_tco2_per_10k_cny: Annotated[Number, Field(gt=0)] | None = None
    intensity_reduction_pct_per_year: Annotated[Number, Field(ge=0, le=100)] | None = None


class Enterprise(Strict):
    id: Identifier
    name_zh: str
    name_en: str
    industry: str
    contacts: list[Contact] = []
    targets: EnterpriseTargets = EnterpriseTargets()
    # the roof it could put PV on (one plan per enterprise sizes rooftop PV from it)
    roof_area_m2: Annotated[Number, Field(ge=0, le=2_000_000)] | None = None


class Device(Strict):
    id: Identifier
    kind: DeviceKind
    register_map: str
    enterprise: Identifier | None = None  # None: owned by the park
    asset: Identifier | None = None  # the physical asset this device controls or measures
    host: Host  # compared as canonical_host() when looking for two devices on one address
    port: Port
    unit_id: Annotated[Integer, Field(ge=1, le=247)]
    poll_interval_s: Annotated[Integer, Field(ge=1, le=3600)] = 60
    poll_group: Identifier = "default"
    # Devices behind one serial gateway need a pause between requests.
    request_gap_ms: Annotated[Integer, Field(ge=0, le=5000)] = 0
    timeout_s: Annotated[Number, Field(gt=0, le=60)] | None = None
    controllable: bool = False
    # CT/nameplate limit for checks; for a controllable device also the bound of its power
    # setpoints (see device_rating.py)
    rated_kw: PowerKw | None = None
    # For a direct_green_meter only (and required there): the plant the line comes from.
    source_plant: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @property
    def endpoint(self) -> tuple[str, int]:
        return (self.host, self.port)


class Targets(Strict):
    peak_year: Annotated[Integer, Field(ge=2000, le=2100)] = 2030
    neutrality_year: Annotated[Integer, Field(ge=2000, le=2100)] = 2045
    core_indicator_limit_tco2_per_tce: Number = 0.2
    # The factor allowances are counted at (碳排放配额); None: the ETS reporting factor of the
    # reference table (dbt vars allowance_factor_series / _year), named in the account.
    allowance_factor_kgco2_per_kwh: Annotated[Number, Field(gt=0, le=2)] | None = None
    # The national assessment's limit for a park below the national size bands (no national
    # limit under 200,000 tce/yr): the figure and where it comes from (a provincial rule, or the
    # park's own target). None: core_indicator_limit_tco2_per_tce, as the park's own target.
    national_limit_below_band_tco2_per_tce: Annotated[Number, Field(gt=0, le=10)] | None = None
    national_limit_source: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    # the Chinese cards' wording of it (jobs/common/config_text.py)
    national_limit_source_zh: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class Recipients(Strict):
    park_management: list[Contact] = []
    finance: list[Contact] = []
    platform_team: list[Contact] = []
