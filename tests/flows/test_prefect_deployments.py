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

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import httpx
import pytest
import yaml
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Failed, Scheduled

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import free_ports, relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from flows.notifications import ensure_platform_automations
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import Settings, load_settings
from tests.conftest import CONFIG_DIR, PROJECT_ROOT

# The module's first test also pays for the server, the deployment and the workers (about a
# minute here); the default 300 s would leave a slow CI machine little room.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

POOL = "park-process"
# Worker A polls only the meters' queue; worker B the PV queue and the default queue (where the
# warehouse is), so which worker runs what is decided by prefect.yaml's queues, not by chance.
WORKERS = {"worker-a": ["harvest-meters"], "worker-b": ["harvest-pv", "default"]}
GROUPS = ("meters", "pv")
PLATFORM_TEAM = "oncall@park.example.com"


@dataclass
class Deployed:
    api_url: str
    settings: Settings  # the park the workers serve
    webhook_posts: list[dict[str, Any]]
    logs: Path

    def client(self) -> SyncPrefectClient:
        """A client of this server (the flow tests' harness is the default one)."""
        return SyncPrefectClient(self.api_url)

    def log_tails(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.logs.glob("*.log")))


def _prefect_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's Prefect settings (the flow tests' harness, a
    developer's profile), so that a child talks only to the server it is given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "PARK_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", PYTHONUNBUFFERED="1", **extra)
    return env


class _Processes:
    """Children each in a session of their own, stopped by process group (the flow runs a
    worker starts are in sessions of their own: _stop_flow_runs)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            _stop_group(process)


def _stop_group(process: subprocess.Popen, grace_s: float = 15.0) -> None:
    """SIGTERM to the process group; SIGKILL to whatever is left of it after the grace."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def _stop_flow_runs(api_url: str) -> None:
    """A process worker starts each flow run in a session of its own, which stopping the
    worker's group does not reach. Once the workers are gone, kill what is left of the runs
    they started (a test that failed mid-run): the processes whose environment has a flow run
    id and this test's server, a port no other process uses."""
    marks = (f"PREFECT_API_URL={api_url}".encode(), b"PREFECT__FLOW_RUN_ID=")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marks[0] in environ and any(v.startswith(marks[1]) for v in environ):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(proc.name), signal.SIGKILL)


def _wait_for(what: str, check: Callable[[], Any], timeout_s: float,
              diagnostics: Callable[[], str] = lambda: "", every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}\n"
                                 f"{diagnostics()}")
        time.sleep(every_s)


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


def start_server(processes: _Processes, root: Path) -> tuple[subprocess.Popen, str]:
    """A Prefect server on a free port with its own SQLite database and no scheduler (the
    runs are the tests' own); returns it and its API URL."""
    port = free_ports(1)[0]
    server = processes.start("server", [
        sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
        str(port)], _prefect_env(
        root / "server-home",
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{root / 'prefect.db'}",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        # late after a minute, not 15 s, so a busy machine's slow pick-up of the tests'
        # own runs is not taken for a late run; looked for every second
        PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS="60",
        PREFECT_SERVER_SERVICES_LATE_RUNS_LOOP_SECONDS="1"))
    return server, f"http://127.0.0.1:{port}/api"


def wait_healthy(server: subprocess.Popen, api_url: str, logs: Path) -> None:
    def healthy() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"the Prefect server exited\n{_tail(logs / 'server.log')}")
        try:
            return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    _wait_for("the Prefect server's /api/health", healthy, 120,
              lambda: _tail(logs / "server.log"))


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, webhook) -> Iterator[Deployed]:
    """A Prefect server, prefect.yaml deployed to it, two workers, the park's simulator and
    automations; the park's landing root (with two hours of history) shared by both workers."""
    root = tmp_path_factory.mktemp("prefect-deployments")
    logs = root / "logs"
    logs.mkdir()
    processes = _Processes(logs)
    python = [sys.executable, "-m", "prefect"]
    server, api_url = start_server(processes, root)
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

        wait_healthy(server, api_url, logs)
        deployment = Deployed(api_url, settings, webhook[1], logs)
        with simulator_process(CONFIG_DIR, str(park_file), history_start_utc=history_start):
            with deployment.client() as client:
                client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
            worker_env = dict(PREFECT_API_URL=api_url, PREFECT_WORKER_QUERY_SECONDS="1",
                              PARK_CONFIG_DIR=str(CONFIG_DIR), PARK_FILE=str(park_file),
                              PARK_DATA_ROOT=str(data), PARK_PROJECT_DIR=str(PROJECT_ROOT))
            for name, queues in WORKERS.items():
                queue_args = [arg for queue in queues for arg in ("--work-queue", queue)]
                processes.start(name, [*python, "worker", "start", "--pool", POOL, "--name",
                                       name, *queue_args],
                                _prefect_env(root / f"{name}-home", **worker_env))
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                ensure_platform_automations(settings, webhook[0], work_pool=POOL)
            # deployed as the platform team would, from the repository; PARK_PROJECT_DIR unset
            # here, so the pull step keeps the placeholder for each worker to fill in
            deploy = subprocess.run([*python, "--no-prompt", "deploy", "--all"], cwd=PROJECT_ROOT,
                                    env=_prefect_env(root / "deployer-home",
                                                     PREFECT_API_URL=api_url),
                                    capture_output=True, text=True, timeout=240)
            assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]

            def workers_online() -> bool:
                with deployment.client() as client:
                    online = {w.name for w in client.read_workers_for_work_pool(POOL)}
                return set(WORKERS) <= online

            _wait_for("both workers to report to the server", workers_online, 90,
                      deployment.log_tails)
            yield deployment
    finally:
        processes.stop_all()
        _stop_flow_runs(api_url)


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no {path.name})"


def _start(client: SyncPrefectClient, name: str, **kwargs: Any) -> FlowRun:
    deployment = client.read_deployment_by_name(name)
    return client.create_flow_run_from_deployment(deployment.id, **kwargs)


def _wait_final(deployed: Deployed, run_ids: list[UUID], timeout_s: float) -> list[FlowRun]:
    def finished() -> list[FlowRun] | None:
        with deployed.client() as client:
            runs = [client.read_flow_run(run_id) for run_id in run_ids]
        return runs if all(r.state is not None and r.state.is_final() for r in runs) else None

    return _wait_for(f"{len(run_ids)} flow run(s) to finish", finished, timeout_s,
                     deployed.log_tails)


def _event_about(deployed: Deployed, event: str, run_id: UUID) -> Any:
    """The latest `event` whose related resources include the flow run (events are persisted
    a moment after they are emitted)."""
    event_filter = EventFilter(event=EventNameFilter(name=[event]),
                               related=EventRelatedFilter(id=[f"prefect.flow-run.{run_id}"]))

    def found() -> Any:
        with deployed.client() as client:  # the server takes at most 50 a page
            events = client.read_events(filter=event_filter, limit=10).events
        return events[0] if events else None

    return _wait_for(f"{event} about {run_id}", found, 30)


def _submitted_by(deployed: Deployed, run_id: UUID) -> str:
    """The name of the worker that submitted a run."""
    submitted = _event_about(deployed, "prefect.worker.submitted-flow-run", run_id)
    return submitted.resource.get("prefect.resource.name")


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
    with deployed.client() as client:
        # one cycle each, not the schedule's hour-long run
        harvests = [_start(client, f"harvest/harvest-{group}",
                           parameters={"cycles": 1, "run_minutes": None}) for group in GROUPS]
    runs = _wait_final(deployed, [r.id for r in harvests], 150)
    assert [r.state_type for r in runs] == [StateType.COMPLETED] * 2, deployed.log_tails()
    with deployed.client() as client:
        build = _start(client, "warehouse/warehouse")
    [built] = _wait_final(deployed, [build.id], 240)
    assert built.state_type == StateType.COMPLETED, deployed.log_tails()

    # run by the workers, in processes of their own, each worker from its own queues
    assert [_submitted_by(deployed, r.id) for r in [*runs, built]] \
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
    with deployed.client() as client:
        # a scorecards run due in an hour (no worker takes it yet) fails, as if SMTP had
        failing = _start(client, "monthly-scorecards/monthly-scorecards",
                         state=Scheduled(scheduled_time=now + dt.timedelta(hours=1)))
        client.set_flow_run_state(failing.id, Failed(message="SMTP server unreachable"),
                                  force=True)
    notices = _wait_for("the platform team's notification",
                        lambda: [p for p in deployed.webhook_posts
                                 if "monthly-scorecards" in p.get("subject", "")], 60,
                        deployed.log_tails)
    [notice] = notices
    assert notice["to"] == [PLATFORM_TEAM]
    assert "Failed" in notice["subject"]
    assert "SMTP server unreachable" in notice["text"]
    assert "deployment monthly-scorecards" in notice["text"]
    assert not [p for p in deployed.webhook_posts if "harvest" in p.get("subject", "")]
