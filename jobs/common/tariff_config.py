"""Time-of-use tariffs, and the one rule for which window prices a moment.

Windows are checked when the file is validated: for every month, every minute of the day must
fall in exactly one window. The dispatch's price lookup (jobs/dispatch/tariff.py) uses the same
`window_covers`, so a tariff that validates prices every interval."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from jobs.common.config_types import (
    Identifier,
    Integer,
    Number,
    Strict,
    TimeOfDay,
    WindowEnd,
    minutes_of_day,
)

MINUTES_PER_DAY = 24 * 60
MONTHS = range(1, 13)
PRICE_CEILING_CNY_PER_KWH = 100.0  # ~100x any published Chinese TOU price


class TouWindow(Strict):
    start: TimeOfDay  # local time, inclusive
    end: WindowEnd  # local time, exclusive; "24:00" ends the day (windows do not wrap midnight)
    period: Literal["critical_peak", "peak", "flat", "valley", "deep_valley"]
    months: list[Annotated[Integer, Field(ge=1, le=12)]] | None = None  # None: every month

    @model_validator(mode="after")
    def _forwards(self) -> TouWindow:
        if minutes_of_day(self.start) >= minutes_of_day(self.end):
            raise ValueError(f"window {self.start}-{self.end} ends before it starts (a window "
                             "past midnight is two windows: ..-24:00 and 00:00-..)")
        return self


def window_covers(window: TouWindow, month: int, minute_of_day: int) -> bool:
    """Whether the window prices this local minute of this month: the one rule, shared by
    validation and the dispatch's price lookup."""
    if window.months is not None and month not in window.months:
        return False
    return minutes_of_day(window.start) <= minute_of_day < minutes_of_day(window.end)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _month_list(months: list[int]) -> str:
    runs: list[list[int]] = []
    for month in months:
        if runs and runs[-1][-1] == month - 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def coverage_problems(windows: list[TouWindow]) -> list[str]:
    """Every stretch of the day, per month, priced by no window (a gap) or by several (an
    overlap); months with the same problem are named together."""
    # The count only changes where a window starts or ends: one test per stretch between them.
    edges = sorted({0, MINUTES_PER_DAY} | {minutes_of_day(w.start) for w in windows}
                   | {minutes_of_day(w.end) for w in windows})
    months_by_problem: dict[str, list[int]] = {}
    for month in MONTHS:
        stretches: list[list[int]] = []  # (from, to, windows covering)
        for start, end in zip(edges, edges[1:], strict=False):
            count = sum(window_covers(w, month, start) for w in windows)
            if stretches and stretches[-1][2] == count:
                stretches[-1][1] = end
            else:
                stretches.append([start, end, count])
        for start, end, count in stretches:
            if count != 1:
                what = "no window prices" if count == 0 else f"{count} windows overlap at"
                months_by_problem.setdefault(f"{what} {_clock(start)}-{_clock(end)}",
                                             []).append(month)
    return [f"months {_month_list(months)}: {problem}"
            for problem, months in months_by_problem.items()]


class Tariff(Strict):
    """A time-of-use tariff version; the version in force is the latest valid_from <= date.
    For every month, each minute of the day must fall in exactly one window."""

    id: Identifier
    valid_from: dt.date
    source: str
    energy_price_cny_per_kwh: dict[str, Annotated[Number, Field(
        ge=0, le=PRICE_CEILING_CNY_PER_KWH)]]
    windows: list[TouWindow]
    demand_charge_cny_per_kw_month: Annotated[Number, Field(ge=0, le=1000)] = 0.0
    export_price_cny_per_kwh: Annotated[Number, Field(
        ge=0, le=PRICE_CEILING_CNY_PER_KWH)] | None = None  # None: no export
    # whether battery energy fed into the grid is paid (export above the interval's PV);
    # Chinese C&I users: no, the plan then never exports stored energy
    stored_energy_export_paid: bool = False

    @model_validator(mode="after")
    def _priced_periods(self) -> Tariff:
        priced: set[str] = set(self.energy_price_cny_per_kwh)
        missing = {str(w.period) for w in self.windows} - priced
        if missing:
            raise ValueError(f"windows use periods without a price: {sorted(missing)}")
        problems = coverage_problems(self.windows)
        if problems:
            raise ValueError("windows must price each minute of the day exactly once: "
                             + "; ".join(problems))
        return self
