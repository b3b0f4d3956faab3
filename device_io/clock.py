"""Clocks for the twin and the harvester: the wall clock, an accelerated one, a manual one.

The simulator and the poller take a clock so that tests and the digital twin can run faster
than real time (or step by hand) while production uses the wall clock.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, tz-aware UTC."""
        ...


class WallClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class AcceleratedClock:
    """Simulated time that starts at `start_utc` and runs `speed` times faster than the wall."""

    def __init__(self, start_utc: dt.datetime, speed: float = 1.0):
        if start_utc.tzinfo is None:
            raise ValueError("start_utc must be timezone-aware")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start_utc = start_utc.astimezone(dt.UTC)
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> dt.datetime:
        elapsed_s = (time.monotonic() - self._t0) * self.speed
        return self.start_utc + dt.timedelta(seconds=elapsed_s)


class ManualClock:
    """Time that moves only when told to: for tests and in-process closed loops."""

    def __init__(self, start_utc: dt.datetime):
        if start_utc.tzinfo is None:
            raise ValueError("start_utc must be timezone-aware")
        self._now = start_utc.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, t_utc: dt.datetime) -> None:
        if t_utc < self._now:
            raise ValueError("a manual clock does not go backwards")
        self._now = t_utc

    def advance(self, seconds: float) -> dt.datetime:
        self.set(self._now + dt.timedelta(seconds=seconds))
        return self._now
