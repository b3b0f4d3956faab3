"""Keep a solved plan while the park follows it (the closed loop's perfect foresight).

A controller whose inputs are the truth (perfect foresight) learns nothing new between two
intervals except the state its devices reached: re-solving it every 15 minutes on the same
truth gives the same plan, as long as the twin's batteries, zones and tanks are where the
plan expected them. Twin and model physics differ (the twin's zones, PCS losses, tank
controller), so the state drifts; when it leaves the plan's by more than a tolerance, or
the month's metered peak rises above the plan's floor, the controller re-solves from the
state measured then. The tolerances are the plan's own currency: SOC and tank heat in
percentage points of capacity, zone temperature in kelvin, the peak in kW.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jobs.dispatch.inputs import DispatchInputs


@dataclass(frozen=True)
class ReplanTolerance:
    soc_pct_points: float = 2.0  # battery SOC, of its capacity
    zone_temp_k: float = 0.3  # zone temperature
    tank_pct_points: float = 3.0  # tank heat, of its capacity
    peak_kw: float = 1.0  # the month's metered peak above the plan's floor


@dataclass(frozen=True)
class HeldPlan:
    inputs: DispatchInputs  # what the plan was solved on
    rows: pd.DataFrame  # its published rows, every interval of its horizon
    floor_kw: float  # the demand charge's floor it was solved with

    def covers(self, now: pd.Timestamp) -> bool:
        return bool((self.inputs.interval_start_utc == now).any())

    def rows_at(self, now: pd.Timestamp) -> pd.DataFrame:
        return self.rows[self.rows["interval_start_utc"] == now]

    def _expected(self, now: pd.Timestamp, kind: str, quantity: str, initial: pd.Series
                  ) -> pd.Series:
        """The state the plan expects at the start of `now`'s interval: the solve's initial
        state for its first interval, else the end of the interval before (the model's
        state variables are end-of-interval values)."""
        starts = self.inputs.interval_start_utc
        position = int(starts.get_loc(now))
        if position == 0:
            return initial
        rows = self.rows[(self.rows["interval_start_utc"] == starts[position - 1])
                         & (self.rows["asset_kind"] == kind)
                         & (self.rows["quantity"] == quantity)]
        return rows.set_index("asset_id")["value"]

    def drift(self, now: pd.Timestamp, measured: DispatchInputs, floor_kw: float,
              tolerance: ReplanTolerance) -> str | None:
        """Why the plan no longer holds at `now` (measured: the inputs re-made from the
        state measured now), or None while the park is where the plan expected it."""
        if not self.covers(now):
            return "the plan does not cover this interval"
        if floor_kw > self.floor_kw + tolerance.peak_kw:
            return f"month peak floor {floor_kw:.0f} kW above the plan's {self.floor_kw:.0f}"
        checks = [("battery", "soc_kwh", measured.batteries, "soc_initial_kwh",
                   "capacity_kwh", tolerance.soc_pct_points / 100.0),
                  ("thermal_storage", "stored_kwh_th", measured.thermal_stores,
                   "stored_initial_kwh_th", "capacity_kwh_th",
                   tolerance.tank_pct_points / 100.0)]
        zones = measured.hvac_zones
        if zones is not None and len(zones):
            checks.append(("hvac_zone", "zone_temp_c", zones, "initial_temp_c", None,
                           tolerance.zone_temp_k))
        held = {"battery": self.inputs.batteries, "thermal_storage": self.inputs.thermal_stores,
                "hvac_zone": self.inputs.hvac_zones}
        for kind, quantity, table, initial, capacity, allowed in checks:
            if table is None or not len(table):
                continue
            expected = self._expected(now, kind, quantity, held[kind][initial])
            for asset, value in table[initial].items():
                scale = float(table.loc[asset, capacity]) if capacity else 1.0
                if asset not in expected.index:
                    return f"{kind} {asset}: not in the plan"
                if abs(float(value) - float(expected[asset])) > allowed * scale:
                    return (f"{kind} {asset}: {quantity} measured {float(value):.2f}, "
                            f"planned {float(expected[asset]):.2f}")
        return None
