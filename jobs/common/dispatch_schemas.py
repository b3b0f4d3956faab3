"""Landing schemas of the day-ahead run's outputs (pyarrow only: the warehouse build imports
them without importing the optimiser)."""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
FORECASTS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("issued_at_utc", UTC_TS), ("interval_start_utc", UTC_TS),
    ("horizon_h", pa.float64()), ("asset_kind", pa.string()), ("asset_id", pa.string()),
    ("quantity", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
    ("provider", pa.string())])
PLANS_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("created_at_utc", UTC_TS), ("plan_date", pa.date32()),
    ("interval_start_utc", UTC_TS), ("asset_kind", pa.string()), ("asset_id", pa.string()),
    ("quantity", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
    ("solver_status", pa.string()), ("is_fallback", pa.bool_()),
    ("objective_cny", pa.float64()), ("baseline_cost_cny", pa.float64()),
    ("weather_provider", pa.string()),
    ("breached_bounds", pa.string())])  # a relaxed plan: the bounds it could not keep
