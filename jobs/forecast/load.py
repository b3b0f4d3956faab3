"""Load forecasts per consumer (enterprise, or the park's common use) from warehouse history.

`profile_forecast`: for each local quarter-hour of the day, the mean of the same slot on the
last `days` days of the same type (working day or weekend) before the forecast day; while no
day of that type has been seen yet, the last `days` days of any type.
`persistence_forecast`: the same slot yesterday, the baseline a forecast must beat.
Both take history as a frame of average kW per interval (index: UTC interval starts; one
column per consumer) and return the same shape for the requested intervals.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

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
    with duckdb.connect(warehouse_path, read_only=True) as connection:
        frame = connection.execute(
            f"select interval_start_utc, entity_id, {CONSUMPTION_PARTS[part]} as consumption_kwh "
            "from fct_enterprise_interval_energy where interval_start_utc >= ?",
            [since_utc]).df()
    wide = frame.pivot_table(index="interval_start_utc", columns="entity_id",
                             values="consumption_kwh", aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide.sort_index() * (60.0 / interval_minutes)


def _slots(index: pd.DatetimeIndex, timezone: str) -> pd.DataFrame:
    local = index.tz_convert(timezone)
    return pd.DataFrame({"local_date": local.date, "slot": local.strftime("%H:%M"),
                         "weekend": local.day_of_week >= 5}, index=index)


def profile_forecast(history_kw: pd.DataFrame, intervals_utc: pd.DatetimeIndex,
                     timezone: str, days: int = 4, by_day_type: bool = True) -> pd.DataFrame:
    """by_day_type False: every day counts as the same type (e.g. for outdoor temperature)."""
    past = _slots(history_kw.index, timezone)
    wanted = _slots(intervals_utc, timezone)
    if not by_day_type:
        past["weekend"] = wanted["weekend"] = False
    first_day = wanted["local_date"].min()
    result = pd.DataFrame(np.nan, index=intervals_utc, columns=history_kw.columns)
    for weekend in (False, True):
        target = wanted.index[wanted["weekend"] == weekend]
        if len(target) == 0:
            continue
        same_type = past[(past["weekend"] == weekend) & (past["local_date"] < first_day)]
        if same_type.empty:  # no day of this type yet (a young warehouse): any recent day
            same_type = past[past["local_date"] < first_day]
        recent_days = sorted(same_type["local_date"].unique())[-days:]
        rows = same_type[same_type["local_date"].isin(recent_days)]
        profile = history_kw.loc[rows.index].groupby(rows["slot"].to_numpy()).mean()
        result.loc[target] = profile.reindex(wanted.loc[target, "slot"]).to_numpy()
    return result


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
