"""Harvest cycles wake just past the start of the next `interval_s` slot after the previous
cycle's poll, so that a device whose poll interval divides the cadence is due in every cycle,
and a cycle is early in its slot (a replacement run has the rest of the slot to start)."""

from __future__ import annotations

import pytest

from device_io.harvest import _seconds_to_next_cycle


@pytest.mark.parametrize(("polled", "now", "interval", "expected"), [
    (120.0005, 120.4, 60.0, 59.61),    # the slot from 180 s; due 180.01
    (119.9990, 180.2, 60.0, 0.0),      # the cycle ran past its due time: start at once
    (11.0003, 11.2, 1.0, 0.81),        # the old jitter case: polled just after a boundary
    (11.0001, 11.3, 1.1, 0.81),        # slots of 1.1 s: 11.0 to 12.1, due 12.11
    (5.02, 5.03, 0.05, 0.0225),        # slot 5.05; short intervals keep a proportionate margin
    (30.7, 31.0, 60.0, 29.01),         # a first cycle late in its slot: the next one at 60 s
])
def test_next_cycle_lands_past_the_poll_time_plus_the_interval(polled, now, interval,
                                                               expected):
    wait = _seconds_to_next_cycle(polled, now, interval)
    assert wait == pytest.approx(expected, abs=1e-9)
    assert (now + wait) % interval == pytest.approx(min(0.01, interval / 20), abs=1e-9) \
        or wait == 0.0  # just past a slot boundary
    # every device polled at `polled` with a poll interval of 1 s (or the cadence itself, if
    # shorter) is in a later bucket when the next cycle polls
    for poll_interval in {1.0, interval} if interval >= 1.0 else {interval}:
        assert (now + wait) // poll_interval > polled // poll_interval
