-- Setpoint attempts as landed: typed, values renamed with a _value suffix (the bare names
-- written / clamped read like flags), nothing dropped (the outcome decides downstream).
with source as (
    select * from {{ source('setpoints', 'setpoint_audit') }}
),

final as (
    select
        cast(attempt_ts_utc as timestamptz) as attempt_ts_utc,
        cycle_id,
        plan_run_id,
        plan_solver_status,
        cast(interval_start_utc as timestamptz) as interval_start_utc,
        device_id,
        asset_id,
        point,
        unit,
        source,
        cast(requested as double) as requested_value,
        cast(clamped as double) as clamped_value,
        cast(written as double) as written_value,
        cast(read_back as double) as read_back_value,
        outcome,
        reason,
        dry_run as is_dry_run,
        decided_by,
        cast("date" as date) as landing_date
    from source
)

select * from final
