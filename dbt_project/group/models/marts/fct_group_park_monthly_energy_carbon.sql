with kpis as (
    select * from {{ ref('stg_parks__park_monthly_kpis') }}
),

final as (
    select
        park_id,
        month,
        electricity_kwh,
        energy_tce,
        pv_generation_kwh,
        grid_import_kwh,
        grid_export_kwh,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        core_indicator_tco2,
        core_indicator_tco2 / nullif(energy_tce, 0) as core_indicator_tco2_per_tce
    from kpis
)

select * from final
