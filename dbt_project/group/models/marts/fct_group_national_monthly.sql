-- Group totals are sums of the parks' components; the ratios are recomputed from the summed
-- numerators and denominators (never an average of the parks' ratios, which would weigh a
-- small park like a large one).
with national as (
    select * from {{ ref('fct_group_park_national_monthly') }}
),

summed as (
    select
        month,
        count(*) as parks_reporting,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(non_green_grid_kwh) as non_green_grid_kwh,
        sum(direct_green_kwh) as direct_green_kwh,
        sum(pv_generation_kwh) as pv_generation_kwh,
        sum(electricity_consumed_kwh) as electricity_consumed_kwh,
        sum(gas_nm3) as gas_nm3,
        sum(emissions_tco2) as emissions_tco2,
        sum(energy_tce) as energy_tce,
        sum(clean_energy_tce) as clean_energy_tce,
        sum(measured_quarter_hours) as measured_quarter_hours,
        sum(expected_quarter_hours) as expected_quarter_hours
    from national
    group by month
),

final as (
    select
        *,
        emissions_tco2 / nullif(energy_tce, 0) as indicator_tco2_per_tce,
        100 * direct_green_kwh / nullif(electricity_consumed_kwh, 0) as direct_green_share_pct,
        100 * clean_energy_tce / nullif(energy_tce, 0) as clean_energy_share_pct
    from summed
)

select * from final
