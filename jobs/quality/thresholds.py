"""The tunable limits of the landing checks, with their units and why each default is what it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CompletenessWindow = Literal["harvest_span", "full_day"]


@dataclass(frozen=True)
class QualityThresholds:
    # A device-day passes when at least this share of its expected polls had a good value.
    completeness_min_pct: float = 95.0
    # Which part of a day a device is expected to have been polled in:
    #  - "harvest_span": from the park's first to its last landed poll of the day (any device).
    #    Device configuration dates are not recorded, so the span in which the harvester ran at
    #    all stands in for "the seconds the device was configured"; a part-day backfill or
    #    today's unfinished day is judged on what was harvested, not on 24 h.
    #  - "full_day": midnight to midnight UTC (clipped to the check time for today), which also
    #    catches a harvester that was down for the whole park.
    completeness_window: CompletenessWindow = "harvest_span"
    # Longest run of identical consecutive values (in polls) a heartbeat point or a counter that
    # should be moving may show; the live poller flags a frozen device after 3 polls, so 15
    # leaves room for slow-refreshing firmware while still catching a stuck device in minutes.
    frozen_max_polls: int = 15
    # A counter "should move" while its device's power point is at least
    # max(counter_min_power, counter_min_power_pct_of_rated % of rated_kw) in the point's unit
    # (clearly above metering noise and standby draw) ...
    counter_min_power: float = 1.0
    counter_min_power_pct_of_rated: float = 2.0
    # ... and only over a run in which the power implies at least this much flowed, in the
    # counter's unit (kWh, kWh_th, Nm3): ten times the coarsest counter step of the shipped maps
    # (0.1), so a slow but live counter always moves, ending its run, before a run qualifies.
    counter_min_flow: float = 1.0
    # How far a reading may be stamped ahead of the check's clock (harvester/device skew).
    max_future_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.completeness_min_pct <= 100:
            raise ValueError("completeness_min_pct must be within 0..100")
        if self.frozen_max_polls < 1:
            raise ValueError("frozen_max_polls must be at least 1")
        if self.max_future_s < 0:
            raise ValueError("max_future_s must not be negative")
