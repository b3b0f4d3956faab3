-- The direct green line's power forecasts, as landed: one row per issue and interval.
with source as (
    select * from {{ source('dispatch', 'line_forecasts') }}
),

final as (
    select
        cast(issued_at_utc as timestamptz) as issued_at_utc,
        cast(interval_start_utc as timestamptz) as interval_start_utc,
        product,
        kw as forecast_kw,
        source_file
    from source
)

select * from final
