"""Checks on a device's decoded values that need more than one poll: back-off, frozen, clock.

Shared by the live poller and the history generator, so landed history carries exactly the
quality flags the poller would have given the same device behaviour.
"""

from __future__ import annotations

import datetime as dt

from device_io.codec import DecodedValue, Quality
from device_io.harvest_state import DeviceState
from jobs.common.park_config import HarvestSettings
from jobs.common.register_map import RegisterMap

DEVICE_CLOCK_POINT = "device_time_unix_s"


def backed_off_values(register_map: RegisterMap, state: DeviceState) -> dict[str, DecodedValue]:
    until = dt.datetime.fromtimestamp(state.backoff_until_unix_s or 0, dt.UTC)
    failures = state.consecutive_failures
    detail = (f"backed off after {failures} failed poll{'s' if failures != 1 else ''} "
              f"until {until:%H:%M:%S}Z")
    return {p.name: DecodedValue(None, Quality.BACKOFF, detail)
            for p in register_map.landed_points}


def after_poll(register_map: RegisterMap, state: DeviceState, values: dict[str, DecodedValue],
               ts_utc: dt.datetime, transport_failure: bool, harvest: HarvestSettings) -> None:
    """Update the device's state from one poll and flag frozen values and clock skew in place."""
    now_s = ts_utc.timestamp()
    if transport_failure:
        state.record_transport_failure(now_s, harvest.backoff_initial_s, harvest.backoff_max_s)
        return
    state.record_success()
    _flag_frozen(register_map, state, values, now_s, harvest)
    _flag_clock_skew(values, now_s, harvest.clock_skew_tolerance_s)


def _flag_frozen(register_map: RegisterMap, state: DeviceState,
                 values: dict[str, DecodedValue], now_s: float,
                 harvest: HarvestSettings) -> None:
    """Frozen = the heartbeat repeated for N polls AND for a while: polling faster than a
    device refreshes its registers legitimately shows the same values twice."""
    names = register_map.heartbeat_points
    beats = [values.get(name) for name in names]
    if not names or any(b is None or b.quality != Quality.GOOD for b in beats):
        return
    heartbeat = [b.value for b in beats if b is not None and b.value is not None]
    repeats, unchanged_s = state.observe_heartbeat(heartbeat, now_s)
    if repeats + 1 < harvest.frozen_after_cycles or unchanged_s < harvest.frozen_after_s:
        return
    detail = (f"heartbeat {', '.join(names)} unchanged for {repeats + 1} polls "
              f"({unchanged_s:.0f} s)")
    for name, value in values.items():
        if value.quality == Quality.GOOD:
            values[name] = DecodedValue(value.value, Quality.STALE, detail)


def _flag_clock_skew(values: dict[str, DecodedValue], now_s: float, tolerance_s: float) -> None:
    clock = values.get(DEVICE_CLOCK_POINT)
    if clock is None or clock.quality != Quality.GOOD or clock.value is None:
        return
    skew_s = clock.value - now_s
    if abs(skew_s) > tolerance_s:
        values[DEVICE_CLOCK_POINT] = DecodedValue(clock.value, Quality.INVALID,
                                                  f"device clock off by {skew_s:+.0f} s")
