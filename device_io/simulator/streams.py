"""Seeded random streams and smooth noise, keyed by (seed, stream, entity, index).

Every exogenous series is a pure function of these keys, so the twin's output does not depend on
how it is advanced (in what chunks, how often), and adding a device does not reshuffle the random
numbers of the others.
"""

from __future__ import annotations

import zlib

import numpy as np

MINUTES_PER_DAY = 1440
_MASK_64 = (1 << 64) - 1


def _word(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def stream_rng(seed: int, stream: str, key: str = "", index: int = 0) -> np.random.Generator:
    """A generator that depends only on its four keys (SeedSequence mixes them well)."""
    return np.random.default_rng([seed & _MASK_64, _word(stream), _word(key), index & _MASK_64])


def smooth_noise_day(seed: int, stream: str, keys: list[str], day: int,
                     knot_minutes: int) -> np.ndarray:
    """Roughly unit-variance smooth noise for each key over one UTC day: shape (keys, 1441).

    Knots are standard normal draws every `knot_minutes`; the last point is the next day's first
    knot, so consecutive days join without a jump whichever day is computed first.
    """
    if MINUTES_PER_DAY % knot_minutes:
        raise ValueError(f"knot_minutes must divide {MINUTES_PER_DAY}, got {knot_minutes}")
    n_knots = MINUTES_PER_DAY // knot_minutes
    knots = np.empty((len(keys), n_knots + 1))
    for i, key in enumerate(keys):
        knots[i, :n_knots] = stream_rng(seed, stream, key, day).standard_normal(n_knots)
        knots[i, n_knots] = stream_rng(seed, stream, key, day + 1).standard_normal(n_knots)[0]
    minute = np.arange(MINUTES_PER_DAY + 1)
    left = np.minimum(minute // knot_minutes, n_knots)
    right = np.minimum(left + 1, n_knots)
    # Cosine easing keeps the slope continuous at the knots: no kinks in loads or clouds.
    weight = (1.0 - np.cos(np.pi * (minute % knot_minutes) / knot_minutes)) / 2.0
    return knots[:, left] * (1.0 - weight) + knots[:, right] * weight


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """Counter start values spread over orders of magnitude, like a fleet of meters of all ages."""
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))
