"""Serve every park of the park registry from the one deployment set of prefect.yaml.

`prefect deploy --all` creates each deployment once, with prefect.yaml's schedules (no park:
they serve a park that is alone, named by the workers' environment). For a park group this
command then gives every scheduled deployment one schedule per park and schedule, carrying
`park: <id>` as the schedule's parameter (Prefect 3's per-schedule parameters), and pauses the
park-less originals; it also sets up each park's automations (failures, the late day-ahead
plan, the harvest watchdogs; flows/notifications.py). Run it after every `prefect deploy` and
after a change to the registry; it is idempotent (schedules are found by their slug
`<park>:<n>`, and a park no longer in the registry loses its schedules):

    PREFECT_API_URL=http://prefect:4200/api PARK_REGISTRY=/etc/park/parks.yaml \\
        python -m flows.parks --webhook-url https://chat.example.com/hooks/XYZ
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from pydantic import TypeAdapter

from flows.group import GROUP_TAG  # the group's own deployments take no park
from flows.notifications import (
    WEBHOOK_ENV,
    ensure_platform_automations,
    ensure_unloadable_park_alerts,
)
from jobs.common.config_errors import ConfigError
from jobs.common.parks import load_registry
from jobs.common.settings import load_settings

DEFAULT_WORK_POOL = "park-process"


def _slug(park: str, index: int) -> str:
    return f"{park}:{index}"


def schedule_parks(park_ids: list[str]) -> dict[str, int]:
    """Per scheduled deployment on the server, one schedule per (its schedule, park); returns
    how many park schedules each deployment has."""
    counts: dict[str, int] = {}
    with get_client(sync_client=True) as client:
        for deployment in client.read_deployments():
            if GROUP_TAG in (deployment.tags or []):  # the group's own: no park parameter
                continue
            schedules = client.read_deployment_schedules(deployment.id)
            originals = [s for s in schedules if not s.slug or ":" not in s.slug]
            if not originals:
                continue
            ours = {s.slug: s for s in schedules if s.slug and ":" in s.slug}
            wanted = {}
            for index, original in enumerate(originals):
                if original.active:  # the lone park's schedule: not in a group
                    client.update_deployment_schedule(deployment.id, original.id, active=False)
                for park in park_ids:
                    wanted[_slug(park, index)] = (original, park)
            _apply(client, deployment.id, ours, wanted)
            counts[deployment.name] = len(wanted)
    return counts


def prioritise_harvest_queues(work_pool: str) -> list[str]:
    """The pool's harvest queues first (priority 1, 2, ...), the rest after them: a worker
    takes scheduled runs in its queues' priority order (Prefect 3.8's
    get-runs-from-worker-queues query orders by queue priority, then time), so under a worker
    `--limit` a harvest never waits for a slot behind any park's build. The hot standbys'
    queues come after the active runs' (a worker that is one group's active machine and
    another's standby starts the active runs first). Returns the order."""
    from flows.harvest import STANDBY_SUFFIX

    with get_client(sync_client=True) as client:
        queues = client.read_work_queues(work_pool_name=work_pool)
        harvest = [name for _, name in sorted(
            (q.name.endswith(STANDBY_SUFFIX), q.name) for q in queues
            if q.name.startswith("harvest-"))]
        rest = [q.name for q in sorted(queues, key=lambda q: q.priority)
                if q.name not in harvest]
        # every queue set, the rest after the harvest: the server does not move a queue whose
        # priority another one takes (ties), and shifts some others, so a first read is stale
        for priority, name in enumerate([*harvest, *rest], start=1):
            queue = next(q for q in queues if q.name == name)
            client.update_work_queue(queue.id, priority=priority)
        ordered = client.read_work_queues(work_pool_name=work_pool)
    return [q.name for q in sorted(ordered, key=lambda q: q.priority)]


# The server builds each flow-run event's related resources (the run's tags among them) once
# and caches them per run for this long (Prefect 3.8: 5 minutes by default). A run tags itself
# `park:<id>` only after it has started, so with the cache on, its Failed or Crashed event
# carries the tags it had at its first state change, and its park's automation never fires.
CACHE_TTL_SETTING = "PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL"


def stale_tag_warning() -> str | None:
    """Why the server would send no park's failure notice (its related-resource cache), or
    None when its events carry each run's tags as they are at the state change."""
    try:
        with get_client(sync_client=True) as client:
            settings = client.request("GET", "/admin/settings").json()
        ttl = TypeAdapter(dt.timedelta).validate_python(
            settings["server"]["events"]["related_resource_cache_ttl"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as unreadable:
        # a server that does not show its settings (another version, a proxy in front)
        return (f"could not read the server's {CACHE_TTL_SETTING} ({unreadable}); unless it "
                "is PT0S, a run's failure reaches no park's team (docs/park_groups.md)")
    if ttl <= dt.timedelta(0):
        return None
    return (f"the Prefect server caches a run's tags for {ttl.total_seconds():.0f} s, so a "
            "run's failure would reach no park's team: set "
            f"{CACHE_TTL_SETTING}=PT0S on the server and restart it (docs/park_groups.md)")


def _apply(client, deployment_id: UUID, ours: dict, wanted: dict) -> None:
    for slug, existing in ours.items():
        if slug not in wanted:  # a park that left the registry
            client.delete_deployment_schedule(deployment_id, existing.id)
    for slug, (original, park) in wanted.items():
        parameters = {**(original.parameters or {}), "park": park}
        if slug in ours:
            client.update_deployment_schedule(deployment_id, ours[slug].id, active=True,
                                              schedule=original.schedule,
                                              parameters=parameters)
        else:
            client.create_deployment_schedules(deployment_id, [(original.schedule, True)],
                                               parameters=parameters, slug=slug)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhook-url", default=os.environ.get(WEBHOOK_ENV),
                        help=f"where the platform team's notifications go (default ${WEBHOOK_ENV})")
    parser.add_argument("--work-pool", default=DEFAULT_WORK_POOL)
    args = parser.parse_args(argv)
    if not args.webhook_url:
        parser.error(f"give --webhook-url or set {WEBHOOK_ENV}")
    try:
        source, registry = load_registry()
    except ConfigError as exc:
        parser.exit(2, f"Config rejected\n{exc}\n")
    parks, refused = {}, []
    for entry in registry.parks:  # a park whose config is broken does not stop the others
        try:
            parks[entry.id] = load_settings(park=entry.id)
        except ConfigError as exc:
            refused.append(entry.id)
            print(f"{entry.id}: not scheduled, config rejected\n{exc}", file=sys.stderr)
    for name, count in schedule_parks(list(parks)).items():
        print(f"{name}: {count} park schedules")
    print(f"queues by priority: {', '.join(prioritise_harvest_queues(args.work_pool))}")
    for park_id, settings in parks.items():
        for name in ensure_platform_automations(settings, args.webhook_url,
                                                work_pool=args.work_pool, park_param=park_id):
            print(name)
    for park_id in refused:  # its runs fail on the config: the group's webhook hears of it
        ensure_unloadable_park_alerts(park_id, args.webhook_url, work_pool=args.work_pool)
        print(f"{park_id}: flow run failed (to the webhook, no addresses)")
    print(f"{len(parks)} of {len(registry.parks)} parks of {source} scheduled")
    stale = stale_tag_warning()
    if stale:
        print(f"failure notices: {stale}", file=sys.stderr)
    if refused:
        parser.exit(1, f"not scheduled: {', '.join(refused)} (fix the config, run again)\n")
    if stale:
        parser.exit(1)

if __name__ == "__main__":
    main()
