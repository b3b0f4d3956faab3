{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ open_window('interval_start_utc') }}",
    )
}}

-- Each PV inverter's generation per 15-minute interval and, when it was curtailed, what it
-- could have generated. An inverter is curtailed in an interval when it reported itself
-- throttled (SunSpec operating state 5: output held below what the array offers, by a power
-- limit). Its potential is then estimated from its peers in the same interval, which see the
-- same sky: the specific yield (kWh per kWp) of the unthrottled inverters of the same array
-- (same tilt and azimuth: 'array_peers'), else of every unthrottled inverter in the park
-- ('park_peers', rougher where orientations differ); with no unthrottled peer the potential
-- is unknown ('unknown') and absorption for that interval is not measured.

with inverters as (
    select device_id, asset_id, pv_kwp
    from {{ ref('stg_reference__devices') }}
    where device_kind = 'pv_inverter' and pv_kwp is not null
),

generation as (
    select interval_start_utc, interval_start_local, local_date, device_id,
        energy_kwh as generation_kwh, interval_quality
    from {{ ref('fct_interval_energy') }}
    where energy_flow = 'pv_generation'
        and interval_start_utc >= {{ window_start() }}
),

throttled as (
    select
        readings.device_id,
        time_bucket(interval '15 minutes', readings.ts_utc) as interval_start_utc,
        bool_or(readings.value = 5) as was_throttled
    from {{ ref('stg_landing__readings') }} as readings
    where readings.point = 'operating_state'
        and readings.quality = 'good'
        and readings.ts_utc >= {{ window_start() }}
        and readings.landing_date >= cast({{ window_start() }} as date)
        and readings.device_id in (select device_id from inverters)
    group by all
),

judged as (
    select
        generation.*,
        inverters.asset_id,
        inverters.pv_kwp,
        coalesce(throttled.was_throttled, false) as was_curtailed
    from generation
    inner join inverters on generation.device_id = inverters.device_id
    left join throttled
        on generation.device_id = throttled.device_id
        and generation.interval_start_utc = throttled.interval_start_utc
),

array_yield as (
    select interval_start_utc, asset_id, sum(generation_kwh) / sum(pv_kwp) as kwh_per_kwp
    from judged
    where not was_curtailed
    group by all
),

park_yield as (
    select interval_start_utc, sum(generation_kwh) / sum(pv_kwp) as kwh_per_kwp
    from judged
    where not was_curtailed
    group by all
),

with_peers as (
    select
        judged.*,
        coalesce(array_yield.kwh_per_kwp, park_yield.kwh_per_kwp) as peer_kwh_per_kwp,
        case
            when not judged.was_curtailed then 'not_curtailed'
            when array_yield.kwh_per_kwp is not null then 'array_peers'
            when park_yield.kwh_per_kwp is not null then 'park_peers'
            else 'unknown'
        end as potential_method
    from judged
    left join array_yield
        on judged.interval_start_utc = array_yield.interval_start_utc
        and judged.asset_id = array_yield.asset_id
    left join park_yield on judged.interval_start_utc = park_yield.interval_start_utc
),

final as (
    select
        interval_start_utc,
        interval_start_local,
        local_date,
        device_id,
        asset_id,
        pv_kwp,
        generation_kwh,
        was_curtailed,
        case potential_method
            when 'not_curtailed' then generation_kwh
            when 'unknown' then null
            else greatest(pv_kwp * peer_kwh_per_kwp, generation_kwh)
        end as potential_kwh,
        case potential_method
            when 'not_curtailed' then 0.0
            when 'unknown' then null
            else greatest(pv_kwp * peer_kwh_per_kwp - generation_kwh, 0.0)
        end as curtailed_kwh,
        potential_method,
        interval_quality
    from with_peers
)

select * from final
