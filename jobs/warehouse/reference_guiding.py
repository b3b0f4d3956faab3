"""Reference tables for the national guiding indicators, from the park's `guiding_indicators`
section (jobs/common/guiding_settings.py): what the park says is not applicable and why, the
grade-2 limits it adds to the sourced national table, which heat stores hold waste heat, and
which pipe each water meter measures."""

from __future__ import annotations

import pyarrow as pa

from jobs.common.park_config import ParkConfig

NOT_APPLICABLE_SCHEMA = pa.schema([("indicator", pa.string()), ("reason", pa.string())])
PRODUCT_LIMITS_SCHEMA = pa.schema([
    ("product_code", pa.string()), ("product_name_zh", pa.string()),
    ("product_name_en", pa.string()), ("standard", pa.string()),
    ("grade2_limit_kgce_per_unit", pa.float64()), ("output_unit", pa.string()),
    ("source", pa.string())])
WASTE_HEAT_TANKS_SCHEMA = pa.schema([("device_id", pa.string()), ("enterprise_id", pa.string())])
WATER_METERS_SCHEMA = pa.schema([("device_id", pa.string()), ("measures", pa.string())])


def guiding_reference_tables(park: ParkConfig) -> dict[str, pa.Table]:
    section = park.guiding_indicators
    return {
        "guiding_not_applicable": pa.Table.from_pylist(
            [{"indicator": indicator.value, "reason": reason}
             for indicator, reason in section.not_applicable.items()],
            schema=NOT_APPLICABLE_SCHEMA),
        "guiding_product_limits": pa.Table.from_pylist(
            [limit.model_dump() for limit in section.product_energy_limits],
            schema=PRODUCT_LIMITS_SCHEMA),
        "guiding_waste_heat_tanks": pa.Table.from_pylist(
            [{"device_id": device, "enterprise_id": enterprise}
             for device, enterprise in section.waste_heat_tanks.items()],
            schema=WASTE_HEAT_TANKS_SCHEMA),
        "guiding_water_meters": pa.Table.from_pylist(
            [{"device_id": device, "measures": measures}
             for device, measures in section.water_meters.items()],
            schema=WATER_METERS_SCHEMA),
    }
