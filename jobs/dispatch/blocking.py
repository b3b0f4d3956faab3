"""Move blocking for the intraday re-solve: 15-minute steps for the next few hours, longer
steps after. A re-solve decides only its first interval (the next one re-solves again), so
the far hours need to be right in sum (energy, SOC, heat, comfort), not in detail: a
re-solve of "rest of today and tomorrow" at 15 minutes is up to 192 steps, blocked it is
about a third of that, and the solve's cost falls with it.

A blocked step is its intervals' mean: load, PV, the direct green lines' offer, prices,
outdoor temperature, heat offered and needed; occupied if any of its intervals is (the
comfort band then binds at the step's end). The builders take each step's length
(DispatchInputs.step_h): energy is power times the step's hours, and SOC, zone temperature
and tank heat advance by it.

What a long step means for the demand charge: the peak is metered on 15-minute means, and
a step's import is its mean over the whole step, which is at most its highest quarter-hour.
So in blocked hours the plan sees a peak that may be lower than the one it would meter; it
is never executed from there (each interval is re-solved at 15 minutes before it runs), but
it may plan to lean on a flat hour that will not be flat. The fine window is where the
peak is decided; DR windows are always kept fine (their response is a mean over intervals).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.dispatch.inputs import DispatchInputs


@dataclass(frozen=True)
class MoveBlocking:
    fine_h: float = 3.0  # 15-minute steps for at least this long from the first interval
    block_h: float = 1.0  # then steps of this length, aligned on its multiples (UTC)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.fine_h) and self.fine_h >= 0):
            raise ValueError(f"move blocking: fine_h must be finite and >= 0, got {self.fine_h}")
        if not (np.isfinite(self.block_h) and self.block_h > 0):
            raise ValueError(f"move blocking: block_h must be finite and > 0, got {self.block_h}")


def block_inputs(inputs: DispatchInputs, blocking: MoveBlocking) -> DispatchInputs:
    """The inputs with their intervals after the fine window merged into steps of
    blocking.block_h (the same horizon, fewer steps)."""
    if inputs.step_h is not None:
        raise ValueError("move blocking: the inputs are blocked already")
    starts = inputs.interval_start_utc
    interval = pd.Timedelta(hours=inputs.interval_h)
    if len(starts) > 1 and not ((starts[1:] - starts[:-1]) == interval).all():
        raise ValueError("move blocking: the intervals are not contiguous")
    block = pd.Timedelta(hours=blocking.block_h)
    if block % interval != pd.Timedelta(0):
        raise ValueError(f"move blocking: block_h {blocking.block_h} is not a whole number "
                         f"of {inputs.interval_h} h intervals")
    fine_until = (starts[0] + pd.Timedelta(hours=blocking.fine_h)).ceil(block)
    if len(inputs.dr_events):  # DR windows stay fine: their response is an interval mean
        fine_until = max(fine_until, pd.Timestamp(inputs.dr_events["end_utc"].max()).ceil(block))
    key = pd.DatetimeIndex(np.where(starts < fine_until, starts, starts.floor(block)))
    if key.nunique() == len(starts):
        return inputs
    index = pd.DatetimeIndex(key.unique(), tz="UTC") if key.tz is None \
        else pd.DatetimeIndex(key.unique())
    step_h = tuple(float(n) * inputs.interval_h for n in pd.Series(key).value_counts(
        sort=False).reindex(index).to_numpy())

    def mean(values):
        if values is None:
            return values
        if isinstance(values, pd.DataFrame) and not len(values.columns):
            # no columns: indexed by the intervals where it was (PV), left as it was else
            return pd.DataFrame(index=index, dtype=float) if len(values.index) else values
        out = values.groupby(key).mean()
        out.index = index
        return out

    occupied = inputs.hvac_occupied
    if occupied is not None:
        occupied = occupied.astype(bool).groupby(key).max()
        occupied.index = index
    tou = inputs.grid.tou_period.groupby(key).first()
    tou.index = index
    grid = dataclasses.replace(
        inputs.grid, import_price_cny_per_kwh=mean(inputs.grid.import_price_cny_per_kwh),
        export_price_cny_per_kwh=mean(inputs.grid.export_price_cny_per_kwh), tou_period=tou)
    stores = len(inputs.thermal_stores) > 0
    return dataclasses.replace(
        inputs, interval_start_utc=index, step_h=step_h,
        base_load_kw=mean(inputs.base_load_kw), pv_potential_kw=mean(inputs.pv_potential_kw),
        grid=grid, outdoor_temp_c=mean(inputs.outdoor_temp_c), hvac_occupied=occupied,
        waste_heat_kw_th=mean(inputs.waste_heat_kw_th) if stores else inputs.waste_heat_kw_th,
        heat_demand_kw_th=mean(inputs.heat_demand_kw_th) if stores
        else inputs.heat_demand_kw_th,
        consumer_base_load_kw=mean(inputs.consumer_base_load_kw),
        direct_green_kw=mean(inputs.direct_green_kw))
