"""Harvest cycles wake just after the wall-clock boundary that follows their start, so that
consecutive cycles always fall into different poll-interval buckets."""

from __future__ import annotations

import pytest

from device_io.harvest import _seconds_to_next_cycle


@pytest.mark.parametrize(("started", "now", "interval", "expected"), [
    (120.0005, 120.4, 60.0, 59.61),    # started just after a boundary: sleep to 180.01
    (179.9990, 180.2, 60.0, 0.0),      # the cycle ran past the boundary: start at once
    (10.0005, 10.3, 1.0, 0.71),        # the jitter case: the next cycle lands in bucket 11
    (5.02, 5.03, 0.05, 0.0225),        # short intervals keep a proportionate margin
])
def test_next_cycle_lands_past_the_next_boundary(started, now, interval, expected):
    wait = _seconds_to_next_cycle(started, now, interval)
    assert wait == pytest.approx(expected, abs=1e-9)
    if wait > 0:
        assert (now + wait) // interval == started // interval + 1
