"""Plausibility bounds for inbox cells, and the checks against the park (enterprises, calendar).

A value can parse and still be wrong in a way that would quietly spoil every report: output
value in 元 under a 万元 header (10,000 times too large), `1e300`, the month 1899-12 (an empty
Excel date cell read as serial 0), a demand-response event in the year 9999 or 0001. These rules
refuse such values in the cell they are in. The bounds are wide on purpose: they never refuse a
real park's figures, only mistakes of units, typing and spreadsheet dates.

Dates: months, compliance years and event times lie within `HISTORY_YEARS` calendar years before
today (in the park's zone). Months are not in the future; compliance years may be next year's;
a demand-response event may be announced up to `DR_EVENT_HORIZON` ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationInfo

from jobs.inbox.cells import local_to_utc

HISTORY_YEARS = 10  # data older than this is not inbox business (and is most likely a typo)
DR_EVENT_HORIZON = dt.timedelta(days=366)  # notices come days ahead; a year is generous

# Ceilings, per row (each row is one enterprise and month, or year, or one event).
MAX_OUTPUT_VALUE_10K_CNY = 1_000_000  # 100亿元 in one month: beyond any single plant
MAX_GREEN_POWER_MWH = 500_000  # ≈ 685 MW all month long: more than a park's grid connection
MAX_CERTIFICATES = 1_000_000  # per row (1 certificate = 1 MWh: 1 TWh)
MAX_ALLOWANCES_TCO2 = 10_000_000  # per enterprise and year: a large coal power plant's emissions
MAX_DR_REDUCTION_KW = 1_000_000  # 1 GW: more than a park can shed
MAX_DR_COMPENSATION_CNY_PER_KWH = 100.0  # Chinese DR pays at most a few tens of 元/kWh
# --- guiding indicators (issue 15, helper guiding): begin ---
MAX_PRODUCT_OUTPUT = 1_000_000_000  # units a month (t, m2, pieces): any unit, one product line
MAX_PRODUCT_ENERGY_TCE = 1_000_000  # a month: a large integrated steel works' whole use
MAX_SOLID_WASTE_T = 1_000_000  # a month, one waste kind: a large power plant's ash
MAX_WATER_M3 = 100_000_000  # a month: a large steel works' circulating water
MAX_WASTE_HEAT_GJ = 10_000_000  # a month, one kind: ≈ 3.9 GW of heat all month long
# --- guiding indicators: end ---
# --- national assessment (core) ---
MAX_HEAT_GJ = 5_000_000  # per month and counterparty: ≈ 1.9 GW of heat all month long
MAX_HEAT_TCO2_PER_GJ = 0.5  # coal heat at a poor boiler is ≈ 0.15; 0.5 means kg or MJ mixed up
MAX_PROCESS_OUTPUT_T = 10_000_000  # per month and product: beyond the largest cement plant
MAX_PROCESS_TCO2_PER_T = 10.0  # process factors run ≈ 0.3-3 t per t of product
# --- end national assessment (core) ---


@dataclass(frozen=True)
class RowContext:
    """What the rules need to know about the park and the moment of loading."""

    enterprise_ids: frozenset[str]
    today_local: dt.date  # today in the park's zone: months after this one are in the future
    zone: ZoneInfo

    @property
    def earliest_day(self) -> dt.date:
        return dt.date(self.today_local.year - HISTORY_YEARS, 1, 1)


def context_of(info: ValidationInfo) -> RowContext:
    if not isinstance(info.context, RowContext):
        raise TypeError("inbox rows are validated with a RowContext (model_validate(context=))")
    return info.context


def at_most(limit: float, unit: str, hint: str = "") -> Callable[[float], float]:
    """A ceiling check; `hint` says what mistake such a value usually is."""
    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"{value:,.10g} {unit} is above the plausible ceiling of "
                             f"{limit:,.10g} {unit}{hint}")
        return value
    return check


def non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must not be negative (got {value:g})")
    return value


def positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be greater than 0 (got {value:g})")
    return value


def known_enterprise(value: str, info: ValidationInfo) -> str:
    known = context_of(info).enterprise_ids
    if value not in known:
        listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        raise ValueError(f"unknown enterprise {value!r}; the park's enterprises are: {listed}")
    return value


# Green power and certificates bought for the park as a whole (the national assessment's
# account, not an enterprise's): the enterprise column reads this instead of an enterprise id.
PARK_ACCOUNT = "park"


def known_account(value: str, info: ValidationInfo) -> str:
    """An enterprise of the park, or the park's own account (PARK_ACCOUNT)."""
    if value == PARK_ACCOUNT:
        return value
    try:
        return known_enterprise(value, info)
    except ValueError as error:
        raise ValueError(f"{error}, or {PARK_ACCOUNT!r} for the park's own account") from None


def past_month(value: dt.date, info: ValidationInfo) -> dt.date:
    context = context_of(info)
    month = value.isoformat()[:7]  # not strftime: it writes the year 1 as "1"
    if value > context.today_local.replace(day=1):
        raise ValueError(f"{month} is in the future (today is {context.today_local} in "
                         f"{context.zone.key})")
    if value < context.earliest_day:
        raise ValueError(f"{month} is more than {HISTORY_YEARS} years ago (months from "
                         f"{context.earliest_day:%Y-%m} are accepted)")
    return value


def plausible_year(value: int, info: ValidationInfo) -> int:
    context = context_of(info)
    earliest, latest = context.earliest_day.year, context.today_local.year + 1
    if not earliest <= value <= latest:
        raise ValueError(f"compliance year {value} is not between {earliest} and {latest}")
    return value


def plausible_event_time(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    """Within the history window up to a year ahead, and a real instant in the park's zone."""
    context = context_of(info)
    latest = context.today_local + DR_EVENT_HORIZON
    if not context.earliest_day <= value.date() <= latest:
        raise ValueError(f"{value.isoformat(' ', 'minutes')} is not between "
                         f"{context.earliest_day} and {latest} (from {HISTORY_YEARS} years "
                         "ago to a year ahead)")
    local_to_utc(value, context.zone)
    return value
