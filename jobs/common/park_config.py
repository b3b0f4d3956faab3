"""The park description (`config/park.yaml`) as typed, validated models.

The file describes the real park: enterprises, devices and how to reach them, the physical
assets later stages optimise, tariffs, targets and report recipients. Secrets never live here.
The optional `simulation` section drives the digital twin (load profiles, seed, faults).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from device_io.errors import ConfigError, load_yaml_model
from device_io.register_map import RegisterMap

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
Identifier = Annotated[str, Field(pattern=ID_PATTERN.pattern, max_length=64)]
Percent = Annotated[float, Field(ge=0, le=100)]
Fraction = Annotated[float, Field(gt=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceKind(StrEnum):
    GRID_METER = "grid_meter"  # the park's connection to the grid
    SUB_METER = "sub_meter"  # an enterprise's incoming feeder
    COMMON_METER = "common_meter"  # park common areas (lighting, pumps, offices)
    PV_INVERTER = "pv_inverter"
    BESS = "bess"
    EV_CHARGER = "ev_charger"
    HVAC = "hvac"
    GAS_METER = "gas_meter"
    THERMAL_STORAGE = "thermal_storage"


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
    import_limit_kw: Annotated[float, Field(gt=0)]
    export_limit_kw: Annotated[float, Field(ge=0)]
    contract_demand_kw: Annotated[float, Field(gt=0)]
    voltage_kv: Annotated[float, Field(gt=0)] = 10.0


class Park(Strict):
    id: Identifier
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"
    latitude_deg: Annotated[float, Field(ge=-90, le=90)]
    longitude_deg: Annotated[float, Field(ge=-180, le=180)]
    altitude_m: float = 0.0
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
    annual_cap_tco2: Annotated[float, Field(gt=0)] | None = None
    # the intensity path: tCO2/万元 must fall this % a year from the base year's value
    intensity_base_year: int | None = None
    intensity_base_tco2_per_10k_cny: Annotated[float, Field(gt=0)] | None = None
    intensity_reduction_pct_per_year: Annotated[float, Field(ge=0, le=100)] | None = None


class Enterprise(Strict):
    id: Identifier
    name_zh: str
    name_en: str
    industry: str
    contacts: list[Contact] = []
    targets: EnterpriseTargets = EnterpriseTargets()


class Device(Strict):
    id: Identifier
    kind: DeviceKind
    register_map: str
    enterprise: Identifier | None = None  # None: owned by the park
    asset: Identifier | None = None  # the physical asset this device controls or measures
    host: str
    port: Annotated[int, Field(ge=1, le=65535)]
    unit_id: Annotated[int, Field(ge=1, le=247)]
    poll_interval_s: Annotated[int, Field(ge=1, le=3600)] = 60
    poll_group: Identifier = "default"
    # Devices behind one serial gateway need a pause between requests.
    request_gap_ms: Annotated[int, Field(ge=0, le=5000)] = 0
    timeout_s: Annotated[float, Field(gt=0, le=60)] | None = None
    controllable: bool = False
    rated_kw: Annotated[float, Field(gt=0)] | None = None  # CT/nameplate limit for checks

    @property
    def endpoint(self) -> tuple[str, int]:
        return (self.host, self.port)


class PvSystem(Strict):
    id: Identifier
    kwp: Annotated[float, Field(gt=0)]
    inverter_kw: Annotated[float, Field(gt=0)]
    tilt_deg: Annotated[float, Field(ge=0, le=90)]
    azimuth_deg: Annotated[float, Field(ge=0, lt=360)]  # 180 = south
    losses_pct: Percent = 14.0
    mounting: Literal["rooftop", "carport", "ground"] = "rooftop"
    commissioned: dt.date | None = None


class Battery(Strict):
    id: Identifier
    capacity_kwh: Annotated[float, Field(gt=0)]
    power_kw: Annotated[float, Field(gt=0)]
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
    max_kw: Annotated[float, Field(gt=0)]
    phases: Literal[1, 3] = 3
    voltage_v: Annotated[float, Field(gt=0)] = 400.0


class HvacZone(Strict):
    id: Identifier
    enterprise: Identifier | None = None
    rated_electric_kw: Annotated[float, Field(gt=0)]
    cop: Annotated[float, Field(gt=0)] = 3.2
    # 1R1C thermal model of the zone
    thermal_resistance_k_per_kw: Annotated[float, Field(gt=0)]
    thermal_capacitance_kwh_per_k: Annotated[float, Field(gt=0)]
    comfort_min_c: float = 22.0
    comfort_max_c: float = 26.0
    normal_setpoint_c: float = 24.0
    internal_gain_kw: Annotated[float, Field(ge=0)] = 0.0


class ThermalStorage(Strict):
    id: Identifier
    capacity_kwh_th: Annotated[float, Field(gt=0)]
    max_charge_kw_th: Annotated[float, Field(gt=0)]
    max_discharge_kw_th: Annotated[float, Field(gt=0)]
    loss_pct_per_hour: Annotated[float, Field(ge=0, le=10)] = 0.5
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


class TouWindow(Strict):
    start: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    end: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    period: Literal["critical_peak", "peak", "flat", "valley", "deep_valley"]
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = None  # None: every month


class Tariff(Strict):
    """A time-of-use tariff version; the version in force is the latest valid_from <= date."""

    id: Identifier
    valid_from: dt.date
    source: str
    energy_price_cny_per_kwh: dict[str, Annotated[float, Field(ge=0)]]
    windows: list[TouWindow]
    demand_charge_cny_per_kw_month: Annotated[float, Field(ge=0)] = 0.0
    export_price_cny_per_kwh: Annotated[float, Field(ge=0)] | None = None  # None: no export
    # whether battery energy fed into the grid is paid (export above the interval's PV);
    # Chinese C&I users: no, the plan then never exports stored energy
    stored_energy_export_paid: bool = False

    @model_validator(mode="after")
    def _priced_periods(self) -> Tariff:
        priced: set[str] = set(self.energy_price_cny_per_kwh)
        missing = {str(w.period) for w in self.windows} - priced
        if missing:
            raise ValueError(f"windows use periods without a price: {sorted(missing)}")
        return self


class Targets(Strict):
    peak_year: int = 2030
    neutrality_year: int = 2045
    core_indicator_limit_tco2_per_tce: float = 0.2


class Recipients(Strict):
    park_management: list[Contact] = []
    finance: list[Contact] = []
    platform_team: list[Contact] = []


class LoadProfile(Strict):
    """How the twin draws an enterprise's process load (kW)."""

    base_kw: Annotated[float, Field(ge=0)]
    shift_kw: Annotated[float, Field(ge=0)]  # added during working shifts
    shifts: list[tuple[Annotated[int, Field(ge=0, le=24)], Annotated[int, Field(ge=0, le=24)]]]
    weekend_factor: Annotated[float, Field(ge=0, le=1.5)] = 0.4
    noise_pct: Percent = 5.0
    gas_nm3_per_h: Annotated[float, Field(ge=0)] = 0.0  # process gas during shifts


class FaultKind(StrEnum):
    TIMEOUT = "timeout"  # the device stops answering
    REFUSE = "refuse"  # its endpoint refuses connections
    DROP = "drop"  # the connection drops mid-poll
    EXCEPTION = "exception"  # Modbus exception replies (device failure)
    GARBAGE = "garbage"  # random register contents
    FROZEN = "frozen"  # the register image stops changing
    ROLLOVER = "rollover"  # energy counters start just below their wrap-around
    REPLACED = "replaced"  # the meter is replaced: counters restart near zero
    CLOCK_JUMP = "clock_jump"  # the device's clock jumps
    # Write faults leave reads alone. The device acknowledges writes but does not act on them
    # (a read-back shows the old value):
    IGNORE_WRITES = "ignore_writes"
    REJECT_WRITES = "reject_writes"  # writes are answered with a Modbus exception


class FaultInjection(Strict):
    device_id: Identifier
    kind: FaultKind
    start: dt.datetime | None = None  # None: from the start
    end: dt.datetime | None = None  # None: until cleared
    clock_jump_s: float = 3600.0


class Simulation(Strict):
    seed: int = 42
    cloudiness: Annotated[float, Field(ge=0, le=1)] = 0.35  # mean fraction of clear-sky lost
    load_profiles: dict[Identifier, LoadProfile] = {}
    common_load_kw: Annotated[float, Field(ge=0)] = 150.0
    ev_sessions_per_charger_day: Annotated[float, Field(ge=0)] = 1.6
    outdoor_temp_mean_c: float = 18.0
    outdoor_temp_amplitude_c: float = 6.0
    faults: list[FaultInjection] = []


class HarvestSettings(Strict):
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    retries: Annotated[int, Field(ge=0, le=5)] = 1
    retry_delay_s: Annotated[float, Field(ge=0, le=10)] = 0.05
    backoff_initial_s: Annotated[float, Field(gt=0)] = 30.0
    backoff_max_s: Annotated[float, Field(gt=0)] = 300.0
    frozen_after_cycles: Annotated[int, Field(ge=2, le=100)] = 3
    frozen_after_s: Annotated[float, Field(ge=0)] = 120.0
    clock_skew_tolerance_s: Annotated[float, Field(gt=0)] = 300.0
    max_concurrent_endpoints: Annotated[int, Field(ge=1, le=10000)] = 1000


class DispatchSettings(Strict):
    """The day-ahead optimisation's conventions; defaults say where they come from."""

    interval_minutes: Literal[5, 15, 30, 60] = 15
    # the grid's day-ahead deadline (local time): the plan for tomorrow is made before it
    deadline_local: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")] = "10:00"
    rel_gap: Annotated[float, Field(gt=0, lt=1)] = 0.001  # 0.1 %
    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    # carbon price on grid-import emissions; 0 = plan for cost only
    carbon_price_cny_per_tco2: Annotated[float, Field(ge=0)] = 0.0
    # wear per kWh discharged: ~1.0 CNY/Wh C&I turnkey price / (6,000 cycles x 2 kWh of
    # throughput per kWh of capacity) ~ 0.08; market_defaults.csv has the system prices
    battery_degradation_cny_per_kwh: Annotated[float, Field(ge=0)] = 0.08
    # a vehicle leaving without its energy costs more than any tariff saving could repay
    ev_unserved_penalty_cny_per_kwh: Annotated[float, Field(ge=0)] = 10.0
    # heat a waste-heat tank does not give comes from a gas boiler: natural gas at an
    # illustrative 3.5 CNY/Nm3 (Jiangsu industrial, 2025; replace with the park's contract),
    # NCV 38.93 MJ/Nm3 and EF 2.162 kgCO2/Nm3 (fuel_emission_factors.csv), boiler 90 %:
    # 3.5 / (10.81 x 0.9) = 0.36 CNY and 2.162 / (10.81 x 0.9) = 0.222 kgCO2 per kWh_th
    backup_heat_cny_per_kwh_th: Annotated[float, Field(ge=0)] = 0.36
    backup_heat_kgco2_per_kwh_th: Annotated[float, Field(ge=0)] = 0.222
    # a comfort breach of one kelvin for one hour in one zone, priced against energy savings
    comfort_breach_cny_per_kh: Annotated[float, Field(ge=0)] = 50.0
    # the watchdog kills a solve that overruns HiGHS's time limit by this much (wall clock)
    watchdog_grace_s: Annotated[float, Field(gt=0, le=600)] = 30.0


class SetpointSettings(Strict):
    """How the setpoint writer may touch the devices; defaults say why."""

    # shadow mode: compute, clamp and audit every command, write nothing
    dry_run: bool = False
    # a plan made longer than this before the interval it commands is stale (the day-ahead
    # plan for tomorrow is made at 08:30, so its last interval is ~40 h old when it runs)
    max_plan_age_h: Annotated[float, Field(gt=0, le=168)] = 42.0
    # largest change per 15-minute cycle, in the point's unit (a ramp limit); points not named
    # may jump (mode switches, heartbeats)
    ramp_limits: dict[str, Annotated[float, Field(gt=0)]] = {
        "power_setpoint_kw": 500.0, "setpoint_c": 1.0, "power_limit_pct": 50.0,
        "current_limit_a": 16.0, "power_limit_kw": 100.0, "power_setpoint_kw_th": 400.0}
    # most setpoint writes to one device per hour, heartbeats apart (setpoints often live in
    # EEPROM): four cycles an hour, a few points each
    max_writes_per_hour: Annotated[int, Field(ge=1, le=360)] = 12
    # a read-back that differs is written again this many times before the breaker opens
    verify_retries: Annotated[int, Field(ge=0, le=5)] = 2
    # batteries: keep this much SOC (percentage points) from the window's edges when the
    # plan's SOC path and the measured SOC disagree
    soc_margin_pct: Annotated[float, Field(ge=0, le=20)] = 2.0
    # keep the grid import this far below the contract limit (kW) when clamping charging and
    # when correcting live (battery discharge where PV drops)
    import_headroom_kw: Annotated[float, Field(ge=0)] = 100.0
    # demand control (需量控制): battery charging is cut where it would lift the grid import
    # above the month's highest import the writer has metered so far (a new monthly peak costs
    # the demand charge for the whole month; discharge is never added for it). Off by default:
    # on the twin (demo park, 10-12 July, plan controller) it cost 1 % more over 3 days, as
    # charging cut early in the month left the batteries emptier for the evening peak.
    peak_guard: bool = False
    # the devices' own watchdogs: the battery PCS reverts to safe mode, an inverter's power
    # limit lapses, if the platform has not renewed them for this long (two missed cycles)
    device_watchdog_s: Annotated[int, Field(ge=60, le=3600)] = 1800


class ScorecardSettings(Strict):
    """Traffic lights and the rules for warnings and penalties (annual assessment plus
    mid-term evaluation: rewards for the best, warnings or penalties for those who miss)."""

    # amber when the year-end projection is within this share of the cap or path value
    amber_margin_pct: Annotated[float, Field(ge=0, le=50)] = 10.0
    # consecutive red months that bring a warning, and a penalty
    warning_after_red_months: Annotated[int, Field(ge=1, le=12)] = 1
    penalty_after_red_months: Annotated[int, Field(ge=1, le=12)] = 3
    # the scorecards' default language for contacts that do not state one
    default_language: Language = Language.ZH
    # worker processes that render the cards; None: one per CPU core, used only when the
    # month has enough cards to pay for starting them (jobs/scorecards/render_pool.py)
    render_processes: Annotated[int, Field(ge=1, le=64)] | None = None


class MailSettings(Strict):
    """Where scorecards are sent from; the password comes from the environment
    (PARK_SMTP_PASSWORD) or a Prefect Secret block, never from this file."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    sender: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = \
        "scorecards@park.example.cn"
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 20.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    retry_delay_s: Annotated[float, Field(ge=0, le=600)] = 5.0
    # a Prefect Secret block holding the password, used when PARK_SMTP_PASSWORD is not set
    password_block: str | None = None


class PvEconomics(Strict):
    """A PV system's economics; None takes the market default (reference/market_defaults.csv)."""

    life_years: Annotated[int, Field(ge=1, le=50)] = 25  # usual C&I rooftop PV design life
    capex_cny_per_w: Annotated[float, Field(gt=0)] | None = None  # ci_pv_capex
    om_cny_per_w_year: Annotated[float, Field(ge=0)] | None = None  # pv_om_cost
    degradation_first_year_pct: Annotated[float, Field(ge=0, lt=100)] | None = None
    degradation_pct_per_year: Annotated[float, Field(ge=0, lt=100)] = 0.45  # the CSV's note


class BatteryEconomics(Strict):
    """A battery's economics. The CSV has the system price only; the rest are platform
    defaults (unverified, shown as such in the report): replace them with the contract's."""

    life_years: Annotated[int, Field(ge=1, le=30)] = 15
    capex_cny_per_wh: Annotated[float, Field(gt=0)] | None = None  # bess_system_price_2h
    om_pct_of_capex_per_year: Annotated[float, Field(ge=0, le=20)] = 2.0
    # cells replaced once, at this operating year, for this share of the capex
    replacement_year: Annotated[int, Field(ge=1, le=30)] | None = 10
    replacement_pct_of_capex: Annotated[float, Field(ge=0, le=100)] = 40.0
    capacity_fade_pct_per_year: Annotated[float, Field(ge=0, lt=100)] = 2.0


class FinancingRules(Strict):
    """Hurdles for the financing view and the loan a DSCR is tested against (platform
    defaults; a bank's or a bond framework's terms replace them)."""

    green_bond_min_irr_pct: Annotated[float, Field(ge=-100, le=100)] = 6.0
    max_payback_years: Annotated[float, Field(gt=0, le=50)] = 10.0
    loan_share_pct: Percent = 70.0
    loan_rate_pct: Annotated[float, Field(ge=0, le=50)] = 3.5
    loan_tenor_years: Annotated[int, Field(ge=1, le=30)] = 10
    min_dscr: Annotated[float, Field(gt=0, le=10)] = 1.2
    # the source text's PPP example: government 20 %, private 80 % of the capital
    ppp_government_share_pct: Percent = 20.0


class InvestmentCase(Strict):
    """A proposed asset, valued from a digital-twin run of the park with and without it."""

    id: Identifier
    title_zh: str
    title_en: str
    add_pv_kwp: Annotated[float, Field(gt=0)] | None = None
    add_battery_kwh: Annotated[float, Field(gt=0)] | None = None
    add_battery_kw: Annotated[float, Field(gt=0)] | None = None
    capex_cny: Annotated[float, Field(gt=0)] | None = None  # default: the unit prices

    @model_validator(mode="after")
    def _one_asset(self) -> InvestmentCase:
        battery = (self.add_battery_kwh is None, self.add_battery_kw is None)
        if battery[0] != battery[1]:
            raise ValueError("a battery case needs both add_battery_kwh and add_battery_kw")
        if (self.add_pv_kwp is None) == (self.add_battery_kwh is None):
            raise ValueError("an investment case adds either PV (add_pv_kwp) or a battery "
                             "(add_battery_kwh and add_battery_kw)")
        return self


class ValuationSettings(Strict):
    """The monthly valuation's assumptions. Any market figure of reference/market_defaults.csv
    can be overridden by its item name under `market` (e.g. cea_price_base: 75); the report
    shows each figure with its source, and `price_date` as the date the prices refer to."""

    price_date: dt.date | None = None  # default: the end of the year the CSV's prices describe
    market: dict[str, Annotated[float, Field(ge=0)]] = {}
    discount_rate_pct: Annotated[float, Field(gt=-100, le=50)] | None = None  # social rate
    tariff_escalation_pct_per_year: Annotated[float, Field(gt=-100, le=50)] = 0.0
    pv: PvEconomics = PvEconomics()
    battery: BatteryEconomics = BatteryEconomics()
    financing: FinancingRules = FinancingRules()
    cases: list[InvestmentCase] = []
    # the twin runs an investment case over this many days from the valuation month's 10th,
    # with this controller. auto: none for PV (it needs no control, and the park's batteries
    # then stay out of its value), plan for a battery (the day-ahead plan is how the park would
    # run it; rule_based never charges from the grid, so a battery in a park without PV
    # surplus shows no value under it). plan is the slow one: a week of warm-up, two builds a day.
    case_days: Annotated[int, Field(ge=1, le=60)] = 3
    case_controller: Literal["auto", "none", "rule_based", "plan"] = "auto"


class ParkConfig(Strict):
    park: Park
    harvest: HarvestSettings = HarvestSettings()
    enterprises: list[Enterprise]
    devices: list[Device]
    assets: Assets = Assets()
    tariffs: list[Tariff] = []
    targets: Targets = Targets()
    recipients: Recipients = Recipients()
    simulation: Simulation = Simulation()
    dispatch: DispatchSettings = DispatchSettings()
    setpoints: SetpointSettings = SetpointSettings()
    scorecards: ScorecardSettings = ScorecardSettings()
    mail: MailSettings = MailSettings()
    valuation: ValuationSettings = ValuationSettings()

    @model_validator(mode="after")
    def _references(self) -> ParkConfig:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def devices_in_groups(self, poll_groups: list[str] | None) -> list[Device]:
        if not poll_groups:
            return list(self.devices)
        unknown = set(poll_groups) - {d.poll_group for d in self.devices}
        if unknown:
            raise ConfigError(f"unknown poll group(s): {sorted(unknown)}")
        return [d for d in self.devices if d.poll_group in poll_groups]

    def device(self, device_id: str) -> Device:
        for device in self.devices:
            if device.id == device_id:
                return device
        raise KeyError(device_id)


def _duplicates(section: str, items: list, what: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(items):
        if item.id in seen:
            problems.append(f"{section}[{index}]({item.id}).id: duplicate {what} {item.id!r}")
        seen.add(item.id)
    return problems


def cross_reference_problems(config: ParkConfig) -> list[str]:
    """Every reference between sections that does not resolve, each named by its path."""
    assets = config.assets
    problems = _duplicates("enterprises", config.enterprises, "enterprise id")
    problems += _duplicates("devices", config.devices, "device id")
    problems += _duplicates("tariffs", config.tariffs, "tariff id")
    for group in ("pv", "batteries", "ev_chargers", "hvac_zones", "thermal_storage"):
        problems += _duplicates(f"assets.{group}", getattr(assets, group), "asset id")
    all_asset_ids = assets.all_ids()
    if len(set(all_asset_ids)) != len(all_asset_ids):
        clashes = sorted({a for a in all_asset_ids if all_asset_ids.count(a) > 1})
        problems.append(f"assets: ids used in more than one asset group: {clashes}")
    enterprise_ids = {e.id for e in config.enterprises}
    asset_ids = set(all_asset_ids)
    device_ids = {d.id for d in config.devices}
    addresses: dict[tuple[str, int, int], str] = {}
    for index, device in enumerate(config.devices):
        where = f"devices[{index}]({device.id})"
        if device.enterprise is not None and device.enterprise not in enterprise_ids:
            problems.append(f"{where}.enterprise: unknown enterprise {device.enterprise!r}")
        if device.asset is not None and device.asset not in asset_ids:
            problems.append(f"{where}.asset: unknown asset {device.asset!r}")
        key = (device.host, device.port, device.unit_id)
        if key in addresses and addresses[key] != device.id:
            problems.append(f"{where}.unit_id: {device.host}:{device.port} unit "
                            f"{device.unit_id} is already used by {addresses[key]!r}")
        addresses.setdefault(key, device.id)
    meter_id = config.park.grid_connection.meter_device_id
    if meter_id not in device_ids:
        problems.append(f"park.grid_connection.meter_device_id: {meter_id!r} is not a device")
    for index, zone in enumerate(assets.hvac_zones):
        if zone.enterprise is not None and zone.enterprise not in enterprise_ids:
            problems.append(f"assets.hvac_zones[{index}]({zone.id}).enterprise: unknown "
                            f"enterprise {zone.enterprise!r}")
    for enterprise_id in config.simulation.load_profiles:
        if enterprise_id not in enterprise_ids:
            problems.append(f"simulation.load_profiles.{enterprise_id}: unknown enterprise")
    for index, fault in enumerate(config.simulation.faults):
        if fault.device_id not in device_ids:
            problems.append(f"simulation.faults[{index}].device_id: unknown device "
                            f"{fault.device_id!r}")
    return problems


def check_devices_against_maps(config: ParkConfig, maps: dict[str, RegisterMap],
                               path: Path) -> None:
    """Cross-file rules: every device names a known map of its kind; controllable means writable."""
    problems = []
    for index, device in enumerate(config.devices):
        where = f"devices[{index}]({device.id})"
        register_map = maps.get(device.register_map)
        if register_map is None:
            problems.append(
                f"  at {where}.register_map: unknown register map {device.register_map!r} "
                f"(known: {', '.join(sorted(maps))})"
            )
            continue
        if device.kind.value not in register_map.device_kinds:
            problems.append(
                f"  at {where}.register_map: map {device.register_map!r} is for "
                f"{', '.join(register_map.device_kinds)} devices, not {device.kind.value!r}"
            )
        if device.controllable and not register_map.writable_points:
            problems.append(
                f"  at {where}.controllable: map {device.register_map!r} has no writable point"
            )
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))


def load_park_config(path: Path, maps: dict[str, RegisterMap]) -> ParkConfig:
    config = load_yaml_model(path, ParkConfig, "park config")
    check_devices_against_maps(config, maps, path)
    return config
