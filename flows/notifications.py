"""The park's Prefect automations: a failed, crashed or timed-out run and a late day-ahead plan
notify the platform team; a poll group whose harvest cycles stop gets a new harvest run (and the
team is told).

Automations live on the Prefect server, not in prefect.yaml (a deployment's `triggers:` can
only start that deployment), so this module creates or updates them, by name, once per park
after `prefect deploy` and again whenever the team's webhook changes:

    PREFECT_API_URL=http://prefect:4200/api PARK_FILE=park.yaml \\
        python -m flows.notifications --webhook-url https://chat.example.com/hooks/XYZ

The notification goes through a Prefect `CustomWebhookNotificationBlock` that POSTs JSON
`{"to": [platform team addresses], "subject": ..., "text": ...}` to the team's webhook (a chat
incoming webhook, an HTTP-to-mail relay, a ticket system). Prefect 3 has no SMTP notification
block, and it is the server that sends, so the server must reach the URL; a URL on loopback
works offline (the integration test points it at a listener of its own).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from typing import cast
from uuid import UUID

from prefect.automations import (
    Automation,
    ChangeFlowRunState,
    EventTrigger,
    Posture,
    ResourceSpecification,
    RunDeployment,
    SendNotification,
)
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.client.schemas.objects import StateType
from prefect.settings import get_current_settings

from flows.park_slot import park_tag
from jobs.common.config_errors import ConfigError
from jobs.common.settings import Settings, load_settings

WEBHOOK_ENV = "PARK_ALERT_WEBHOOK_URL"
DEFAULT_WORK_POOL = "park-process"
FAILED_STATES = ("Failed", "Crashed", "TimedOut")
# Deployment name patterns (globs): a park group suffixes each park's names (docs/platform.md,
# "Running for real").
DAY_AHEAD_DEPLOYMENTS = "day-ahead-dispatch*"
SKIPPED = "Skipped"  # the state name of a harvest run that found its group already harvested
# Before the long-running harvest, a late one-minute harvest run was cancelled; an hour's run
# must run late rather than not at all, so that automation is deleted where it exists.
RETIRED_AUTOMATIONS = ("{park}: skip late harvests",)
# A poll group's cycles may pause this long (the hand-over between two hourly runs takes one
# interval plus a run's start-up) before the group counts as stopped: two poll intervals.
WATCHDOG_INTERVALS = 2
# A run whose process died (its machine, a SIGKILL) sends no final state and would stay Running;
# every run sends a heartbeat event every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (180 by
# default in Prefect 3.8, at least 30; set it on the workers), and a run silent for this many
# heartbeats is marked Crashed, which notifies its park's team like any crash.
MISSED_HEARTBEATS = 3

# Jinja, rendered by the server with the run, its flow and its deployment looked up.
FAILED_SUBJECT = "[{park}] {{{{ flow.name }}}} {{{{ flow_run.state.name }}}}"
FAILED_BODY = """\
Flow run {{{{ flow_run.name }}}} of {{{{ flow.name }}}}{{% if deployment %}} (deployment \
{{{{ deployment.name }}}}){{% endif %}} in park {park} ended {{{{ flow_run.state.name }}}}.
Message: {{{{ flow_run.state.message }}}}
Parameters: {{{{ flow_run.parameters }}}}
Run id: {{{{ flow_run.id }}}} {{{{ flow_run|ui_url }}}}
Logs and artifacts: `prefect flow-run logs {{{{ flow_run.id }}}}`, the Prefect UI. Runbook: \
docs/platform.md, "Running for real"."""
LATE_PLAN_SUBJECT = "[{park}] day-ahead plan is late"
LATE_PLAN_BODY = """\
The day-ahead plan run {{{{ flow_run.name }}}} (its park: in its parameters) has not \
started: no worker took it from its queue. The grid wants the plan by {deadline} local \
time; start a worker on the work pool, or run `park plan` by hand.
Parameters: {{{{ flow_run.parameters }}}}
Run id: {{{{ flow_run.id }}}} {{{{ flow_run|ui_url }}}}"""


def block_name(settings: Settings) -> str:
    """The notification block's name: block names allow lowercase letters, digits and '-'."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{settings.park.park.id}-platform-team")


def notification_block(settings: Settings, webhook_url: str) -> CustomWebhookNotificationBlock:
    addresses = [contact.email for contact in settings.park.recipients.platform_team]
    return CustomWebhookNotificationBlock(
        name=block_name(settings), url=webhook_url, headers=None, cookies=None,
        json_data={"to": addresses, "subject": "{{subject}}", "text": "{{body}}"})


def _flow_run_trigger(states: tuple[str, ...], work_pool: str,
                      deployments: str | None = None, park_param: str | None = None
                      ) -> EventTrigger:
    """Each matching state change of a flow run in `work_pool` (of the deployments whose name
    matches the glob `deployments`; of the registered park `park_param`, by the tag each of its
    runs puts on itself: flows/park_slot.py) fires once."""
    related: list[ResourceSpecification | dict[str, str | list[str]]] = [
        {"prefect.resource.role": "work-pool", "prefect.resource.name": work_pool}]
    if deployments:
        related.append({"prefect.resource.role": "deployment",
                        "prefect.resource.name": deployments})
    if park_param:
        related.append({"prefect.resource.role": "tag",
                        "prefect.resource.id": f"prefect.tag.{park_tag(park_param)}"})
    return EventTrigger(expect={f"prefect.flow-run.{state}" for state in states},
                        match={"prefect.resource.id": "prefect.flow-run.*"},
                        match_related=related, for_each={"prefect.resource.id"},
                        posture=Posture.Reactive, threshold=1, within=dt.timedelta(0))


def park_automations(settings: Settings, block_document_id: UUID,
                     work_pool: str = DEFAULT_WORK_POOL, park_param: str | None = None
                     ) -> list[Automation]:
    """The park's automations (not yet saved): what the server will do, in one place.
    park_param: the park's id in the registry, whose runs' tag scopes them to this park's runs
    (None: a park alone on its work pool, every run of which is its own)."""
    park = settings.park.park.id
    deadline = settings.park.dispatch.deadline_local
    return [
        Automation(
            name=f"{park}: flow run failed",
            description="A run of the park's work pool failed, crashed or timed out (after "
                        "its retries): tell the platform team.",
            trigger=_flow_run_trigger(FAILED_STATES, work_pool, park_param=park_param),
            actions=[SendNotification(block_document_id=block_document_id,
                                      subject=FAILED_SUBJECT.format(park=park),
                                      body=FAILED_BODY.format(park=park))]),
        Automation(
            name=f"{park}: day-ahead plan late",
            description="The day-ahead plan has not started on time (it still runs when a "
                        "worker comes): tell the platform team before the grid's deadline.",
            # not scoped to the park: a late run has not started, so it has not tagged itself
            # yet; the message names its parameters (its park)
            trigger=_flow_run_trigger(("Late",), work_pool, DAY_AHEAD_DEPLOYMENTS),
            actions=[SendNotification(
                block_document_id=block_document_id,
                subject=LATE_PLAN_SUBJECT.format(park=park),
                body=LATE_PLAN_BODY.format(park=park, deadline=deadline))]),
    ]


def ensure_platform_automations(settings: Settings, webhook_url: str, *,
                                work_pool: str = DEFAULT_WORK_POOL,
                                park_param: str | None = None,
                                heartbeat_period_s: int | None = None) -> dict[str, UUID]:
    """Save the notification block and create or update the park's automations on the server
    PREFECT_API_URL points at; returns the automations' ids by name. Safe to run again.
    park_param: the park's id in the park registry, passed to the harvest runs the watchdogs
    start (None for a park that is alone, whose workers' environment names it);
    heartbeat_period_s: the workers' PREFECT_FLOWS_HEARTBEAT_FREQUENCY (default: this
    process's)."""
    block_document_id = cast(UUID, notification_block(settings, webhook_url).save(
        block_name(settings), overwrite=True))  # save() is synchronous when called from sync code
    ids: dict[str, UUID] = {}
    with get_client(sync_client=True) as client:
        automations = park_automations(settings, block_document_id, work_pool, park_param)
        automations += harvest_watchdogs(settings, block_document_id, _harvest_deployments(),
                                        park_param)
        automations.append(unresponsive_runs_automation(  # one per pool, shared by its parks
            work_pool, heartbeat_period_s or heartbeat_s()))
        for automation in automations:
            ids[automation.name] = _save(client, automation)
        for retired in RETIRED_AUTOMATIONS:
            retired_name = retired.format(park=settings.park.park.id)
            for old in client.read_automations_by_name(retired_name):
                client.delete_automation(old.id)
    return ids


def heartbeat_s() -> int:
    """The heartbeat period this process's Prefect settings give (the workers' must agree)."""
    return int(get_current_settings().flows.heartbeat_frequency or 180)


def unresponsive_runs_automation(work_pool: str, heartbeat_period_s: int) -> Automation:
    """Prefect's own recipe for zombie runs (docs: "Detect zombie flows"), on the pool: after a
    heartbeat, another heartbeat or a final state must follow within MISSED_HEARTBEATS periods,
    or the run is set Crashed (and its park's `flow run failed` automation fires)."""
    return Automation(
        name=f"{work_pool}: crash unresponsive runs",
        description=f"No heartbeat of a running flow run for {MISSED_HEARTBEATS} heartbeat "
                    "periods: its process is gone; mark it Crashed.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{state}" for state in
                                                    ("Completed", "Failed", "Cancelled",
                                                     "Crashed", "TimedOut"))},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "work-pool",
                           "prefect.resource.name": work_pool},
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1,
            within=dt.timedelta(seconds=MISSED_HEARTBEATS * heartbeat_period_s)),
        actions=[ChangeFlowRunState(
            name=None, force=False, state=StateType.CRASHED,
            message=f"No heartbeat for {MISSED_HEARTBEATS * heartbeat_period_s} s: the run's "
                    "process or its machine died (docs/park_groups.md).")])


def ensure_unloadable_park_alerts(park_id: str, webhook_url: str, *,
                                  work_pool: str = DEFAULT_WORK_POOL) -> UUID:
    """A registered park whose config is rejected loses its schedules, but a run started by
    hand (or already scheduled) fails on its config: its `<park>: flow run failed` goes to the
    group's webhook (no addresses: its park.yaml, which names them, cannot be read)."""
    name = re.sub(r"[^a-z0-9-]+", "-", f"{park_id}-platform-team")
    block = CustomWebhookNotificationBlock(
        name=name, url=webhook_url, headers=None, cookies=None,
        json_data={"to": [], "subject": "{{subject}}", "text": "{{body}}"})
    block_id = cast(UUID, block.save(name, overwrite=True))
    automation = Automation(
        name=f"{park_id}: flow run failed",
        description="A run of a registered park whose config was rejected failed.",
        trigger=_flow_run_trigger(FAILED_STATES, work_pool, park_param=park_id),
        actions=[SendNotification(block_document_id=block_id,
                                  subject=FAILED_SUBJECT.format(park=park_id),
                                  body=FAILED_BODY.format(park=park_id))])
    with get_client(sync_client=True) as client:
        return _save(client, automation)


def _save(client, automation: Automation) -> UUID:
    """Create the automation, or update the one of that name: safe to run again."""
    existing = client.read_automations_by_name(automation.name)
    if existing:
        automation.id = existing[0].id
        automation.update()
    else:
        automation.create()
    assert automation.id is not None
    return automation.id


def _harvest_deployments() -> list[tuple[UUID, str, dict]]:
    """(id, name, default parameters) of every active (not standby) deployment of the harvest
    flow on the server: the watchdogs restart these (deploy first; re-run this after a new
    poll group). The standbys share their group's resource: one watchdog per group."""
    from flows.harvest import STANDBY_SUFFIX

    with get_client(sync_client=True) as client:
        found = client.read_deployments(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(like_="harvest")))
    return [(d.id, d.name, dict(d.parameters)) for d in found
            if d.entrypoint and d.entrypoint.endswith(":harvest")
            and not d.name.endswith(STANDBY_SUFFIX)]


def harvest_watchdogs(settings: Settings, block_document_id: UUID,
                      deployments: list[tuple[UUID, str, dict]], park_param: str | None = None
                      ) -> list[Automation]:
    """Per harvest deployment: when the park's poll group reports no cycle for
    WATCHDOG_INTERVALS poll intervals (its run and its hot standby both gone), start a new run
    of the deployment at once and tell the platform team: the last resort. The new run's
    first cycle reports the missed cycles as a `park.harvest.gap` event: a gap, not a silent
    hole."""
    from flows.harvest import group_resource  # the resource the cycles are reported on

    park = settings.park.park.id
    watchdogs = []
    for deployment_id, name, parameters in deployments:
        groups = parameters.get("poll_groups")
        interval_s = float(parameters.get("interval_s", 60.0))
        resource = group_resource(park, groups)["prefect.resource.id"]
        watchdogs.append(Automation(
            name=f"{park}: restart {name}",
            description=f"No harvest cycle of {resource} for {WATCHDOG_INTERVALS} poll "
                        "intervals: start a new long-running harvest run.",
            trigger=EventTrigger(
                after={"park.harvest.cycle"}, expect={"park.harvest.cycle"},
                match={"prefect.resource.id": resource}, for_each={"prefect.resource.id"},
                posture=Posture.Proactive, threshold=1,
                within=dt.timedelta(seconds=WATCHDOG_INTERVALS * interval_s)),
            actions=[
                RunDeployment(source="selected", deployment_id=deployment_id,
                              parameters={**parameters, "park": park_param},
                              job_variables=None),
                SendNotification(
                    block_document_id=block_document_id,
                    subject=f"[{park}] harvest {name} stopped: restarted",
                    body=f"No harvest cycle of {resource} for {WATCHDOG_INTERVALS} poll "
                         f"intervals ({WATCHDOG_INTERVALS * interval_s:.0f} s): its run "
                         "and its hot standby crashed or their workers died. A new run "
                         "of deployment "
                         f"{name} was started; its first cycle reports the missed cycles "
                         "as a park.harvest.gap event. Runbook: docs/park_groups.md.")]))
    return watchdogs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhook-url", default=os.environ.get(WEBHOOK_ENV),
                        help=f"where the platform team's notifications go (default ${WEBHOOK_ENV})")
    parser.add_argument("--work-pool", default=DEFAULT_WORK_POOL,
                        help="the work pool whose runs are watched (the park's)")
    parser.add_argument("--park", default=None,
                        help="a park of the park registry (PARK_REGISTRY); default: the park "
                             "the environment describes")
    args = parser.parse_args(argv)
    if not args.webhook_url:
        parser.error(f"give --webhook-url or set {WEBHOOK_ENV}")
    try:
        settings = load_settings(park=args.park)
    except ConfigError as exc:
        parser.exit(2, f"Config rejected\n{exc}\n")
    for name, automation_id in ensure_platform_automations(
            settings, args.webhook_url, work_pool=args.work_pool,
            park_param=args.park).items():
        print(f"{automation_id}  {name}")


if __name__ == "__main__":
    main()
