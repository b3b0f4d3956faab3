-- One row per failing check finding; the latest run wins for the same finding.
with source as (
    select * from {{ source('quality', 'dq_quarantine') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by "check", device_id, point, ts_utc order by detected_at_utc desc
    ) = 1
),

final as (
    select
        run_id,
        "check" as check_name,
        cast(ts_utc as timestamptz) as ts_utc,
        device_id,
        point,
        value,
        reason,
        cast(detected_at_utc as timestamptz) as detected_at_utc
    from latest
)

select * from final
