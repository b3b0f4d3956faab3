"""The plan's intervals: a local day in the park's zone, as UTC interval starts. The calendar,
not a fixed 96, decides how many there are (92 or 100 on daylight-saving days)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd


def local_day_intervals(local_date: dt.date, timezone: str,
                        interval_minutes: int = 15) -> pd.DatetimeIndex:
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(local_date, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(local_date + dt.timedelta(days=1), dt.time(),
                              zone).astimezone(dt.UTC)
    return pd.date_range(start, end, freq=f"{interval_minutes}min", inclusive="left")
