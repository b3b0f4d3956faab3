-- Every setpoint attempt with the device it went to (kind, asset, enterprise from the park's
-- config), local time for reports and flags that say what became of it. commanded_value is
-- what the device holds after the attempt: the value written (outcome written) or already
-- there (unchanged: nothing written, the clamped value is the one the device holds); null for
-- every other outcome, so a dry run, a refusal or a failed write never counts as commanded.

with attempts as (
    select * from {{ ref('stg_setpoints__audit') }}
),

devices as (
    select * from {{ ref('dim_devices') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

final as (
    select
        attempts.attempt_ts_utc,
        timezone(park.timezone, attempts.attempt_ts_utc) as attempt_local,
        cast(timezone(park.timezone, attempts.attempt_ts_utc) as date) as local_date,
        attempts.interval_start_utc,
        attempts.device_id,
        devices.device_kind,
        devices.asset_id,
        devices.enterprise_id,
        attempts.point,
        attempts.unit,
        attempts.source,
        attempts.requested_value,
        attempts.clamped_value,
        attempts.written_value,
        attempts.read_back_value,
        case
            when attempts.outcome in ('written', 'unchanged')
                then coalesce(attempts.written_value, attempts.clamped_value)
        end as commanded_value,
        attempts.outcome,
        attempts.reason,
        attempts.outcome = 'written' as was_written,
        attempts.outcome in ('written', 'unchanged') as is_in_effect,
        attempts.outcome = 'refused' as was_refused,
        coalesce(abs(attempts.clamped_value - attempts.requested_value) > 1e-9, false) as was_clamped,
        attempts.outcome in ('verify_failed', 'write_error', 'breaker_open', 'interrupted')
            as has_failed,
        attempts.is_dry_run,
        attempts.cycle_id,
        attempts.plan_run_id,
        attempts.plan_solver_status,
        attempts.decided_by,
        coalesce(attempts.decided_by like 'day_ahead_fallback%', false) as is_intraday_fallback
    from attempts
    left join devices on attempts.device_id = devices.device_id
    cross join park
)

select * from final
