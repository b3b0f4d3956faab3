{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ group_park_refresh() }}") }}
-- Incremental, keyed by park (macros/group_incremental.sql): only the changed parks' rows are
-- read and inserted; the other parks' rows stay as the last rollup wrote them.
-- Each park's acceptance readiness as of its latest month (the park's own through_month: a
-- park whose data stops earlier shows where it stands then, and says so).
with readiness as (
    select * from {{ ref('stg_parks__park_acceptance_readiness') }}
    {{ group_changed_parks_only() }}
),

latest as (
    select park_id, max(through_month) as through_month from readiness group by park_id
),

final as (
    select
        readiness.park_id,
        readiness.year,
        readiness.through_month,
        readiness.indicator_key,
        readiness.sort_order,
        readiness.is_core,
        readiness.indicator_name_zh,
        readiness.indicator_name_en,
        readiness.value,
        readiness.unit,
        readiness.target,
        readiness.target_text,
        readiness.status,
        readiness.gap,
        readiness.close_action_zh,
        readiness.close_action_en,
        readiness.close_cost_cny,
        '{{ var("rollup_id", "") }}' as rollup_id
    from readiness
    inner join latest
        on readiness.park_id = latest.park_id
        and readiness.through_month = latest.through_month
)

select * from final
