"""The check tables Great Expectations validates, built from the landing zone in DuckDB SQL.

GX is good at judging rows and reporting which ones failed; it is not the place to compute runs,
windows or landing order. So every rule is turned here into one table with one row per thing
judged (a reading, a device-day, a device-point) and a plain number to compare with a limit:

- `value_range`: good readings with their map's plausible bounds;
- `completeness`: per configured device and day, the share of expected polls that had a value;
- `frozen`: per device and point, the longest run of a value that should be changing;
- `timestamps`: every reading with the latest timestamp landed before it and its lead on now.

What dbt tests already check in the warehouse (keys, not-null, relationships) is not repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import fsspec
import pandas as pd
import pyarrow as pa

from device_io.register_map import PointRole, RegisterMap
from jobs.common import landing
from jobs.common.settings import Settings
from jobs.quality.thresholds import QualityThresholds

# Units of a device's "power point": the rate its energy (or volume) counters integrate.
RATE_UNITS = ("kW", "kW_th", "Nm3/h")


@dataclass(frozen=True)
class CheckTables:
    value_range: pd.DataFrame
    completeness: pd.DataFrame
    frozen: pd.DataFrame
    timestamps: pd.DataFrame
    source_files: pd.DataFrame  # file_order -> file name, for the timestamps table
    readings_rows: int  # after duplicates of the natural key collapsed
    landed_rows: int
    files: int

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"value_range": self.value_range, "completeness": self.completeness,
                "frozen": self.frozen, "timestamps": self.timestamps}


def point_catalogue(register_maps: dict[str, RegisterMap]) -> pa.Table:
    """Every landed point of every map with what the checks need to know about it."""
    rows: dict[str, list] = {k: [] for k in ("register_map", "point", "unit", "valid_min",
                                             "valid_max", "cumulative", "is_heartbeat",
                                             "is_power_point")}
    for model, register_map in sorted(register_maps.items()):
        # The device's power point: its first measured, non-cumulative rate. Maps list the
        # main power before limits and ratings (bess: active_power_kw before max_*_power_kw).
        power_point = next((p.name for p in register_map.landed_points
                            if p.role == PointRole.MEASUREMENT and not p.cumulative
                            and p.unit in RATE_UNITS), None)
        for point in register_map.landed_points:
            rows["register_map"].append(model)
            rows["point"].append(point.name)
            rows["unit"].append(point.unit)
            rows["valid_min"].append(point.valid_min)
            rows["valid_max"].append(point.valid_max)
            rows["cumulative"].append(point.cumulative)
            rows["is_heartbeat"].append(point.name in register_map.heartbeat_points)
            rows["is_power_point"].append(point.name == power_point)
    return pa.table({
        "register_map": pa.array(rows["register_map"], pa.string()),
        "point": pa.array(rows["point"], pa.string()),
        "unit": pa.array(rows["unit"], pa.string()),
        "valid_min": pa.array(rows["valid_min"], pa.float64()),
        "valid_max": pa.array(rows["valid_max"], pa.float64()),
        "cumulative": pa.array(rows["cumulative"], pa.bool_()),
        "is_heartbeat": pa.array(rows["is_heartbeat"], pa.bool_()),
        "is_power_point": pa.array(rows["is_power_point"], pa.bool_()),
    })


def device_catalogue(settings: Settings) -> pa.Table:
    devices = settings.park.devices
    return pa.table({
        "device_id": pa.array([d.id for d in devices], pa.string()),
        "register_map": pa.array([d.register_map for d in devices], pa.string()),
        "poll_interval_s": pa.array([d.poll_interval_s for d in devices], pa.int64()),
        "rated_kw": pa.array([d.rated_kw for d in devices], pa.float64()),
    })


# --- the SQL, step by step -------------------------------------------------------------------

# Every landed row of the requested days, with where it landed and, as far as the landing zone
# can tell, when. History backfills name each cycle after its sample time ('history-<ts>'); the
# live poller names each file after its cycle's start ('cycle-<start>-<group>-<id>.parquet').
# Other files (compacted days, other producers) carry no landing time: their rows are taken as
# landed in timestamp order, so the order check cannot fault them (the future bound still does).
SOURCES_SQL = r"""
-- one row per file and cycle: each landing time is parsed once, not once per reading
create temp table sources as
select
    cycle_key,
    source_file,
    regexp_extract(source_file, '[^/]*$') as source_name,
    dense_rank() over (order by source_file) as file_order,
    coalesce(
        try_strptime(regexp_extract(cycle_key, '^history-(\d{8}T\d{6})$', 1),
                     '%Y%m%dT%H%M%S')::timestamptz,
        try_strptime(regexp_extract(source_file, '(^|/)cycle-(\d{8}T\d{12})[^/]*$', 2),
                     '%Y%m%dT%H%M%S%f')::timestamptz
    ) as cycle_landed_at_utc
from (select distinct coalesce(cycle_id, '') as cycle_key, source_file from landed_raw)
"""

LANDED_SQL = """
create temp table landed as
select
    raw.ts_utc,
    raw.device_id,
    raw.point,
    raw.value,
    raw.quality,
    sources.file_order,
    raw.file_row_number,
    coalesce(sources.cycle_landed_at_utc, raw.ts_utc) as landed_at_utc
from landed_raw as raw
inner join sources
    on sources.cycle_key = coalesce(raw.cycle_id, '') and sources.source_file = raw.source_file
where cast(raw.ts_utc as date) in (select day from checked_days)
"""

# One row per natural key (ts_utc, device_id, point), as every reader of the landing zone sees
# it: a good reading wins over a failed one, then the first to land. Only keys that landed
# more than once need ranking, and there are few (replays, overlapping backfills).
READINGS_SQL = """
create temp table readings as
with duplicated_keys as (
    select ts_utc, device_id, point
    from landed
    group by all
    having count(*) > 1
),

landed_once as (
    select landed.*
    from landed
    anti join duplicated_keys using (ts_utc, device_id, point)
),

best_of_duplicates as (
    select landed.*
    from landed
    semi join duplicated_keys using (ts_utc, device_id, point)
    qualify row_number() over (
        partition by ts_utc, device_id, point
        order by (quality = 'good') desc, landed_at_utc, file_order, file_row_number
    ) = 1
)

select * from landed_once
union all
select * from best_of_duplicates
"""

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

# Values the device actually sent: good ones, and stale ones (the poller's own frozen verdict,
# which this check confirms over the whole day and turns into a quarantine row with the run).
DECODED_SQL = """
create temp table decoded as
select
    readings.device_id,
    readings.point,
    readings.ts_utc,
    readings.value,
    devices.rated_kw,
    points.unit,
    points.cumulative,
    points.is_heartbeat,
    points.is_power_point
from readings
inner join devices on devices.device_id = readings.device_id
inner join points
    on points.register_map = devices.register_map and points.point = readings.point
where readings.quality in ('good', 'stale') and readings.value is not null
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

# The files read, by the number the tables refer to them with (kept out of the big tables).
SOURCE_FILES_SQL = """
select distinct file_order, source_name as source_file
from sources
order by file_order
"""


def build_check_tables(settings: Settings, days: Sequence[dt.date], now_utc: dt.datetime,
                       thresholds: QualityThresholds) -> CheckTables:
    """Read the requested days of `readings` from landing and compute every check table."""
    files = [path for day in sorted(set(days))
             for path in landing.list_partition_files(settings.landing_root, "readings", day)]
    connection = duckdb.connect()
    try:
        connection.execute("set TimeZone = 'UTC'")  # casts of timestamptz to date are UTC days
        _register_filesystem(connection, settings.landing_root)
        connection.register("devices", device_catalogue(settings))
        connection.register("points", point_catalogue(settings.register_maps))
        connection.register("checked_days", pa.table({"day": pa.array(sorted(set(days)),
                                                                      pa.date32())}))
        _register_landed_raw(connection, files)
        connection.execute(SOURCES_SQL)
        connection.execute(LANDED_SQL)
        connection.execute("drop table landed_raw")
        connection.execute(READINGS_SQL)
        landed_rows = _count(connection, "landed")
        connection.execute("drop table landed")
        connection.execute(DECODED_SQL)
        readings_rows = _count(connection, "readings")
        now = now_utc.astimezone(dt.UTC)
        return CheckTables(
            value_range=_frame(connection, VALUE_RANGE_SQL, {}),
            completeness=_frame(connection, COMPLETENESS_SQL, {
                "window": thresholds.completeness_window, "now_utc": now,
                "max_future_s": thresholds.max_future_s}),
            frozen=_frame(connection, FROZEN_SQL, {
                "min_power": thresholds.counter_min_power,
                "min_power_pct": thresholds.counter_min_power_pct_of_rated,
                "min_flow": thresholds.counter_min_flow}),
            timestamps=_frame(connection, TIMESTAMPS_SQL, {"now_utc": now}),
            source_files=_frame(connection, SOURCE_FILES_SQL, {}),
            readings_rows=readings_rows,
            landed_rows=landed_rows,
            files=len(files),
        )
    finally:
        connection.close()


def _register_landed_raw(connection: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    if not files:
        connection.register("no_files", pa.table({
            "ts_utc": pa.array([], pa.timestamp("us", tz="UTC")),
            "device_id": pa.array([], pa.string()), "point": pa.array([], pa.string()),
            "value": pa.array([], pa.float64()), "quality": pa.array([], pa.string()),
            "cycle_id": pa.array([], pa.string()), "source_file": pa.array([], pa.string()),
            "file_row_number": pa.array([], pa.int64())}))
        connection.execute("create temp table landed_raw as select * from no_files")
        return
    connection.execute(
        """
        create temp table landed_raw as
        select
            ts_utc, device_id, point, value, quality, cycle_id,
            filename as source_file,
            file_row_number
        from read_parquet($files, filename = true, file_row_number = true,
                          hive_partitioning = false, union_by_name = true)
        """,
        {"files": files},
    )


def _register_filesystem(connection: duckdb.DuckDBPyConnection, root: str) -> None:
    """Let DuckDB read an fsspec landing zone (s3://, memory://...) the way landing.py writes it."""
    if "://" not in root or root.startswith("file://"):
        return
    protocol = root.split("://", 1)[0]
    connection.register_filesystem(fsspec.filesystem(protocol))


def _frame(connection: duckdb.DuckDBPyConnection, sql: str,
           parameters: dict[str, object]) -> pd.DataFrame:
    # Through Arrow: typed (tz-aware timestamps, strings) and no pandas deprecation noise.
    return connection.sql(sql, params=parameters).to_arrow_table().to_pandas()


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(connection.sql(f"select count(*) from {table}").fetchall()[0][0])
