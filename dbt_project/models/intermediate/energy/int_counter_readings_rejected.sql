{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('ts_utc', follows='int_counter_readings_cleaned',
                                 use_own_latest=false) }}",
    )
}}

-- Good counter readings that int_counter_readings_cleaned left out as implausible: they fit
-- neither neighbour within the device's rating (garbage that decoded as a number). Derived
-- over the same window as the cleaned readings, so an hourly run reads only new landing files.

with counter_points as (
    select device_id, point from {{ ref('stg_reference__device_points') }} where is_cumulative
),

good_counter_readings as (
    select distinct readings.device_id, readings.point, readings.ts_utc, readings.value
    from {{ ref('stg_landing__readings') }} as readings
    inner join counter_points
        on readings.device_id = counter_points.device_id
        and readings.point = counter_points.point
    where readings.quality = 'good'
        and readings.ts_utc >= {{ window_start() }}
        and readings.landing_date >= cast({{ window_start() }} as date)
),

cleaned as (
    select device_id, point, ts_utc
    from {{ ref('int_counter_readings_cleaned') }}
    where ts_utc >= {{ window_start() }}
),

final as (
    select good_counter_readings.*
    from good_counter_readings
    anti join cleaned
        on good_counter_readings.device_id = cleaned.device_id
        and good_counter_readings.point = cleaned.point
        and good_counter_readings.ts_utc = cleaned.ts_utc
)

select * from final
