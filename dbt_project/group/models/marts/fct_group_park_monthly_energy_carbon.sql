{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ group_park_refresh() }}") }}
-- Incremental, keyed by park (macros/group_incremental.sql): only the changed parks' rows are
-- read and inserted; the other parks' rows stay as the last rollup wrote them.
with kpis as (
    select * from {{ ref('stg_parks__park_monthly_kpis') }}
    {{ group_changed_parks_only() }}
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
        core_indicator_tco2 / nullif(energy_tce, 0) as core_indicator_tco2_per_tce,
        '{{ var("rollup_id", "") }}' as rollup_id
    from kpis
)

select * from final
