"""The zones' occupancy history: the controllers' hvac_mode as their schedules set it, not as
the platform overrode it.

A zone's controller runs by its schedule (auto while occupied, off otherwise), and the forecast
learns the zones' occupancy from that mode's history (day_ahead._zone_occupancy). The setpoint
writer also writes hvac_mode itself, as an override until the schedule's next change (the BMS
rule): cool in an empty zone it pre-cools, heat where the schedule's auto would not heat
(device_io/setpoints/commands.py). Read as it is, a pre-cooling of an empty zone is taken for
occupancy on later days, and the plans it feeds cool empty zones for the comfort of nobody.

So the intervals the platform's own override held (from the audit: the hvac_mode it wrote and
read back) are given the mode the schedule had before the write: the override lasts until the
schedule's next change, so the schedule's state is the one the write found. The override ends
where the controller no longer reports the written mode (the schedule changed, or a person or
another write set it).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from jobs.common.frames import to_frame
from jobs.dispatch import measured
from jobs.warehouse.published import connect_published

SAME_MODE = 1e-6  # an interval's mean mode equal to the written one: the override still held


def own_mode_writes(warehouse_path: str, device_ids: list[str], since_utc: pd.Timestamp,
                    known_until_utc: pd.Timestamp) -> pd.DataFrame:
    """The hvac_mode values the platform wrote and read back (device_id, attempt_ts_utc,
    value), oldest first; empty where the warehouse has no setpoint audit."""
    empty = pd.DataFrame(columns=["device_id", "attempt_ts_utc", "value"])
    if not device_ids:
        return empty
    since = pd.Timestamp(since_utc)
    try:
        with connect_published(warehouse_path) as connection:
            frame = to_frame(connection.execute(
                "select device_id, attempt_ts_utc, written_value as value "
                "from staging.stg_setpoints__audit where point = 'hvac_mode' "
                "and outcome = 'written' and not coalesce(is_dry_run, false) "
                "and written_value is not null and device_id in (select unnest(?)) "
                "and attempt_ts_utc >= ? and attempt_ts_utc < ? and landing_date >= ? "
                "order by attempt_ts_utc",
                [device_ids, since.to_pydatetime(), known_until_utc.to_pydatetime(),
                 since.date() - dt.timedelta(days=1)]))
    except duckdb.CatalogException:  # a warehouse built before the audit was landed
        return empty
    if frame.empty:
        return empty
    frame["attempt_ts_utc"] = pd.to_datetime(frame["attempt_ts_utc"], utc=True)
    return frame


def schedule_modes(history: pd.DataFrame, writes: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """`history` (interval means of hvac_mode, UTC interval starts, a column per device) with
    the intervals each of the platform's `writes` held replaced by the schedule's mode before
    the write: the write's own interval, then every interval that reports the written mode
    throughout. A write into an override of its own keeps the schedule's mode found before."""
    if history.empty or writes.empty:
        return history
    result = history.copy()
    for device_id, device_writes in writes.groupby("device_id", sort=False):
        if device_id not in result.columns:
            continue
        column = result[device_id].copy()
        for ts, value in zip(device_writes["attempt_ts_utc"], device_writes["value"],
                             strict=True):
            start = pd.Timestamp(ts).floor(f"{minutes}min")
            before = column[column.index < start].dropna()
            if before.empty:
                continue  # no schedule state known before the write: left as it reads
            schedule = before.iloc[-1]
            held = column.index[column.index >= start]
            for position, interval in enumerate(held):
                mean = column.loc[interval]
                if position > 0 and not (pd.notna(mean) and abs(mean - value) < SAME_MODE):
                    break
                column.loc[interval] = schedule
        result[device_id] = column
    return result


def hvac_mode_history(warehouse_path: str, device_ids: list[str], since_utc,
                      known_until_utc: pd.Timestamp, minutes: int) -> pd.DataFrame:
    """The controllers' mode per interval as their schedules set it (measured.interval_means
    of hvac_mode, the platform's own overrides taken out)."""
    history = measured.interval_means(warehouse_path, "hvac_mode", device_ids, since_utc,
                                      known_until_utc, minutes)
    writes = own_mode_writes(warehouse_path, device_ids, pd.Timestamp(since_utc),
                             known_until_utc)
    return schedule_modes(history, writes, minutes)
