"""Which days a valuation may rest on: the metered twelve months, or the twin's sampled year.

A simulated year is sampled, since a whole year on the twin takes too long for a monthly job
(measured in docs/management.md): `days` days from the 15th of January, April, July and
October, the latest occurrence of each whose last day has passed before the valuation month
(and before today), so a window never lies in the future. Each sample stands for a quarter:
its days are scaled by 365 / (4 x days), which keeps PV's season and a battery's weekday and
weekend cycles, and the tariff's summer critical peak, in the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SEASON_MONTHS = (1, 4, 7, 10)  # the middle of winter, spring, summer and autumn quarters
SAMPLE_DAY_OF_MONTH = 15
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Window:
    first_day: dt.date
    days: int

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.days - 1)


def refuse_future(window: Window, before: dt.date) -> Window:
    """The window, if it ends before `before`; a window reaching `before` or later would
    value an asset on days that have not happened."""
    if window.days < 1:
        raise ValueError(f"a valuation window needs at least one day, got {window.days}")
    if window.last_day >= before:
        raise ValueError(f"valuation window {window.first_day}..{window.last_day} is not in "
                         f"the past (it must end before {before}): a valuation rests on "
                         "metered days or a simulated past year, never on future dates")
    return window


def season_windows(month: dt.date, days: int, today: dt.date) -> list[Window]:
    """The four season samples of the simulated year for the valuation month `month`, each
    ending before the month's first day and before `today`, oldest first."""
    before = min(month.replace(day=1), today)
    windows = []
    for season_month in SEASON_MONTHS:
        year = before.year
        while True:
            window = Window(dt.date(year, season_month, SAMPLE_DAY_OF_MONTH), days)
            if window.last_day < before:
                break
            year -= 1
        windows.append(refuse_future(window, before))
    return sorted(windows, key=lambda w: w.first_day)


def sample_scale(windows: list[Window]) -> float:
    """What the sampled days' sums are multiplied by to give a year: 365 / sampled days
    (equal samples per season, so each season weighs a quarter)."""
    total = sum(w.days for w in windows)
    if total <= 0:
        raise ValueError("no sampled days to scale to a year")
    return DAYS_PER_YEAR / total
