"""prefect.yaml on a real Prefect server with two real workers: deployed as written, each worker
takes only its own queues, a harvest per poll group and the warehouse build complete through
them, and the park's automations notify the platform team.

Every process here (server, simulator, workers, the runs the workers start) is started in a
session of its own and stopped by its process group, also when a test fails. The server runs
without its scheduler service, so none of the deployments' schedules can fire: the runs are the
ones the tests start. (Prefect 3.8 cannot deploy paused from the command line, and pausing
after `prefect deploy` races the server's scheduling of recently updated deployments.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed, Scheduled

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from flows.notifications import ensure_platform_automations
from jobs.bench.prefect_stack import POOL, PrefectStack, wait_for
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import Settings, load_settings
from tests.conftest import CONFIG_DIR, PROJECT_ROOT

# The module's first test also pays for the server, the deployment and the workers (about a
# minute here, 5 on a loaded machine); the default 300 s would leave a slow CI machine little
# room.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

# Worker A polls only the meters' queue; worker B the PV queue and the default queue (where the
# warehouse is), so which worker runs what is decided by prefect.yaml's queues, not by chance.
WORKERS = {"worker-a": ["harvest-meters"], "worker-b": ["harvest-pv", "default"]}
GROUPS = ("meters", "pv")
PLATFORM_TEAM = "oncall@park.example.com"
# late after a minute, not 5, so the late-plan automation can be seen; looked for every second
LATE_RUNS = {"PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "60",
             "PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS": "1"}


@dataclass
class Deployed:
    stack: PrefectStack  # the server, its workers and their logs (jobs/bench/prefect_stack.py)
    settings: Settings  # the park the workers serve
    webhook_posts: list[dict[str, Any]]

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    def client(self) -> SyncPrefectClient:
        """A client of this server (the flow tests' harness is the default one)."""
        return self.stack.client()

    def log_tails(self) -> str:
        return self.stack.log_tails()


class _WebhookListener(BaseHTTPRequestHandler):
    posts: list[dict[str, Any]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.posts.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    posts: list[dict[str, Any]] = []
    handler = type("Listener", (_WebhookListener,), {"posts": posts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/platform-team", posts
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, webhook) -> Iterator[Deployed]:
    """A Prefect server, prefect.yaml deployed to it, two workers, the park's simulator and
    automations; the park's landing root (with two hours of history) shared by both workers."""
    root = tmp_path_factory.mktemp("prefect-deployments")
    stack = PrefectStack(root, **LATE_RUNS)
    try:
        # the park while the server starts: small, on free ports, with history to build from
        park = relocate_to_free_ports(generate_park(20, seed=11))
        park["recipients"] = {"platform_team": [{"name": "On-call", "email": PLATFORM_TEAM}]}
        park_file = root / "park.yaml"
        write_park_yaml(park, park_file)
        data = root / "data"
        settings = load_settings(CONFIG_DIR, str(data), str(park_file))
        end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        history_start = end - dt.timedelta(hours=2)
        generate_history(settings, history_start, end)

        stack.wait_healthy()
        with simulator_process(CONFIG_DIR, str(park_file), history_start_utc=history_start):
            stack.create_pool()
            for name, queues in WORKERS.items():
                stack.start_worker(name, queues, PARK_CONFIG_DIR=str(CONFIG_DIR),
                                   PARK_FILE=str(park_file), PARK_DATA_ROOT=str(data))
            with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
                ensure_platform_automations(settings, webhook[0], work_pool=POOL)
            stack.deploy(create_pool=False)
            stack.wait_online(list(WORKERS), 90)
            yield Deployed(stack, settings, webhook[1])
    finally:
        stack.close()


def test_prefect_yaml_deploys_as_written(deployed: Deployed):
    spec = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    with deployed.client() as client:
        deployments = {d.name: d for d in client.read_deployments()}
        assert set(deployments) == {wanted["name"] for wanted in spec["deployments"]}
        for wanted in spec["deployments"]:
            found = deployments[wanted["name"]]
            assert found.work_pool_name == POOL
            assert found.work_queue_name == wanted["work_pool"]["work_queue_name"]
            # one at a time per park (flows/park_slot.py), not per deployment: a deployment
            # limit would count every park of a group together
            assert found.global_concurrency_limit is None
            assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in found.schedules] \
                == [(s["cron"], "Asia/Shanghai", s.get("active", True))
                    for s in wanted["schedules"]]  # the group's are deployed paused
            assert found.pull_steps == [{"prefect.deployments.steps.set_working_directory":
                                         {"directory": "{{ $PARK_PROJECT_DIR }}"}}]
        queues = {q.name for q in client.read_work_queues(work_pool_name=POOL)}
        assert {f"harvest-{g}" for g in ("meters", "pv", "storage", "ev", "hvac")} <= queues


def test_two_workers_harvest_their_poll_groups_then_build_the_warehouse(deployed: Deployed):
    stack = deployed.stack
    # one cycle each, not the schedule's hour-long run
    harvests = [stack.start_run(f"harvest/harvest-{group}",
                                parameters={"cycles": 1, "run_minutes": None})
                for group in GROUPS]
    runs = stack.wait_final_runs([r.id for r in harvests], 300)
    assert [r.state_type for r in runs] == [StateType.COMPLETED] * 2, deployed.log_tails()
    build = stack.start_run("warehouse/warehouse")
    # a first build took about 250 s at a load average of 29 on 2 cores (2026-12-05)
    [built] = deployed.stack.wait_final_runs([build.id], 600)
    assert built.state_type == StateType.COMPLETED, deployed.log_tails()

    # run by the workers, in processes of their own, each worker from its own queues
    assert [deployed.stack.submitted_by(r.id) for r in [*runs, built]] \
        == ["worker-a", "worker-b", "worker-b"]
    for run in [*runs, built]:
        assert run.infrastructure_pid and not run.infrastructure_pid.endswith(
            f":{os.getpid()}")
    with deployed.client() as client:
        scheduled = [r for r in client.read_flow_runs() if r.auto_scheduled]
    assert not scheduled, "a deployment's schedule fired during the test"

    park = deployed.settings.park
    expected = {d.id for d in park.devices if d.poll_group in GROUPS}
    assert expected and expected != {d.id for d in park.devices}
    table = landing.read_dataset(deployed.settings.landing_root, "readings")
    harvested = {device for device, cycle in zip(table["device_id"].to_pylist(),
                                                 table["cycle_id"].to_pylist(), strict=True)
                 if not cycle.startswith("history-")}
    assert harvested == expected
    assert Path(deployed.settings.warehouse_path).is_file()
    with duckdb.connect(deployed.settings.warehouse_path, read_only=True) as connection:
        (rows,) = connection.execute("select count(*) from fct_interval_energy").fetchone()
    assert rows > 0


def test_a_failed_run_notifies_the_platform_team(deployed: Deployed):
    now = dt.datetime.now(dt.UTC)
    # a scorecards run due in an hour (no worker takes it yet) fails, as if SMTP had
    failing = deployed.stack.start_run("monthly-scorecards/monthly-scorecards",
                                       state=Scheduled(scheduled_time=now + dt.timedelta(hours=1)))
    with deployed.client() as client:
        client.set_flow_run_state(failing.id, Failed(message="SMTP server unreachable"),
                                  force=True)
    notices = wait_for("the platform team's notification",
                       lambda: [p for p in deployed.webhook_posts
                                if "monthly-scorecards" in p.get("subject", "")], 60,
                       diagnostics=deployed.log_tails)
    [notice] = notices
    assert notice["to"] == [PLATFORM_TEAM]
    assert "Failed" in notice["subject"]
    assert "SMTP server unreachable" in notice["text"]
    assert "deployment monthly-scorecards" in notice["text"]
    assert not [p for p in deployed.webhook_posts if "harvest" in p.get("subject", "")]
