"""Prefect flow: harvest the park's meters and devices into the landing zone.

A thin shell over `device_io.harvest.harvest_cycles`. Run one deployment per poll group so
several workers can split a big park (each worker polls only its groups).
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Cancelled, State

from device_io.harvest import harvest_cycles
from device_io.harvest_lock import HarvestBusy
from device_io.poller import CycleReport
from jobs.common.settings import load_settings


# A device that does not answer is that device's recorded outcome (transport failure or Modbus
# exception, with the poller's own back-off), not a failure. What fails the cycle as a whole is
# the landing store or the host's network blinking; two quick retries, well inside the minute,
# before the next scheduled run (which this run would otherwise make cancel itself) is due.
# A group that another run is harvesting (a manual run beside the schedule) is not an error
# to retry: the task says so and the run ends Cancelled as skipped, which notifies nobody.
@task(name="poll-cycles", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 15],
      retry_jitter_factor=0.5)
async def poll_cycles(poll_groups: list[str] | None, cycles: int, interval_s: float
                      ) -> list[CycleReport] | HarvestBusy:
    """The cycles' reports, or the HarvestBusy that says who is harvesting the group."""
    logger = get_run_logger()
    settings = load_settings()

    def log_cycle(report: CycleReport) -> None:
        logger.info("cycle %s: %d/%d devices good, %d readings, %d files, %.2f s",
                    report.cycle_id[:8], report.devices_good, report.devices_due,
                    report.readings, len(report.files), report.duration_s)
        for device_id, (quality, detail) in sorted(report.problems.items()):
            logger.warning("device %s: %s (%s)", device_id, quality.value, detail)

    try:
        return await harvest_cycles(settings, poll_groups, cycles=cycles,
                                    interval_s=interval_s, on_cycle=log_cycle)
    except HarvestBusy as busy:  # returned, not raised: nothing to retry
        return busy


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
async def harvest(poll_groups: list[str] | None = None, cycles: int = 1,
                  interval_s: float = 60.0) -> dict | State:
    reports = await poll_cycles(poll_groups, cycles, interval_s)
    if isinstance(reports, HarvestBusy):
        get_run_logger().warning("skipped: %s", reports)
        return Cancelled(message=f"Skipped: {reports}")
    await acreate_markdown_artifact(markdown=summary_markdown(reports, poll_groups),
                                   key="harvest-summary",
                                   description="Devices polled and readings landed")
    return {"cycles": len(reports), "readings": sum(r.readings for r in reports),
            "devices_good_last_cycle": reports[-1].devices_good if reports else 0}
