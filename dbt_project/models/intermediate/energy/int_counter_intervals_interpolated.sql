{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('interval_start_utc') }}",
    )
}}

-- Each counter's increase in every 15-minute UTC interval. The counter's value at an interval
-- boundary is interpolated linearly between the readings either side of it, so over any gap
-- the intervals add up exactly to the counter's increase across the gap (energy conserved);
-- intervals resting on far-apart readings, or containing a meter reset, are 'estimated'.
-- One window pass gives every reading the counter's increase to date; each pair of
-- consecutive readings then yields the boundaries strictly inside it (interpolated), and a
-- reading exactly on a boundary yields that boundary itself. Only pairs that straddle a
-- boundary (1 in 15 at 1-minute polling) are expanded.

with readings as (
    select *, false as is_context
    from {{ ref('int_counter_readings_cleaned') }}
    where ts_utc >= {{ window_start() }}
        and step_kind != 'rejected'
),

context as (
    -- the last reading before the window, so a gap reaching into the window is bridged
    select
        device_id,
        point,
        max(ts_utc) as ts_utc,
        arg_max(counter_value, ts_utc) as counter_value,
        arg_max(previous_ts_utc, ts_utc) as previous_ts_utc,
        'first' as step_kind,
        cast(null as double) as increase_since_previous,
        true as is_context
    from {{ ref('int_counter_readings_cleaned') }}
    where step_kind != 'rejected'
        and ts_utc < {{ window_start() }}
        and ts_utc >= {{ window_start() }} - interval '{{ var("max_bridge_hours") }} hours'
    group by device_id, point
),

flagged as (
    select
        *,
        coalesce(increase_since_previous, 0) as step_increase,
        case when step_kind in ('reset', 'rebase') then 1 else 0 end as is_reset,
        -- a gap longer than max_bridge_hours is not bridged: nothing is interpolated across it
        case when ts_utc - previous_ts_utc > interval '{{ var("max_bridge_hours") }} hours'
             then 1 else 0 end as is_long_gap
    from (select * from readings union all select * from context) as all_readings
),

cumulative as (
    select
        device_id,
        point,
        ts_utc,
        previous_ts_utc,
        is_context,
        is_long_gap,
        step_increase,
        is_reset,
        sum(step_increase) over by_time as increase_to_date,
        sum(is_reset) over by_time as resets_to_date
    from flagged
    window by_time as (
        partition by device_id, point order by ts_utc
        rows between unbounded preceding and current row
    )
),

on_boundary as (
    select
        device_id,
        point,
        ts_utc as boundary_utc,
        increase_to_date as increase_at_boundary,
        0.0 as bracket_s,
        resets_to_date as before_resets,
        resets_to_date as after_resets
    from cumulative
    where time_bucket(interval '15 minutes', ts_utc) = ts_utc
),

straddling_pairs as (
    -- (previous reading, this reading) pairs with a boundary strictly between them
    select
        *,
        increase_to_date - step_increase as start_increase,
        resets_to_date - is_reset as start_resets,
        {{ seconds_between('previous_ts_utc', 'ts_utc') }} as pair_s
    from cumulative
    where not is_context
        and is_long_gap = 0
        and previous_ts_utc is not null
        and time_bucket(interval '15 minutes', previous_ts_utc) + interval '15 minutes' < ts_utc
),

inside_pairs as (
    select
        device_id,
        point,
        boundary_utc,
        start_increase
            + step_increase * {{ seconds_between('previous_ts_utc', 'boundary_utc') }} / pair_s
            as increase_at_boundary,
        pair_s as bracket_s,
        start_resets as before_resets,
        resets_to_date as after_resets
    from straddling_pairs,
        unnest(generate_series(
            time_bucket(interval '15 minutes', previous_ts_utc) + interval '15 minutes',
            ts_utc - interval '1 microsecond',
            interval '15 minutes')) as boundaries(boundary_utc)
),

counter_at_boundary as (
    select * from on_boundary
    union all
    select * from inside_pairs
),

final as (
    select
        interval_start.device_id,
        interval_start.point,
        interval_start.boundary_utc as interval_start_utc,
        interval_end.boundary_utc as interval_end_utc,
        interval_end.increase_at_boundary - interval_start.increase_at_boundary as increase,
        case
            when greatest(interval_start.bracket_s, interval_end.bracket_s)
                    > {{ var("measured_max_gap_minutes") }} * 60
                or interval_end.after_resets > interval_start.before_resets
                then 'estimated'
            else 'measured'
        end as interval_quality,
        greatest(interval_start.bracket_s, interval_end.bracket_s) as widest_reading_gap_s
    from counter_at_boundary as interval_start
    inner join counter_at_boundary as interval_end
        on interval_start.device_id = interval_end.device_id
        and interval_start.point = interval_end.point
        and interval_end.boundary_utc = interval_start.boundary_utc + interval '15 minutes'
    where interval_start.boundary_utc >= {{ window_start() }}
)

select * from final
