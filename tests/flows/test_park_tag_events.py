"""A run of a registered park tags itself `park:<id>` once it has started (flows/park_slot.py),
and its park's failure automation matches that tag. On a real Prefect 3.8 server, whether the
run's Failed event carries the tag depends on one server setting: the server caches each run's
related resources (its tags among them) from its first state change, for 5 minutes by default.
`python -m flows.parks` reads the server's setting and says so (docs/park_groups.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect import flow
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed, Pending, Running

from flows.parks import CACHE_TTL_SETTING, stale_tag_warning
from jobs.bench.prefect_stack import PrefectStack, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@flow(name="tagged-late")
def tagged_late() -> None:
    """Never run: only its name, for a flow run the test moves through its states."""


@pytest.fixture(params=["PT5M", "PT0S"], ids=["prefect-default-cache", "no-cache"])
def server(request, tmp_path) -> Iterator[tuple[str, PrefectStack]]:
    stack = PrefectStack(tmp_path, **{CACHE_TTL_SETTING: request.param})
    try:
        stack.wait_healthy()
        yield request.param, stack
    finally:
        stack.close()


def test_a_failed_runs_event_carries_the_park_tag_only_without_the_servers_cache(server):
    ttl, stack = server
    with stack.client() as client:
        # as a worker and the flow do: Pending, Running, the park's tag, then a failure
        run = client.create_flow_run(tagged_late, tags=["deployment-tag"])
        client.set_flow_run_state(run.id, Pending())
        client.set_flow_run_state(run.id, Running())
        client.update_flow_run(run.id, tags=["deployment-tag", "park:west"])
        client.set_flow_run_state(run.id, Failed(message="refused"))
        assert set(client.read_flow_run(run.id).tags) == {"deployment-tag", "park:west"}
    event_filter = EventFilter(event=EventNameFilter(name=["prefect.flow-run.Failed"]),
                               resource=EventResourceFilter(id=[f"prefect.flow-run.{run.id}"]))

    def failed_event():
        with stack.client() as client:
            events = client.read_events(filter=event_filter, limit=5).events
        return events[0] if events else None

    event = wait_for("the Failed event", failed_event, 60, diagnostics=stack.log_tails)
    tags = {r.id for r in event.related if r.role == "tag"}
    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        warning = stale_tag_warning()
    if ttl == "PT0S":
        assert tags == {"prefect.tag.deployment-tag", "prefect.tag.park:west"}
        assert warning is None
    else:  # Prefect's default: the tags of the run's first state change
        assert tags == {"prefect.tag.deployment-tag"}
        assert warning is not None and "caches a run's tags for 300 s" in warning
        assert f"{CACHE_TTL_SETTING}=PT0S" in warning
