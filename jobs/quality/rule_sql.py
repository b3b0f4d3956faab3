"""The SQL of each data-quality rule (one table per rule, one row per thing judged, with a
plain number to compare with a limit), over the `readings` table of landing_sql.py; the
rules themselves are described in jobs/quality/tables.py."""

# Good readings of bounded points with the bounds their register map declares. The poller marks
# out-of-range values invalid itself, so a failure here is data from another producer (a
# backfill, an import) or a decoder bug.
VALUE_RANGE_SQL = """
select
    row_number() over () as row_id,  -- any unique id will do: GX names failing rows by it
    readings.ts_utc,
    readings.device_id,
    readings.point,
    readings.value,
    points.valid_min,
    points.valid_max,
    points.unit,
    devices.register_map
from readings
inner join devices on devices.device_id = readings.device_id
inner join points
    on points.register_map = devices.register_map and points.point = readings.point
where readings.quality = 'good'
    and (points.valid_min is not null or points.valid_max is not null)
"""

# Per configured device and requested day: polls expected in the day's window (its length over
# the device's poll interval) against polls received (distinct timestamps with a good value).
COMPLETENESS_SQL = """
with park_span as (
    -- when the park was harvested at all on each day: first and last landed poll, any device;
    -- readings stamped in the future are the future check's business and must not stretch it
    select cast(ts_utc as date) as day, min(ts_utc) as first_ts, max(ts_utc) as last_ts
    from readings
    where ts_utc <= $now_utc::timestamptz + to_seconds($max_future_s)
    group by 1
),

day_windows as (
    select
        checked_days.day,
        checked_days.day::timestamptz as day_start_utc,
        case
            when $window = 'harvest_span' and park_span.first_ts is not null
                then park_span.first_ts
            else checked_days.day::timestamptz
        end as window_start_utc,
        -- harvest_span: the last poll counts as one interval; full_day: up to midnight or now
        case
            when $window = 'harvest_span' and park_span.last_ts is not null then park_span.last_ts
            else least(checked_days.day::timestamptz + interval 1 day, $now_utc)
        end as window_end_utc,
        $window = 'harvest_span' and park_span.last_ts is not null as closed_window
    from checked_days
    left join park_span on park_span.day = checked_days.day
),

received as (
    select cast(ts_utc as date) as day, device_id, count(distinct ts_utc) as polls_received
    from readings
    where quality = 'good' and value is not null
    group by all
),

expected as (
    select
        day_windows.day,
        day_windows.day_start_utc,
        day_windows.window_start_utc,
        day_windows.window_end_utc,
        devices.device_id,
        devices.poll_interval_s,
        greatest(1, round(
            (epoch(day_windows.window_end_utc) - epoch(day_windows.window_start_utc)
             + case when day_windows.closed_window then devices.poll_interval_s else 0 end)
            / devices.poll_interval_s
        ))::bigint as polls_expected
    from day_windows
    cross join devices
    where day_windows.window_end_utc > day_windows.window_start_utc
        or day_windows.closed_window
)

select
    row_number() over (order by expected.day, expected.device_id) as row_id,
    expected.day,
    expected.day_start_utc,
    expected.window_start_utc,
    expected.window_end_utc,
    expected.device_id,
    expected.poll_interval_s,
    expected.polls_expected,
    coalesce(received.polls_received, 0) as polls_received,
    round(100.0 * least(coalesce(received.polls_received, 0), expected.polls_expected)
          / expected.polls_expected, 2) as completeness_pct
from expected
left join received
    on received.day = expected.day and received.device_id = expected.device_id
"""

# Frozen values, two rules, each giving per device and point the longest run in polls:
#  1. heartbeat: a map's heartbeat points change on every poll of a live device (its clock,
#     noisy voltages), so a run of identical values is a frozen device or harvester. Other
#     analog points legitimately repeat for hours (power factor, PV at night, idle chargers).
#  2. counter: a device's energy/volume counters must move while its power point is clearly
#     nonzero. Import/export (charge/discharge) counters move one at a time, so a poll counts
#     as stuck only if none of the device's counters moved; a poll below the power floor ends
#     the run. A run counts only once the power says enough has flowed to move any counter
#     (counter_min_flow), so coarse counters polled fast are not frozen. Every counter of the
#     device gets a row with the device's longest such run (0 polls: none).
FROZEN_SQL = """
with heartbeat_steps as (
    select
        device_id,
        point,
        ts_utc,
        value,
        -- a new run starts whenever the value differs from the previous poll's
        case when value is distinct from lag(value) over (
            partition by device_id, point order by ts_utc) then 1 else 0 end as starts_run
    from decoded
    where is_heartbeat
),

heartbeat_runs as (
    select
        device_id,
        point,
        sum(starts_run) over (partition by device_id, point order by ts_utc
                              rows unbounded preceding) as run_no,
        ts_utc,
        value
    from heartbeat_steps
),

heartbeat_longest as (
    select
        device_id,
        point,
        'heartbeat' as rule,
        count(*) as longest_run_polls,
        min(ts_utc) as run_start_utc,
        max(ts_utc) as run_end_utc,
        any_value(value) as value,
        null::varchar as power_point,
        null::double as power_floor,
        null::varchar as power_unit,
        null::double as run_flow
    from heartbeat_runs
    group by device_id, point, run_no
    qualify row_number() over (partition by device_id, point
                               order by count(*) desc, min(ts_utc)) = 1
),

counter_changes as (
    select
        device_id,
        point,
        ts_utc,
        value is distinct from lag(value) over (
            partition by device_id, point order by ts_utc) as moved
    from decoded
    where cumulative
),

counter_steps as (
    -- did any counter of the device move since its previous poll?
    select device_id, ts_utc, bool_or(moved) as any_counter_moved
    from counter_changes
    group by device_id, ts_utc
),

power as (
    select
        device_id,
        ts_utc,
        point as power_point,
        unit as power_unit,
        abs(value) as power_abs,
        greatest($min_power, $min_power_pct / 100.0 * coalesce(rated_kw, 0)) as power_floor
    from decoded
    where is_power_point
),

counter_polls as (
    select
        counter_steps.device_id,
        counter_steps.ts_utc,
        power.power_point,
        power.power_unit,
        power.power_floor,
        not counter_steps.any_counter_moved and power.power_abs >= power.power_floor as stuck,
        -- energy (or volume) the power point says flowed since the device's previous poll
        power.power_abs * (epoch(counter_steps.ts_utc) - epoch(lag(counter_steps.ts_utc) over (
            partition by counter_steps.device_id order by counter_steps.ts_utc))) / 3600.0
            as implied_flow
    from counter_steps
    inner join power
        on power.device_id = counter_steps.device_id and power.ts_utc = counter_steps.ts_utc
),

counter_runs as (
    -- each poll that is not stuck starts a new run; the run's polls all hold the same counts
    select
        *,
        sum(case when stuck then 0 else 1 end) over (
            partition by device_id order by ts_utc rows unbounded preceding) as run_no
    from counter_polls
),

counter_run_lengths as (
    select
        device_id,
        run_no,
        count(*) as run_polls,
        min(ts_utc) as run_start_utc,
        max(ts_utc) as run_end_utc,
        coalesce(sum(implied_flow) filter (where stuck), 0) as run_flow,
        any_value(power_point) as power_point,
        any_value(power_floor) as power_floor,
        any_value(power_unit) as power_unit
    from counter_runs
    group by device_id, run_no
),

counter_longest as (
    -- only runs over which enough flowed to move any counter count: a slow but live counter
    -- moves (and ends its run) long before $min_flow has flowed
    select
        device_id,
        case when run_flow >= $min_flow then run_polls else 0 end as longest_run_polls,
        run_start_utc,
        run_end_utc,
        run_flow,
        power_point,
        power_floor,
        power_unit
    from counter_run_lengths
    qualify row_number() over (
        partition by device_id
        order by (run_flow >= $min_flow) desc, run_polls desc, run_start_utc) = 1
),

counter_points as (
    select distinct device_id, point from decoded where cumulative
),

counter_frozen as (
    select
        counter_points.device_id,
        counter_points.point,
        'counter' as rule,
        counter_longest.longest_run_polls,
        counter_longest.run_start_utc,
        counter_longest.run_end_utc,
        decoded.value,
        counter_longest.power_point,
        counter_longest.power_floor,
        counter_longest.power_unit,
        counter_longest.run_flow
    from counter_points
    inner join counter_longest on counter_longest.device_id = counter_points.device_id
    left join decoded
        on decoded.device_id = counter_points.device_id
        and decoded.point = counter_points.point
        and decoded.ts_utc = counter_longest.run_start_utc
),

final as (
    select * from heartbeat_longest
    union all
    select * from counter_frozen
)

select row_number() over (order by device_id, point) as row_id, *
from final
"""

# Every reading with the latest timestamp of its device and point that landed before it (by
# landing order, see LANDED_SQL) and how far it is stamped ahead of the check's clock.
TIMESTAMPS_SQL = """
with ordered as (
    select
        device_id,
        point,
        ts_utc,
        value,
        file_order,
        landed_at_utc,
        max(ts_utc) over (
            partition by device_id, point
            order by landed_at_utc, file_order, file_row_number
            rows between unbounded preceding and 1 preceding
        ) as latest_earlier_ts_utc
    from readings
)

select
    row_number() over () as row_id,
    *,
    epoch(ts_utc) - epoch(latest_earlier_ts_utc) as seconds_after_earlier_landed,
    epoch(ts_utc) - epoch($now_utc::timestamptz) as seconds_ahead_of_check
from ordered
"""
