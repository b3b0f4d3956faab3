"""The landed admission decisions (dataset `admissions`), one row per assessment."""

from __future__ import annotations

import pyarrow as pa

ADMISSIONS_SCHEMA = pa.schema([
    ("ts_utc", pa.timestamp("us", tz="UTC")), ("application_id", pa.string()),
    ("applicant_name_zh", pa.string()), ("industry_code", pa.string()),
    ("outcome", pa.string()), ("reasons", pa.string()),
    ("emissions_tco2_per_year", pa.float64()), ("energy_tce_per_year", pa.float64()),
    ("park_indicator_without", pa.float64()), ("park_indicator_with", pa.float64()),
    ("green_power_mwh_condition", pa.float64()), ("pv_kwp_condition", pa.float64()),
    ("calculation", pa.string())])
