"""A direct green supply line (绿电直连) from an off-site wind farm: its wind, its power curve,
and how much of it the park takes.

The line's `rated_kw` is the contracted share of the farm. The farm's hub-height wind is a
seeded, smooth series per line (a slow weather-system swing and a faster gustiness, both
continuous across midnight), so it is a pure function of (seed, line, time). The farm turns
wind into power on a generic pitch-regulated turbine curve, less its wake and line losses.

The park takes the line's power only up to its own net demand (以荷定源: a direct supply line
serves the park's load and is not exported through the park's grid connection), so the line
fills what on-site PV and storage leave, and the rest is curtailed at the farm. Several lines
share the demand in proportion to what each offers.
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.streams import smooth_noise_day

# A generic 3 MW-class onshore turbine (IEC class III): power rises with the cube of the wind
# speed between cut-in and rated, is flat to cut-out, and stops above it (storm shutdown).
CUT_IN_M_S = 3.0
RATED_M_S = 11.5
CUT_OUT_M_S = 25.0
FARM_LOSS_SHARE = 0.10  # wake, collection grid and the dedicated line, of the turbines' output
# Hub-height wind at a coastal Jiangsu site: a mean near 6.5 m/s, slow swings of a few m/s
# as weather systems pass (knots every 8 h) and a gustiness of about 1 m/s (knots every hour).
MEAN_WIND_M_S = 6.5
SLOW_SWING_M_S = 3.0
GUST_M_S = 0.9
SLOW_KNOT_MIN = 480
GUST_KNOT_MIN = 60


def wind_speed_day_m_s(seed: int, line_ids: list[str], day: int) -> np.ndarray:
    """Each line's hub-height wind over one UTC day on the 1-minute grid: shape (lines, 1441)."""
    if not line_ids:
        return np.zeros((0, 1441))
    slow = smooth_noise_day(seed, "wind_slow", line_ids, day, SLOW_KNOT_MIN)
    gust = smooth_noise_day(seed, "wind_gust", line_ids, day, GUST_KNOT_MIN)
    return np.maximum(MEAN_WIND_M_S + SLOW_SWING_M_S * slow + GUST_M_S * gust, 0.0)


def available_kw(wind_m_s: np.ndarray, rated_kw: np.ndarray) -> np.ndarray:
    """What each line's farm share offers at the park's end of the line (kW)."""
    wind = np.asarray(wind_m_s, dtype=float)
    rising = (wind**3 - CUT_IN_M_S**3) / (RATED_M_S**3 - CUT_IN_M_S**3)
    share = np.where(wind < CUT_IN_M_S, 0.0,
                     np.where(wind < RATED_M_S, rising, np.where(wind <= CUT_OUT_M_S, 1.0,
                                                                 0.0)))
    return rated_kw * share * (1.0 - FARM_LOSS_SHARE)


def delivered_kw(offered_kw: np.ndarray, net_demand_kw: float) -> np.ndarray:
    """What the park takes from each line: all it offers up to the park's net demand (import
    before the lines), shared pro rata; nothing when the park is already exporting."""
    offered = np.asarray(offered_kw, dtype=float)
    total = float(offered.sum())
    room = max(net_demand_kw, 0.0)
    if total <= room or total <= 0.0:
        return offered.copy()
    return offered * (room / total)
