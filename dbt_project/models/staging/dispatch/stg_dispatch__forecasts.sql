-- Forecasts behind each day-ahead run, as landed.
with source as (
    select * from {{ source('dispatch', 'forecasts') }}
),

final as (
    select
        run_id,
        cast(issued_at_utc as timestamptz) as issued_at_utc,
        cast(interval_start_utc as timestamptz) as interval_start_utc,
        horizon_h,
        asset_kind,
        asset_id,
        quantity,
        value,
        unit,
        provider
    from source
)

select * from final
