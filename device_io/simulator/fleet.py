"""What every vectorised device fleet of the twin offers, and helpers they share.

A fleet holds one numpy array per state or setpoint, indexed by the fleet's rows. The twin asks
each fleet to `decide` its powers at the start of a step (held constant over the step) and to
`integrate` them over any part of the step; counters are integrated from exactly those powers.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.streams import log_uniform, stream_rng
from device_io.simulator.weather import FREQUENCY_BAND_HZ, NOMINAL_FREQUENCY_HZ

FREQUENCY_METERING_NOISE_HZ = 0.002


class Fleet(Protocol):
    device_ids: list[str]

    def integrate(self, dt_s: float) -> None:
        """Move states and counters forward by dt_s under the powers last decided."""

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        """Apply a setpoint; return the state rows to decide again, or None if not modelled."""

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Engineering values per device row, keyed by register-map point name (NaN: n/a)."""

    def true_power_kw(self) -> np.ndarray:
        """Each device's main power flow, per device row."""


class DecidingFleet(Fleet, Protocol):
    """A fleet that chooses its own powers (everything but the meters, which only add up)."""

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        """Choose the powers held from now for dt_s; `rows` limits it to some state rows."""


def row_mask(rows: np.ndarray | None, n: int) -> np.ndarray:
    """A boolean mask of the rows to decide (all of them when rows is None)."""
    if rows is None:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def initial_counters(seed: int, device_ids: list[str], counter: str, low: float,
                     high: float) -> np.ndarray:
    """Seeded start values: installed devices have history, not counters at zero."""
    return np.array([log_uniform(stream_rng(seed, "counter_start:" + counter, device_id),
                                 low, high) for device_id in device_ids], dtype=float)


def seeded_uniform(seed: int, stream: str, keys: list[str], low: float,
                   high: float) -> np.ndarray:
    """One fixed draw per key (a device's power factor, a tank's initial charge)."""
    return np.array([stream_rng(seed, stream, key).uniform(low, high) for key in keys],
                    dtype=float)


def split_fractions(seed: int, device_ids: list[str], group: np.ndarray) -> np.ndarray:
    """Fixed seeded shares of a group's flow per meter, summing to 1 within each group.

    An enterprise fed by two transformers does not split its load evenly between them.
    """
    weights = seeded_uniform(seed, "meter_share", device_ids, 0.5, 1.5)
    if not len(device_ids):
        return weights
    totals = np.bincount(group, weights=weights)
    return weights / totals[group]


def measured_frequency_hz(exo: ExoSnapshot, rng: np.random.Generator, n: int) -> np.ndarray:
    """The one grid frequency as n instruments read it: a little noise, inside the grid band."""
    reading = exo.grid_frequency_hz + FREQUENCY_METERING_NOISE_HZ * rng.standard_normal(n)
    return np.clip(reading, NOMINAL_FREQUENCY_HZ - FREQUENCY_BAND_HZ,
                   NOMINAL_FREQUENCY_HZ + FREQUENCY_BAND_HZ)
