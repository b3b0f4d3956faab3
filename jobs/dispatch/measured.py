"""What the platform has measured, as the day-ahead run needs it: the latest state of each
storage and zone (the plan starts from it), and recent histories that stand in for what no
forecast provides (outdoor temperature offline, occupancy, heat flows).

Read-only DuckDB queries on the warehouse; only good-quality readings count, and only
readings before `known_until_utc`, so a re-run for a past date does not peek at the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.park_config import DeviceKind, ParkConfig
from jobs.warehouse.published import connect_published

# state older than this is no start for a plan: the configured initial state is used instead
MAX_STATE_AGE = pd.Timedelta(hours=6)


def _asset_devices(park: ParkConfig, kind: DeviceKind) -> dict[str, list[str]]:
    devices = defaultdict(list)
    for device in park.devices:
        if device.kind == kind and device.asset is not None:
            devices[device.asset].append(device.id)
    return dict(devices)


def latest_values(warehouse_path: str, point: str, device_ids: list[str],
                  known_until_utc: pd.Timestamp) -> dict[str, float]:
    """Each device's last good reading of `point` within MAX_STATE_AGE before the time."""
    if not device_ids:
        return {}
    since = known_until_utc - MAX_STATE_AGE
    with connect_published(warehouse_path) as connection:
        rows = connection.execute(
            "select device_id, arg_max(value, ts_utc) from staging.stg_landing__readings "
            "where point = ? and quality = 'good' and device_id in (select unnest(?)) "
            "and ts_utc >= ? and ts_utc < ? and landing_date >= ? group by device_id",
            [point, device_ids, since.to_pydatetime(), known_until_utc.to_pydatetime(),
             since.date() - dt.timedelta(days=1)]).fetchall()
    return {device: float(value) for device, value in rows}


def latest_by_asset(warehouse_path: str, park: ParkConfig, kind: DeviceKind, point: str,
                    known_until_utc: pd.Timestamp, combine: str = "mean") -> dict[str, float]:
    """The latest value per asset: the mean (e.g. SOC, temperature) or sum (e.g. the heat a
    tank's controllers report for their shares) over the asset's devices that reported."""
    by_asset = _asset_devices(park, kind)
    values = latest_values(warehouse_path, point, sum(by_asset.values(), []), known_until_utc)
    result = {}
    for asset, devices in by_asset.items():
        reported = [values[d] for d in devices if d in values]
        if reported:
            result[asset] = sum(reported) / (len(reported) if combine == "mean" else 1)
    return result


def interval_means(warehouse_path: str, point: str, device_ids: list[str], since_utc,
                   known_until_utc: pd.Timestamp, minutes: int = 15) -> pd.DataFrame:
    """Mean of good readings per interval (index: UTC interval starts; one column per device)."""
    if not device_ids:
        return pd.DataFrame()
    since = pd.Timestamp(since_utc)
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(
            "select time_bucket(to_minutes(?::bigint), ts_utc) as interval_start_utc, "
            "device_id, avg(value) as value from staging.stg_landing__readings "
            "where point = ? and quality = 'good' and device_id in (select unnest(?)) "
            "and ts_utc >= ? and ts_utc < ? and landing_date >= ? group by all",
            [minutes, point, device_ids, since.to_pydatetime(), known_until_utc.to_pydatetime(),
             since.date() - dt.timedelta(days=1)]))
    if frame.empty:
        return pd.DataFrame()
    wide = frame.pivot_table(index="interval_start_utc", columns="device_id", values="value")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide.sort_index()


def heat_flow_history_kw_th(warehouse_path: str, since_utc,
                            known_until_utc: pd.Timestamp, minutes: int = 15) -> pd.DataFrame:
    """Average heat per interval (kW_th) that each tank stored and released, by asset:
    columns (asset, 'stored'|'released')."""
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(
            "select energy.interval_start_utc, devices.asset_id, energy.energy_flow, "
            "sum(energy.heat_kwh_th) as heat_kwh_th from fct_interval_energy as energy "
            "inner join dim_devices as devices using (device_id) "
            "where energy.energy_flow in ('heat_stored', 'heat_released') "
            "and energy.interval_start_utc >= ? and energy.interval_start_utc < ? group by all",
            [pd.Timestamp(since_utc).to_pydatetime(), known_until_utc.to_pydatetime()]))
    if frame.empty:
        return pd.DataFrame()
    frame["flow"] = frame["energy_flow"].str.removeprefix("heat_")
    wide = frame.pivot_table(index="interval_start_utc", columns=["asset_id", "flow"],
                             values="heat_kwh_th", aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide.sort_index() * (60.0 / minutes)


def dr_events_between(warehouse_path: str, start_utc: pd.Timestamp,
                      end_utc: pd.Timestamp) -> pd.DataFrame:
    """Demand-response events from the inbox whose window overlaps [start, end)."""
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(
            "select event_id, start_utc, end_utc, requested_reduction_kw, "
            "compensation_cny_per_kwh, enterprise_id from staging.stg_inbox__dr_events "
            "where start_utc < ? and end_utc > ? order by start_utc",
            [end_utc.to_pydatetime(), start_utc.to_pydatetime()]))
    for column in ("start_utc", "end_utc"):
        frame[column] = pd.DatetimeIndex(frame[column]).tz_convert("UTC")
    frame["enterprise_id"] = frame["enterprise_id"].astype(object).where(
        frame["enterprise_id"].notna(), None)
    return frame.set_index("event_id")
