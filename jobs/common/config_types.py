"""The value types every config and register-map model is built from, with the rules they share.

Every model derives from `Strict`: unknown keys are refused and no float may be NaN or infinite
(`allow_inf_nan=False` is the default for every float field, so a new field is finite without
anyone remembering to say so; the one field that needs NaN, a float sentinel, says so itself).
Numbers are `Number`/`Integer`, which refuse YAML's true/false: pydantic would otherwise read
`unit_id: true` as unit 1. Physical quantities carry plausibility ceilings (`PowerKw`,
`EnergyKwh`): a battery of 1e30 kWh is a typo, not a battery.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")

# Plausibility ceilings for physical quantities (documented in docs/failures/config.md).
# 1 GW: above the grid connection of any single industrial park (a 220 kV park substation
# carries a few hundred MW) and of any device in one.
MAX_POWER_KW = 1_000_000.0
# 10 GWh: about three times the largest battery plant built so far (~3 GWh).
MAX_ENERGY_KWH = 10_000_000.0
# One day: no timeout, back-off or tolerance of the platform is meant to be longer.
MAX_DURATION_S = 86_400.0
# Temperatures a zone, a tank or the weather can plausibly have, degrees Celsius.
MIN_TEMPERATURE_C, MAX_TEMPERATURE_C = -60.0, 150.0


def refuse_bool(value: Any) -> Any:
    """YAML's true/false are bools, and pydantic would take them as 1 and 0."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a yes/no value, not a number")
    return value


Number = Annotated[float, BeforeValidator(refuse_bool)]
Integer = Annotated[int, BeforeValidator(refuse_bool)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN.pattern, max_length=64)]
Percent = Annotated[Number, Field(ge=0, le=100)]
Fraction = Annotated[Number, Field(gt=0, le=1)]
PowerKw = Annotated[Number, Field(gt=0, le=MAX_POWER_KW)]
PowerOrZeroKw = Annotated[Number, Field(ge=0, le=MAX_POWER_KW)]
EnergyKwh = Annotated[Number, Field(gt=0, le=MAX_ENERGY_KWH)]
DurationS = Annotated[Number, Field(gt=0, le=MAX_DURATION_S)]
TemperatureC = Annotated[Number, Field(ge=MIN_TEMPERATURE_C, le=MAX_TEMPERATURE_C)]
Port = Annotated[Integer, Field(ge=1, le=65535)]


class Strict(BaseModel):
    """Base of every config model: no unknown keys, no NaN or infinity in any float."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- times of day -------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


def minutes_of_day(hhmm: str) -> int:
    """'08:30' -> 510; '24:00' -> 1440 (the end of the day). The text is assumed validated."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _clock_text(value: Any, *, end_of_day_allowed: bool) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 10:00 as the base-60 number 600.
        raise ValueError(f"a time of day must be quoted text 'HH:MM' (YAML read an unquoted "
                         f"time as the number {value})")
    if not isinstance(value, str):
        raise ValueError(f"a time of day must be text 'HH:MM', not {value!r}")
    match = _CLOCK.match(value)
    latest = "24:00" if end_of_day_allowed else "23:59"
    if match is None:
        raise ValueError(f"{value!r} is not a time of day 'HH:MM' (00:00 to {latest})")
    hours, minutes = int(match[1]), int(match[2])
    in_day = hours <= 23 and minutes <= 59
    if not (in_day or end_of_day_allowed and (hours, minutes) == (24, 0)):
        raise ValueError(f"{value!r} is not a time of day (00:00 to {latest})")
    return value


def _time_of_day(value: Any) -> str:
    return _clock_text(value, end_of_day_allowed=False)


def _window_end(value: Any) -> str:
    return _clock_text(value, end_of_day_allowed=True)


TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]  # 00:00 .. 23:59
WindowEnd = Annotated[str, BeforeValidator(_window_end)]  # 00:00 .. 24:00 (end of the day)


# --- hosts --------------------------------------------------------------------------------------

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
LOOPBACK = "127.0.0.1"


def _ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """Every spelling the C resolver takes as an IPv4 address without asking DNS:
    127.0.0.1, 127.1, 0x7f.0.0.1, 2130706433 (inet_aton)."""
    if not host or not all(c in "0123456789abcdefx." for c in host) or host.endswith("."):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def canonical_host(host: str) -> str:
    """One spelling per address, for comparing endpoints: lower case, no trailing dot, IP
    literals in their normal form, and every name of this machine's loopback ('localhost',
    '*.localhost', '::1', 127.0.0.1 in any IPv4 form) as 127.0.0.1. Other names are compared
    as written: no DNS look-up (validation must not depend on the network)."""
    name = host.strip().lower().removesuffix(".")
    if name == "localhost" or name.endswith(".localhost"):
        return LOOPBACK
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = _ipv4_literal(name)
    if address is None:
        try:
            address = ipaddress.IPv6Address(name.strip("[]"))
        except ValueError:
            return name
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
    if address.is_loopback and (address.version == 6 or str(address) == LOOPBACK):
        return LOOPBACK
    return str(address)


def _is_ip_literal(name: str) -> bool:
    if _ipv4_literal(name) is not None:
        return True
    try:
        ipaddress.IPv6Address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _host(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str schema says why
    name = value.lower().removesuffix(".")
    if name != name.strip() or not name:
        raise ValueError(f"host {value!r} is empty or has spaces around it")
    if _is_ip_literal(name) or canonical_host(name) == LOOPBACK:
        return value
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        raise ValueError(f"{value!r} is neither a host name nor an IP address")
    return value


Host = Annotated[str, BeforeValidator(_host)]
