with national as (
    select * from {{ ref('stg_parks__park_national_monthly') }}
),

final as (
    select
        park_id,
        month,
        grid_import_kwh,
        non_green_grid_kwh,
        direct_green_kwh,
        pv_generation_kwh,
        electricity_consumed_kwh,
        gas_nm3,
        emissions_tco2,
        energy_tce,
        clean_energy_tce,
        indicator_tco2_per_tce,
        direct_green_share_pct,
        clean_energy_share_pct,
        measured_quarter_hours,
        expected_quarter_hours
    from national
)

select * from final
