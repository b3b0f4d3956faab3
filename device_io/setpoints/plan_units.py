"""Plan rows taken by meaning: each quantity the writer commands has one unit the devices are
driven in, and a plan row's `unit` is converted to it exactly, or the row is refused.

Only conversions within one dimension and exact by definition are made (W/kW/MW, degC/K/degF,
the thermal kW alike); anything else (an empty unit, a typo, a unit of another dimension) is
refused with the reason, never guessed, since a wrong guess is a factor of 1,000 at a device.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# the quantities a plan commands, per asset kind, and the unit each is driven in
COMMAND_UNITS: dict[tuple[str, str], str] = {
    ("battery", "setpoint_kw"): "kW",
    ("hvac_zone", "setpoint_c"): "degC",
    # the heat pump's electric power: the writer sets the setpoint that delivers it
    ("hvac_zone", "cooling_kw"): "kW",
    ("hvac_zone", "heating_kw"): "kW",
    # the zone's internal gains the plan assumed (an empty zone keeps a share): the writer's
    # inversion takes the same, not a command of its own
    ("hvac_zone", "gain_kw"): "kW",
    ("pv", "power_limit_pct"): "%",
    ("thermal_storage", "setpoint_kw_th"): "kW_th",
    ("ev_group", "power_kw"): "kW",
}

# the plan's other quantities: the optimiser's forecast of the park, never a command
INFORMATIONAL = frozenset({
    ("grid", "import_kw"), ("grid", "export_kw"), ("pv", "output_kw"), ("pv", "curtailed_kw"),
    ("battery", "soc_kwh"), ("hvac_zone", "electric_kw"), ("hvac_zone", "zone_temp_c"),
    ("thermal_storage", "stored_kwh_th"), ("thermal_storage", "backup_heat_kw_th"),
    ("dr_event", "baseline_kw"), ("dr_event", "expected_load_kw"),
    ("dr_event", "committed_reduction_kw"),
})


def _scale(factor: float) -> Callable[[float], float]:
    # multiply by a whole factor, divide by one below 1: both exact for the usual plan values
    if factor >= 1:
        return lambda value: value * factor
    divisor = round(1 / factor)
    return lambda value: value / divisor


# for each unit the writer drives in: the units it accepts, each as a conversion to it
CONVERSIONS: dict[str, dict[str, Callable[[float], float]]] = {
    "kW": {"W": _scale(1e-3), "kW": _scale(1), "MW": _scale(1e3)},
    "kW_th": {"W_th": _scale(1e-3), "kW_th": _scale(1), "MW_th": _scale(1e3)},
    "degC": {"degC": _scale(1), "°C": _scale(1), "K": lambda value: value - 273.15,
             "degF": lambda value: (value - 32.0) * 5.0 / 9.0,
             "°F": lambda value: (value - 32.0) * 5.0 / 9.0},
    "%": {"%": _scale(1), "pct": _scale(1)},
}


def to_command_unit(asset_kind: str, quantity: str, value: float, unit: object
                    ) -> tuple[float | None, str]:
    """The value in the unit its quantity is commanded in, or None and why not (a missing
    unit, null in the file, is no unit)."""
    target = COMMAND_UNITS[(asset_kind, quantity)]
    given = unit.strip() if isinstance(unit, str) else ""
    convert = CONVERSIONS[target].get(given)
    if convert is None:
        known = ", ".join(CONVERSIONS[target])
        return None, (f"unit {given!r} is not one {quantity} can be taken in "
                      f"(accepted: {known})")
    if not math.isfinite(value):
        return None, f"value {value} {given} is not a finite number"
    return convert(value), ""
