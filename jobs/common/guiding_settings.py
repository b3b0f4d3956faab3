"""The park's settings for the national guiding indicators (指引性指标, 910号 附件3).

- `not_applicable`: an indicator the park cannot assess for an objective reason (a logistics park
  has no industrial solid waste), with the reason the application states. The marts show
  `not_applicable: <reason>` instead of a light.
- `product_energy_limits`: grade-2 (二级) limits a park adds to the sourced national table
  (seed product_energy_limits), e.g. from a standard published after the seed, each with its
  standard and source. A park value for a product the seed has replaces the seed's.
- `waste_heat_tanks`: heat stores whose charged heat is recovered waste heat, and the enterprise
  whose waste heat it is (ts-01 stores the dyeing wastewater heat of a textile mill).
- `water_meters`: which pipe each water meter measures (`fresh_intake` or `reused`); its
  totaliser replaces the enterprise's inbox figure for that quantity and month.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from jobs.common.config_types import Identifier, Number, Strict

Reason = Annotated[str, Field(min_length=3, max_length=300)]
SourceText = Annotated[str, Field(min_length=3, max_length=500)]


class GuidingIndicator(StrEnum):
    CLEAN_ENERGY_SHARE = "clean_energy_share"
    UNIT_PRODUCT_ENERGY = "unit_product_energy"
    SOLID_WASTE_UTILISATION = "solid_waste_utilisation"
    WASTE_HEAT_UTILISATION = "waste_heat_utilisation"
    WATER_REUSE = "water_reuse"


class ProductEnergyLimit(Strict):
    product_code: Annotated[str, Field(min_length=1, max_length=64)]
    product_name_zh: str
    product_name_en: str
    standard: SourceText  # e.g. GB 16780-2021 《水泥单位产品能源消耗限额》
    grade2_limit_kgce_per_unit: Annotated[Number, Field(gt=0)]
    output_unit: Annotated[str, Field(min_length=1, max_length=16)]  # the unit the limit is per
    source: SourceText


class GuidingIndicators(Strict):
    not_applicable: dict[GuidingIndicator, Reason] = {}
    product_energy_limits: list[ProductEnergyLimit] = []
    waste_heat_tanks: dict[Identifier, Identifier] = {}  # heat-store device -> enterprise
    water_meters: dict[Identifier, Literal["fresh_intake", "reused"]] = {}


def guiding_problems(config: object) -> list[str]:
    """References of the section that do not resolve (called from the park's cross-checks)."""
    section: GuidingIndicators = config.guiding_indicators  # type: ignore[attr-defined]
    devices = {d.id: d for d in config.devices}  # type: ignore[attr-defined]
    enterprises = {e.id for e in config.enterprises}  # type: ignore[attr-defined]
    problems = []
    for device_id, enterprise_id in section.waste_heat_tanks.items():
        where = f"guiding_indicators.waste_heat_tanks.{device_id}"
        device = devices.get(device_id)
        if device is None:
            problems.append(f"{where}: unknown device {device_id!r}")
        elif device.kind != "thermal_storage":
            problems.append(f"{where}: device {device_id!r} is a {device.kind}, not a "
                            "thermal_storage")
        if enterprise_id not in enterprises:
            problems.append(f"{where}: unknown enterprise {enterprise_id!r}")
    for device_id in section.water_meters:
        where = f"guiding_indicators.water_meters.{device_id}"
        device = devices.get(device_id)
        if device is None:
            problems.append(f"{where}: unknown device {device_id!r}")
        elif device.kind != "water_meter" or device.enterprise is None:
            problems.append(f"{where}: device {device_id!r} must be a water_meter of an "
                            "enterprise")
    codes = [limit.product_code for limit in section.product_energy_limits]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"guiding_indicators.product_energy_limits: product {code!r} twice")
    return problems
