with source as (
    select * from {{ source('tenants', 'enterprise_assessments') }}
),

final as (
    select * exclude ("date"), cast(ts_utc as timestamptz) as assessed_at_utc
    from source
)

select * exclude (ts_utc) from final
