"""The rule-based controller in the loop, deciding every interval from what it measures, the
way a Chinese C&I storage controller runs without a plan (谷充峰放, charge in the valley,
discharge in the peak): batteries charge from a PV surplus the grid meter shows being
exported; in the valley period they also charge from the grid, as fast as keeps the import
under the contract demand (less the setpoint rules' import headroom), so charging does not
set a new demand peak where the park's day stays under it; they discharge against the import
in peak and critical-peak periods, and idle otherwise. EVs charge on arrival and HVAC zones
run on their own thermostats, so it commands only the batteries; its commands take the
writer's safety path like a plan's (SOC window, import headroom, ramp, read-back).

The dispatch baseline (jobs/dispatch/baseline.py) differs on purpose: it never charges from
the grid, so a plan's reported saving is against a controller that does not trade. This one
is what values a battery nobody planned (the valuation's simulated year): without the valley
charge, a battery in a park whose PV never exceeds its load would do nothing and show only
its costs."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from device_io.setpoints.commands import Command
from device_io.setpoints.writer import CommandSource, LiveValues
from jobs.common.park_config import DeviceKind, ParkConfig
from jobs.dispatch.baseline import DISCHARGE_PERIODS
from jobs.dispatch.tariff import interval_prices

CHARGE_FROM_GRID_PERIODS = frozenset({"valley"})


def rule_based_source(park: ParkConfig, interval_start_utc: dt.datetime) -> CommandSource:
    index = pd.DatetimeIndex([pd.Timestamp(interval_start_utc)])
    period = str(interval_prices(park.tariffs, index, park.park.timezone)["tou_period"].iloc[0])
    pcs = [d for d in park.devices if d.kind == DeviceKind.BESS and d.controllable]
    meter = park.park.grid_connection.meter_device_id
    # the import the valley charge may raise the park to
    charge_cap_kw = park.park.grid_connection.contract_demand_kw - \
        park.setpoints.import_headroom_kw

    def commands(live: LiveValues) -> list[Command]:
        grid_kw = live.get(meter, {}).get("active_power_kw")
        if grid_kw is None or not pcs:
            return []
        # the import if the batteries were idle (their discharge is positive)
        idle_kw = grid_kw + sum(live.get(d.id, {}).get("active_power_kw") or 0.0 for d in pcs)
        rated = {d.id: d.rated_kw or 0.0 for d in pcs}
        total = sum(rated.values()) or 1.0
        if idle_kw < 0:
            target_kw = max(idle_kw, -total)  # store the surplus
        elif period in DISCHARGE_PERIODS:
            target_kw = min(idle_kw, total)  # cover the peak import
        elif period in CHARGE_FROM_GRID_PERIODS:
            target_kw = -min(total, max(charge_cap_kw - idle_kw, 0.0))
        else:
            target_kw = 0.0
        result = []
        for device in pcs:
            share = target_kw * rated[device.id] / total
            result.append(Command(device.id, device.asset, "power_setpoint_kw", share,
                                  "rule_based", f"{period}: {target_kw:.0f} kW in all"))
            result.append(Command(device.id, device.asset, "control_mode", 1.0, "rule_based"))
        return result

    return commands
