"""The landed assessment outcomes (dataset `enterprise_assessments`), one row per enterprise
and run."""

from __future__ import annotations

import pyarrow as pa

ASSESSMENTS_SCHEMA = pa.schema([
    ("ts_utc", pa.timestamp("us", tz="UTC")), ("period_kind", pa.string()),
    ("year", pa.int32()), ("through_month", pa.int32()), ("enterprise_id", pa.string()),
    ("outcome", pa.string()), ("missing_data", pa.bool_()),
    ("intensity_tco2_per_10k_cny", pa.float64()), ("intensity_fall_pct", pa.float64()),
    ("clean_energy_share_pct", pa.float64()), ("efficiency_gain_pct", pa.float64()),
    ("red_months", pa.int32()), ("targets_met", pa.bool_()), ("calculation", pa.string())])
