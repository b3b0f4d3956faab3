{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('local_date', 'int_device_quality_buckets', grain='day',
                                   days_before=1) }}",
    )
}}

-- Which meters had problems, and when: one row per configured device and local day, from
-- what is scattered over the layers below. The poller's verdict on every reading
-- (stg_landing__readings.quality: good, invalid, timeout, error/exception, stale, backoff),
-- the counter faults the warehouse found and worked around (int_counter_readings_cleaned:
-- rollover, reset, rebase, rejected), the intervals that rest on estimates
-- (fct_interval_energy) and the landing checkpoint's findings (stg_quality__quarantine:
-- frozen values, clock jumps, values out of range). A day on which a device landed nothing at
-- all still has its row (expected polls, none received). Incremental by whole local days: from
-- the local day before the one in which int_device_quality_buckets' window starts, because
-- the landing checkpoint's findings are not windowed (a frozen run found today may have
-- begun before the local midnight); the buckets of two days are cheap to sum.

with park as (
    select timezone from {{ ref('stg_reference__park') }}
),

window_start as (
    select {{ window_start() }} as start_utc
),

buckets as (
    -- the counts per device and quarter-hour (int_device_quality_buckets), summed by local
    -- day from the local midnight on or before where the buckets were derived again
    select
        buckets.*,
        cast(timezone(park.timezone, buckets.bucket_start_utc) as date) as local_date
    from {{ ref('int_device_quality_buckets') }} as buckets
    cross join park
    where buckets.bucket_start_utc >= (select start_utc from window_start)
),

counts as (
    select
        device_id,
        local_date,
        sum(readings) as readings,
        sum(polls) as polls,
        sum(good_polls) as good_polls,
        sum(good_readings) as good_readings,
        sum(invalid_readings) as invalid_readings,
        sum(timeout_readings) as timeout_readings,
        sum(error_readings) as error_readings,
        sum(stale_readings) as stale_readings,
        sum(backoff_readings) as backoff_readings,
        sum(clock_skew_readings) as clock_skew_readings,
        sum(rollovers) as rollovers,
        sum(resets) as resets,
        sum(rebases) as rebases,
        sum(rejected_counter_readings) as rejected_counter_readings,
        sum(energy_intervals) as energy_intervals,
        sum(estimated_intervals) as estimated_intervals
    from buckets
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
    -- every local day with any reading of the park, for every configured device
    select reading_days.local_date, devices.device_id
    from (select distinct local_date from buckets where readings > 0) as reading_days
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
        coalesce(counts.polls, 0) as polls,
        coalesce(counts.good_polls, 0) as good_polls,
        coalesce(counts.readings, 0) as readings,
        coalesce(counts.good_readings, 0) as good_readings,
        coalesce(counts.invalid_readings, 0) as invalid_readings,
        coalesce(counts.timeout_readings, 0) as timeout_readings,
        coalesce(counts.error_readings, 0) as error_readings,
        coalesce(counts.stale_readings, 0) as stale_readings,
        coalesce(counts.backoff_readings, 0) as backoff_readings,
        coalesce(counts.energy_intervals, 0) as energy_intervals,
        coalesce(counts.estimated_intervals, 0) as estimated_intervals,
        coalesce(counts.rollovers, 0) as rollovers,
        coalesce(counts.resets, 0) as resets,
        coalesce(counts.rebases, 0) as rebases,
        coalesce(counts.rejected_counter_readings, 0) as rejected_counter_readings,
        coalesce(findings.clock_jump_findings, 0) + coalesce(counts.clock_skew_readings, 0)
            as clock_jumps,
        coalesce(findings.frozen_findings, 0) as frozen_findings,
        coalesce(findings.out_of_range_findings, 0) as out_of_range_findings
    from days
    inner join {{ ref('stg_reference__devices') }} as devices using (device_id)
    cross join park
    left join counts using (device_id, local_date)
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
