{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('interval_start_utc', follows='int_counter_readings_cleaned') }}",
    )
}}

-- Energy per 15-minute UTC interval for flows whose device reports power but no counter
-- (reference device_points rows with a power_point). Power is taken as linear between two
-- good readings no more than power_max_gap_minutes apart; each pair's trapezoid is split at
-- interval boundaries, and only the part in the flow's direction (power_sign) counts (a sign
-- change inside a pair is split at the zero crossing). An interval not fully covered by such
-- pairs is scaled up from the part that is, and marked 'estimated', like any interval resting
-- on readings further apart than measured_max_gap_minutes. Unlike a counter gap, energy in a
-- longer power gap is unknowable: those intervals are absent and the balance shows them.

-- depends_on: {{ ref('int_counter_readings_cleaned') }} (its window: see open_window)

with derived_points as (
    select device_id, point, power_point, power_sign, unit
    from {{ ref('stg_reference__device_points') }}
    where power_point is not null
),

power_readings as (
    select distinct readings.device_id, readings.point as power_point, readings.ts_utc,
        readings.value as power
    from {{ ref('stg_landing__readings') }} as readings
    where readings.quality = 'good'
        and readings.point in {{ point_names_where('power_point', 'power_point is not null') }}
        and readings.ts_utc >= {{ window_start() }} - interval '{{ var("power_max_gap_minutes") }} minutes'
        and readings.landing_date >= cast({{ window_start() }}
                                          - interval '{{ var("power_max_gap_minutes") }} minutes' as date)
        and (readings.device_id, readings.point) in (select device_id, power_point from derived_points)
),

deduplicated as (
    select device_id, power_point, ts_utc, max(power) as power
    from power_readings
    group by all
),

pairs as (
    select
        device_id,
        power_point,
        ts_utc as start_ts,
        power as start_power,
        lead(ts_utc) over by_time as end_ts,
        lead(power) over by_time as end_power,
        max(ts_utc) over (partition by device_id, power_point) as last_reading_ts
    from deduplicated
    window by_time as (partition by device_id, power_point order by ts_utc)
),

bridged as (
    select *, {{ seconds_between('start_ts', 'end_ts') }} as pair_s
    from pairs
    where end_ts is not null
        and end_ts - start_ts <= interval '{{ var("power_max_gap_minutes") }} minutes'
),

segments as (
    -- the part of each pair inside each interval it overlaps, with power at both ends
    select
        bridged.*,
        interval_start_utc,
        greatest(start_ts, interval_start_utc) as segment_start,
        least(end_ts, interval_start_utc + interval '15 minutes') as segment_end
    from bridged,
        unnest(generate_series(time_bucket(interval '15 minutes', start_ts),
                               end_ts - interval '1 microsecond',
                               interval '15 minutes')) as buckets(interval_start_utc)
),

segment_power as (
    select
        device_id,
        power_point,
        interval_start_utc,
        last_reading_ts,
        pair_s,
        {{ seconds_between('segment_start', 'segment_end') }} as segment_s,
        start_power + (end_power - start_power)
            * {{ seconds_between('start_ts', 'segment_start') }} / pair_s
            as power_a,
        start_power + (end_power - start_power)
            * {{ seconds_between('start_ts', 'segment_end') }} / pair_s
            as power_b
    from segments
),

directed as (
    select
        segment_power.device_id,
        derived_points.point,
        segment_power.interval_start_utc,
        segment_power.last_reading_ts,
        segment_power.pair_s,
        segment_power.segment_s,
        derived_points.power_sign * segment_power.power_a as a,
        derived_points.power_sign * segment_power.power_b as b
    from segment_power
    inner join derived_points
        on segment_power.device_id = derived_points.device_id
        and segment_power.power_point = derived_points.power_point
),

energy as (
    select
        device_id,
        point,
        interval_start_utc,
        any_value(last_reading_ts) as last_reading_ts,
        sum(segment_s) as covered_s,
        max(pair_s) as widest_reading_gap_s,
        -- power units per hour: kW -> kWh, Nm3/h -> Nm3, kW_th -> kWh_th
        sum(case
                when a >= 0 and b >= 0 then (a + b) / 2.0 * segment_s
                when a <= 0 and b <= 0 then 0.0
                else greatest(a, b) * greatest(a, b) / (2.0 * (abs(a) + abs(b))) * segment_s
            end) / 3600.0 as covered_increase
    from directed
    group by device_id, point, interval_start_utc
),

final as (
    select
        device_id,
        point,
        interval_start_utc,
        interval_start_utc + interval '15 minutes' as interval_end_utc,
        covered_increase * 900.0 / covered_s as increase,
        case
            when covered_s < 900.0 - 1e-6
                or widest_reading_gap_s > {{ var("measured_max_gap_minutes") }} * 60
                then 'estimated'
            else 'measured'
        end as interval_quality,
        widest_reading_gap_s
    from energy
    where interval_start_utc >= {{ window_start() }}
        and interval_start_utc + interval '15 minutes' <= last_reading_ts
        and covered_s > 0
)

select * from final
