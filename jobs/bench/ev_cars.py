"""Cars at the warehouse benchmark's chargers: sessions, not a level.

The sessions mart (fct_ev_sessions) reads a charger as chargers report: `charger_state` 0 while
no car is there, 2 while one charges; `session_energy_kwh` counts up from 0 for each car and
holds its value after the car leaves. A session energy that falls while a car is being served
means another car plugged in between two polls. The synthetic month used to give every charger
a constant state 2 and a session energy swinging with the time of day: each falling minute read
as a new car, 178,290 "sessions" above 300 kWh in a month. Here each charger serves one car
after another: a car arrives while the day's demand is up, charges at the charger's power of
the minute until it has what it needs or its time is up, and leaves; the charger stands free a
while before the next. Its power is zero while free, so the counters, the power points and the
grid meter's net all follow the same cars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHARGING_STATE = 2.0  # register value: "charging" (0 is "available": no car)
NEED_KWH = (8.0, 60.0)  # what a car takes in a session, drawn per car
STAY_MIN = (30, 600)  # longest a car stays plugged, drawn per car
FREE_MIN = (5, 90)  # how long a charger stands free after a car leaves, drawn per gap
# cars arrive only while the charger's daily demand shape is above this share of its peak
ARRIVAL_SHARE = 0.3


@dataclass
class CarSessions:
    """Per charger: whether a car is plugged, its energy so far, what it needs, how long it
    may still stay, and how long the charger stays free. Carries over between calls."""

    plugged: np.ndarray
    session_kwh: np.ndarray
    need_kwh: np.ndarray
    stay_min: np.ndarray
    free_min: np.ndarray
    rng: np.random.Generator

    @classmethod
    def start(cls, chargers: int, rng: np.random.Generator) -> CarSessions:
        return cls(plugged=np.zeros(chargers, dtype=bool), session_kwh=np.zeros(chargers),
                   need_kwh=np.zeros(chargers), stay_min=np.zeros(chargers, dtype=np.int64),
                   free_min=rng.integers(0, FREE_MIN[1], chargers), rng=rng)

    def run(self, available_kw: np.ndarray, shape: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Minute by minute (minutes x chargers): what each charger's car draws of the power
        available to it, the charger state and the session energy register."""
        minutes, chargers = available_kw.shape
        power_kw = np.zeros((minutes, chargers))
        state = np.zeros((minutes, chargers))
        session_kwh = np.zeros((minutes, chargers))
        for minute in range(minutes):
            arriving = (~self.plugged & (self.free_min <= 0)
                        & (shape[minute] > ARRIVAL_SHARE))
            if arriving.any():
                count = int(arriving.sum())
                self.plugged |= arriving
                self.session_kwh[arriving] = 0.0
                self.need_kwh[arriving] = self.rng.uniform(*NEED_KWH, count)
                self.stay_min[arriving] = self.rng.integers(*STAY_MIN, count)
            self.free_min[~self.plugged] -= 1
            drawn = np.where(self.plugged, available_kw[minute], 0.0)
            self.session_kwh += drawn / 60.0
            self.stay_min[self.plugged] -= 1
            power_kw[minute] = drawn
            state[minute] = np.where(self.plugged, CHARGING_STATE, 0.0)
            session_kwh[minute] = self.session_kwh
            leaving = self.plugged & ((self.session_kwh >= self.need_kwh)
                                      | (self.stay_min <= 0))
            if leaving.any():
                self.plugged &= ~leaving
                self.free_min[leaving] = self.rng.integers(*FREE_MIN, int(leaving.sum()))
        return power_kw, state, session_kwh
