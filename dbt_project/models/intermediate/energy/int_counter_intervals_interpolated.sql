{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('interval_start_utc') }}",
    )
}}

-- Each counter's increase in every 15-minute UTC interval. Between two consecutive good
-- readings the counter is taken to rise linearly, so each step (a cleaned reading and its
-- previous_ts_utc) is shared among the intervals it overlaps in proportion to the overlap;
-- over any gap the intervals add up exactly to the counter's increase across it (energy
-- conserved). An interval exists only when steps cover all of it; a gap longer than
-- max_bridge_hours is not bridged, so the intervals it touches are absent. An interval is
-- 'estimated' when a step crossing one of its boundaries is longer than
-- measured_max_gap_minutes (its boundary value rests on far-apart readings) or when a meter
-- reset or rebase falls in it. No window function is needed: the cleaned readings already
-- carry their previous reading's time and the step's increase.

with steps as (
    select
        device_id,
        point,
        previous_ts_utc as start_ts,
        ts_utc as end_ts,
        increase_since_previous as step_increase,
        step_kind in ('reset', 'rebase') as is_reset,
        epoch_us(ts_utc) - epoch_us(previous_ts_utc) as step_us,
        time_bucket(interval '15 minutes', previous_ts_utc) as first_interval_utc,
        time_bucket(interval '15 minutes', ts_utc - interval '1 microsecond') as last_interval_utc
    from {{ ref('int_counter_readings_cleaned') }}
    where ts_utc >= {{ window_start() }}
        and step_kind not in ('first', 'rejected')
        and ts_utc - previous_ts_utc <= interval '{{ var("max_bridge_hours") }} hours'
),

within_one_interval as (
    select
        device_id,
        point,
        first_interval_utc as interval_start_utc,
        step_increase as increase,
        step_us as covered_us,
        0 as boundary_step_us,
        is_reset
    from steps
    where first_interval_utc = last_interval_utc
),

across_boundaries as (
    -- the rare steps that cross a boundary (1 in 15 at 1-minute polling), shared out
    select
        device_id,
        point,
        interval_start_utc,
        step_increase * overlap_us / step_us as increase,
        overlap_us as covered_us,
        step_us as boundary_step_us,
        is_reset
    from (
        select
            steps.*,
            interval_start_utc,
            epoch_us(least(end_ts, interval_start_utc + interval '15 minutes'))
                - epoch_us(greatest(start_ts, interval_start_utc)) as overlap_us
        from steps,
            unnest(generate_series(first_interval_utc, last_interval_utc,
                                   interval '15 minutes')) as buckets(interval_start_utc)
        where first_interval_utc < last_interval_utc
    ) as shared
),

intervals as (
    select
        device_id,
        point,
        interval_start_utc,
        sum(increase) as increase,
        sum(covered_us) as covered_us,
        max(boundary_step_us) / 1e6 as widest_reading_gap_s,
        bool_or(is_reset) as has_reset
    from (select * from within_one_interval union all select * from across_boundaries) as parts
    group by device_id, point, interval_start_utc
),

final as (
    select
        device_id,
        point,
        interval_start_utc,
        interval_start_utc + interval '15 minutes' as interval_end_utc,
        increase,
        case
            when widest_reading_gap_s > {{ var("measured_max_gap_minutes") }} * 60 or has_reset
                then 'estimated'
            else 'measured'
        end as interval_quality,
        widest_reading_gap_s
    from intervals
    where covered_us = 900 * 1000000
        and interval_start_utc >= {{ window_start() }}
)

select * from final
