"""Failing rows of the check tables -> rows of the landing dataset `dq_quarantine`, with reasons.

Nothing is silently dropped: every row a check failed becomes one quarantine row saying which
device and point, when, and why in words an operator can act on. A run writes one file per UTC
day named after the run, so re-running the same run replaces its files instead of adding rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa

from jobs.common import landing
from jobs.quality.checkpoint import ValidationOutcome
from jobs.quality.schemas import (
    CHECK_COMPLETENESS,
    CHECK_FROZEN_VALUE,
    CHECK_FUTURE_TIMESTAMP,
    CHECK_TIMESTAMP_ORDER,
    CHECK_VALUE_RANGE,
    DQ_QUARANTINE_DATASET,
    DQ_QUARANTINE_SCHEMA,
)
from jobs.quality.tables import CheckTables
from jobs.quality.thresholds import QualityThresholds

Row = dict[str, Any]
FLOW_UNITS = {"kW": "kWh", "kW_th": "kWh_th", "Nm3/h": "Nm3"}  # what a power point integrates to


def quarantine_file_stem(run_id: str) -> str:
    return f"gx-{run_id}"


def quarantine_table(run_id: str, detected_at_utc: dt.datetime, tables: CheckTables,
                     outcome: ValidationOutcome, thresholds: QualityThresholds) -> pa.Table:
    """One quarantine row per failing row of every check, in check order."""
    files = dict(zip(tables.source_files["file_order"], tables.source_files["source_file"],
                     strict=True))
    builders: list[tuple[str, str, pd.DataFrame, Callable[[Row], Row]]] = [
        (CHECK_VALUE_RANGE, "value_range", tables.value_range, _value_range),
        (CHECK_COMPLETENESS, "completeness", tables.completeness,
         lambda row: _completeness(row, thresholds)),
        (CHECK_FROZEN_VALUE, "frozen", tables.frozen, lambda row: _frozen(row, thresholds)),
        (CHECK_TIMESTAMP_ORDER, "timestamps", tables.timestamps,
         lambda row: _timestamp_order(row, files)),
        (CHECK_FUTURE_TIMESTAMP, "timestamps", tables.timestamps,
         lambda row: _future(row, files, detected_at_utc, thresholds)),
    ]
    rows: list[Row] = []
    for check, table_name, frame, build in builders:
        failing = outcome.failing_rows(table_name, frame, check)
        for record in failing.to_dict("records"):
            rows.append({"run_id": run_id, "check": check, "detected_at_utc": detected_at_utc,
                         **build(record)})
    return rows_to_table(rows)


def rows_to_table(rows: Sequence[Row]) -> pa.Table:
    columns = {name: [row.get(name) for row in rows] for name in DQ_QUARANTINE_SCHEMA.names}
    columns["ts_utc"] = [_timestamp(v) for v in columns["ts_utc"]]
    columns["detected_at_utc"] = [_timestamp(v) for v in columns["detected_at_utc"]]
    columns["value"] = [_number(v) for v in columns["value"]]
    return pa.table({name: pa.array(values, DQ_QUARANTINE_SCHEMA.field(name).type)
                     for name, values in columns.items()}, schema=DQ_QUARANTINE_SCHEMA)


def write_quarantine(landing_root: str, table: pa.Table, run_id: str,
                     days: Iterable[dt.date]) -> list[str]:
    """Write the run's quarantine rows, one file per UTC day; remove this run's file from any
    checked day that no longer has failures, so a re-run leaves exactly its own verdict."""
    stem = quarantine_file_stem(run_id)
    written = landing.write_partitioned(landing_root, DQ_QUARANTINE_DATASET, table, stem)
    for day in sorted(set(days)):
        path = f"{landing.partition_dir(landing_root, DQ_QUARANTINE_DATASET, day)}/{stem}.parquet"
        if path in written:
            continue
        fs, fs_path = fsspec.core.url_to_fs(path)
        if fs.exists(fs_path):
            fs.rm(fs_path)
    return written


# --- reasons, one per check ------------------------------------------------------------------

def _value_range(row: Row) -> Row:
    value, low, high = row["value"], _number(row["valid_min"]), _number(row["valid_max"])
    unit = f" {row['unit']}" if row.get("unit") else ""
    if high is not None and value > high:
        where = f"above the map's plausible maximum {high:g}{unit}"
    else:
        where = f"below the map's plausible minimum {low:g}{unit}"
    reason = (f"value {value:g} {where} for {row['point']} of {row['device_id']} "
              f"(register map {row['register_map']}) at {_iso(row['ts_utc'])}")
    return _row(row["ts_utc"], row["device_id"], row["point"], value, reason)


def _completeness(row: Row, thresholds: QualityThresholds) -> Row:
    reason = (f"{row['device_id']} had a good value in {row['polls_received']} of "
              f"{row['polls_expected']} expected polls ({row['completeness_pct']:.1f} %, "
              f"threshold {thresholds.completeness_min_pct:g} %) on "
              f"{pd.Timestamp(row['day_start_utc']).date().isoformat()} between "
              f"{_iso(row['window_start_utc'])} and {_iso(row['window_end_utc'])} "
              f"(poll interval {row['poll_interval_s']} s)")
    return _row(row["day_start_utc"], row["device_id"], None, row["completeness_pct"], reason)


def _frozen(row: Row, thresholds: QualityThresholds) -> Row:
    span = (f"{row['longest_run_polls']} polls from {_iso(row['run_start_utc'])} to "
            f"{_iso(row['run_end_utc'])}")
    value = _number(row["value"])
    shown = "?" if value is None else f"{value:g}"
    if row["rule"] == "heartbeat":
        reason = (f"heartbeat point {row['point']} of {row['device_id']} repeated {shown} for "
                  f"{span} (limit {thresholds.frozen_max_polls}): the device or its "
                  "register image is frozen")
    else:
        flow_unit = FLOW_UNITS.get(row["power_unit"], f"{row['power_unit']}*h")
        reason = (f"counter {row['point']} of {row['device_id']} stood at {shown} for {span} "
                  f"while {row['power_point']} stayed at or above {row['power_floor']:g} "
                  f"{row['power_unit']} (about {row['run_flow']:.1f} {flow_unit} flowed) and no "
                  f"other counter of the device moved (limit {thresholds.frozen_max_polls})")
    return _row(row["run_start_utc"], row["device_id"], row["point"], value, reason)


def _timestamp_order(row: Row, files: dict[int, str]) -> Row:
    reason = (f"{row['point']} of {row['device_id']} stamped {_iso(row['ts_utc'])} landed "
              f"after a reading stamped {_iso(row['latest_earlier_ts_utc'])} "
              f"({-row['seconds_after_earlier_landed']:.0f} s back in time; landed "
              f"{_iso(row['landed_at_utc'])} in {files.get(row['file_order'], '?')}): a device "
              "or harvester clock went backwards")
    return _row(row["ts_utc"], row["device_id"], row["point"], row["value"], reason)


def _future(row: Row, files: dict[int, str], checked_at: dt.datetime,
            thresholds: QualityThresholds) -> Row:
    reason = (f"{row['point']} of {row['device_id']} is stamped {_iso(row['ts_utc'])}, "
              f"{row['seconds_ahead_of_check']:.0f} s ahead of the check at {_iso(checked_at)} "
              f"(limit {thresholds.max_future_s:g} s; in {files.get(row['file_order'], '?')})")
    return _row(row["ts_utc"], row["device_id"], row["point"], row["value"], reason)


def _row(ts_utc: Any, device_id: str, point: str | None, value: Any, reason: str) -> Row:
    return {"ts_utc": ts_utc, "device_id": device_id, "point": point, "value": value,
            "reason": reason}


def _iso(value: Any) -> str:
    if value is None or value is pd.NaT:
        return "?"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    text = stamp.isoformat().replace("+00:00", "Z")
    return text


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number
