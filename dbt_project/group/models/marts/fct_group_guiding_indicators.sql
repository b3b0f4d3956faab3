with guiding as (
    select * from {{ ref('stg_parks__guiding_indicators') }}
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
        status
    from guiding
)

select * from final
