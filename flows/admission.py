"""Prefect flow: the park office's admission queue (jobs/admission/batch.py). Every application
dropped into `<data root>/inbox/admission/` is assessed against the park's rules and its effect
on the park's national indicators; the zh/en reports are written and the decisions landed. Run
on demand (`prefect deployment run admission/admission`) or after dropping files."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.park_slot import one_run_per_park
from jobs.admission.batch import AdmissionBatch, assess_queue
from jobs.common.settings import load_settings


@task(name="assess-applications", cache_policy=NO_CACHE)
def assess_applications(park: str | None) -> AdmissionBatch:
    return assess_queue(load_settings(park=park))


@flow(name="admission")
@one_run_per_park
def admission(park: str | None = None) -> dict:
    """park: the park's id in the registry (PARK_REGISTRY); None: the environment's park."""
    batch = assess_applications(park)
    lines = ["# Admission queue", ""]
    for path, admitted in batch.admitted:
        assessment = admitted.assessment
        lines.append(f"- {assessment.application.applicant.name_zh} ({path.name}): "
                     f"**{assessment.outcome.value}**; reports: "
                     + ", ".join(f"`{p}`" for p in admitted.report_paths))
    for path, error in batch.rejected:
        lines.append(f"- rejected `{path.name}`: {error.splitlines()[0]}")
        get_run_logger().warning("admission file rejected: %s", error)
    create_markdown_artifact(key="admission", markdown="\n".join(lines),
                             description="Admission queue")
    return {"assessed": len(batch.admitted), "rejected": len(batch.rejected)}
