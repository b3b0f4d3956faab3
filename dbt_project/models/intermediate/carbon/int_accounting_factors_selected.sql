-- The one set of factors this build accounts with, chosen by the vars in dbt_project.yml, each
-- with the source it came from. A var that selects nothing leaves a null that a test catches.
-- The allowance factor is separate from the location-based one: allowances are allocated and
-- surrendered at the ETS reporting factor, which is not the NBS average.

with grid as (
    select * from {{ ref('grid_emission_factors') }}
    where region_level = '{{ var("grid_factor_region_level") }}'
        and region = '{{ var("grid_factor_region") }}'
        and data_year = {{ var("grid_factor_year") }}
),

location_factor as (
    select kgco2_per_kwh, source from grid
    where series = '{{ var("grid_factor_location_series") }}'
),

market_factor as (
    select kgco2_per_kwh, source from grid
    where series = '{{ var("grid_factor_market_series") }}'
),

allowance_factor_sourced as (
    -- the ETS prescribes one national factor, so this series is looked up nationally
    select kgco2_per_kwh, source from {{ ref('grid_emission_factors') }}
    where series = '{{ var("allowance_factor_series") }}'
        and region_level = 'national'
        and data_year = {{ var("allowance_factor_year") }}
),

allowance_factor_configured as (
    -- the park's own figure (targets.allowance_factor_kgco2_per_kwh), when it sets one
    select cast(allowance_factor_kgco2_per_kwh as double) as kgco2_per_kwh
    from {{ ref('stg_reference__park') }}
    where allowance_factor_kgco2_per_kwh is not null
),

electricity_coal as (
    select kgce_per_unit, basis, source from {{ ref('energy_conversion_gbt2589') }}
    where carrier = 'electricity' and basis like '{{ var("electricity_conversion_basis") }}%'
),

gas_coal as (
    select kgce_per_unit, source from {{ ref('energy_conversion_gbt2589') }}
    where carrier = 'natural_gas'
),

gas_carbon as (
    -- the guideline gives tCO2 per 10^4 Nm3
    select tco2_per_unit / 10000.0 as tco2_per_nm3, source
    from {{ ref('fuel_emission_factors') }}
    where fuel = 'natural_gas'
),

final as (
    select
        (select kgco2_per_kwh from location_factor) as location_kgco2_per_kwh,
        (select source from location_factor) as location_factor_source,
        (select kgco2_per_kwh from market_factor) as market_kgco2_per_kwh,
        (select source from market_factor) as market_factor_source,
        {{ var("grid_factor_year") }} as grid_factor_year,
        coalesce((select kgco2_per_kwh from allowance_factor_configured),
                 (select kgco2_per_kwh from allowance_factor_sourced))
            as allowance_kgco2_per_kwh,
        case when exists (select 1 from allowance_factor_configured)
             then 'park config (targets.allowance_factor_kgco2_per_kwh)'
             else '{{ var("allowance_factor_series") }} {{ var("allowance_factor_year") }}: '
                  || (select source from allowance_factor_sourced)
        end as allowance_factor_source,
        (select kgce_per_unit from electricity_coal) as electricity_kgce_per_kwh,
        (select basis from electricity_coal) as electricity_conversion_basis,
        (select kgce_per_unit from gas_coal) as gas_kgce_per_nm3,
        (select tco2_per_nm3 from gas_carbon) as gas_tco2_per_nm3,
        (select source from gas_carbon) as gas_factor_source
)

select * from final
