"""What the park's direct green supply lines (绿电直连) will offer, for the dispatch model.

A line serves the park's net demand before the grid does, off the grid bill, and is never
exported (builders.add_direct_green). What it delivers is metered; what it offered is not
when the park's demand was the limit (the grid imported nothing then), so:
- the day-ahead forecast is the mean delivered power over the last days' intervals in which the
  grid still imported (the line gave all it offered), a flat level: wind has no daily shape
  a like-day profile could find;
- intraday, the last hour's delivered power where the grid imported is the line's level now;
  where the park's demand was the limit, the delivered power is a floor under it. The
  difference to the forecast fades with the same time constant as the load's correction.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobs.common.park_config import DeviceKind, ParkConfig
from jobs.warehouse.published import connect_published

HISTORY_DAYS = 7
NOWCAST_H = 1.0
# below this grid import the park's demand, not the wind, set what the line delivered: the
# delivered power is then only a floor under what the line offered
UNCAPPED_IMPORT_KW = 4.0


def has_direct_green(park: ParkConfig) -> bool:
    return any(d.kind == DeviceKind.DIRECT_GREEN_METER for d in park.devices)


def forecast_kw(warehouse_path: str, park: ParkConfig, index: pd.DatetimeIndex,
                known_until_utc: pd.Timestamp) -> pd.Series | None:
    """A flat forecast over the plan's intervals (None: the park has no line). Without any
    interval in which the line was not held back by the park's demand: 0 (the grid pays)."""
    if not has_direct_green(park):
        return None
    since = known_until_utc - pd.Timedelta(days=HISTORY_DAYS)
    per_h = 60.0 / park.dispatch.interval_minutes
    with connect_published(warehouse_path) as connection:
        row = connection.execute(
            "select avg(direct_green_import_kwh) * ? from fct_energy_balance "
            "where interval_start_utc >= ? and interval_start_utc < ? and local_date >= ? "
            "and grid_import_kwh * ? >= ? and direct_green_import_kwh is not null",
            [per_h, since.to_pydatetime(), known_until_utc.to_pydatetime(),
             since.date() - dt.timedelta(days=1), per_h, UNCAPPED_IMPORT_KW]).fetchone()
    level = float(row[0]) if row and row[0] is not None and np.isfinite(row[0]) else 0.0
    return pd.Series(max(level, 0.0), index=index, dtype=float)


def nowcast_kw(recent: pd.DataFrame, forecast: pd.Series, now: pd.Timestamp,
               fade: np.ndarray) -> tuple[pd.Series, float]:
    """The forecast corrected by the last NOWCAST_H hours (recent: `green_kw` delivered,
    `import_kw`, optionally `storage_kw`, the batteries' net discharge, per past interval), and
    the correction at now (kW). fade: the correction's weight per forecast interval."""
    if "green_kw" not in recent or "import_kw" not in recent or forecast.empty:
        return forecast, 0.0
    window = recent[(recent.index >= now - pd.Timedelta(hours=NOWCAST_H))
                    & (recent.index < now)]
    delivered = window["green_kw"].dropna()
    if delivered.empty:
        return forecast, 0.0
    uncapped = window.loc[delivered.index, "import_kw"] >= UNCAPPED_IMPORT_KW
    free = delivered[uncapped]
    expected = float(forecast.iloc[0])
    if len(free):
        level = float(free.mean())
    else:
        # the line served all the park asked of it: at least its delivery, and (persistence
        # of that state) what the batteries' discharge took off it too. Without the second,
        # a battery discharging into a windy evening lowers the very floor that would tell the
        # mpc the line can carry the evening: it keeps discharging into load the line would
        # serve for nothing. If the line cannot carry it, the grid imports in the next
        # interval, and that interval measures the line's level exactly.
        discharge = window.loc[delivered.index, "storage_kw"].fillna(0.0).clip(lower=0.0) \
            if "storage_kw" in window else 0.0
        level = max(expected, float((delivered + discharge).mean()))
    error = level - expected
    return (forecast + error * fade).clip(lower=0.0), error
