-- Sums over the parks; the one ratio is recomputed from the summed tonnes and tce.
with kpis as (
    select * from {{ ref('fct_group_park_monthly_energy_carbon') }}
),

summed as (
    select
        month,
        count(*) as parks_reporting,
        sum(electricity_kwh) as electricity_kwh,
        sum(energy_tce) as energy_tce,
        sum(pv_generation_kwh) as pv_generation_kwh,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(grid_export_kwh) as grid_export_kwh,
        sum(scope1_tco2) as scope1_tco2,
        sum(scope2_location_tco2) as scope2_location_tco2,
        sum(scope2_market_tco2) as scope2_market_tco2,
        sum(core_indicator_tco2) as core_indicator_tco2
    from kpis
    group by month
),

final as (
    select
        *,
        core_indicator_tco2 / nullif(energy_tce, 0) as core_indicator_tco2_per_tce
    from summed
)

select * from final
