"""Prices per plan interval from the park's versioned time-of-use tariffs.

The version in force on an interval's local date is the latest with valid_from on or before
it; within it exactly one window (by local start time and month) must price the interval.
A gap or an overlap in the windows is a configuration error: park validation refuses it with the
same rule (tariff_config.window_covers); the check here stays as a guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from jobs.common.config_errors import ConfigError
from jobs.common.tariff_config import Tariff, window_covers


def tariff_in_force(tariffs: Sequence[Tariff], on: dt.date) -> Tariff:
    candidates = [t for t in tariffs if t.valid_from <= on]
    if not candidates:
        raise ConfigError(f"no tariff is in force on {on}: the earliest valid_from is "
                          f"{min((t.valid_from for t in tariffs), default='(no tariffs)')}")
    return max(candidates, key=lambda t: t.valid_from)


def interval_prices(tariffs: Sequence[Tariff], intervals_utc: pd.DatetimeIndex,
                    timezone: str) -> pd.DataFrame:
    """Per interval: tariff_id, tou_period, import and export price (CNY/kWh; export 0 and
    export_allowed False where the tariff pays nothing for export), and
    stored_export_paid (battery energy exported is paid too)."""
    rows = []
    for start in intervals_utc:
        local = start.tz_convert(timezone).to_pydatetime()
        tariff = tariff_in_force(tariffs, local.date())
        minute = local.hour * 60 + local.minute
        windows = [w for w in tariff.windows if window_covers(w, local.month, minute)]
        if len(windows) != 1:
            what = "no window" if not windows else f"{len(windows)} windows"
            raise ConfigError(f"tariff {tariff.id}: {what} price {local:%Y-%m-%d %H:%M} local "
                              f"(month {local.month}); each moment needs exactly one")
        period = windows[0].period
        rows.append({"tariff_id": tariff.id, "tou_period": period,
                     "import_price_cny_per_kwh": tariff.energy_price_cny_per_kwh[period],
                     "export_price_cny_per_kwh": tariff.export_price_cny_per_kwh or 0.0,
                     "export_allowed": tariff.export_price_cny_per_kwh is not None,
                     "stored_export_paid": tariff.export_price_cny_per_kwh is not None
                     and tariff.stored_energy_export_paid,
                     "demand_charge_cny_per_kw_month": tariff.demand_charge_cny_per_kw_month})
    return pd.DataFrame(rows, index=intervals_utc)
