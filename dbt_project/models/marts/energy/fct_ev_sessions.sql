{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ open_window('arrival_utc') }}",
            "{{ widen_window_to_open_rows('arrival_utc', 'is_open') }}",
        ],
    )
}}

-- Charging sessions as the chargers report them. A session starts at the first poll showing a
-- car (charger_state 1-4) after a poll showing none (0), and ends at the first poll showing
-- none again; both times are poll times, up to one poll interval after the event. A session
-- also ends, and the next starts, where the session energy register restarts while a car was
-- being served (state 2 or 3): another car plugged in between two polls. energy_kwh is the
-- register at the session's end: the last poll with the car, or the departure poll if that
-- shows more (most chargers hold the value until the next car, some clear it when it leaves).
-- Only good readings count; a gap in them is bridged by the states either side.
--
-- Incremental rather than a table: a rebuild would scan every landed reading each quarter-hour.
-- A session is known only once its car has left, and its start needs the poll before it, so
-- each run re-derives the sessions that arrived in the window (open_window on arrival_utc,
-- widened back to the earliest session still open at the last run) from the polls since
-- lookback_hours before the window; sessions that arrived earlier are kept as they were.

with chargers as (
    select
        device_id,
        asset_id,
        -- the reference tables have no charger kind; the register map's name says it
        -- (ev_charger_ac, ev_charger_dc), as the twin also assumes
        nullif(regexp_extract(register_map, '(?:^|_)(ac|dc)(?:_|$)', 1), '') as charger_kind
    from {{ ref('stg_reference__devices') }}
    where device_kind = 'ev_charger'
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

landed as (
    select readings.device_id, readings.ts_utc, readings.point, readings.value
    from {{ ref('stg_landing__readings') }} as readings
    where readings.quality = 'good'
        and readings.point in ('charger_state', 'session_energy_kwh')
        and readings.ts_utc
            >= {{ window_start() }} - interval '{{ var("lookback_hours") }} hours'
        and readings.landing_date
            >= cast({{ window_start() }} - interval '{{ var("lookback_hours") }} hours' as date)
        and readings.device_id in (select device_id from chargers)
),

polls as (
    -- one row per poll that read the state; duplicates of a reading collapse
    select
        device_id,
        ts_utc,
        max(value) filter (where point = 'charger_state') as charger_state,
        max(value) filter (where point = 'session_energy_kwh') as session_energy_kwh
    from landed
    group by device_id, ts_utc
    having charger_state is not null
),

with_previous as (
    select
        *,
        lag(charger_state) over by_time as previous_state,
        lag(session_energy_kwh) over by_time as previous_session_energy_kwh
    from polls
    window by_time as (partition by device_id order by ts_utc)
),

marked as (
    select
        *,
        coalesce(
            charger_state != 0
            and (
                previous_state is null
                or previous_state = 0
                or (previous_state in (2, 3)
                    and session_energy_kwh < previous_session_energy_kwh)
            ),
            false) as starts_session,
        charger_state = 0 and previous_state != 0 as is_departure
    from with_previous
),

numbered as (
    -- every poll belongs to the session started last at or before it (0: none yet)
    select
        *,
        sum(case when starts_session then 1 else 0 end) over (
            partition by device_id order by ts_utc
            rows between unbounded preceding and current row
        ) as session_number
    from marked
),

sessions as (
    select
        device_id,
        session_number,
        min(ts_utc) as arrival_utc,
        bool_or(starts_session and previous_state is null) as started_before_data,
        min(ts_utc) filter (where is_departure) as left_utc,
        arg_max(session_energy_kwh, ts_utc) filter (
            where charger_state != 0 and session_energy_kwh is not null
        ) as last_plugged_energy_kwh,
        max(session_energy_kwh) filter (where is_departure) as departure_energy_kwh
    from numbered
    where session_number > 0
    group by device_id, session_number
),

ended as (
    select
        *,
        -- no poll without a car before the next session: it ended when the next car came
        coalesce(left_utc, lead(arrival_utc) over (
            partition by device_id order by arrival_utc
        )) as departure_utc
    from sessions
),

final as (
    select
        ended.device_id || '/' || strftime(timezone('UTC', ended.arrival_utc),
                                           '%Y-%m-%dT%H:%M:%SZ') as session_id,
        ended.device_id,
        chargers.asset_id,
        chargers.charger_kind,
        ended.arrival_utc,
        ended.departure_utc,
        timezone(park.timezone, ended.arrival_utc) as arrival_local,
        timezone(park.timezone, ended.departure_utc) as departure_local,
        cast(timezone(park.timezone, ended.arrival_utc) as date) as local_date,
        isodow(timezone(park.timezone, ended.arrival_utc)) >= 6 as is_weekend,
        {{ seconds_between('ended.arrival_utc', 'ended.departure_utc') }} / 3600.0 as plugged_h,
        greatest(ended.last_plugged_energy_kwh, ended.departure_energy_kwh) as energy_kwh,
        ended.started_before_data,
        ended.departure_utc is null as is_open
    from ended
    inner join chargers on ended.device_id = chargers.device_id
    cross join park
    where ended.arrival_utc >= {{ window_start() }}
)

select * from final
