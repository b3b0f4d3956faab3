"""Tomorrow's EV charging, from the sessions the chargers reported (fct_ev_sessions).

The day-ahead model schedules groups of alike sessions, not single cars (nobody knows which car
comes): `expected_ev_groups` takes the last `days` days of the forecast day's type (working day
or weekend, as the load profile does) and makes one group of every (charger kind, local arrival
hour, local departure hour) seen on them, expecting it to recur with its mean per day. Groups
are expected values: 0.5 of a car on a 7 kW charger is a group of 3.5 kW.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.park_config import ParkConfig
from jobs.dispatch.inputs import EV_GROUP_COLUMNS
from jobs.warehouse.published import connect_published

SESSION_COLUMNS = ("session_id", "device_id", "asset_id", "charger_kind", "arrival_utc",
                   "departure_utc", "energy_kwh")
CHARGER_COLUMNS = ("kind", "max_kw")
END_OF_DAY_H = 24


def ev_session_history(warehouse_path: str, since_utc: dt.datetime) -> pd.DataFrame:
    """Sessions that arrived since `since_utc`, in arrival order (read-only). Only sessions whose
    arrival and departure were both seen: one still plugged in at the last poll, or already
    plugged in at the first, would teach the forecast a wrong stay."""
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(
            f"select {', '.join(SESSION_COLUMNS)} from fct_ev_sessions "
            "where arrival_utc >= ? and not is_open and not started_before_data "
            "and energy_kwh is not null order by arrival_utc, device_id",
            [since_utc]))
    for column in ("arrival_utc", "departure_utc"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def charger_ratings(park: ParkConfig) -> pd.DataFrame:
    """Index: EV charger device id; columns kind ("ac"/"dc") and max_kw, from the device's asset
    in park.assets.ev_chargers. An asset behind several devices (a twin-outlet charger) is split
    evenly between them, as the twin does; a device without a charger asset is left out."""
    assets = {charger.id: charger for charger in park.assets.ev_chargers}
    asset_of = {d.id: assets[d.asset] for d in park.devices
                if d.asset is not None and d.asset in assets}
    outlets = Counter(charger.id for charger in asset_of.values())
    rows = {device: {"kind": charger.kind, "max_kw": charger.max_kw / outlets[charger.id]}
            for device, charger in asset_of.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(CHARGER_COLUMNS))


def expected_ev_groups(sessions: pd.DataFrame, intervals_utc: pd.DatetimeIndex, timezone: str,
                       chargers: pd.DataFrame, days: int = 4, *,
                       complete_before_utc: pd.Timestamp | None = None) -> pd.DataFrame:
    """The dispatch model's EV groups for the local day of `intervals_utc` (index: group id such
    as "ac-08-17"; columns EV_GROUP_COLUMNS).

    sessions: ev_session_history's frame; chargers: charger_ratings'. History days are the last
    `days` dates of the forecast day's type before it, from the first session's date on; a date
    without sessions counts as a day without cars. With complete_before_utc (now, when
    planning tomorrow), a date not over by then is left out: its evening is still to come.

    A group arrives at the start of its arrival hour and leaves at the start of its departure
    hour (a session that stays past midnight leaves at the end of the day; one that leaves in
    its arrival hour at the end of that hour). energy_kwh is the group's energy per day, max_kw
    its cars per day times their chargers' mean rating, at most the rating of every charger of
    its kind. Energy beyond max_kw over the group's plugged hours is cut to it: the hour grid can
    shorten a stay by up to an hour, and the model must be able to serve what it is given.
    Sessions at chargers not in `chargers` are left out.
    """
    if len(intervals_utc) == 0:
        raise ValueError("intervals_utc is empty: no day to forecast")
    day = intervals_utc[0].tz_convert(timezone).date()
    history_days = _like_days(sessions, day, timezone, days, complete_before_utc)
    if not history_days:
        return _no_groups()
    known = sessions[sessions["device_id"].isin(chargers.index)]
    known = known[_local_dates(known["arrival_utc"], timezone).isin(history_days)]
    if known.empty:
        return _no_groups()
    buckets = _buckets(known, timezone, chargers)
    rated_kw_of_kind = chargers.groupby("kind")["max_kw"].sum()
    groups = {}
    for (kind, arrival_h, departure_h), bucket in buckets.groupby(
            ["kind", "arrival_h", "departure_h"]):
        arrival = _local_hour_utc(day, arrival_h, timezone)
        departure = _local_hour_utc(day, departure_h, timezone)
        plugged_h = (departure - arrival) / pd.Timedelta(hours=1)
        max_kw = min(bucket["rated_kw"].sum() / len(history_days), rated_kw_of_kind[kind])
        energy_kwh = min(bucket["energy_kwh"].sum() / len(history_days), max_kw * plugged_h)
        groups[f"{kind}-{arrival_h:02d}-{departure_h:02d}"] = {
            "arrival_utc": arrival, "departure_utc": departure, "energy_kwh": energy_kwh,
            "max_kw": max_kw}
    frame = pd.DataFrame.from_dict(groups, orient="index", columns=list(EV_GROUP_COLUMNS))
    frame.index.name = "group_id"
    return frame.sort_values(["arrival_utc", "departure_utc"])


def _no_groups() -> pd.DataFrame:
    frame = pd.DataFrame({"arrival_utc": pd.Series(dtype="datetime64[ns, UTC]"),
                          "departure_utc": pd.Series(dtype="datetime64[ns, UTC]"),
                          "energy_kwh": pd.Series(dtype=float),
                          "max_kw": pd.Series(dtype=float)},
                         index=pd.Index([], dtype=object, name="group_id"))
    return frame.loc[:, list(EV_GROUP_COLUMNS)]


def _local_dates(times_utc: pd.Series, timezone: str) -> pd.Series:
    return times_utc.dt.tz_convert(timezone).dt.date


def _like_days(sessions: pd.DataFrame, day: dt.date, timezone: str, days: int,
               complete_before_utc: pd.Timestamp | None) -> list[dt.date]:
    """The last `days` dates of the same type as `day` before it, from the first session's."""
    if sessions.empty:
        return []
    first = _local_dates(sessions["arrival_utc"], timezone).min()
    weekend = day.weekday() >= 5
    candidates = [first + dt.timedelta(days=k) for k in range((day - first).days)]
    like = [d for d in candidates if (d.weekday() >= 5) == weekend
            and (complete_before_utc is None
                 or _local_hour_utc(d, END_OF_DAY_H, timezone) <= complete_before_utc)]
    return like[-days:]


def _buckets(sessions: pd.DataFrame, timezone: str, chargers: pd.DataFrame) -> pd.DataFrame:
    """Per session: charger kind and rating, energy, and the local arrival and departure hours
    the group will use (departure strictly after arrival, at most the end of the day)."""
    arrival = sessions["arrival_utc"].dt.tz_convert(timezone)
    departure = sessions["departure_utc"].dt.tz_convert(timezone)
    stays_overnight = departure.dt.date > arrival.dt.date
    departure_h = departure.dt.hour.where(~stays_overnight, END_OF_DAY_H)
    departure_h = departure_h.clip(lower=arrival.dt.hour + 1, upper=END_OF_DAY_H)
    rating = chargers.loc[sessions["device_id"]]
    return pd.DataFrame({"kind": rating["kind"].to_numpy(),
                         "rated_kw": rating["max_kw"].to_numpy(),
                         "arrival_h": arrival.dt.hour.to_numpy(),
                         "departure_h": departure_h.to_numpy(),
                         "energy_kwh": sessions["energy_kwh"].to_numpy()})


def _local_hour_utc(day: dt.date, hour: int, timezone: str) -> pd.Timestamp:
    """The start of a local wall-clock hour of `day` (24: the next midnight), in UTC. A day-
    light-saving gap moves it forward; of a repeated hour the first is taken."""
    wall = pd.Timestamp(day) + pd.Timedelta(hours=hour)
    return wall.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward").tz_convert(
        "UTC")
