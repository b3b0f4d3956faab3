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

with readings as (
    select *
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
        cast(null as double) as increase_since_previous
    from {{ ref('int_counter_readings_cleaned') }}
    where step_kind != 'rejected'
        and ts_utc < {{ window_start() }}
        and ts_utc >= {{ window_start() }} - interval '{{ var("max_bridge_hours") }} hours'
    group by device_id, point
),

cumulative as (
    select
        device_id,
        point,
        ts_utc,
        sum(coalesce(increase_since_previous, 0)) over by_time as increase_to_date,
        sum(case when step_kind in ('reset', 'rebase') then 1 else 0 end) over by_time
            as resets_to_date,
        -- a gap longer than max_bridge_hours is not bridged: its sides are separate spans
        sum(case when ts_utc - previous_ts_utc > interval '{{ var("max_bridge_hours") }} hours'
                 then 1 else 0 end) over by_time as span_id
    from (select * from readings union all select * from context) as all_readings
    window by_time as (
        partition by device_id, point order by ts_utc
        rows between unbounded preceding and current row
    )
),

spans as (
    select device_id, point, span_id, min(ts_utc) as first_ts, max(ts_utc) as last_ts
    from cumulative
    group by device_id, point, span_id
),

boundaries as (
    select
        device_id,
        point,
        span_id,
        unnest(generate_series(
            time_bucket(interval '15 minutes', first_ts)
                + case when time_bucket(interval '15 minutes', first_ts) < first_ts
                    then interval '15 minutes' else interval '0 minutes' end,
            last_ts,
            interval '15 minutes'
        )) as boundary_utc
    from spans
),

at_or_before as (
    select
        boundaries.device_id,
        boundaries.point,
        boundaries.boundary_utc,
        cumulative.ts_utc as before_ts,
        cumulative.increase_to_date as before_increase,
        cumulative.resets_to_date as before_resets
    from boundaries
    asof join cumulative
        on boundaries.device_id = cumulative.device_id
        and boundaries.point = cumulative.point
        and boundaries.span_id = cumulative.span_id
        and boundaries.boundary_utc >= cumulative.ts_utc
),

at_or_after as (
    select
        boundaries.device_id,
        boundaries.point,
        boundaries.boundary_utc,
        cumulative.ts_utc as after_ts,
        cumulative.increase_to_date as after_increase,
        cumulative.resets_to_date as after_resets
    from boundaries
    asof join cumulative
        on boundaries.device_id = cumulative.device_id
        and boundaries.point = cumulative.point
        and boundaries.span_id = cumulative.span_id
        and boundaries.boundary_utc <= cumulative.ts_utc
),

counter_at_boundary as (
    select
        at_or_before.device_id,
        at_or_before.point,
        at_or_before.boundary_utc,
        case
            when at_or_after.after_ts = at_or_before.before_ts then at_or_before.before_increase
            else at_or_before.before_increase
                + (at_or_after.after_increase - at_or_before.before_increase)
                * epoch(at_or_before.boundary_utc - at_or_before.before_ts)
                / epoch(at_or_after.after_ts - at_or_before.before_ts)
        end as increase_at_boundary,
        epoch(at_or_after.after_ts - at_or_before.before_ts) as bracket_s,
        at_or_before.before_resets,
        at_or_after.after_resets
    from at_or_before
    inner join at_or_after
        on at_or_before.device_id = at_or_after.device_id
        and at_or_before.point = at_or_after.point
        and at_or_before.boundary_utc = at_or_after.boundary_utc
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
