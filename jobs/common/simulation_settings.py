"""The `simulation` section: only the digital twin reads it (load profiles, weather, faults)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from jobs.common.config_types import (
    Identifier,
    Integer,
    Number,
    Percent,
    PowerOrZeroKw,
    Strict,
    TemperatureC,
)

HourOfDay = Annotated[Integer, Field(ge=0, le=24)]
MAX_CLOCK_JUMP_S = 10 * 365 * 86_400  # ten years either way


class LoadProfile(Strict):
    """How the twin draws an enterprise's process load (kW)."""

    base_kw: PowerOrZeroKw
    shift_kw: PowerOrZeroKw  # added during working shifts
    shifts: list[tuple[HourOfDay, HourOfDay]]
    weekend_factor: Annotated[Number, Field(ge=0, le=1.5)] = 0.4
    noise_pct: Percent = 5.0
    gas_nm3_per_h: Annotated[Number, Field(ge=0)] = 0.0  # process gas during shifts


class FaultKind(StrEnum):
    TIMEOUT = "timeout"  # the device stops answering
    REFUSE = "refuse"  # its endpoint refuses connections
    DROP = "drop"  # the connection drops mid-poll
    EXCEPTION = "exception"  # Modbus exception replies (device failure)
    GARBAGE = "garbage"  # random register contents
    FROZEN = "frozen"  # the register image stops changing
    ROLLOVER = "rollover"  # energy counters start just below their wrap-around
    REPLACED = "replaced"  # the meter is replaced: counters restart near zero
    CLOCK_JUMP = "clock_jump"  # the device's clock jumps
    # Write faults leave reads alone. The device acknowledges writes but does not act on them
    # (a read-back shows the old value):
    IGNORE_WRITES = "ignore_writes"
    REJECT_WRITES = "reject_writes"  # writes are answered with a Modbus exception


class FaultInjection(Strict):
    device_id: Identifier
    kind: FaultKind
    start: dt.datetime | None = None  # None: from the start
    end: dt.datetime | None = None  # None: until cleared
    clock_jump_s: Annotated[Number, Field(ge=-MAX_CLOCK_JUMP_S, le=MAX_CLOCK_JUMP_S)] = 3600.0


class Simulation(Strict):
    seed: Integer = 42
    cloudiness: Annotated[Number, Field(ge=0, le=1)] = 0.35  # mean fraction of clear-sky lost
    load_profiles: dict[Identifier, LoadProfile] = {}
    common_load_kw: PowerOrZeroKw = 150.0
    ev_sessions_per_charger_day: Annotated[Number, Field(ge=0)] = 1.6
    outdoor_temp_mean_c: TemperatureC = 18.0
    outdoor_temp_amplitude_c: Annotated[Number, Field(ge=0, le=50)] = 6.0
    faults: list[FaultInjection] = []
