"""Landing schemas of the monthly valuation (pyarrow only: the warehouse build imports them).
One file per run under `<landing>/<dataset>/date=<run date UTC>/<run id>.parquet`; the marts
keep the latest run per month."""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")
F64, STR, BOOL = pa.float64(), pa.string(), pa.bool_()

_RUN = [("run_id", STR), ("created_at_utc", UTC_TS), ("month", pa.date32()),
        ("price_date", pa.date32()), ("currency", STR)]

ASSET_VALUATIONS_DATASET = "asset_valuations"
ASSET_VALUATIONS_SCHEMA = pa.schema([
    *_RUN,
    ("asset_id", STR), ("asset_kind", STR), ("basis", STR),  # realised / twin_case
    ("owner_enterprise_id", STR), ("size", F64), ("size_unit", STR),
    ("commissioned", pa.date32()), ("age_years", F64), ("life_years", pa.int32()),
    ("capex_cny", F64), ("realised_days", pa.int32()), ("annualise_factor", F64),
    ("year1_energy_kwh", F64), ("year1_bill_savings_cny", F64),
    ("year1_export_revenue_cny", F64), ("year1_tco2_avoided", F64),
    ("discount_rate_pct", F64), ("carbon_price_cny_per_tco2", F64),
    ("npv_cny", F64), ("irr", F64), ("simple_payback_years", F64),
    ("discounted_payback_years", F64), ("lcoe_cny_per_kwh", F64), ("lcos_cny_per_kwh", F64),
    ("lifecycle_tco2_avoided", F64), ("break_even_carbon_price_cny_per_tco2", F64),
    ("lcc_bau_cny", F64), ("lcc_cny", F64), ("remaining_value_cny", F64),
    ("green_bond_eligible", BOOL), ("min_dscr", F64), ("loan_cny", F64),
    ("ppp_private_irr", F64),
    # what the figures rest on (jobs/valuation/assets.py): metered_year / simulated_year /
    # insufficient_data (NPV and the rest null); operated: the asset delivered energy in its
    # metered days; capex_source: config (what the park paid, on paid_on) / estimated
    ("asset_name_zh", STR), ("asset_name_en", STR), ("data_basis", STR), ("operated", BOOL),
    ("metered_days", pa.int32()), ("capex_source", STR), ("paid_on", pa.date32())])

CARBON_LEDGER_DATASET = "carbon_ledger"
CARBON_LEDGER_SCHEMA = pa.schema([
    *_RUN,
    ("entity_id", STR), ("entity_kind", STR), ("compliance_year", pa.int32()),
    ("allowances_allocated_tco2", F64), ("allowances_held_tco2", F64),
    ("verified_emissions_ytd_tco2", F64), ("projected_emissions_year_tco2", F64),
    ("projected_surplus_tco2", F64), ("account_status", STR),
    ("certificates_earned_ytd", pa.int64()), ("certificates_retired_ytd", pa.int64()),
    ("certificates_held", pa.int64()), ("ccer_tco2", F64),
    ("surplus_value_low_cny", F64), ("surplus_value_base_cny", F64),
    ("surplus_value_high_cny", F64), ("deficit_exposure_base_cny", F64),
    ("certificates_value_cny", F64), ("pledge_capacity_cny", F64),
    ("cea_price_base_cny_per_tco2", F64), ("gec_price_cny_each", F64),
    # the park's common loads inside the park total's emissions (jobs/valuation/ledger.py)
    ("common_loads_ytd_tco2", F64), ("common_loads_projected_tco2", F64)])

CASE_SENSITIVITY_DATASET = "case_sensitivity"
CASE_SENSITIVITY_SCHEMA = pa.schema([
    *_RUN, ("case_id", STR), ("parameter", STR), ("value", F64), ("unit", STR),
    ("npv_cny", F64), ("irr", F64), ("simple_payback_years", F64)])

VALUATION_DATASETS = {ASSET_VALUATIONS_DATASET: ASSET_VALUATIONS_SCHEMA,
                      CARBON_LEDGER_DATASET: CARBON_LEDGER_SCHEMA,
                      CASE_SENSITIVITY_DATASET: CASE_SENSITIVITY_SCHEMA}
