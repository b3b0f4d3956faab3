"""When cars arrive at each charger, how much energy they want and when they leave.

Workplace charging: most cars arrive 07:30-10:00 local time and stay the working day, some come
around lunch or in the evening for a shorter stay. Weekdays carry more sessions than weekends,
with the weekly mean equal to `ev_sessions_per_charger_day`. A charger's sessions for a local date
depend only on (seed, charger, date), so the plan is the same however the twin is advanced.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np

from device_io.simulator.assets import ChargerUnit
from device_io.simulator.streams import stream_rng
from device_io.simulator.timebase import to_us

WEEKDAY_RATE_FACTOR = 7.0 / 6.0  # 5 weekdays x 7/6 + 2 weekend days x 7/12 = 7 days x 1
WEEKEND_RATE_FACTOR = 7.0 / 12.0
ARRIVAL_SHARES = (0.65, 0.20, 0.15)  # morning, midday, evening
MORNING_ARRIVAL_MIN = (450.0, 600.0)  # 07:30-10:00
MORNING_PEAK_MIN, MORNING_SPREAD_MIN = 525.0, 30.0
MIDDAY_ARRIVAL_MIN = (690.0, 840.0)  # 11:30-14:00
EVENING_ARRIVAL_MIN = (1050.0, 1260.0)  # 17:30-21:00
AC_DWELL_H = ((6.0, 10.0), (1.0, 4.0), (1.0, 3.0))  # by arrival group
DC_DWELL_H = (0.4, 1.5)
AC_DEMAND_KWH = (8.0, 40.0)
DC_DEMAND_KWH = (15.0, 60.0)
VEHICLE_BATTERY_KWH = (50.0, 100.0)
ARRIVAL_SOC_PCT = (10.0, 50.0)
TARGET_SOC_PCT = 98.0  # nobody asks for more than the car can take
MAX_EMPTY_DAYS = 366
NO_SESSION_US = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Session:
    arrival_us: int
    departure_us: int
    demand_kwh: float
    vehicle_battery_kwh: float
    arrival_soc_pct: float


Cursor = tuple[int, int]  # (local date ordinal, index of the last session taken that day)


class SessionPlan:
    """The seeded arrival process of every charger, read one session at a time."""

    def __init__(self, seed: int, chargers: list[ChargerUnit], sessions_per_day: float,
                 timezone: str):
        self._seed = seed
        self._chargers = chargers
        self._rate = sessions_per_day
        self._zone = zoneinfo.ZoneInfo(timezone)
        self._days: dict[tuple[int, int], list[Session]] = {}

    def cursor_before(self, t_us: int) -> Cursor:
        """A cursor that makes `next_session` start with the sessions of the day before t."""
        local_date = dt.datetime.fromtimestamp(t_us / 1e6, self._zone).date()
        return (local_date.toordinal() - 1, -1)

    def next_session(self, charger: int, after: Cursor) -> tuple[Session | None, Cursor]:
        """The first session after the cursor, and the cursor that points at it."""
        ordinal, index = after
        if self._rate <= 0:
            return None, after
        for _ in range(MAX_EMPTY_DAYS):
            sessions = self._sessions(charger, ordinal)
            if index + 1 < len(sessions):
                return sessions[index + 1], (ordinal, index + 1)
            ordinal, index = ordinal + 1, -1
        return None, (ordinal, index)

    def _sessions(self, charger: int, ordinal: int) -> list[Session]:
        key = (charger, ordinal)
        if key not in self._days:
            if len(self._days) > 8 * max(len(self._chargers), 1):
                self._days.clear()  # old days are never read again once passed
            self._days[key] = self._draw_day(charger, ordinal)
        return self._days[key]

    def _draw_day(self, charger: int, ordinal: int) -> list[Session]:
        unit = self._chargers[charger]
        rng = stream_rng(self._seed, "ev_sessions", unit.device_id, ordinal)
        day = dt.date.fromordinal(ordinal)
        factor = WEEKEND_RATE_FACTOR if day.weekday() >= 5 else WEEKDAY_RATE_FACTOR
        count = int(rng.poisson(self._rate * factor))
        group = rng.choice(3, size=count, p=ARRIVAL_SHARES)
        arrival_min = _arrival_minutes(rng, group)
        dwell_h = _dwell_hours(rng, group, unit.is_dc)
        demand_kwh = rng.uniform(*(DC_DEMAND_KWH if unit.is_dc else AC_DEMAND_KWH), size=count)
        battery_kwh = rng.uniform(*VEHICLE_BATTERY_KWH, size=count)
        soc_pct = rng.uniform(*ARRIVAL_SOC_PCT, size=count)
        demand_kwh = np.minimum(demand_kwh, (TARGET_SOC_PCT - soc_pct) / 100.0 * battery_kwh)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=self._zone)
        sessions = []
        for i in np.argsort(arrival_min, kind="stable"):
            arrival = to_us(midnight + dt.timedelta(minutes=float(arrival_min[i])))
            departure = arrival + int(dwell_h[i] * 3600e6)
            sessions.append(Session(arrival, departure, float(demand_kwh[i]),
                                    float(battery_kwh[i]), float(soc_pct[i])))
        return sessions


def _arrival_minutes(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    morning = np.clip(rng.normal(MORNING_PEAK_MIN, MORNING_SPREAD_MIN, size=group.size),
                      *MORNING_ARRIVAL_MIN)
    midday = rng.uniform(*MIDDAY_ARRIVAL_MIN, size=group.size)
    evening = rng.uniform(*EVENING_ARRIVAL_MIN, size=group.size)
    return np.choose(group, [morning, midday, evening])


def _dwell_hours(rng: np.random.Generator, group: np.ndarray, is_dc: bool) -> np.ndarray:
    if is_dc:
        return rng.uniform(*DC_DWELL_H, size=group.size)
    spans = np.array(AC_DWELL_H)[group]
    return rng.uniform(spans[:, 0], spans[:, 1]) if group.size else np.zeros(0)
