{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ group_park_refresh() }}") }}
-- Incremental, keyed by park (macros/group_incremental.sql): only the changed parks' rows are
-- read and inserted; the other parks' rows stay as the last rollup wrote them.
with accounts as (
    select * from {{ ref('stg_parks__enterprise_carbon_accounts') }}
    {{ group_changed_parks_only() }}
),

final as (
    select
        park_id,
        entity_id,
        entity_kind,
        month,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        accounted_tco2,
        allowances_held_tco2,
        surplus_to_date_tco2,
        account_status,
        '{{ var("rollup_id", "") }}' as rollup_id
    from accounts
)

select * from final
