"""One setpoints cycle over Modbus with the intraday re-solve, as the `setpoints` flow, the
`park setpoints` command and the demo all run it: one place decides what writes the devices'
setpoints, so the three cannot drift apart (docs/intraday.md, "Production").

The warm solver service is left running for the next cycle (it exits by itself after
`dispatch.intraday_idle_exit_s` without a request); a one-off caller that wants no process left
behind calls `stop_solver`.
"""

from __future__ import annotations

import datetime as dt

from device_io.point_io import ModbusPointIO
from device_io.setpoints.writer import CycleAudit, SetpointWriter
from jobs.common.settings import Settings
from jobs.dispatch.intraday_live import IntradayStep
from jobs.dispatch.solver_service import SolverClient


def intraday_step(settings: Settings, day_ahead_only: bool = False) -> IntradayStep | None:
    """The re-solve for the writer, or None (the day-ahead plan as it is, `decided_by`
    `day_ahead`) when the caller or `dispatch.intraday_enabled` turns it off."""
    if day_ahead_only or not settings.park.dispatch.intraday_enabled:
        return None
    return IntradayStep(settings)


async def run_setpoint_cycle(settings: Settings, *, dry_run: bool | None = None,
                             day_ahead_only: bool = False,
                             now_utc: dt.datetime | None = None) -> CycleAudit:
    """dry_run: None follows `setpoints.dry_run`; day_ahead_only: skip the re-solve."""
    io = ModbusPointIO(settings)
    try:
        return await SetpointWriter(settings, io, dry_run=dry_run,
                                    intraday=intraday_step(settings, day_ahead_only)
                                    ).run_cycle(now_utc)
    finally:
        await io.close()


def stop_solver(settings: Settings) -> None:
    """End the data root's warm solver service, if one runs (nothing is started)."""
    client = SolverClient(settings.data_root)
    if client.ping() is not None:
        client.stop()


def decision_text(cycle: CycleAudit) -> str:
    """What decided the cycle's setpoints, in one line for a person."""
    if cycle.plan_run_id is None:
        return f"no plan in force ({cycle.why_no_plan}): safe defaults"
    decided = cycle.decided_by or "day_ahead"
    if decided == "intraday":
        return f"intraday re-solve {cycle.plan_run_id}"
    if decided.startswith("day_ahead_fallback"):
        why = decided.split(":", 1)[1].strip()
        return f"day-ahead plan {cycle.plan_run_id} (intraday re-solve not used: {why})"
    return f"day-ahead plan {cycle.plan_run_id} (intraday re-solve off)"
