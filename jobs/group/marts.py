"""Which of a park's published marts the group receives, and the columns the group models rely
on. The export copies every column (an analyst may want the rest); a partition missing one of
the columns below is refused at staging, naming the park, the mart and the column."""

from __future__ import annotations

# mart -> columns the group's dbt models read (the park id comes from the partition)
GROUP_MARTS: dict[str, tuple[str, ...]] = {
    # national zero-carbon park assessment (910号), monthly: group totals from the components
    "fct_park_national_monthly": (
        "month", "grid_import_kwh", "non_green_grid_kwh", "direct_green_kwh",
        "pv_generation_kwh", "electricity_consumed_kwh", "gas_nm3", "emissions_tco2",
        "energy_tce", "clean_energy_tce", "indicator_tco2_per_tce", "direct_green_share_pct",
        "clean_energy_share_pct", "measured_quarter_hours", "expected_quarter_hours"),
    # the same by period (year to date): the league table
    "fct_park_national_periods": (
        "period_kind", "period_end_month", "months_with_data", "emissions_tco2", "energy_tce",
        "clean_energy_tce", "direct_green_kwh", "electricity_consumed_kwh",
        "indicator_tco2_per_tce", "clean_energy_share_pct", "direct_green_share_pct",
        "coverage_pct", "limit_tco2_per_tce", "meets_limit"),
    # the six acceptance indicators with their lights and what closes the gap
    "fct_park_acceptance_readiness": (
        "year", "through_month", "indicator_key", "sort_order", "is_core",
        "indicator_name_zh", "indicator_name_en", "value", "unit", "target", "target_text",
        "status", "gap", "close_action_zh", "close_action_en", "close_cost_cny"),
    # guiding indicators (rates with their numerators and denominators)
    "fct_guiding_indicators": (
        "indicator_key", "indicator_name", "period_kind", "through_month", "numerator",
        "denominator", "unit", "value_pct", "target_pct", "status"),
    # monthly energy and carbon on the enterprises' GHG Protocol basis
    "fct_park_monthly_kpis": (
        "month", "electricity_kwh", "energy_tce", "pv_generation_kwh", "grid_import_kwh",
        "grid_export_kwh", "scope1_tco2", "scope2_location_tco2", "scope2_market_tco2",
        "core_indicator_tco2"),
    # each enterprise's carbon account (碳账户)
    "fct_enterprise_carbon_accounts": (
        "entity_id", "entity_kind", "month", "scope1_tco2", "scope2_location_tco2",
        "scope2_market_tco2", "accounted_tco2", "allowances_held_tco2",
        "surplus_to_date_tco2", "account_status"),
}
PARTITION_FILE = "data.parquet"
MANIFESTS = "_parks"  # one JSON per park, written after its marts: what was exported, when


def partition_url(group_root: str, mart: str, park_id: str) -> str:
    return f"{group_root.rstrip('/')}/{mart}/park_id={park_id}/{PARTITION_FILE}"


def manifest_url(group_root: str, park_id: str) -> str:
    return f"{group_root.rstrip('/')}/{MANIFESTS}/park_id={park_id}.json"
