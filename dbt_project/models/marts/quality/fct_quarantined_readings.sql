-- Everything kept out of the energy figures, or flagged as doubtful, with the reason:
-- findings of the Great Expectations landing checkpoint, and counter readings the warehouse
-- left out as implausible (they fit neither neighbour within the device's rating).

with checkpoint_findings as (
    select
        'gx_' || check_name as source_check,
        ts_utc,
        device_id,
        point,
        value,
        reason,
        detected_at_utc
    from {{ ref('stg_quality__quarantine') }}
),

counter_points as (
    select device_id, point from {{ ref('stg_reference__device_points') }} where is_cumulative
),

good_counter_readings as (
    select distinct readings.device_id, readings.point, readings.ts_utc, readings.value
    from {{ ref('stg_landing__readings') }} as readings
    inner join counter_points
        on readings.device_id = counter_points.device_id
        and readings.point = counter_points.point
    where readings.quality = 'good'
),

implausible_counters as (
    select
        'dbt_implausible_counter' as source_check,
        good_counter_readings.ts_utc,
        good_counter_readings.device_id,
        good_counter_readings.point,
        good_counter_readings.value,
        'counter reading fits neither neighbour within the device''s rating: left out'
            as reason,
        cast(null as timestamptz) as detected_at_utc
    from good_counter_readings
    anti join {{ ref('int_counter_readings_cleaned') }} as cleaned
        on good_counter_readings.device_id = cleaned.device_id
        and good_counter_readings.point = cleaned.point
        and good_counter_readings.ts_utc = cleaned.ts_utc
),

final as (
    select * from checkpoint_findings
    union all
    select * from implausible_counters
)

select * from final
