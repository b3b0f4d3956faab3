"""The twin's clock: integer microseconds since the Unix epoch, so step grids are exact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from device_io.simulator.streams import MINUTES_PER_DAY

US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_us(moment: dt.datetime) -> int:
    """A tz-aware datetime as integer microseconds since the epoch (naive times are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive; the twin needs tz-aware (UTC) times")
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def from_us(t_us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=t_us)


def day_index(t_us: int) -> int:
    """The UTC day number (days since 1970-01-01) that contains t."""
    return t_us // US_PER_DAY


@dataclass(frozen=True)
class DayClock:
    """The 1,441 minute instants of one UTC day (both midnights), in UTC and in local time.

    Exogenous series are tabulated on this grid; the extra last minute is the next day's first,
    so interpolation inside the day never needs the next day's table.
    """

    day: int
    start_us: int
    times_utc: pd.DatetimeIndex
    local_hour: np.ndarray  # hours since local midnight, fractional
    local_weekend: np.ndarray  # Saturday or Sunday in the park's zone
    local_ordinal: np.ndarray  # proleptic ordinal of the local date (date.toordinal())


def day_clock(day: int, timezone: str) -> DayClock:
    start = EPOCH + dt.timedelta(days=day)
    times = pd.date_range(start, periods=MINUTES_PER_DAY + 1, freq="1min")
    local = times.tz_convert(timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    ordinal = (local.tz_localize(None).normalize() - pd.Timestamp("0001-01-01")).days + 1
    return DayClock(day=day, start_us=day * US_PER_DAY, times_utc=times,
                    local_hour=hour.astype(float), local_weekend=local.day_of_week.to_numpy() >= 5,
                    local_ordinal=np.asarray(ordinal, dtype=np.int64))
