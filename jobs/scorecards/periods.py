"""The scorecards' calendar: local months, the quarter-hours a month or year should hold (on
the clock, daylight saving included), and which months have enough of them to compare with."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

INTERVAL = dt.timedelta(minutes=15)  # the warehouse's settlement interval
INTERVAL_H = INTERVAL.total_seconds() / 3600.0


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_month(timezone: str) -> dt.date:
    """The first day of last month in the park's zone: what the monthly reports cover."""
    today = dt.datetime.now(ZoneInfo(timezone)).date()
    return add_months(today.replace(day=1), -1)


def _local_start_utc(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)


def intervals_between(start: dt.date, end: dt.date, zone: str,
                      now_utc: dt.datetime | None = None) -> int:
    """Quarter-hours from local midnight of `start` to local midnight of `end` (exclusive),
    counted on the clock (92/100 on daylight-saving days), none after `now_utc`."""
    first = _local_start_utc(start, zone)
    last = _local_start_utc(end, zone)
    if now_utc is not None:
        last = min(last, now_utc.astimezone(dt.UTC))
    return max(int((last - first) / INTERVAL), 0)


def check_month(month: dt.date) -> None:
    if month.day != 1:
        raise ValueError(f"month must be the first day of a month, not {month}")



# a month with less of its quarter-hours than this is no month to compare with: four days
# of September against all of October is not "+700 %" (make bench, scorecards)
MIN_COMPARABLE_SHARE = 0.8


def comparable_months(rows: pd.DataFrame, zone: str) -> set[dt.date]:
    """The months (rows: month, intervals) with enough data to stand as a comparison."""
    return {m for m, n in zip(rows["month"], rows["intervals"], strict=True)
            if pd.notna(n) and n >= MIN_COMPARABLE_SHARE
            * intervals_between(m, add_months(m, 1), zone)}


def running_through(month: dt.date, zone: str, now_utc: dt.datetime,
                    last_day_with_data: dt.date | None) -> dt.date | None:
    """For a month still running at `now_utc` (in the park's zone), the last local day its
    data reaches (a card of it is month to date: "through 5 Dec"); None for a month over."""
    if _local_start_utc(add_months(month, 1), zone) <= now_utc.astimezone(dt.UTC):
        return None
    # the day of the last quarter-hour begun before now: data stamped later is not yet real
    today = (now_utc.astimezone(ZoneInfo(zone)) - INTERVAL).date()
    return None if last_day_with_data is None else min(last_day_with_data, today)
