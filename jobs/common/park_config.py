"""The park description (`config/park.yaml`) as typed, validated models.

The file describes the real park: enterprises, devices and how to reach them, the physical
assets later stages optimise, tariffs, targets and report recipients. Secrets never live here.
The optional `simulation` section drives the digital twin (load profiles, seed, faults).

The sections' models live in their own modules (park_sections, park_assets, tariff_config,
operations_settings, simulation_settings, valuation_settings), built from the value types of
config_types; this module joins them, checks the references between sections and against the
register maps, and re-exports every model under its old import path.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pydantic import model_validator

from jobs.common.admission_settings import AdmissionRules
from jobs.common.assessment_settings import AssessmentRules
from jobs.common.config_errors import ConfigError
from jobs.common.config_load import MAX_PARK_FILE_BYTES, load_yaml_model
from jobs.common.config_text import missing_translations
from jobs.common.config_types import (
    ID_PATTERN,
    Fraction,
    Identifier,
    Percent,
    Strict,
    canonical_host,
)
from jobs.common.coupling_settings import CouplingSettings, coupling_problems
from jobs.common.device_rating import rating_problems
from jobs.common.enterprise_plan_settings import EnterprisePlanSettings
from jobs.common.guiding_settings import GuidingIndicators, guiding_problems
from jobs.common.operations_settings import (
    DispatchSettings,
    HarvestSettings,
    MailSettings,
    ScorecardSettings,
    SetpointSettings,
)
from jobs.common.park_assets import Assets, Battery, EvCharger, HvacZone, PvSystem, ThermalStorage
from jobs.common.park_sections import (
    Contact,
    Device,
    DeviceKind,
    Enterprise,
    EnterpriseTargets,
    GridConnection,
    Language,
    Park,
    Recipients,
    Targets,
)
from jobs.common.register_map import RegisterMap
from jobs.common.simulation_settings import FaultInjection, FaultKind, LoadProfile, Simulation
from jobs.common.tariff_config import Tariff, TouWindow
from jobs.common.valuation_settings import (
    BatteryEconomics,
    FinancingRules,
    InstalledAsset,
    InvestmentCase,
    PvEconomics,
    SimulatedYear,
    ValuationSettings,
)

__all__ = [
    "ID_PATTERN", "Assets", "Battery", "BatteryEconomics", "Contact", "Device", "DeviceKind",
    "DispatchSettings", "Enterprise", "EnterpriseTargets", "EvCharger", "FaultInjection",
    "FaultKind", "FinancingRules", "Fraction", "GridConnection", "HarvestSettings", "HvacZone",
    "Identifier", "InstalledAsset", "InvestmentCase", "Language", "LoadProfile", "MailSettings",
    "Park", "ParkConfig", "Percent", "PvEconomics", "PvSystem", "Recipients", "ScorecardSettings",
    "SetpointSettings", "SimulatedYear", "Simulation", "Strict", "Tariff", "Targets",
    "ThermalStorage", "TouWindow", "ValuationSettings", "check_devices_against_maps",
    "cross_reference_problems", "load_park_config",
]


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
    guiding_indicators: GuidingIndicators = GuidingIndicators()
    admission: AdmissionRules = AdmissionRules()
    annual_assessment: AssessmentRules = AssessmentRules()
    enterprise_plans: EnterprisePlanSettings = EnterprisePlanSettings()
    couplings: CouplingSettings = CouplingSettings()  # circular couplings (issue 18)

    @model_validator(mode="after")
    def _references(self) -> ParkConfig:
        problems = (cross_reference_problems(self) + guiding_problems(self)
                    + coupling_problems(self))
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
        if (device.kind == DeviceKind.DIRECT_GREEN_METER) != (device.source_plant is not None):
            problems.append(f"{where}.source_plant: required for a direct_green_meter (the "
                            "off-site non-fossil plant its line comes from), and only there")
        if device.asset is not None and device.asset not in asset_ids:
            problems.append(f"{where}.asset: unknown asset {device.asset!r}")
        key = (canonical_host(device.host), device.port, device.unit_id)
        if key in addresses and addresses[key] != device.id:
            problems.append(f"{where}.unit_id: {device.host}:{device.port} unit "
                            f"{device.unit_id} is already used by {addresses[key]!r}"
                            + (f" (as {key[0]})" if key[0] != device.host else ""))
        addresses.setdefault(key, device.id)
    meter_id = config.park.grid_connection.meter_device_id
    if meter_id not in device_ids:
        problems.append(f"park.grid_connection.meter_device_id: {meter_id!r} is not a device")
    for index, zone in enumerate(assets.hvac_zones):
        if zone.enterprise is not None and zone.enterprise not in enterprise_ids:
            problems.append(f"assets.hvac_zones[{index}]({zone.id}).enterprise: unknown "
                            f"enterprise {zone.enterprise!r}")
    valued = {pv.id for pv in assets.pv} | {battery.id for battery in assets.batteries}
    for asset_id, installed in config.valuation.installed.items():
        if asset_id not in valued:
            problems.append(f"valuation.installed.{asset_id}: not a configured PV system or "
                            f"battery (those are: {', '.join(sorted(valued)) or 'none'})")
        elif installed.paid_on is not None and installed.paid_on > dt.date.today():
            problems.append(f"valuation.installed.{asset_id}.paid_on: {installed.paid_on} is "
                            "in the future; state the date the capex was paid")
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
    """Cross-file rules: every device names a known map of its kind; controllable means writable,
    and its power setpoints can be held within its rating (device_rating.py)."""
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
        problems += [f"  at {problem}"
                     for problem in rating_problems(index, device, register_map, config.assets,
                                                  config.devices)]
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))


log = logging.getLogger(__name__)


def load_park_config(path: Path, maps: dict[str, RegisterMap]) -> ParkConfig:
    config = load_yaml_model(path, ParkConfig, "park config", MAX_PARK_FILE_BYTES)
    check_devices_against_maps(config, maps, path)
    # a text in one language only is no error (the reports show it as written, marked), but
    # the park should know its other-language readers get it untranslated
    for problem in missing_translations(config):
        log.warning("%s: %s", path, problem)
    return config
