-- The factors of the national zero-carbon park assessment (发改环资〔2025〕910号 annexes 3 and 4),
-- chosen by the national_* vars in dbt_project.yml, each with its source. A var that selects
-- nothing leaves a null that a test catches. Separate from int_accounting_factors_selected:
-- the enterprises' Scope 2 and the ETS account use other factors and another conversion basis.

with fossil as (
    select kgco2_per_kwh, series, data_year, source from {{ ref('grid_emission_factors') }}
    where series = '{{ var("national_fossil_factor_series") }}'
        and region_level = 'national'
        and data_year = {{ var("national_fossil_factor_year") }}
),

electricity_coal as (
    select kgce_per_unit, basis, source from {{ ref('energy_conversion_gbt2589') }}
    where carrier = 'electricity'
        and basis like '{{ var("national_electricity_conversion_basis") }}%'
),

gas as (
    -- fuels are counted at the same sourced factors as the enterprises' Scope 1
    select gas_kgce_per_nm3, gas_tco2_per_nm3, gas_factor_source
    from {{ ref('int_accounting_factors_selected') }}
),

heat_carbon as (
    -- fossil heat without a measured factor (annex 4: 0.11 tCO2/GJ)
    select tco2_per_unit as tco2_per_gj, source from {{ ref('fuel_emission_factors') }}
    where fuel = 'purchased_heat'
),

heat_coal as (
    -- the table gives kgce per MJ
    select kgce_per_unit * 1000.0 as kgce_per_gj, source from {{ ref('energy_conversion_gbt2589') }}
    where carrier = 'heat'
),

final as (
    select
        (select kgco2_per_kwh from fossil) as fossil_kgco2_per_kwh,
        (select series || ' ' || data_year || ': ' || source from fossil) as fossil_factor_source,
        (select kgce_per_unit from electricity_coal) as electricity_kgce_per_kwh,
        (select basis || ': ' || source from electricity_coal) as electricity_conversion_source,
        (select gas_kgce_per_nm3 from gas) as gas_kgce_per_nm3,
        (select gas_tco2_per_nm3 from gas) as gas_tco2_per_nm3,
        (select gas_factor_source from gas) as gas_factor_source,
        (select tco2_per_gj from heat_carbon) as heat_default_tco2_per_gj,
        (select source from heat_carbon) as heat_default_factor_source,
        (select kgce_per_gj from heat_coal) as heat_kgce_per_gj,
        {{ var("national_gas_counts_as_clean") }} as gas_counts_as_clean,
        {{ var("national_stored_export_subtracts") }} as stored_export_subtracts
)

select * from final
