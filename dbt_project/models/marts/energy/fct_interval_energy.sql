{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('interval_start_utc') }}",
    )
}}

-- Every metered energy flow of every device in every 15-minute interval, in its own unit
-- column (electricity kWh, gas Nm3, heat kWh_th), with local time for reports. Energy comes
-- from the device's counter, or, where it has none, from its integrated power (energy_source).

with intervals as (
    select *, 'counter' as energy_source from {{ ref('int_counter_intervals_interpolated') }}
    where interval_start_utc >= {{ window_start() }}
    union all
    select *, 'power_integral' as energy_source from {{ ref('int_power_intervals_integrated') }}
    where interval_start_utc >= {{ window_start() }}
),

points as (
    select * from {{ ref('stg_reference__device_points') }}
    where energy_flow is not null
),

devices as (
    select * from {{ ref('stg_reference__devices') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

final as (
    select
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        timezone(park.timezone, intervals.interval_start_utc) as interval_start_local,
        cast(timezone(park.timezone, intervals.interval_start_utc) as date) as local_date,
        intervals.device_id,
        devices.device_kind,
        devices.enterprise_id,
        points.energy_flow,
        case when points.unit = 'kWh' then intervals.increase end as energy_kwh,
        case when points.unit = 'Nm3' then intervals.increase end as gas_nm3,
        case when points.unit = 'kWh_th' then intervals.increase end as heat_kwh_th,
        intervals.interval_quality,
        intervals.energy_source,
        intervals.widest_reading_gap_s,
        points.max_rate_per_h * 0.25 as physical_limit_per_interval
    from intervals
    inner join points
        on intervals.device_id = points.device_id
        and intervals.point = points.point
    inner join devices on intervals.device_id = devices.device_id
    cross join park
)

select * from final
