"""The plan in force for one interval, from the landing zone: the latest run published for
that interval, if it is fresh enough and says how it was made (the day-ahead run only ever
publishes optimal, time-limited, relaxed or fallback plans; anything else is not trusted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from jobs.common import landing

TRUSTED_STATUSES = frozenset({"optimal", "time_limit", "relaxed", "fallback"})


@dataclass(frozen=True)
class PlanInForce:
    run_id: str
    created_at_utc: pd.Timestamp
    solver_status: str
    is_fallback: bool
    rows: pd.DataFrame  # the interval's rows: asset_kind, asset_id, quantity, value, unit

    def value(self, asset_id: str, quantity: str) -> float | None:
        match = self.rows[(self.rows["asset_id"] == asset_id)
                          & (self.rows["quantity"] == quantity)]["value"]
        return None if match.empty else float(match.iloc[0])


def plan_for_interval(landing_root: str, interval_start_utc: dt.datetime, now_utc: dt.datetime,
                      max_age_h: float) -> tuple[PlanInForce | None, str]:
    """The plan to follow, or None and why not."""
    start = pd.Timestamp(interval_start_utc)
    table = landing.read_dataset(landing_root, "plans", [start.date()])
    if table.num_rows == 0:
        return None, f"no plan published for {start.isoformat()}"
    frame = table.to_pandas()
    frame = frame[(frame["interval_start_utc"] == start)
                  & (frame["created_at_utc"] <= pd.Timestamp(now_utc))]
    if frame.empty:
        return None, f"no plan published for {start.isoformat()}"
    newest_run = frame.loc[frame["created_at_utc"].idxmax(), "run_id"]
    latest = frame[frame["run_id"] == newest_run]
    run = latest.iloc[0]
    age_h = (start - run["created_at_utc"]).total_seconds() / 3600.0
    if age_h > max_age_h:
        return None, (f"plan {run['run_id']} is stale: made {age_h:.1f} h before the interval "
                      f"(limit {max_age_h:g} h)")
    if run["solver_status"] not in TRUSTED_STATUSES:
        return None, f"plan {run['run_id']} has untrusted status {run['solver_status']!r}"
    return PlanInForce(run_id=str(run["run_id"]), created_at_utc=run["created_at_utc"],
                       solver_status=str(run["solver_status"]),
                       is_fallback=bool(run["is_fallback"]),
                       rows=latest[["asset_kind", "asset_id", "quantity", "value", "unit"]]
                       .reset_index(drop=True)), ""
