"""Prefect flow: harvest the park's meters and devices into the landing zone.

A thin shell over `device_io.harvest.harvest_cycles`. Run one deployment per poll group so
several workers can split a big park (each worker polls only its groups).

Scheduled, it is long-running (`run_minutes=60`): one flow run an hour per poll group polls on
every cycle until the next full hour and reports each cycle as a Prefect event
(`park.harvest.cycle`, and `park.harvest.gap` when cycles were missed), instead of a flow run a
minute. A second deployment per group (`harvest-<group>-standby`, its own queue, polled by
another machine's worker) runs the same flow as a hot standby: it waits on the group's lock and
polls from the moment the active run dies. Why, and the measured cost: docs/park_groups.md.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.states import Cancelled, State

from device_io.harvest import Gap, harvest_cycles
from device_io.harvest_lock import HarvestBusy
from device_io.poller import CycleReport
from flows.park_slot import atag_run_with_park
from jobs.common.settings import load_settings


# A device that does not answer is that device's recorded outcome (transport failure or Modbus
# exception, with the poller's own back-off), not a failure. What fails the cycle as a whole is
# the landing store or the host's network blinking; two quick retries, well inside the minute,
# before the next scheduled run (which this run would otherwise make cancel itself) is due.
# A group that another run is harvesting (a manual run beside the schedule) is not an error
# to retry: the task says so and the run ends Cancelled as skipped, which notifies nobody.
@task(name="poll-cycles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 15],
      retry_jitter_factor=0.5)
async def poll_cycles(poll_groups: list[str] | None, cycles: int | None, interval_s: float,
                      park: str | None = None, until_unix_s: float | None = None
                      ) -> list[CycleReport] | HarvestBusy:
    """The cycles' reports, or the HarvestBusy that says who is harvesting the group.

    A retry of a long-running harvest continues to the same end: at most the failing cycle
    is lost, and the retry's first cycle reports it as a gap."""
    logger = get_run_logger()
    settings = load_settings(park=park)
    resource = group_resource(settings.park.park.id, poll_groups)

    def log_cycle(report: CycleReport) -> None:
        logger.info("cycle %s: %d/%d devices good, %d readings, %d files, %.2f s",
                    report.cycle_id[:8], report.devices_good, report.devices_due,
                    report.readings, len(report.files), report.duration_s)
        for device_id, (quality, detail) in sorted(report.problems.items()):
            logger.warning("device %s: %s (%s)", device_id, quality.value, detail)
        emit_event(event="park.harvest.cycle", resource=resource, occurred=report.started_utc,
                   payload={"cycle_id": report.cycle_id, "devices_due": report.devices_due,
                            "devices_good": report.devices_good,
                            "devices_backed_off": report.devices_backed_off,
                            "readings": report.readings, "duration_s": report.duration_s,
                            "problems": {d: q.value for d, (q, _) in report.problems.items()}})

    def report_gap(gap: Gap) -> None:
        logger.warning("gap: %d cycle(s) not polled between %s and %s (a run crashed or was "
                       "replaced late)", gap.missed_cycles, gap.last_polled_utc,
                       gap.resumed_utc)
        emit_event(event="park.harvest.gap", resource=resource, occurred=gap.resumed_utc,
                   payload={"missed_cycles": gap.missed_cycles,
                            "last_polled_utc": gap.last_polled_utc.isoformat(),
                            "resumed_utc": gap.resumed_utc.isoformat()})

    try:
        # A long-running run waits for the group's lock until its own end: for its
        # predecessor's last cycle (hand-over), or all the hour as the hot standby of the run
        # that holds it. A one-off run beside another is skipped at once.
        wait_s = max(0.0, until_unix_s - time.time()) if until_unix_s else 0.0
        return await harvest_cycles(settings, poll_groups, cycles=cycles,
                                    interval_s=interval_s, on_cycle=log_cycle,
                                    until_unix_s=until_unix_s, on_gap=report_gap,
                                    lock_wait_s=wait_s)
    except HarvestBusy as busy:  # returned, not raised: nothing to retry
        return busy


def group_resource(park_id: str, poll_groups: list[str] | None) -> dict[str, str]:
    """The Prefect event resource of a park's poll group(s): what the watchdog watches."""
    tag = "+".join(sorted(poll_groups)) if poll_groups else "all"
    return {"prefect.resource.id": f"park.{park_id}.poll-group.{tag}",
            "prefect.resource.name": f"{park_id} {tag}", "park.id": park_id}


# The hot standby's deployments are named `harvest-<group>` + this (prefect.yaml): the watchdog
# restarts the active deployment only, one new run per silent group.
STANDBY_SUFFIX = "-standby"


# A worker submits a scheduled run up to PREFECT_WORKER_PREFETCH_SECONDS (10 s) early: a run
# that starts this close before a boundary belongs to the period after it, not the one ending.
START_MARGIN_S = 60.0


def run_end_unix_s(now_unix_s: float, run_minutes: int) -> float:
    """The first multiple of `run_minutes` (UTC) more than START_MARGIN_S after now: every run
    of a group, scheduled or a replacement, ends on the same boundaries, where the next
    scheduled run takes over."""
    period_s = run_minutes * 60.0
    return ((now_unix_s + START_MARGIN_S) // period_s + 1) * period_s


def summary_markdown(reports: list[CycleReport], poll_groups: list[str] | None) -> str:
    lines = [f"# Harvest: {', '.join(poll_groups) if poll_groups else 'all poll groups'}", "",
             "| cycle | started (UTC) | devices good/due | backed off | readings | s |",
             "|---|---|---|---|---|---|"]
    for r in reports:
        lines.append(f"| {r.cycle_id[:8]} | {r.started_utc:%Y-%m-%d %H:%M:%S} | "
                     f"{r.devices_good}/{r.devices_due} | {r.devices_backed_off} | "
                     f"{r.readings} | {r.duration_s:.2f} |")
    problems = reports[-1].problems if reports else {}
    if problems:
        lines += ["", "## Devices with problems (last cycle)", "", "| device | quality | detail |",
                  "|---|---|---|"]
        lines += [f"| {d} | {q.value} | {detail or ''} |"
                  for d, (q, detail) in sorted(problems.items())]
    return "\n".join(lines)


@flow(name="harvest", log_prints=True)
async def harvest(poll_groups: list[str] | None = None, cycles: int | None = 1,
                  interval_s: float = 60.0, run_minutes: int | None = None,
                  park: str | None = None) -> dict | State:
    """cycles: how many cycles to poll (None: no limit); run_minutes: poll until the next
    multiple of this many minutes (UTC), the scheduled long-running form; park: the park's id
    in the registry (PARK_REGISTRY); None: the environment's park."""
    await atag_run_with_park(park)  # first: the park's failure automations match on it
    if run_minutes is not None and not 1 <= run_minutes <= 24 * 60:
        raise ValueError(f"run_minutes {run_minutes}: give 1 to 1440 minutes")
    until = run_end_unix_s(time.time(), run_minutes) if run_minutes else None
    if cycles is None and until is None:
        raise ValueError("give cycles, run_minutes or both")
    reports = await poll_cycles(poll_groups, cycles, interval_s, park, until)
    if isinstance(reports, HarvestBusy) and until is not None:
        # A hot standby whose active run lived all its period: its job done, not skipped.
        get_run_logger().info("standby: not needed until its end; %s", reports)
        return {"cycles": 0, "readings": 0, "devices_good_last_cycle": 0, "standby": True}
    if isinstance(reports, HarvestBusy):
        get_run_logger().warning("skipped: %s", reports)
        return Cancelled(message=f"Skipped: {reports}")
    await acreate_markdown_artifact(markdown=summary_markdown(reports, poll_groups),
                                   key="harvest-summary",
                                   description="Devices polled and readings landed")
    return {"cycles": len(reports), "readings": sum(r.readings for r in reports),
            "devices_good_last_cycle": reports[-1].devices_good if reports else 0,
            "standby": False}
