"""The twin's wind farm / line operator: it sends the line's power forecasts as a real one
does, as files through the same validation and landing as production
(jobs/dispatch/line_forecast_file.py): a short-term issue (72 h) every day at 08:00 local and,
for a controller that re-solves intraday, an ultra-short-term issue (4 h) every 15 minutes.
The forecasts are the twin's wind truth plus the seeded error process of
device_io/simulator/wind_forecast.py, the same for every controller.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from device_io.simulator.twin import ParkTwin
from device_io.simulator.wind import FARM_LOSS_SHARE
from device_io.simulator.wind_forecast import (
    SHORT_TERM,
    SHORT_TERM_ISSUE_LOCAL,
    ULTRA_SHORT,
    ForecastAccuracy,
    LineForecaster,
)
from jobs.common.settings import Settings
from jobs.dispatch.line_forecast_file import accept_bytes, lines_capacity_kw, to_csv


class TwinLineOperator:
    def __init__(self, settings: Settings, twin: ParkTwin, ultra_short: bool,
                 accuracy: ForecastAccuracy | None = None):
        park = settings.park
        self.settings = settings
        self.ultra_short = ultra_short
        minutes = park.dispatch.interval_minutes
        capacity = lines_capacity_kw(park)
        self.forecaster = LineForecaster(
            lambda index: twin.direct_green_offered_kw(index, minutes),
            park.simulation.seed, capacity, capacity * (1.0 - FARM_LOSS_SHARE), minutes,
            accuracy)
        self.active = capacity > 0.0
        self.sent: list[str] = []

    def _send(self, product: str, issued: pd.Timestamp) -> None:
        forecast = self.forecaster.issue(product, issued)
        name = f"{product}-{issued:%Y%m%dT%H%M}.csv"
        result = accept_bytes(self.settings.landing_root, name, to_csv(issued, forecast),
                              self.settings.park)
        if not result.accepted:  # the twin's own file: a refusal is a bug, not weather
            raise RuntimeError("; ".join(result.problems))
        self.sent.append(name)

    def short_term_before(self, now: dt.datetime) -> None:
        """The last short-term issue at or before now (the first plan's, before the loop)."""
        if not self.active:
            return
        zone = self.settings.park.park.timezone
        local = pd.Timestamp(now).tz_convert(zone)
        issued = local.normalize() + pd.Timedelta(hours=SHORT_TERM_ISSUE_LOCAL.hour,
                                                  minutes=SHORT_TERM_ISSUE_LOCAL.minute)
        if issued > local:
            issued -= pd.Timedelta(days=1)
        self._send(SHORT_TERM, issued.tz_convert("UTC"))

    def step(self, now: dt.datetime) -> None:
        """What the operator sends at this interval's start."""
        if not self.active:
            return
        stamp = pd.Timestamp(now).tz_convert("UTC")
        local = stamp.tz_convert(self.settings.park.park.timezone)
        if local.time() == SHORT_TERM_ISSUE_LOCAL:
            self._send(SHORT_TERM, stamp)
        if self.ultra_short:
            self._send(ULTRA_SHORT, stamp)
