{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ group_park_refresh() }}") }}
-- Incremental, keyed by park (macros/group_incremental.sql): only the changed parks' rows are
-- read and inserted; the other parks' rows stay as the last rollup wrote them.
with national as (
    select * from {{ ref('stg_parks__park_national_monthly') }}
    {{ group_changed_parks_only() }}
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
        expected_quarter_hours,
        '{{ var("rollup_id", "") }}' as rollup_id
    from national
)

select * from final
