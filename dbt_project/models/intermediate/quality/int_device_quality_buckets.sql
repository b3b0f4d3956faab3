{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ open_window('bucket_start_utc', follows='int_counter_readings_cleaned') }}",
            "{{ widen_window_to_followed('bucket_start_utc',
                   ['int_counter_readings_cleaned', 'fct_interval_energy']) }}",
        ],
    )
}}

-- The counts behind fct_device_daily_quality, per device and 15-minute UTC bucket, so that
-- the daily mart sums at most 96 small rows per device and day instead of re-reading every
-- reading since the local midnight on every build. Every count is additive over buckets: a
-- poll (one timestamp) falls in one bucket, and every zone's offset is a whole number of
-- quarter-hours, so a local day is a whole number of buckets. The window is the earliest of
-- this model's own lookback and the windows of the two incremental models it counts from
-- (their rows changed from there), floored to the bucket.

with window_start as (
    select {{ window_start() }} as start_utc
),

polls_read as (
    -- one row per poll (a device's timestamp): the month's readings are grouped once, by
    -- poll, and the polls then by bucket (a second grouping of the readings by poll for
    -- good_polls and a count(distinct) per bucket cost twice the CPU on a month's rebuild)
    select
        device_id,
        ts_utc,
        count(*) as readings,
        count(*) filter (where quality = 'good') as good_readings,
        count(*) filter (where quality = 'invalid') as invalid_readings,
        count(*) filter (where quality = 'timeout') as timeout_readings,
        count(*) filter (where quality in ('error', 'exception')) as error_readings,
        count(*) filter (where quality = 'stale') as stale_readings,
        count(*) filter (where quality = 'backoff') as backoff_readings,
        -- the device's clock point flagged off by more than the tolerance (device_io/checks.py)
        count(*) filter (where quality = 'invalid' and detail like 'device clock off by%')
            as clock_skew_readings
    from {{ ref('stg_landing__readings') }}
    where ts_utc >= {{ window_start() }}
        -- a constant bound on the partition column, which DuckDB prunes files by (the
        -- landing zone is partitioned by the reading's UTC date, as the cleaned readings read it)
        and landing_date >= cast({{ window_start() }} as date)
    group by device_id, ts_utc
),

polls as (
    -- (sums of counts cast back to the counts' bigint: DuckDB sums bigints into hugeints)
    select
        device_id,
        time_bucket(interval '15 minutes', ts_utc) as bucket_start_utc,
        cast(sum(readings) as bigint) as readings,
        count(*) as polls,
        -- a poll is good when every point read at it is good (quality is never null)
        count(*) filter (where good_readings = readings) as good_polls,
        cast(sum(good_readings) as bigint) as good_readings,
        cast(sum(invalid_readings) as bigint) as invalid_readings,
        cast(sum(timeout_readings) as bigint) as timeout_readings,
        cast(sum(error_readings) as bigint) as error_readings,
        cast(sum(stale_readings) as bigint) as stale_readings,
        cast(sum(backoff_readings) as bigint) as backoff_readings,
        cast(sum(clock_skew_readings) as bigint) as clock_skew_readings
    from polls_read
    group by device_id, bucket_start_utc
),

counter_steps as (
    select
        device_id,
        time_bucket(interval '15 minutes', ts_utc) as bucket_start_utc,
        count(*) filter (where step_kind = 'rollover') as rollovers,
        count(*) filter (where step_kind = 'reset') as resets,
        count(*) filter (where step_kind = 'rebase') as rebases,
        count(*) filter (where step_kind = 'rejected') as rejected_counter_readings
    from {{ ref('int_counter_readings_cleaned') }}
    where ts_utc >= (select start_utc from window_start)
    group by all
),

estimates as (
    -- intervals are the buckets themselves: at most one per device and bucket
    select
        device_id,
        interval_start_utc as bucket_start_utc,
        count(distinct interval_start_utc) as intervals,
        count(distinct interval_start_utc) filter (where interval_quality = 'estimated')
            as estimated_intervals
    from {{ ref('fct_interval_energy') }}
    where interval_start_utc >= (select start_utc from window_start)
    group by device_id, interval_start_utc
),

buckets as (
    select device_id, bucket_start_utc from polls
    union
    select device_id, bucket_start_utc from counter_steps
    union
    select device_id, bucket_start_utc from estimates
),

final as (
    select
        buckets.device_id,
        buckets.bucket_start_utc,
        coalesce(polls.readings, 0) as readings,
        coalesce(polls.polls, 0) as polls,
        coalesce(polls.good_polls, 0) as good_polls,
        coalesce(polls.good_readings, 0) as good_readings,
        coalesce(polls.invalid_readings, 0) as invalid_readings,
        coalesce(polls.timeout_readings, 0) as timeout_readings,
        coalesce(polls.error_readings, 0) as error_readings,
        coalesce(polls.stale_readings, 0) as stale_readings,
        coalesce(polls.backoff_readings, 0) as backoff_readings,
        coalesce(polls.clock_skew_readings, 0) as clock_skew_readings,
        coalesce(counter_steps.rollovers, 0) as rollovers,
        coalesce(counter_steps.resets, 0) as resets,
        coalesce(counter_steps.rebases, 0) as rebases,
        coalesce(counter_steps.rejected_counter_readings, 0) as rejected_counter_readings,
        coalesce(estimates.intervals, 0) as energy_intervals,
        coalesce(estimates.estimated_intervals, 0) as estimated_intervals
    from buckets
    left join polls using (device_id, bucket_start_utc)
    left join counter_steps using (device_id, bucket_start_utc)
    left join estimates using (device_id, bucket_start_utc)
)

select * from final
