-- Readings as landed: typed and renamed, nothing dropped (quality decides downstream).
with source as (
    select * from {{ source('landing', 'readings') }}
),

final as (
    select
        cast(ts_utc as timestamptz) as ts_utc,
        device_id,
        point,
        cast(value as double) as value,
        quality,
        cycle_id,
        detail,
        cast("date" as date) as landing_date
    from source
)

select * from final
