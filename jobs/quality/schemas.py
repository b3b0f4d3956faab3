"""The landing dataset `dq_quarantine`: one row per reading (or per device-day) a check failed.

Quarantine rows are a report, not a copy of the data: the readings stay where they landed, and
dbt joins this dataset to flag or exclude them. Each row names the check, the device and point,
and a reason a person can act on.
"""

from __future__ import annotations

import pyarrow as pa

DQ_QUARANTINE_DATASET = "dq_quarantine"

# The checks a quarantine row can come from (the `check` column).
CHECK_VALUE_RANGE = "value_range"
CHECK_COMPLETENESS = "completeness"
CHECK_FROZEN_VALUE = "frozen_value"
CHECK_TIMESTAMP_ORDER = "timestamp_order"
CHECK_FUTURE_TIMESTAMP = "future_timestamp"
CHECKS = (CHECK_VALUE_RANGE, CHECK_COMPLETENESS, CHECK_FROZEN_VALUE, CHECK_TIMESTAMP_ORDER,
          CHECK_FUTURE_TIMESTAMP)

DQ_QUARANTINE_SCHEMA = pa.schema([
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("check", pa.string(), nullable=False),
    # The reading's timestamp. Declared nullable for checks without one, but always filled so
    # every row has a partition date: per-day checks (completeness) use the day's UTC midnight,
    # frozen runs their first poll.
    pa.field("ts_utc", pa.timestamp("us", tz="UTC")),
    pa.field("device_id", pa.string(), nullable=False),
    pa.field("point", pa.string()),  # None for per-device checks
    pa.field("value", pa.float64()),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detected_at_utc", pa.timestamp("us", tz="UTC"), nullable=False),
])
