"""Load forecasts per consumer (enterprise, or the park's common use) from warehouse history.

`profile_forecast`: for each local quarter-hour of the day, the mean of the same slot on the
last `days` complete days (>= 95 % of the intervals measured) of the same type (working day or
weekend) before the forecast day; with no complete day of the type, the other type's profile
scaled by the measured ratio of the two (profile_with_methods says which per consumer).
`persistence_forecast`: the same slot yesterday, the baseline a forecast must beat.
Both take history as a frame of average kW per interval (index: UTC interval starts; one
column per consumer) and return the same shape for the requested intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.common.frames import to_frame
from jobs.warehouse.published import connect_published

CONSUMPTION_PARTS = {
    "consumption": "consumption_kwh",
    # what the plan does not schedule: the consumer's load less its HVAC and EV charging
    "base": "consumption_kwh - coalesce(hvac_kwh, 0) - coalesce(ev_charging_kwh, 0)",
}


def consumption_history_kw(warehouse_path: str, since_utc: dt.datetime,
                           interval_minutes: int = 15, part: str = "consumption"
                           ) -> pd.DataFrame:
    """Average kW per interval and consumer, from fct_enterprise_interval_energy (read-only);
    part: "consumption" (all of it) or "base" (less HVAC and EV charging)."""
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(
            f"select interval_start_utc, entity_id, {CONSUMPTION_PARTS[part]} as consumption_kwh "
            "from fct_enterprise_interval_energy where interval_start_utc >= ?",
            [since_utc]))
    wide = frame.pivot_table(index="interval_start_utc", columns="entity_id",
                             values="consumption_kwh", aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide.sort_index() * (60.0 / interval_minutes)


COMPLETE_SHARE = 0.95  # a like-day enters a profile only with this share of its intervals


@dataclass(frozen=True)
class Profile:
    """A like-day forecast and, per column, how it was made (`LIKE_DAYS`, or a fallback in
    words: a plan built on it says so)."""

    kw: pd.DataFrame
    methods: dict[str, str]

    def notes(self, what: str) -> list[str]:
        """One line per fallback used, naming the columns (none when every column had its
        like-days)."""
        by_method: dict[str, list[str]] = {}
        for column, method in self.methods.items():
            if method != LIKE_DAYS:
                by_method.setdefault(method, []).append(str(column))
        return [f"{what} for {', '.join(columns)}: {method}"
                for method, columns in sorted(by_method.items())]


LIKE_DAYS = "like-day profile"


def _slots(index: pd.DatetimeIndex, timezone: str) -> pd.DataFrame:
    local = index.tz_convert(timezone)
    return pd.DataFrame({"local_date": local.date, "slot": local.strftime("%H:%M"),
                         "weekend": local.day_of_week >= 5}, index=index)


def _intervals_in_day(day: dt.date, timezone: str, minutes: float) -> float:
    """92, 96 or 100 quarter-hours where the zone keeps daylight saving."""
    start = pd.Timestamp(day, tz=timezone)
    end = pd.Timestamp(day + dt.timedelta(days=1), tz=timezone)
    return (end - start).total_seconds() / 60.0 / minutes


def _interval_minutes(index: pd.DatetimeIndex) -> float:
    steps = index.to_series().diff().dropna()
    return float(steps.min().total_seconds() / 60.0) if len(steps) else 15.0


def complete_days(values: pd.Series, local_dates: pd.Series, timezone: str,
                  minutes: float) -> set[dt.date]:
    """The local days with at least COMPLETE_SHARE of their intervals measured (not NaN): a
    day still in progress, or one a meter missed, is not a like-day."""
    measured = values.notna().groupby(local_dates.to_numpy()).sum()
    return {day for day, count in measured.items()
            if count >= COMPLETE_SHARE * _intervals_in_day(day, timezone, minutes)}


def _slot_mean(values: pd.Series, slots: pd.DataFrame, days: list[dt.date]) -> pd.Series:
    rows = slots["local_date"].isin(days).to_numpy()
    return values[rows].groupby(slots.loc[rows, "slot"].to_numpy()).mean()


def _scale_to_type(values: pd.Series, past: pd.DataFrame, shape: pd.Series, weekend: bool
                   ) -> tuple[float, int] | None:
    """This day type's measured energy against `shape` (the other type's slot profile) on
    the same slots, and how many intervals it rests on; None where the type has no measured
    interval (or the shape none there)."""
    partial = values[(past["weekend"] == weekend).to_numpy()].dropna()
    reference = float(shape.reindex(past.loc[partial.index, "slot"].to_numpy()).sum())
    if len(partial) == 0 or not reference > 0:
        return None
    return float(partial.sum()) / reference, len(partial)


def type_scale(values: pd.Series, timezone: str, weekend: bool, days: int = 4
               ) -> tuple[float, int] | None:
    """For a day type with no complete day in `values` (average kW, UTC index): the ratio the
    like-day fallback scales the other type's profile by, and its measured intervals (None:
    nothing to scale by). forecast.sanity bounds such a day with the same ratio."""
    past = _slots(values.index, timezone)
    minutes = _interval_minutes(values.index) if len(values) > 1 else 15.0
    complete = complete_days(values, past["local_date"], timezone, minutes)
    day_is_weekend = past.groupby("local_date")["weekend"].first()
    others = sorted(d for d in complete if day_is_weekend[d] != weekend)
    if not others:
        return None
    return _scale_to_type(values, past, _slot_mean(values, past, others[-days:]), weekend)


def weekend_mask(index: pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """True where the interval falls on a local weekend day (the profiles' day types)."""
    return _slots(index, timezone)["weekend"].to_numpy()


def _column_profile(values: pd.Series, past: pd.DataFrame, complete: set[dt.date],
                    weekend: bool, days: int) -> tuple[pd.Series, str]:
    """One column's slot profile for one day type: its last `days` complete like-days; else
    the other type's complete days, scaled by the ratio of this type's measured energy to
    the other's on the same slots where any is measured; else every day's measured slots."""
    kind, other = ("weekend", "working-day") if weekend else ("working-day", "weekend")
    day_is_weekend = past.groupby("local_date")["weekend"].first()
    same = sorted(d for d in complete if day_is_weekend[d] == weekend)
    if same:
        return _slot_mean(values, past, same[-days:]), LIKE_DAYS
    others = sorted(complete - set(same))
    if others:
        shape = _slot_mean(values, past, others[-days:])
        scale = _scale_to_type(values, past, shape, weekend)
        if scale is not None:
            ratio, measured = scale
            return shape * ratio, (f"no complete {kind} day: the {other} profile x {ratio:.2f} "
                                   f"(this type's energy against it on {measured} measured "
                                   "intervals)")
        return shape, f"no complete {kind} day and none measured: the {other} profile, unscaled"
    return (values.groupby(past["slot"].to_numpy()).mean(),
            "no complete day in the history: the mean of every measured interval")


def profile_with_methods(history_kw: pd.DataFrame, intervals_utc: pd.DatetimeIndex,
                         timezone: str, days: int = 4, by_day_type: bool = True) -> Profile:
    """For each local slot of the day, the mean of the same slot on the last `days` complete
    days of the same type (working day or weekend) before the forecast day; fallbacks per
    column in _column_profile. A slot no chosen day measured is interpolated from its
    neighbours. by_day_type False: every day counts as the same type."""
    known = history_kw[history_kw.index < intervals_utc.min()]
    past = _slots(known.index, timezone)
    wanted = _slots(intervals_utc, timezone)
    if not by_day_type:
        past["weekend"] = wanted["weekend"] = False
    minutes = _interval_minutes(known.index) if len(known) > 1 else 15.0
    result = pd.DataFrame(np.nan, index=intervals_utc, columns=history_kw.columns)
    methods: dict[str, str] = {}
    for column in history_kw.columns:
        values = known[column]
        complete = complete_days(values, past["local_date"], timezone, minutes)
        for weekend in (False, True):
            target = wanted.index[wanted["weekend"] == weekend]
            if len(target) == 0 or values.notna().sum() == 0:
                continue
            profile, method = _column_profile(values, past, complete, weekend, days)
            filled = profile.reindex(sorted(set(past["slot"]) | set(wanted["slot"])))
            filled = filled.interpolate(limit_direction="both")
            result.loc[target, column] = filled.reindex(wanted.loc[target, "slot"]).to_numpy()
            if method != LIKE_DAYS or column not in methods:
                methods[column] = method
    return Profile(result, methods)


def profile_forecast(history_kw: pd.DataFrame, intervals_utc: pd.DatetimeIndex,
                     timezone: str, days: int = 4, by_day_type: bool = True) -> pd.DataFrame:
    """profile_with_methods' forecast alone (a column with no history stays NaN)."""
    return profile_with_methods(history_kw, intervals_utc, timezone, days, by_day_type).kw


def persistence_forecast(history_kw: pd.DataFrame, intervals_utc: pd.DatetimeIndex,
                         timezone: str) -> pd.DataFrame:
    past = _slots(history_kw.index, timezone)
    wanted = _slots(intervals_utc, timezone)
    yesterday = wanted["local_date"].min() - dt.timedelta(days=1)
    rows = past[past["local_date"] == yesterday]
    by_slot = history_kw.loc[rows.index].groupby(rows["slot"].to_numpy()).mean()
    return pd.DataFrame(by_slot.reindex(wanted["slot"]).to_numpy(), index=intervals_utc,
                        columns=history_kw.columns)


def mean_absolute_error_kw(forecast: pd.DataFrame, actual: pd.DataFrame) -> float:
    aligned = actual.reindex(index=forecast.index, columns=forecast.columns)
    return float(np.nanmean(np.abs(forecast.to_numpy() - aligned.to_numpy())))
