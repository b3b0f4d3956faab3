"""The wind farm's own power forecasts for a direct green line (风电功率预测), as the line
operator sends them: the twin's truth plus a seeded error process.

Grid rules make a wind farm submit a short-term forecast (0–72 h, 15-minute resolution, once a
day) and an ultra-short-term one (0–4 h, every 15 minutes), and assess them by accuracy
`1 - RMSE / capacity`. The error here is a Gaussian AR(1) along each issue's lead time (a
forecast that is high at one interval stays high for a while, as a misplaced weather front
does), scaled by a normalised RMSE that grows with the lead time through the knots below.
Each issue's error is drawn from (seed, product, issue time) only, so it is the same for
every controller and never sees what the park did. The forecast is clipped to what the line
can offer (0 to its farm share less losses), which can only lower its error.

The accuracy figures are assumptions, configurable: a regional assessment rule read for this
requires a monthly mean short-term accuracy of at least 75 % (RMSE 25 % of capacity, day-ahead
96 points); NB/T 31046 is commonly cited at 20 % for the short term and 15 % for the
ultra-short term's 4th hour, which we could not read at the source. Defaults: 20 % day-ahead
and 15 % at 4 h, with a smaller error near issue.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SHORT_TERM = "short_term"
ULTRA_SHORT = "ultra_short"
SHORT_TERM_HORIZON_H = 72.0
ULTRA_SHORT_HORIZON_H = 4.0
SHORT_TERM_ISSUE_LOCAL = dt.time(8, 0)  # once a day, before the park's 08:30 day-ahead plan


@dataclass(frozen=True)
class ForecastAccuracy:
    """Normalised RMSE (share of the line's capacity) at lead-time knots (hours), linear
    between them and flat beyond; and the AR(1) coefficient of the error per 15 minutes."""

    short_term_knots: tuple[tuple[float, float], ...] = ((0.0, 0.10), (16.0, 0.20),
                                                          (40.0, 0.20), (72.0, 0.25))
    ultra_short_knots: tuple[tuple[float, float], ...] = ((0.25, 0.03), (4.0, 0.15))
    ar1_per_interval: float = 0.95

    def __post_init__(self) -> None:
        for name in ("short_term_knots", "ultra_short_knots"):
            knots = getattr(self, name)
            leads = [k[0] for k in knots]
            if not knots or leads != sorted(leads) or any(
                    not np.isfinite(v) or v < 0 for k in knots for v in k):
                raise ValueError(f"ForecastAccuracy.{name}: lead hours rising, values finite "
                                 f"and non-negative, got {knots}")
        if not 0.0 <= self.ar1_per_interval < 1.0:
            raise ValueError("ForecastAccuracy.ar1_per_interval: in [0, 1), got "
                             f"{self.ar1_per_interval}")

    def nrmse(self, product: str, lead_h: np.ndarray) -> np.ndarray:
        knots = self.short_term_knots if product == SHORT_TERM else self.ultra_short_knots
        return np.interp(lead_h, [k[0] for k in knots], [k[1] for k in knots])


def unit_ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary AR(1) series of unit variance (its first value drawn from the stationary
    law, so the variance does not depend on the lead)."""
    shocks = rng.standard_normal(n)
    out = np.empty(n)
    scale = np.sqrt(1.0 - phi * phi)
    previous = shocks[0]
    out[0] = previous
    for i in range(1, n):
        previous = phi * previous + scale * shocks[i]
        out[i] = previous
    return out


def error_kw(seed: int, product: str, issued_utc: pd.Timestamp, lead_h: np.ndarray,
             capacity_kw: float, accuracy: ForecastAccuracy) -> np.ndarray:
    """One issue's error per interval (kW, before clipping), drawn from (seed, product,
    issue time) alone."""
    key = [int(seed) & 0xFFFFFFFF, zlib.crc32(product.encode()),
           int(pd.Timestamp(issued_utc).value // 60_000_000_000)]
    rng = np.random.default_rng(key)
    z = unit_ar1(rng, len(lead_h), accuracy.ar1_per_interval)
    return z * accuracy.nrmse(product, lead_h) * capacity_kw


def issue_intervals(product: str, issued_utc: pd.Timestamp,
                    interval_minutes: int) -> pd.DatetimeIndex:
    """The intervals an issue covers: from the first interval starting at or after the issue,
    over the product's horizon."""
    step = pd.Timedelta(minutes=interval_minutes)
    first = pd.Timestamp(issued_utc).ceil(step)
    hours = SHORT_TERM_HORIZON_H if product == SHORT_TERM else ULTRA_SHORT_HORIZON_H
    return pd.date_range(first, periods=int(round(hours * 60 / interval_minutes)),
                         freq=step)


class LineForecaster:
    """Issues forecasts from a truth function (intervals -> offered kW), caching the truth."""

    def __init__(self, truth_kw: Callable[[pd.DatetimeIndex], pd.Series], seed: int,
                 capacity_kw: float, max_offered_kw: float, interval_minutes: int,
                 accuracy: ForecastAccuracy | None = None):
        self._truth_fn = truth_kw
        self.seed = seed
        self.capacity_kw = capacity_kw
        self.max_offered_kw = max_offered_kw
        self.interval_minutes = interval_minutes
        self.accuracy = accuracy or ForecastAccuracy()
        self._truth: dict[pd.Timestamp, float] = {}

    def truth_kw(self, index: pd.DatetimeIndex) -> pd.Series:
        missing = pd.DatetimeIndex([t for t in index if t not in self._truth])
        if len(missing):
            self._truth.update(self._truth_fn(missing).to_dict())
        return pd.Series([self._truth[t] for t in index], index=index, dtype=float)

    def issue(self, product: str, issued_utc: pd.Timestamp) -> pd.Series:
        """The forecast issued then (kW per interval start, UTC)."""
        index = issue_intervals(product, issued_utc, self.interval_minutes)
        lead_h = (index - pd.Timestamp(issued_utc)).total_seconds().to_numpy() / 3600.0 \
            + self.interval_minutes / 60.0  # the interval's end: what the lead reaches
        error = error_kw(self.seed, product, issued_utc, lead_h, self.capacity_kw,
                         self.accuracy)
        return (self.truth_kw(index) + error).clip(0.0, self.max_offered_kw)
