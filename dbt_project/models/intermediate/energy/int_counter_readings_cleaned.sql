{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('ts_utc') }}",
    )
}}

-- Good counter readings, one per key, each step classified:
--   normal    the counter rose within what the device can do;
--   rollover  it wrapped past its register's range (the wrap is added back);
--   reset     it restarted near zero (a new meter): the increase is the new reading;
--   rebase    any other discontinuity (a meter swapped for one with another reading, a
--             counter preset): the increase is estimated from the neighbouring steps' rates;
--   rejected  implausible (garbage that decoded as a valid number): it fits neither
--             neighbour, is left out of the steps and kept only so it can be quarantined.
-- (Rejected readings live here rather than in a model of their own so that a full rebuild
-- reads and sorts the month's readings once.)

with counter_points as (
    -- each counter series gets a number for this build: the sorts and the deduplication below
    -- key on one integer instead of two strings (a month's full rebuild sorts 50 M readings)
    select
        row_number() over (order by device_id, point) as series_id,
        device_id, point, counter_wrap, max_rate_per_h
    from {{ ref('stg_reference__device_points') }}
    where is_cumulative
),

landed as (
    select counter_points.series_id, readings.ts_utc, readings.value
    from {{ ref('stg_landing__readings') }} as readings
    inner join counter_points
        on readings.device_id = counter_points.device_id
        and readings.point = counter_points.point
    where readings.quality = 'good'
        and readings.point in {{ point_names_where('point', 'is_cumulative') }}
        and readings.ts_utc >= {{ window_start() }}
        and readings.landing_date >= cast({{ window_start() }} as date)
),

series_with_duplicates as (
    -- replays and compaction in flight land the same reading twice. Sorted by time, a
    -- reading's duplicate is next to it: this sort finds the few series that have any, which
    -- costs a third of grouping every reading by key (a month's rebuild: 50 M readings)
    select distinct series_id
    from (
        select series_id, ts_utc = lag(ts_utc) over (partition by series_id order by ts_utc)
            as repeats_previous
        from landed
    ) as sorted_readings
    where repeats_previous
),

deduplicated as (
    select landed.series_id, landed.ts_utc, landed.value, true as is_new
    from landed
    anti join series_with_duplicates on landed.series_id = series_with_duplicates.series_id

    union all

    select landed.series_id, landed.ts_utc, max(landed.value) as value, true as is_new
    from landed
    semi join series_with_duplicates on landed.series_id = series_with_duplicates.series_id
    group by landed.series_id, landed.ts_utc
),

previous as (
    -- the last accepted reading before the window: the first new reading's neighbour
    {% if is_incremental() %}
    select
        counter_points.series_id,
        max(this.ts_utc) as ts_utc,
        arg_max(this.counter_value, this.ts_utc) as value,
        false as is_new
    from {{ this }} as this
    inner join counter_points
        on this.device_id = counter_points.device_id
        and this.point = counter_points.point
    where this.step_kind != 'rejected'
        and this.ts_utc < {{ window_start() }}
        and this.ts_utc >= {{ window_start() }} - interval '{{ var("max_bridge_hours") }} hours'
    group by counter_points.series_id
    {% else %}
    select series_id, ts_utc, value, false as is_new from deduplicated where false
    {% endif %}
),

candidates as (
    select * from deduplicated
    union all
    select * from previous
),

neighbours as (
    -- one sort gives each reading its neighbours up to two back and one ahead: enough to
    -- judge it, and, in a series where every reading is judged plausible, to classify it
    select
        candidates.*,
        counter_points.counter_wrap,
        counter_points.max_rate_per_h,
        lag(candidates.value) over by_time as prev_value,
        lag(candidates.ts_utc) over by_time as prev_ts,
        lag(candidates.value, 2) over by_time as prev2_value,
        lag(candidates.ts_utc, 2) over by_time as prev2_ts,
        lead(candidates.value) over by_time as next_value,
        lead(candidates.ts_utc) over by_time as next_ts
    from candidates
    inner join counter_points on candidates.series_id = counter_points.series_id
    window by_time as (partition by candidates.series_id order by candidates.ts_utc)
),

judged as materialized (
    -- garbage fits neither neighbour; a real reading fits at least one of them
    select
        *,
        not is_new
            or (prev_value is null and next_value is null)
            or {{ counter_step_fits('prev_value', 'value', 'prev_ts', 'ts_utc') }}
            or {{ counter_step_fits('value', 'next_value', 'ts_utc', 'next_ts') }}
            as is_plausible
    from neighbours
),

series_with_rejects as (
    select distinct series_id from judged where not is_plausible
),

steps as (
    -- a series with nothing rejected keeps all its readings, so the neighbours the judging
    -- sort found are the kept readings' neighbours (nearly every series: one sort, not two)
    select judged.* exclude (is_plausible)
    from judged
    anti join series_with_rejects on judged.series_id = series_with_rejects.series_id

    union all

    -- a series with a rejected reading: its kept readings sorted again without it
    select
        series_id, ts_utc, value, is_new, counter_wrap, max_rate_per_h,
        lag(value) over by_time as prev_value,
        lag(ts_utc) over by_time as prev_ts,
        lag(value, 2) over by_time as prev2_value,
        lag(ts_utc, 2) over by_time as prev2_ts,
        lead(value) over by_time as next_value,
        lead(ts_utc) over by_time as next_ts
    from judged
    semi join series_with_rejects on judged.series_id = series_with_rejects.series_id
    where is_plausible
    window by_time as (partition by series_id order by ts_utc)
),
classified as (
    select
        *,
        case
            when prev_value is null then 'first'
            when {{ counter_step_is_normal('prev_value', 'value', 'prev_ts', 'ts_utc') }}
                then 'normal'
            when value < prev_value and counter_wrap is not null
                and counter_wrap - prev_value + value <= {{ counter_step_limit('prev_ts', 'ts_utc') }}
                then 'rollover'
            when value < prev_value and value <= {{ counter_step_limit('prev_ts', 'ts_utc') }}
                then 'reset'
            else 'rebase'
        end as step_kind,
        -- the rates (counter units per second) of the normal steps either side, if they are
        case when {{ counter_step_is_normal('prev2_value', 'prev_value', 'prev2_ts', 'prev_ts') }}
             then (prev_value - prev2_value) / nullif({{ seconds_between('prev2_ts', 'prev_ts') }}, 0)
        end as rate_before,
        case when {{ counter_step_is_normal('value', 'next_value', 'ts_utc', 'next_ts') }}
             then (next_value - value) / nullif({{ seconds_between('ts_utc', 'next_ts') }}, 0)
        end as rate_after,
        {{ seconds_between('prev_ts', 'ts_utc') }} as step_s
    from steps
),

final as (
    select
        series_id,
        ts_utc,
        value as counter_value,
        prev_ts as previous_ts_utc,
        step_kind,
        case step_kind
            when 'first' then null
            when 'normal' then value - prev_value
            when 'rollover' then counter_wrap - prev_value + value
            when 'reset' then value
            when 'rebase'
                then coalesce((coalesce(rate_before, rate_after) + coalesce(rate_after, rate_before))
                              / 2.0, 0.0) * step_s
        end as increase_since_previous
    from classified
    where is_new

    union all

    select
        series_id,
        ts_utc,
        value as counter_value,
        cast(null as timestamptz) as previous_ts_utc,
        'rejected' as step_kind,
        cast(null as double) as increase_since_previous
    from judged
    where not is_plausible
)

select
    counter_points.device_id,
    counter_points.point,
    final.* exclude (series_id)
from final
inner join counter_points on final.series_id = counter_points.series_id
