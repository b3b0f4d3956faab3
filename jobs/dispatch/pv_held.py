"""Which PV arrays were held down in a metered interval, and the nowcast's columns from that.

An array held below what the sun offers (its inverter's power limit, or the park's export
protection holding every inverter back) says only that the sun gave at least its output. The
PV nowcast (jobs/dispatch/intraday.py) must not read that output as the sun's: it is left out
of the measured ratio (`pv_kw:<system>` NaN) and kept as a floor (`pv_held_kw:<system>`).
Without the floor a park always at its export cap never corrects a forecast that is too low.

One rule for the twin's loop (jobs/twin/mpc.py, from the twin's registers at the interval's
end) and production (jobs/dispatch/intraday_live.py, from the harvested readings of the
interval), so the controller benchmarked is the controller deployed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

# export this close to its limit: the anti-backflow protection may be holding every array
PROTECTION_SHARE = 0.97
# a power limit below this (in % of rating) holds the inverter; 100 % is "no limit" and
# a reading of 99.x is the register's rounding of it
HELD_BELOW_PCT = 99.0


def inverter_held(limit_enabled: float | None, limit_pct: float | None) -> bool:
    """The inverter's power limit holds it (SunSpec WMaxLim_Ena and WMaxLimPct). A mean over
    an interval's readings counts as enabled if any reading was."""
    return bool(limit_enabled) and limit_pct is not None and math.isfinite(limit_pct) \
        and limit_pct < HELD_BELOW_PCT


def held_systems(inverters: Iterable[tuple[str, float | None, float | None]],
                 export_kw: float | None, export_limit_kw: float) -> set[str]:
    """The PV systems held down in one interval. inverters: (system, power_limit_enabled,
    power_limit_pct) per inverter, as measured (None: not read); a system is held if any of
    its inverters is, or every system is when the export was at the protection's limit."""
    protected = export_limit_kw > 0 and export_kw is not None and math.isfinite(export_kw) \
        and export_kw >= PROTECTION_SHARE * export_limit_kw
    return {system for system, enabled, pct in inverters
            if protected or inverter_held(enabled, pct)}


def pv_columns(output_kw: Mapping[str, float], held: set[str]) -> dict[str, float]:
    """One interval's nowcast columns per system from its metered output (kW): `pv_kw` what
    the sun gave where the system was free (NaN where held), `pv_held_kw` its output where
    held (NaN where free)."""
    row = {}
    for system, kw in output_kw.items():
        row[f"pv_kw:{system}"] = math.nan if system in held else kw
        row[f"pv_held_kw:{system}"] = kw if system in held else math.nan
    return row
