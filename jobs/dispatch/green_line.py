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

Where the wind farm / line operator sends its own power forecast (line_forecast_file.py), it
replaces the flat level interval by interval: the freshest issue covering each interval
(the ultra-short-term one where it reaches, then the short-term one), and intraday the
meter corrects it by the same rules, measured against what that forecast said for the
past hour's intervals. The flat level stays the fallback where no issue covers an interval,
and a note says which source the plan used.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobs.common.park_config import DeviceKind, ParkConfig
from jobs.dispatch.line_forecast_store import LineForecastStore
from jobs.warehouse.published import connect_published

HISTORY_DAYS = 7
NOWCAST_H = 1.0
# below this grid import the park's demand, not the wind, set what the line delivered: the
# delivered power is then only a floor under what the line offered
UNCAPPED_IMPORT_KW = 4.0


def has_direct_green(park: ParkConfig) -> bool:
    return any(d.kind == DeviceKind.DIRECT_GREEN_METER for d in park.devices)


def forecast_kw(warehouse_path: str, park: ParkConfig, index: pd.DatetimeIndex,
                known_until_utc: pd.Timestamp, landing_root: str | None = None,
                notes: list[str] | None = None) -> pd.Series | None:
    """The line operator's freshest forecast issued by known_until_utc where one covers an
    interval (landing_root given), else a flat level (None: the park has no line). Without
    any interval in which the line was not held back by the park's demand the level is 0 (the
    grid pays)."""
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
    flat = pd.Series(max(level, 0.0), index=index, dtype=float)
    if landing_root is None:
        return flat
    operator, product = LineForecastStore(landing_root).freshest(index, known_until_utc)
    covered = int(operator.notna().sum())
    if notes is not None:
        notes.append(source_note(product, covered, len(index), level))
    return operator.fillna(flat) if covered else flat


def source_note(product: pd.Series | None, covered: int, intervals: int,
                level_kw: float) -> str:
    """Which forecast the line's intervals came from, for the plan's notes."""
    flat = f"the last {HISTORY_DAYS} days' level ({level_kw:.0f} kW) where the grid imported"
    if not covered or product is None:
        return f"direct green lines: no operator forecast, {flat}"
    counts = product.value_counts().to_dict()
    parts = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
    rest = f"; {flat} for the other {intervals - covered}" if covered < intervals else ""
    return f"direct green lines: the operator's forecast for {covered} of {intervals} " \
           f"intervals ({parts}){rest}"


def nowcast_kw(recent: pd.DataFrame, forecast: pd.Series, now: pd.Timestamp,
               fade: np.ndarray, as_issued: pd.Series | None = None
               ) -> tuple[pd.Series, float]:
    """The forecast corrected by the last NOWCAST_H hours (recent: `green_kw` delivered,
    `import_kw`, optionally `storage_kw`, the batteries' net discharge, per past interval), and
    the correction at now (kW). fade: the correction's weight per forecast interval.
    as_issued: what the operator's forecast said for the past intervals (None: the flat
    forecast's level now stood for them)."""
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
    if as_issued is not None:
        said = as_issued.reindex(delivered.index)
        if said.isna().any():  # an interval no issue covered: the flat rule for all
            as_issued = None
    if as_issued is not None:
        if len(free):
            error = float((free - said[uncapped]).mean())
        else:  # held back: it could give at least what it gave (and the batteries took)
            discharge = window.loc[delivered.index, "storage_kw"].fillna(0.0).clip(
                lower=0.0) if "storage_kw" in window else 0.0
            error = max(0.0, float((delivered + discharge - said).mean()))
        return (forecast + error * fade).clip(lower=0.0), error
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


# the re-solve's horizon reaches at most tomorrow's end: three days of intervals cover it
OPERATOR_AHEAD = pd.Timedelta(days=3)


def operator_forecast(store: LineForecastStore, now: pd.Timestamp, interval_minutes: int
                      ) -> tuple[pd.Series | None, pd.Series | None]:
    """For an intraday re-solve: the operator's freshest forecast as of now over the next
    days, and what it said for the last NOWCAST_H hours' intervals when each began (None,
    None: no issue covers the next interval, so the day-ahead inputs' forecast stands)."""
    step = pd.Timedelta(minutes=interval_minutes)
    ahead = pd.date_range(now, now + OPERATOR_AHEAD, freq=step, inclusive="left")
    forecast, _ = store.freshest(ahead, now)
    if forecast.isna().all():
        return None, None
    past = pd.date_range(now - pd.Timedelta(hours=NOWCAST_H), now, freq=step,
                         inclusive="left")
    return forecast, store.as_issued_kw(past)
