"""The check tables Great Expectations validates, built from the landing zone in DuckDB SQL.

GX is good at judging rows and reporting which ones failed; it is not the place to compute runs,
windows or landing order. So every rule is turned here into one table with one row per thing
judged (a reading, a device-day, a device-point) and a plain number to compare with a limit:

- `value_range`: good readings with their map's plausible bounds;
- `completeness`: per configured device and day, the share of expected polls that had a value;
- `frozen`: per device and point, the longest run of a value that should be changing;
- `timestamps`: every reading with the latest timestamp landed before it and its lead on now.

The SQL: landing_sql.py (the landed rows into one `readings` table) and rule_sql.py (a table
per rule).

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

from jobs.common import landing
from jobs.common.register_map import PointRole, RegisterMap
from jobs.common.settings import Settings
from jobs.quality.landing_sql import (
    DECODED_SQL,
    LANDED_SQL,
    READINGS_SQL,
    SOURCE_FILES_SQL,
    SOURCES_SQL,
)
from jobs.quality.rule_sql import COMPLETENESS_SQL, FROZEN_SQL, TIMESTAMPS_SQL, VALUE_RANGE_SQL
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
