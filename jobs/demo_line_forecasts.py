"""The demo's wind farm / line operator: the direct green line's power forecasts over the
backfilled history, sent as the twin's operator sends them in the closed loop (a short-term
issue every day at 08:00 local, an ultra-short-term one every 15 minutes: docs/line_forecast.md)
through the same validation and landing as a real operator's files. Their error process is
seeded and their truth is the same wind the backfilled readings carry, so the warehouse can score
them (fct_line_forecast_skill), and today's plan and setpoint cycle use them as production does.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from device_io.simulator.twin import ParkTwin
from jobs.common.settings import Settings
from jobs.twin.line_operator import TwinLineOperator


def send_line_forecasts(settings: Settings, history_start_utc: dt.datetime,
                        now_utc: dt.datetime) -> int:
    """Send every issue from the history's start to now; returns how many files landed."""
    twin = ParkTwin(settings.park, settings.register_maps, history_start_utc)
    operator = TwinLineOperator(settings, twin, ultra_short=True)
    if not operator.active:  # a park without a direct green line has no operator
        return 0
    operator.short_term_before(history_start_utc)
    step = pd.Timedelta(minutes=settings.park.dispatch.interval_minutes)
    first = pd.Timestamp(history_start_utc).ceil(step)
    for stamp in pd.date_range(first, pd.Timestamp(now_utc), freq=step, inclusive="left"):
        operator.step(stamp.to_pydatetime())
    return len(operator.sent)
