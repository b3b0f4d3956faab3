"""A real Prefect server and process workers on this machine, for the benchmarks and the
integration tests (tests/flows): started each in a session of its own, stopped by process
group (also the flow runs the workers started, each in a session of its own), their CPU read
from /proc.

The server runs on a free loopback port with its own SQLite database and its scheduler off
(the caller starts the runs itself, so no schedule of prefect.yaml can fire), configured as
docs/park_groups.md asks of a group's server (events carry each run's tags as they are), and
prefect.yaml is deployed to it as the platform team would (`prefect deploy --all`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import FlowRun
from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter

from device_io.simulator.ports import free_ports
from jobs.common.settings import PROJECT_ROOT

POOL = "park-process"
# The server's settings besides its database: no scheduler (the caller's runs only), a late
# run after 5 minutes, and flow-run events built afresh at each state change, so that a
# run's `park:<id>` tag, added once it has started, is on its Failed event (flows/parks.py).
SERVER_SETTINGS = {"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                   "PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "300",
                   "PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL": "PT0S"}
TICKS = os.sysconf("SC_CLK_TCK")
PREFECT = [sys.executable, "-m", "prefect"]


def prefect_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's Prefect and park settings, so that a child talks
    only to the server it is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PARK_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", PYTHONUNBUFFERED="1", **extra)
    return env


def cpu_s(pid: int) -> float:
    """User + system CPU of a process and of the children it has reaped (a process worker
    reaps its flow runs, and they their children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def session_cpu_s(leader: int) -> float:
    """Every live process of a session, each with the children it has reaped."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if os.getsid(int(proc.name)) == leader:
                    total += cpu_s(int(proc.name))
    return total


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, every_s: float = 1.0,
             diagnostics: Callable[[], str] = lambda: "") -> Any:
    """check()'s first truthy result, asked every every_s until timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}\n"
                               f"{diagnostics()}")
        time.sleep(every_s)


class PrefectStack:
    """One server, its workers, and the processes they started; `close()` stops them all."""

    def __init__(self, root: Path, **server_settings: str) -> None:
        """server_settings: Prefect settings that replace or add to SERVER_SETTINGS."""
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}
        port = free_ports(1)[0]
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.server = self.start_process("server", [
            *PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            prefect_env(root / "server-home",
                        PREFECT_SERVER_DATABASE_CONNECTION_URL=(
                            f"sqlite+aiosqlite:///{root / 'prefect.db'}"),
                        **{**SERVER_SETTINGS, **server_settings}))

    def start_process(self, name: str, command: list[str], env: dict[str, str]
                      ) -> subprocess.Popen:
        """A child in a session of its own, its output in logs/<name>.log."""
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def client(self) -> SyncPrefectClient:
        return SyncPrefectClient(self.api_url)

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no {name})"

    def log_tails(self) -> str:
        """The end of every child's log: what a failed wait shows."""
        return "\n".join(f"--- {path.stem}\n{self.tail(path.stem)}"
                         for path in sorted(self.logs.glob("*.log")))

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            if self.server.poll() is not None:
                raise RuntimeError(f"the Prefect server exited\n{self.tail('server')}")
            try:
                return httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("the Prefect server's /api/health", healthy, 180)

    def create_pool(self) -> None:
        with self.client() as client:
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))

    def deploy(self, create_pool: bool = True) -> None:
        """prefect.yaml's deployments, as `prefect deploy --all` from the repository makes
        them (PARK_PROJECT_DIR unset: the pull step keeps its placeholder for each worker)."""
        if create_pool:
            self.create_pool()
        done = subprocess.run([*PREFECT, "--no-prompt", "deploy", "--all"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=600,
                              env=prefect_env(self.root / "deployer-home",
                                              PREFECT_API_URL=self.api_url))
        if done.returncode != 0:
            raise RuntimeError(f"prefect deploy failed\n{done.stdout[-3000:]}"
                               f"{done.stderr[-3000:]}")

    def start_worker(self, name: str, queues: list[str], **env: str) -> subprocess.Popen:
        """A process worker of the pool polling `queues` (not waited for: wait_online)."""
        queue_args = [a for q in queues for a in ("--work-queue", q)]
        self.workers[name] = self.start_process(name, [
            *PREFECT, "worker", "start", "--pool", POOL, "--name", name, *queue_args],
            prefect_env(self.root / f"{name}-home", PREFECT_API_URL=self.api_url,
                        PREFECT_WORKER_QUERY_SECONDS="1",
                        PARK_PROJECT_DIR=str(PROJECT_ROOT), **env))
        return self.workers[name]

    def wait_online(self, names: list[str], timeout_s: float = 180.0) -> None:
        def online() -> bool:
            with self.client() as client:
                return set(names) <= {w.name for w in client.read_workers_for_work_pool(POOL)}

        wait_for("the workers", online, timeout_s, diagnostics=self.log_tails)

    def start_workers(self, names: list[str], queues: list[str], **env: str) -> None:
        for name in names:
            self.start_worker(name, queues, **env)
        self.wait_online(names)

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of the server and of each worker with its (reaped) runs."""
        found = {"server": session_cpu_s(self.server.pid)}
        found.update({name: session_cpu_s(w.pid) for name, w in self.workers.items()})
        return found

    def start_run(self, name: str, **kwargs: Any) -> FlowRun:
        """A run of the deployment `flow/deployment` (kwargs: parameters, state, ...)."""
        with self.client() as client:
            deployment = client.read_deployment_by_name(name)
            return client.create_flow_run_from_deployment(deployment.id, **kwargs)

    def run_deployment(self, name: str, parameters: dict[str, Any]) -> UUID:
        return self.start_run(name, parameters=parameters).id

    def wait_final_runs(self, run_ids: list[UUID], timeout_s: float) -> list[FlowRun]:
        """The runs, in the order given, once all are final."""
        def finished() -> list[FlowRun] | None:
            with self.client() as client:
                runs = [client.read_flow_run(run_id) for run_id in run_ids]
            return runs if all(r.state is not None and r.state.is_final() for r in runs) \
                else None

        return wait_for(f"{len(run_ids)} flow run(s) to finish", finished, timeout_s,
                        every_s=2, diagnostics=self.log_tails)

    def wait_final(self, run_ids: list[UUID], timeout_s: float) -> dict[UUID, str]:
        """The runs' final state names, once all are final."""
        return {r.id: r.state.name for r in self.wait_final_runs(run_ids, timeout_s)
                if r.state is not None}

    def event_about(self, event: str, run_id: UUID, timeout_s: float = 60.0) -> Any:
        """The latest `event` whose related resources include the flow run (events are
        persisted a moment after they are emitted)."""
        event_filter = EventFilter(event=EventNameFilter(name=[event]),
                                   related=EventRelatedFilter(id=[f"prefect.flow-run.{run_id}"]))

        def found() -> Any:
            with self.client() as client:
                events = client.read_events(filter=event_filter, limit=5).events
            return events[0] if events else None

        return wait_for(f"{event} about run {run_id}", found, timeout_s)

    def submitted_by(self, run_id: UUID) -> str:
        """The worker that submitted a run (its `prefect.worker.submitted-flow-run` event)."""
        submitted = self.event_about("prefect.worker.submitted-flow-run", run_id)
        return submitted.resource.get("prefect.resource.name")

    def close(self) -> None:
        for process in reversed(self.started):
            _stop_group(process)
        self._kill_flow_runs()

    def run_processes(self) -> list[int]:
        """Live flow-run processes of this server (each in a session of its own)."""
        marks = (f"PREFECT_API_URL={self.api_url}".encode(), b"PREFECT__FLOW_RUN_ID=")
        found = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                with contextlib.suppress(OSError):
                    environ = (proc / "environ").read_bytes().split(b"\0")
                    if marks[0] in environ and any(v.startswith(marks[1]) for v in environ):
                        found.append(int(proc.name))
        return found

    def runs_cpu_s(self) -> float:
        """CPU so far of the live flow-run processes (each leads a session of its own; once
        it ends, its time is in its worker's reaped-children figure)."""
        total = 0.0
        for pid in self.run_processes():
            with contextlib.suppress(OSError, IndexError):  # it may end while read
                total += cpu_s(pid) if os.getsid(pid) == pid else 0.0
        return total

    def wait_runs_reaped(self, timeout_s: float = 120.0) -> None:
        """A run is final before its process has exited and its worker reaped it; only then
        is its CPU in the worker's figure."""
        wait_for("the runs' processes to exit", lambda: not self.run_processes(), timeout_s)

    def _kill_flow_runs(self) -> None:
        """Kill what is left of the runs of this server once the workers are gone."""
        for pid in self.run_processes():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def _stop_group(process: subprocess.Popen, grace_s: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
