"""A hand-made park for warehouse tests: meters that read a constant rate every 5 minutes, so
every figure downstream can be computed by hand."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from jobs.common import landing

STEP = dt.timedelta(minutes=5)
ENDPOINT = {"host": "127.0.0.1", "port": 15020}


def park_section(park_id: str, name_zh: str, name_en: str) -> dict:
    """The park's own section: Suzhou's clock, a grid meter `grid-main`."""
    return {"id": park_id, "name_zh": name_zh, "name_en": name_en,
            "timezone": "Asia/Shanghai", "latitude_deg": 31.3, "longitude_deg": 120.7,
            "province": "江苏", "grid_region": "华东",
            "grid_connection": {"meter_device_id": "grid-main", "import_limit_kw": 8000,
                                "export_limit_kw": 1500, "contract_demand_kw": 5000}}


def constant_rate_readings(first: dt.datetime, last: dt.datetime,
                           rates_per_h: dict[tuple[str, str], float]) -> pa.Table:
    """Every (device, counter) counting up at its rate an hour, read every 5 minutes."""
    rows = []
    at = first
    while at <= last:
        hours = (at - first) / dt.timedelta(hours=1)
        for (device, point), rate in rates_per_h.items():
            rows.append({"ts_utc": at, "device_id": device, "point": point,
                         "value": 1000.0 + rate * hours, "quality": "good",
                         "cycle_id": f"hand-{at:%Y%m%dT%H%M}", "detail": None})
        at += STEP
    return pa.Table.from_pylist(rows, schema=landing.READINGS_SCHEMA)


ENTERPRISES = [{"id": "alpha", "name_zh": "甲", "name_en": "Alpha", "industry": "textile"},
               {"id": "beta", "name_zh": "乙", "name_en": "Beta", "industry": "electronics"}]


def alpha_beta_devices() -> list[dict]:
    """The grid meter, alpha's and beta's feeders and alpha's gas meter."""
    return [
        {"id": "grid-main", "kind": "grid_meter", "register_map": "meter_3ph_u32",
         **ENDPOINT, "unit_id": 1, "rated_kw": 8000},
        {"id": "meter-alpha", "kind": "sub_meter", "register_map": "meter_3ph_u32",
         "enterprise": "alpha", **ENDPOINT, "unit_id": 2, "rated_kw": 1000},
        {"id": "meter-beta", "kind": "sub_meter", "register_map": "meter_3ph_u32",
         "enterprise": "beta", **ENDPOINT, "unit_id": 3, "rated_kw": 1000},
        {"id": "gas-alpha", "kind": "gas_meter", "register_map": "gas_meter",
         "enterprise": "alpha", **ENDPOINT, "unit_id": 4},
    ]
