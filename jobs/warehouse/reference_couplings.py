"""Reference tables for the circular-coupling map, from the park's `couplings` section
(jobs/common/coupling_settings.py): which meter measures which coupling, and the park's
incentive rule per carrier (the unit is the carrier's: GJ, m3, t)."""

from __future__ import annotations

import pyarrow as pa

from jobs.common.coupling_settings import CARRIER_UNITS
from jobs.common.park_config import ParkConfig

METERS_SCHEMA = pa.schema([("device_id", pa.string()), ("from_id", pa.string()),
                           ("to_id", pa.string()), ("carrier", pa.string()),
                           ("kind", pa.string())])
INCENTIVES_SCHEMA = pa.schema([("carrier", pa.string()), ("unit", pa.string()),
                               ("reward_tco2_per_unit", pa.float64()),
                               ("subsidy_cny_per_unit", pa.float64()),
                               ("paid_to", pa.string()), ("source", pa.string())])


def coupling_reference_tables(park: ParkConfig) -> dict[str, pa.Table]:
    section = park.couplings
    return {
        "coupling_meters": pa.Table.from_pylist(
            [{"device_id": device, **meter.model_dump()}
             for device, meter in section.meters.items()], schema=METERS_SCHEMA),
        "coupling_incentives": pa.Table.from_pylist(
            [{"carrier": carrier, "unit": CARRIER_UNITS[carrier], **rule.model_dump(),
              "source": section.incentive_source}
             for carrier, rule in section.incentives.items()], schema=INCENTIVES_SCHEMA),
    }
