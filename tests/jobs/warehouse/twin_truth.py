"""Ground truth for warehouse tests: a device's counter increase in every 15-minute interval,
read from the twin itself (its own counters, no registers, faults or writes in the way)."""

from __future__ import annotations

import datetime as dt

from device_io.simulator.runner import HISTORY_STEP_S
from device_io.simulator.twin import ParkTwin


def true_interval_increases(settings, device_id: str, point: str, start: dt.datetime,
                            hours: int) -> dict[dt.datetime, float]:
    """interval start (UTC) -> the twin's counter increase over the quarter-hour."""
    twin = ParkTwin(settings.park, settings.register_maps, start, step_s=HISTORY_STEP_S)
    counters = {}
    for quarter in range(hours * 4 + 1):
        boundary = start + dt.timedelta(minutes=15 * quarter)
        twin.advance_to(boundary)
        counters[boundary] = twin.point_values(device_id)[point]
    boundaries = list(counters)
    return {begin: counters[end] - counters[begin]
            for begin, end in zip(boundaries, boundaries[1:], strict=False)}
