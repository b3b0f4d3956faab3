"""The plan in force for one interval, from the landing zone: the latest run published for
that interval, if it is fresh enough and says how it was made (the day-ahead run only ever
publishes optimal, time-limited, relaxed or fallback plans; anything else is not trusted).

Its rows are taken by meaning or refused, one asset quantity at a time, with the reason:
the unit is converted to the one the quantity is commanded in (plan_units), a value that is
not finite is refused, and rows that say different things for one asset, quantity and
interval are refused together (identical ones collapse). A file in `plans/` that is not a
plan (another schema, bytes that are not Parquet) is skipped with a note, so it neither stops
the cycle nor hides the good files beside it.

Two runs created at the same instant are one plan if they agree on this interval (the
greater run id is named); if they disagree there is no telling which one is meant, so
neither is followed: the devices get their safe defaults and the reason says why. Picking
either by its name would be arbitrary, and could flip between cycles.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from device_io.setpoints.plan_units import COMMAND_UNITS, INFORMATIONAL, to_command_unit
from jobs.common import landing
from jobs.common.dispatch_schemas import PLANS_SCHEMA

TRUSTED_STATUSES = frozenset({"optimal", "time_limit", "relaxed", "fallback"})
PLAN_COLUMNS = ("run_id", "created_at_utc", "interval_start_utc", "asset_kind", "asset_id",
                "quantity", "value", "unit", "solver_status", "is_fallback")
KEY = ("asset_kind", "asset_id", "quantity")
PlanKey = tuple[str, str, str]  # asset_kind, asset_id, quantity


@dataclass(frozen=True)
class PlanRefusal:
    """A plan quantity the writer will not act on, and why (it goes to the audit)."""

    asset_kind: str
    asset_id: str
    quantity: str
    value: float | None  # as the plan gave it (the first row's, if several)
    reason: str


@dataclass(frozen=True)
class PlanInForce:
    run_id: str
    created_at_utc: pd.Timestamp
    solver_status: str
    is_fallback: bool
    # the interval's commanded quantities, each in its command unit (plan_units)
    setpoints: dict[PlanKey, float] = field(default_factory=dict)
    refusals: tuple[PlanRefusal, ...] = ()
    # the interval these setpoints are for (its day decides a zone's heating season)
    interval_start_utc: pd.Timestamp | None = None

    def value(self, asset_kind: str, asset_id: str, quantity: str) -> float | None:
        return self.setpoints.get((asset_kind, asset_id, quantity))

    def refusal(self, asset_kind: str, asset_id: str, quantity: str) -> PlanRefusal | None:
        return next((r for r in self.refusals
                     if (r.asset_kind, r.asset_id, r.quantity) == (asset_kind, asset_id,
                                                                    quantity)), None)


@dataclass(frozen=True)
class PlanChoice:
    plan: PlanInForce | None
    why_no_plan: str  # "" with a plan
    notes: tuple[str, ...] = ()  # files skipped, ties resolved: for the cycle's report


def _read_plan_file(path: str) -> tuple[pd.DataFrame | None, str]:
    """One landed file's rows in the plan contract's types, or None and why not."""
    try:
        with fsspec.open(path, "rb") as handle:
            table = pq.read_table(handle)
    except Exception as exc:  # noqa: BLE001 - whatever the bytes are, only this file is lost
        return None, f"{path}: not a readable Parquet file ({exc}): skipped"
    missing = [name for name in PLAN_COLUMNS if name not in table.column_names]
    if missing:
        return None, f"{path}: not a plan file (no column {', '.join(missing)}): skipped"
    wanted = pa.schema([PLANS_SCHEMA.field(name) for name in PLAN_COLUMNS])
    try:
        return table.select(list(PLAN_COLUMNS)).cast(wanted).to_pandas(), ""
    except Exception as exc:  # noqa: BLE001 - as above
        return None, f"{path}: columns not of the plan contract's types ({exc}): skipped"


def _landed_rows(landing_root: str, day: dt.date) -> tuple[pd.DataFrame, list[str]]:
    frames, notes = [], []
    for path in landing.list_partition_files(landing_root, "plans", day):
        frame, note = _read_plan_file(path)
        if frame is None:
            notes.append(note)
        elif len(frame):
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(PLAN_COLUMNS)), notes
    return pd.concat(frames, ignore_index=True), notes


def _rows_signature(rows: pd.DataFrame) -> list[tuple]:
    return sorted(rows[[*KEY, "value", "unit"]].astype(str).itertuples(index=False, name=None))


def plan_for_interval(landing_root: str, interval_start_utc: dt.datetime, now_utc: dt.datetime,
                      max_age_h: float) -> PlanChoice:
    """The plan to follow, or None and why not."""
    start = pd.Timestamp(interval_start_utc)
    frame, notes = _landed_rows(landing_root, start.date())
    none_published = f"no plan published for {start.isoformat()}"
    if frame.empty:
        return PlanChoice(None, none_published, tuple(notes))
    unusable = frame[["run_id", "created_at_utc", *KEY]].isna().any(axis=1)
    if unusable.any():
        notes.append(f"{int(unusable.sum())} plan rows without a run id, creation time, asset "
                     "or quantity: ignored")
    frame = frame[~unusable & (frame["interval_start_utc"] == start)
                  & (frame["created_at_utc"] <= pd.Timestamp(now_utc))]
    if frame.empty:
        return PlanChoice(None, none_published, tuple(notes))
    newest = frame["created_at_utc"].max()
    runs = sorted(frame.loc[frame["created_at_utc"] == newest, "run_id"].unique())
    if len(runs) > 1:
        signatures = [_rows_signature(frame[frame["run_id"] == run]) for run in runs]
        if any(s != signatures[0] for s in signatures[1:]):
            return PlanChoice(None, (
                f"plans {', '.join(runs)} were all created at {newest.isoformat()} and "
                "disagree for this interval: which one is meant cannot be told"), tuple(notes))
        notes.append(f"plans {', '.join(runs)} were all created at {newest.isoformat()} and "
                     f"agree for this interval: {runs[-1]} named")
    latest = frame[frame["run_id"] == runs[-1]]
    run = latest.iloc[0]
    age_h = (start - run["created_at_utc"]).total_seconds() / 3600.0
    if age_h > max_age_h:
        return PlanChoice(None, (f"plan {run['run_id']} is stale: made {age_h:.1f} h before the "
                                 f"interval (limit {max_age_h:g} h)"), tuple(notes))
    if run["solver_status"] not in TRUSTED_STATUSES:
        return PlanChoice(None, f"plan {run['run_id']} has untrusted status "
                                f"{run['solver_status']!r}", tuple(notes))
    setpoints, refusals = _commanded_quantities(latest)
    return PlanChoice(PlanInForce(run_id=str(run["run_id"]), created_at_utc=run["created_at_utc"],
                                  solver_status=str(run["solver_status"]),
                                  is_fallback=bool(run["is_fallback"]), setpoints=setpoints,
                                  refusals=tuple(refusals), interval_start_utc=start),
                      "", tuple(notes))


def _commanded_quantities(rows: pd.DataFrame) -> tuple[dict[PlanKey, float], list[PlanRefusal]]:
    """One value per commanded asset quantity in its command unit, or its refusal."""
    setpoints: dict[PlanKey, float] = {}
    refusals: list[PlanRefusal] = []
    for key, group in rows.groupby(list(KEY), sort=True):
        kind, asset, quantity = (str(part) for part in key)
        if (kind, quantity) in INFORMATIONAL:
            continue  # the optimiser's forecast of the park, not a command
        first = float(group["value"].iloc[0]) if pd.notna(group["value"].iloc[0]) else math.nan
        label = f"plan row {kind} {asset} {quantity}"
        if (kind, quantity) not in COMMAND_UNITS:
            refusals.append(PlanRefusal(kind, asset, quantity, first,
                                        f"{label}: not a quantity the writer can command"))
            continue
        values, why = [], ""
        for raw, unit in zip(group["value"], group["unit"], strict=True):
            value, why = to_command_unit(kind, quantity,
                                         math.nan if pd.isna(raw) else float(raw), unit)
            if value is None:
                break
            values.append(value)
        if why:
            refusals.append(PlanRefusal(kind, asset, quantity, first, f"{label}: {why}"))
        elif any(not math.isclose(v, values[0], rel_tol=1e-12, abs_tol=1e-12) for v in values):
            given = ", ".join(f"{v:g} {u}" for v, u in zip(group["value"], group["unit"],
                                                            strict=True))
            refusals.append(PlanRefusal(kind, asset, quantity, first, (
                f"{label}: {len(values)} rows for one interval disagree ({given})")))
        else:
            setpoints[(kind, asset, quantity)] = values[0]
    return setpoints, refusals


def plan_in_force_from_rows(rows: pd.DataFrame, run_id: str, created_at_utc: dt.datetime,
                            solver_status: str) -> PlanInForce:
    """One interval's plan rows (asset_kind, asset_id, quantity, value, unit) made in this
    process, not landed (the intraday re-solve), taken by meaning as a landed plan's are."""
    setpoints, refusals = _commanded_quantities(rows)
    return PlanInForce(run_id=run_id, created_at_utc=pd.Timestamp(created_at_utc),
                       solver_status=solver_status, is_fallback=False, setpoints=setpoints,
                       refusals=tuple(refusals))
