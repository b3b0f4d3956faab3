"""The SQL that turns the landed `readings` files of the checked days into the one table
every check reads (`readings`, one row per natural key, with its landing order), step by step
in the order jobs/quality/tables.py runs it."""

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

# The files read, by the number the tables refer to them with (kept out of the big tables).
SOURCE_FILES_SQL = """
select distinct file_order, source_name as source_file
from sources
order by file_order
"""
