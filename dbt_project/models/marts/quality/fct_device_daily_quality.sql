{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ open_window('day_start_utc', follows='int_counter_readings_cleaned') }}",
            "{{ widen_window_to_local_midnight() }}",
        ],
    )
}}

-- Which meters had problems, and when: one row per configured device and local day, from
-- what is scattered over the layers below. The poller's verdict on every reading
-- (stg_landing__readings.quality: good, invalid, timeout, error/exception, stale, backoff),
-- the counter faults the warehouse found and worked around (int_counter_readings_cleaned:
-- rollover, reset, rebase, rejected), the intervals that rest on estimates
-- (fct_interval_energy) and the landing checkpoint's findings (stg_quality__quarantine:
-- frozen values, clock jumps, values out of range). A day on which a device landed nothing at
-- all still has its row (expected polls, none received). Incremental by whole local days.

with park as (
    select timezone from {{ ref('stg_reference__park') }}
),

window_start as (
    select {{ window_start() }} as start_utc
),

readings as (
    select
        readings.device_id,
        readings.ts_utc,
        readings.quality,
        readings.detail,
        cast(timezone(park.timezone, readings.ts_utc) as date) as local_date
    from {{ ref('stg_landing__readings') }} as readings
    cross join park
    where readings.ts_utc >= (select start_utc from window_start)
),

polls as (
    select
        device_id,
        local_date,
        count(*) as readings,
        count(distinct ts_utc) as polls,
        count(*) filter (where quality = 'good') as good_readings,
        count(*) filter (where quality = 'invalid') as invalid_readings,
        count(*) filter (where quality = 'timeout') as timeout_readings,
        count(*) filter (where quality in ('error', 'exception')) as error_readings,
        count(*) filter (where quality = 'stale') as stale_readings,
        count(*) filter (where quality = 'backoff') as backoff_readings,
        -- the device's clock point flagged off by more than the tolerance (device_io/checks.py)
        count(*) filter (where quality = 'invalid' and detail like 'device clock off by%')
            as clock_skew_readings
    from readings
    group by device_id, local_date
),

good_polls as (
    select device_id, local_date, count(*) as good_polls
    from (
        select device_id, local_date, ts_utc
        from readings
        group by device_id, local_date, ts_utc
        having bool_and(quality = 'good')
    ) as whole_polls
    group by device_id, local_date
),

counter_steps as (
    select
        cleaned.device_id,
        cast(timezone(park.timezone, cleaned.ts_utc) as date) as local_date,
        count(*) filter (where cleaned.step_kind = 'rollover') as rollovers,
        count(*) filter (where cleaned.step_kind = 'reset') as resets,
        count(*) filter (where cleaned.step_kind = 'rebase') as rebases,
        count(*) filter (where cleaned.step_kind = 'rejected') as rejected_counter_readings
    from {{ ref('int_counter_readings_cleaned') }} as cleaned
    cross join park
    where cleaned.ts_utc >= (select start_utc from window_start)
    group by all
),

estimates as (
    select
        device_id,
        local_date,
        count(distinct interval_start_utc) as intervals,
        count(distinct interval_start_utc) filter (where interval_quality = 'estimated')
            as estimated_intervals
    from {{ ref('fct_interval_energy') }}
    where interval_start_utc >= (select start_utc from window_start)
    group by device_id, local_date
),

findings as (
    select
        findings.device_id,
        cast(timezone(park.timezone, findings.ts_utc) as date) as local_date,
        count(*) filter (where findings.check_name = 'frozen_value') as frozen_findings,
        count(*) filter (where findings.check_name in ('timestamp_order', 'future_timestamp'))
            as clock_jump_findings,
        count(*) filter (where findings.check_name = 'value_range') as out_of_range_findings
    from {{ ref('stg_quality__quarantine') }} as findings
    cross join park
    where findings.ts_utc >= (select start_utc from window_start)
    group by all
),

days as (
    -- every local day with any reading of the park, for every configured device; the days
    -- first: DuckDB does not push a distinct below a cross join, and every reading times
    -- every device was most of a full rebuild (12 M readings a day x 1,000 devices)
    select reading_days.local_date, devices.device_id
    from (select distinct local_date from readings) as reading_days
    cross join {{ ref('stg_reference__devices') }} as devices
),

joined as (
    select
        days.device_id,
        devices.device_kind,
        devices.enterprise_id,
        days.local_date,
        timezone(park.timezone, cast(days.local_date as timestamp)) as day_start_utc,
        cast(floor({{ local_day_intervals('days.local_date', 'park.timezone') }} * 900.0
                   / nullif(devices.poll_interval_s, 0)) as bigint) as expected_polls,
        coalesce(polls.polls, 0) as polls,
        coalesce(good_polls.good_polls, 0) as good_polls,
        coalesce(polls.readings, 0) as readings,
        coalesce(polls.good_readings, 0) as good_readings,
        coalesce(polls.invalid_readings, 0) as invalid_readings,
        coalesce(polls.timeout_readings, 0) as timeout_readings,
        coalesce(polls.error_readings, 0) as error_readings,
        coalesce(polls.stale_readings, 0) as stale_readings,
        coalesce(polls.backoff_readings, 0) as backoff_readings,
        coalesce(estimates.intervals, 0) as energy_intervals,
        coalesce(estimates.estimated_intervals, 0) as estimated_intervals,
        coalesce(counter_steps.rollovers, 0) as rollovers,
        coalesce(counter_steps.resets, 0) as resets,
        coalesce(counter_steps.rebases, 0) as rebases,
        coalesce(counter_steps.rejected_counter_readings, 0) as rejected_counter_readings,
        coalesce(findings.clock_jump_findings, 0) + coalesce(polls.clock_skew_readings, 0)
            as clock_jumps,
        coalesce(findings.frozen_findings, 0) as frozen_findings,
        coalesce(findings.out_of_range_findings, 0) as out_of_range_findings
    from days
    inner join {{ ref('stg_reference__devices') }} as devices using (device_id)
    cross join park
    left join polls using (device_id, local_date)
    left join good_polls using (device_id, local_date)
    left join counter_steps using (device_id, local_date)
    left join estimates using (device_id, local_date)
    left join findings using (device_id, local_date)
),

final as (
    select
        *,
        -- the faults found, in words, for a quick `where faults <> ''`
        concat_ws(', ',
            case when rollovers > 0 then 'rollover' end,
            case when resets > 0 then 'reset' end,
            case when rebases > 0 then 'rebase' end,
            case when rejected_counter_readings > 0 then 'implausible_counter' end,
            case when clock_jumps > 0 then 'clock_jump' end,
            case when frozen_findings > 0 or stale_readings > 0 then 'frozen' end,
            case when out_of_range_findings > 0 then 'out_of_range' end,
            case when invalid_readings > 0 then 'invalid' end,
            case when timeout_readings + error_readings + backoff_readings > 0
                 then 'not_answering' end,
            case when polls < expected_polls then 'missing_polls' end
        ) as faults
    from joined
)

select *, faults <> '' as has_problems from final
