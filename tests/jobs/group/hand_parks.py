"""Small hand-made parks: a published warehouse file per park holding the group marts with
a few rows whose group totals and league ranks are worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

from jobs.group.marts import GROUP_MARTS

OCTOBER = dt.date(2026, 10, 1)
# park -> (name_zh, name_en), as each park's park.yaml would give them to its export
NAMES = {"p-a": ("苏州工业园零碳示范园", "Suzhou Zero-Carbon Demo Park"),
         "p-b": ("无锡北部新材料产业园", "Wuxi North New Materials Park"),
         "p-c": ("常州西太湖绿色园区", "Changzhou West Taihu Green Park")}
# park -> national monthly components for October (kWh, tCO2, tce)
NATIONAL = {
    "p-a": dict(grid_import_kwh=1000.0, non_green_grid_kwh=800.0, direct_green_kwh=100.0,
                pv_generation_kwh=200.0, electricity_consumed_kwh=1250.0, gas_nm3=10.0,
                emissions_tco2=0.666, energy_tce=0.3, clean_energy_tce=0.1,
                measured_quarter_hours=2976, expected_quarter_hours=2976),
    "p-b": dict(grid_import_kwh=3000.0, non_green_grid_kwh=3000.0, direct_green_kwh=0.0,
                pv_generation_kwh=0.0, electricity_consumed_kwh=3000.0, gas_nm3=0.0,
                emissions_tco2=2.4975, energy_tce=0.9, clean_energy_tce=0.0,
                measured_quarter_hours=2900, expected_quarter_hours=2976),
    "p-c": dict(grid_import_kwh=500.0, non_green_grid_kwh=250.0, direct_green_kwh=250.0,
                pv_generation_kwh=0.0, electricity_consumed_kwh=750.0, gas_nm3=0.0,
                emissions_tco2=0.208125, energy_tce=0.2, clean_energy_tce=0.1,
                measured_quarter_hours=2976, expected_quarter_hours=2976),
}
# park -> year to date through October: indicator (tCO2/tce), clean share, direct-green share
YTD = {"p-a": (2.0, 40.0, 10.0), "p-b": (3.0, 40.0, 5.0), "p-c": (1.5, 20.0, None)}
# park -> (scope1, scope2 location, scope2 market, core indicator tCO2, energy tce) in October
KPIS = {"p-a": (1.0, 5.0, 4.0, 5.0, 2.0), "p-b": (0.0, 9.0, 9.0, 9.0, 3.0),
        "p-c": (2.0, 1.0, 0.5, 2.5, 1.0)}


def _defaults(mart: str) -> dict[str, object]:
    return {column: None for column in GROUP_MARTS[mart]}


def mart_tables(park_id: str) -> dict[str, pa.Table]:
    n = NATIONAL[park_id]
    national = _defaults("fct_park_national_monthly") | n | {
        "month": OCTOBER, "calculation": "national_910",
        "indicator_tco2_per_tce": n["emissions_tco2"] / n["energy_tce"],
        "direct_green_share_pct": 100 * n["direct_green_kwh"] / n["electricity_consumed_kwh"],
        "clean_energy_share_pct": 100 * n["clean_energy_tce"] / n["energy_tce"]}
    indicator, clean, green = YTD[park_id]
    periods = _defaults("fct_park_national_periods") | {
        "period_kind": "ytd", "period_end_month": OCTOBER, "months_with_data": 10,
        "emissions_tco2": indicator * 10, "energy_tce": 10.0, "indicator_tco2_per_tce": indicator,
        "clean_energy_share_pct": clean, "direct_green_share_pct": green,
        "coverage_pct": 99.0, "limit_tco2_per_tce": 2.5, "meets_limit": indicator <= 2.5}
    readiness = [_defaults("fct_park_acceptance_readiness") | {
        "park_id": park_id, "year": 2026, "through_month": month, "indicator_key": key,
        "sort_order": order, "is_core": key == "core_indicator", "indicator_name_zh": name,
        "indicator_name_en": key, "value": value, "unit": "tCO2/tce", "target": 2.5,
        "target_text": "≤ 2.5", "status": status, "gap": None,
        "close_action_zh": "", "close_action_en": "", "close_cost_cny": None}
        for month, value, status in ((dt.date(2026, 9, 1), 9.9, "misses"),
                                     (OCTOBER, indicator, "meets" if indicator <= 2.5
                                      else "misses"))
        for key, order, name in (("core_indicator", 1, "单位能耗碳排放"),)]
    guiding = _defaults("fct_guiding_indicators") | {
        "park_id": park_id, "indicator_key": "water_reuse", "indicator_name": "水重复利用率",
        "period_kind": "month", "through_month": OCTOBER, "numerator": 1.0, "denominator": 2.0,
        "unit": "m3", "value_pct": 50.0, "target_pct": 90.0, "status": "misses"}
    scope1, location, market, core, energy = KPIS[park_id]
    kpis = _defaults("fct_park_monthly_kpis") | {
        "month": OCTOBER, "electricity_kwh": 100.0, "energy_tce": energy,
        "pv_generation_kwh": 10.0, "grid_import_kwh": 90.0, "grid_export_kwh": 0.0,
        "scope1_tco2": scope1, "scope2_location_tco2": location, "scope2_market_tco2": market,
        "core_indicator_tco2": core}
    accounts = _defaults("fct_enterprise_carbon_accounts") | {
        "entity_id": "e1", "entity_kind": "enterprise", "month": OCTOBER, "scope1_tco2": scope1,
        "scope2_location_tco2": location, "scope2_market_tco2": market,
        "accounted_tco2": scope1 + location, "allowances_held_tco2": 10.0,
        "surplus_to_date_tco2": 10.0 - scope1 - location, "account_status": "surplus"}
    rows = {"fct_park_national_monthly": [national], "fct_park_national_periods": [periods],
            "fct_park_acceptance_readiness": readiness, "fct_guiding_indicators": [guiding],
            "fct_park_monthly_kpis": [kpis], "fct_enterprise_carbon_accounts": [accounts]}
    return {mart: _typed(pa.Table.from_pylist(value)) for mart, value in rows.items()}


def _typed(table: pa.Table) -> pa.Table:
    # all-null columns come out as pa.null(); give them a real type as the marts have
    fields = [pa.field(f.name, pa.float64() if pa.types.is_null(f.type) else f.type)
              for f in table.schema]
    return table.cast(pa.schema(fields))


def write_warehouse(path: Path, tables: dict[str, pa.Table]) -> Path:
    """A plain DuckDB file (a published warehouse from before versioning is its own
    version) with the tables in schema main."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        for mart, table in tables.items():
            connection.register("incoming", table)
            connection.execute(f"create or replace table main.{mart} as select * from incoming")
            connection.unregister("incoming")
    return path
