{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ group_park_refresh() }}") }}
-- Incremental, keyed by park (macros/group_incremental.sql): only the changed parks' rows are
-- read and inserted; the other parks' rows stay as the last rollup wrote them.
with guiding as (
    select * from {{ ref('stg_parks__guiding_indicators') }}
    {{ group_changed_parks_only() }}
),

final as (
    select
        park_id,
        indicator_key,
        indicator_name,
        period_kind,
        through_month,
        numerator,
        denominator,
        unit,
        value_pct,
        target_pct,
        status,
        '{{ var("rollup_id", "") }}' as rollup_id
    from guiding
)

select * from final
