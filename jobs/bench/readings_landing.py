"""Landing the benchmark's readings as the platform lands them: past days as one sorted
`compacted-…` file per UTC date, a new hour as the poller writes it, one file per 1-minute
cycle."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.bench.readings_generator import ReadingsGenerator
from jobs.common import landing
from jobs.common.settings import Settings

ROWS_PER_GROUP = 1_000_000  # Parquet row group size of the day files


@dataclass
class Landed:
    rows: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


Alter = Callable[[pa.Table], pa.Table]


def land_period(settings: Settings, generator: ReadingsGenerator, start_utc: dt.datetime,
                end_utc: dt.datetime, on_day: Callable[[dt.date, Landed], None] | None = None,
                alter: Alter | None = None) -> Landed:
    """1-minute readings from start (inclusive) to end, both whole minutes, as past days are
    kept: one sorted `compacted-…` file per UTC date. `alter` (tests) rewrites each table
    before it lands: faults written in, in time order."""
    started = time.perf_counter()
    landed = Landed()
    chunk_start = start_utc
    while chunk_start < end_utc:
        day = chunk_start.date()
        chunk_end = min(end_utc, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                                     dt.UTC))
        minutes = int((chunk_end - chunk_start).total_seconds()) // 60
        per_group = max(1, ROWS_PER_GROUP // minutes)
        minute_us, values = generator.minutes(chunk_start, minutes)
        cycle_ids = generator.cycle_ids(minutes)
        sink = io.BytesIO()
        with pq.ParquetWriter(sink, landing.READINGS_SCHEMA, compression="zstd") as writer:
            for first in range(0, generator.points_per_minute, per_group):
                table = generator.table(minute_us, values, cycle_ids,
                                        slice(first, first + per_group))
                if alter is not None:
                    table = alter(table)
                writer.write_table(table, row_group_size=ROWS_PER_GROUP)
                landed.rows += table.num_rows
        digest = hashlib.sha1(f"bench {chunk_start}".encode()).hexdigest()[:16]
        path = (f"{landing.partition_dir(settings.landing_root, 'readings', day)}/"
                f"compacted-{digest}.parquet")
        payload = sink.getvalue()
        landing.write_atomically(path, payload)
        landed.files += 1
        landed.bytes += len(payload)
        landed.seconds = time.perf_counter() - started
        if on_day is not None:
            on_day(day, landed)
        chunk_start = chunk_end
    return landed


def land_cycles(settings: Settings, generator: ReadingsGenerator, start_utc: dt.datetime,
                minutes: int, alter: Alter | None = None) -> Landed:
    """`minutes` harvest cycles from `start_utc`, each as the poller lands it: one file."""
    started = time.perf_counter()
    landed = Landed()
    minute_us, values = generator.minutes(start_utc, minutes)
    cycle_ids = generator.cycle_ids(minutes)
    for minute in range(minutes):
        cycle_id = cycle_ids[minute].as_py()
        table = generator.table(minute_us[minute:minute + 1], values[minute:minute + 1],
                                cycle_ids.slice(minute, 1), slice(None))
        if alter is not None:
            table = alter(table)
        cycle_start = start_utc + dt.timedelta(minutes=minute)
        stem = f"cycle-{cycle_start:%Y%m%dT%H%M%S%f}-all-{cycle_id[:8]}"
        for path in landing.write_partitioned(settings.landing_root, "readings", table, stem):
            landed.files += 1
            landed.bytes += os.path.getsize(path)
        landed.rows += table.num_rows
    landed.seconds = time.perf_counter() - started
    return landed

