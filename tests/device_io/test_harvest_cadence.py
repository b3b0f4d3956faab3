"""Harvest cycles wake just past `interval_s` after the previous cycle's poll time, so that a
device whose poll interval is at most the cadence is due in every cycle."""

from __future__ import annotations

import pytest

from device_io.harvest import _seconds_to_next_cycle


@pytest.mark.parametrize(("polled", "now", "interval", "expected"), [
    (120.0005, 120.4, 60.0, 59.6105),  # due 180.0105
    (119.9990, 180.2, 60.0, 0.0),      # the cycle ran past its due time: start at once
    (11.0003, 11.2, 1.0, 0.8103),      # the old jitter case: polled just after a boundary
    (11.0001, 11.3, 1.1, 0.8101),      # a cadence longer than the poll interval
    (5.02, 5.03, 0.05, 0.0425),        # short intervals keep a proportionate margin
])
def test_next_cycle_lands_past_the_poll_time_plus_the_interval(polled, now, interval,
                                                               expected):
    wait = _seconds_to_next_cycle(polled, now, interval)
    assert wait == pytest.approx(expected, abs=1e-9)
    # every device polled at `polled` with a poll interval of 1 s (or the cadence itself, if
    # shorter) is in a later bucket when the next cycle polls
    for poll_interval in {1.0, interval} if interval >= 1.0 else {interval}:
        assert (now + wait) // poll_interval > polled // poll_interval
