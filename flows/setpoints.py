"""Prefect flow: the current interval of the plan in force, written to the devices safely
(`device_io.setpoints`), every 15 minutes at the start of the interval and at start-up.

No retries: a cycle that fails part-way has already journalled the audit of what it did
(device_io/setpoints/journal.py) and left each device at its previous setpoint or the new
one; the next cycle (15 minutes later, or a manual run) lands that journal first.
Shadow mode: parameter dry_run, or `setpoints.dry_run` in config.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from device_io.setpoints.writer import CycleAudit
from flows.park_slot import one_run_per_park
from jobs.common.settings import load_settings
from jobs.dispatch.setpoint_cycle import decision_text, run_setpoint_cycle


@task(name="setpoint-cycle", cache_policy=NO_CACHE)
async def setpoint_cycle(dry_run: bool | None, park: str | None) -> CycleAudit:
    # the warm solver is a service of its own (jobs/dispatch/solver_service.py): this run only
    # connects to it, starting it if none runs, and leaves it for the next cycle
    return await run_setpoint_cycle(load_settings(park=park), dry_run=dry_run)


def summary_markdown(cycle: CycleAudit) -> str:
    rows = cycle.rows
    header = (f"# Setpoints for {cycle.interval_start_utc:%Y-%m-%d %H:%M} UTC\n\n"
              + (f"From the {decision_text(cycle)}." if cycle.plan_run_id
                 else f"**No plan in force** ({cycle.why_no_plan}): safe defaults."))
    counts = rows.groupby("outcome").size().to_dict() if len(rows) else {}
    lines = [header, "", "| outcome | attempts |", "|---|---:|"]
    lines += [f"| {outcome} | {count} |" for outcome, count in sorted(counts.items())]
    problems = rows[~rows["outcome"].isin(["written", "unchanged", "dry_run"])] \
        if len(rows) else rows
    if len(problems):
        lines += ["", "## Not written", "", "| device | point | outcome | reason |",
                  "|---|---|---|---|"]
        lines += [f"| {r.device_id} | {r.point} | {r.outcome} | {r.reason or ''} |"
                  for r in problems.itertuples()]
    return "\n".join(lines)


@flow(name="setpoints")
@one_run_per_park
async def setpoints(dry_run: bool | None = None, park: str | None = None) -> dict:
    """dry_run: True computes and audits without writing (default: the config's).
    park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    cycle = await setpoint_cycle(dry_run, park)
    logger = get_run_logger()
    if cycle.plan_run_id is None:
        logger.warning("no plan in force (%s): devices sent to their safe defaults",
                       cycle.why_no_plan)
    if (cycle.decided_by or "").startswith("day_ahead_fallback"):
        logger.warning("intraday re-solve not used: %s", cycle.decided_by)
    for note in cycle.notes:
        logger.warning("plan: %s", note)
    if len(cycle.recovered):
        logger.warning("landed %d audit rows of interrupted cycles %s", len(cycle.recovered),
                       ", ".join(sorted(set(cycle.recovered["cycle_id"]))))
    for outcome in ("verify_failed", "write_error", "breaker_open"):
        if cycle.count(outcome):
            logger.warning("%d attempts %s", cycle.count(outcome), outcome)
    await acreate_markdown_artifact(markdown=summary_markdown(cycle), key="setpoints",
                                    description="Setpoints written this interval")
    return {"cycle_id": cycle.cycle_id, "plan_run_id": cycle.plan_run_id,
            "decided_by": cycle.decided_by,
            "recovered": len(cycle.recovered),
            **{o: cycle.count(o) for o in ("written", "unchanged", "refused", "dry_run",
                                          "verify_failed", "write_error", "breaker_open")}}
