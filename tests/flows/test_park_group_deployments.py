"""A park group on one real Prefect server: prefect.yaml deployed once, two process workers that
know only the park registry, three parks in it (east and west healthy, `broken` with a broken
park.yaml). Each park's runs touch only its own data root, a failing park leaves the others'
runs Completed, two parks' warehouse builds run side by side (one run at a time per park, not
per deployment), and the long-running harvest survives the kill of its worker and its run:
its hot standby on the other worker polls the next slot, within one interval and with no slot
lost; when the standby's machine goes too, the watchdog automation starts a new run, which
reports the missed cycle as a gap event.

Every process is stopped by its process group (jobs/bench/prefect_stack.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterDeploymentId,
)
from prefect.client.schemas.objects import StateType
from prefect.events.filters import (
    EventFilter,
    EventNameFilter,
    EventOccurredFilter,
    EventResourceFilter,
)

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from flows.notifications import MISSED_HEARTBEATS
from jobs.bench.prefect_stack import PrefectStack, prefect_env, wait_for
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import Settings, load_settings
from tests.conftest import CONFIG_DIR, PROJECT_ROOT
from tests.flows.test_prefect_deployments import (
    Deployed,
    webhook,  # noqa: F401 (a fixture, shared)
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

# Two machines: group-a runs the active harvests, group-b their hot standbys; both build.
QUEUES = {"group-a": ["harvest-meters", "harvest-pv", "default"],
          "group-b": ["harvest-meters-standby", "harvest-pv-standby", "default"]}
WORKERS = tuple(QUEUES)
HARVEST_INTERVAL_S = 45.0  # the long-running test's cadence (the deployment's is 60 s)
HEARTBEAT_S = "30"  # the workers' flow-run heartbeat (Prefect's least; its default is 180 s)


@dataclass
class Group:
    deployed: Deployed  # the server, the logs and a client; its settings are east's
    parks: dict[str, Settings]
    data_roots: dict[str, Path]
    webhook_url: str
    root: Path

    @property
    def stack(self) -> PrefectStack:
        return self.deployed.stack


def _park(root: Path, park_id: str, devices: int, poll_interval_s: int) -> Path:
    folder = root / "parks" / park_id
    folder.mkdir(parents=True)
    park = relocate_to_free_ports(generate_park(devices, seed=devices))
    park["park"]["id"] = park_id
    park["devices"] = [{**d, "poll_interval_s": poll_interval_s} for d in park["devices"]]
    write_park_yaml(park, folder / "park.yaml")
    (folder / "register_maps").symlink_to(CONFIG_DIR / "register_maps")
    return folder


@pytest.fixture(scope="module")
def group(tmp_path_factory, webhook) -> Iterator[Group]:  # noqa: F811
    root = tmp_path_factory.mktemp("park-group")
    stack = PrefectStack(root)
    try:
        # parks of different sizes, so their harvested device sets differ
        folders = {"east": _park(root, "east", 12, int(HARVEST_INTERVAL_S)),
                   "west": _park(root, "west", 16, 60),
                   "broken": _park(root, "broken", 10, 60)}
        broken_yaml = folders["broken"] / "park.yaml"
        broken_yaml.write_text(broken_yaml.read_text().replace("timezone: Asia/Shanghai",
                                                               "timezone: Mars/Olympus"))
        registry = root / "parks.yaml"
        registry.write_text(yaml.safe_dump({"parks": [
            {"id": name, "config_dir": f"parks/{name}", "data_root": f"data/{name}"}
            for name in folders]}))
        data_roots = {name: root / "data" / name for name in folders}
        parks = {name: load_settings(folders[name], str(data_roots[name]))
                 for name in ("east", "west")}
        end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        for settings in parks.values():  # an hour to build from
            generate_history(settings, end - dt.timedelta(hours=1), end)

        stack.wait_healthy()
        with contextlib.ExitStack() as simulators:
            for name in ("east", "west"):
                simulators.enter_context(simulator_process(
                    CONFIG_DIR, str(folders[name] / "park.yaml")))
            stack.create_pool()
            for name in WORKERS:
                _start_worker(stack, name, registry)
            stack.deploy(create_pool=False)
            stack.wait_online(list(WORKERS), 90)
            yield Group(Deployed(stack, parks["east"], webhook[1]), parks, data_roots,
                        webhook[0], root)
    finally:
        stack.close()


def _start_worker(stack: PrefectStack, name: str, registry: Path) -> None:
    stack.start_worker(name, QUEUES[name], PARK_REGISTRY=str(registry),
                       PREFECT_FLOWS_HEARTBEAT_FREQUENCY=HEARTBEAT_S)


def _harvested(data_root: Path) -> tuple[set[str], set[str]]:
    """The device ids and the cycle ids harvested into a data root (not the history)."""
    table = landing.read_dataset(str(data_root / "landing"), "readings")
    rows = [(d, c) for d, c in zip(table["device_id"].to_pylist(),
                                   table["cycle_id"].to_pylist(), strict=True)
            if not c.startswith("history-")]
    return {d for d, _ in rows}, {c for _, c in rows}


def test_parks_touch_only_their_own_data_root_and_a_failing_park_stops_no_other(group: Group):
    one_cycle = {"cycles": 1, "run_minutes": None}
    runs = {(name, deployment): group.stack.start_run(f"harvest/{deployment}",
                                                      parameters={**one_cycle, "park": name})
            for name in ("east", "west", "broken")
            for deployment in ("harvest-meters", "harvest-pv")}
    # both parks' quarter-hour builds at once: one deployment, one run per park
    runs.update({(name, "warehouse"): group.stack.start_run("warehouse/warehouse",
                                                            parameters={"park": name})
                 for name in ("east", "west")})
    finished = dict(zip(runs, group.stack.wait_final_runs([r.id for r in runs.values()], 420),
                        strict=True))
    states = {key: run.state_type for key, run in finished.items()}
    assert states == {key: StateType.FAILED if key[0] == "broken" else StateType.COMPLETED
                      for key in runs}, group.deployed.log_tails()
    assert "Mars/Olympus" in (finished["broken", "harvest-meters"].state.message or "")

    polled = {name: {d.id for d in group.parks[name].park.devices
                     if d.poll_group in ("meters", "pv")} for name in ("east", "west")}
    assert polled["east"] != polled["west"]
    for name in ("east", "west"):
        devices, cycles = _harvested(group.data_roots[name])
        assert devices == polled[name]  # this park's devices, every one, and no other's
        assert len(cycles) == 2  # the cycles of this park's two runs, and no other's
        assert (group.data_roots[name] / "warehouse.duckdb").exists()  # its own warehouse
    assert not group.data_roots["broken"].exists()  # a park that failed wrote nothing


def _events(group: Group, name: str, resource: str, since: dt.datetime) -> list[Any]:
    event_filter = EventFilter(event=EventNameFilter(name=[name]),
                               resource=EventResourceFilter(id=[resource]),
                               occurred=EventOccurredFilter(since=since))
    with group.deployed.client() as client:
        page = client.read_events(filter=event_filter, limit=50)
    return sorted(page.events, key=lambda e: e.occurred)


def _process_of_run(run_id: UUID) -> int | None:
    mark = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if mark in (proc / "environ").read_bytes().split(b"\0"):
                    return int(proc.name)
    return None


@pytest.fixture(scope="module")
def set_up(group: Group) -> Group:
    """The group's set-up after `prefect deploy` (the harvest at the test's cadence): per-park
    schedules and automations; the broken park is reported, the others are set up."""
    with group.deployed.client() as client:
        for deployment in client.read_deployments(deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=["harvest-meters", "harvest-meters-standby"]))):
            parameters = {**deployment.parameters, "interval_s": HARVEST_INTERVAL_S}
            client.update_deployment(deployment.id, DeploymentUpdate(parameters=parameters))
    setup = subprocess.run([sys.executable, "-m", "flows.parks", "--webhook-url",
                            group.webhook_url], cwd=PROJECT_ROOT, capture_output=True,
                           text=True, timeout=300, env=prefect_env(
                               group.root / "setup-home", PREFECT_API_URL=group.deployed.api_url,
                               PARK_REGISTRY=str(group.root / "parks.yaml"),
                               PREFECT_FLOWS_HEARTBEAT_FREQUENCY=HEARTBEAT_S))
    assert setup.returncode == 1, setup.stdout + setup.stderr
    assert "broken: not scheduled, config rejected" in setup.stderr
    assert "Traceback" not in setup.stderr
    assert "failure notices:" not in setup.stderr  # the server's events carry current tags
    assert "east: restart harvest-meters" in setup.stdout
    assert "broken: flow run failed (to the webhook, no addresses)" in setup.stdout
    assert "park-process: crash unresponsive runs" in setup.stdout
    # the harvest queues before everything else: a worker takes their runs first
    assert ("queues by priority: harvest-ev, harvest-hvac, harvest-meters, harvest-pv, "
            "harvest-storage, harvest-ev-standby, harvest-hvac-standby, "
            "harvest-meters-standby, harvest-pv-standby, harvest-storage-standby, default"
            ) in setup.stdout
    assert "east: restart harvest-meters-standby" not in setup.stdout  # one per group
    return group


def _parks_told(group: Group, run_id: UUID, state: str) -> set[str]:
    """The parks whose automations told their team that this run ended in `state`."""
    return {p["subject"].split("]")[0].lstrip("[") for p in group.deployed.webhook_posts
            if str(run_id) in p.get("text", "") and p.get("subject", "").endswith(state)}


def _kill_machine(group: Group, worker: str, run_id: UUID) -> dt.datetime:
    """The machine under a worker goes: the worker and its run, without a word."""
    pid = _process_of_run(run_id)
    assert pid is not None
    os.killpg(group.stack.workers[worker].pid, signal.SIGKILL)
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    return dt.datetime.now(dt.UTC)


def _east_slots(group: Group) -> set[int]:
    """The slots with a harvested east meter reading in the landing zone (not the history)."""
    table = landing.read_dataset(str(group.data_roots["east"] / "landing"), "readings")
    return {int(ts.timestamp() // HARVEST_INTERVAL_S) for ts, cycle in
            zip(table["ts_utc"].to_pylist(), table["cycle_id"].to_pylist(), strict=True)
            if not cycle.startswith("history-")}


def _state(group: Group, run_id: UUID) -> StateType | None:
    with group.deployed.client() as client:
        return client.read_flow_run(run_id).state_type


def test_the_standby_takes_over_a_killed_harvest_and_the_watchdog_is_the_last_resort(
        set_up: Group):
    group = set_up
    resource = "park.east.poll-group.meters"
    slot = HARVEST_INTERVAL_S
    start = dt.datetime.now(dt.UTC)
    with group.deployed.client() as client:
        [deployment] = client.read_deployments(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["harvest-meters"])))
        [build] = client.read_deployments(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["warehouse-service"])))
        schedules = client.read_deployment_schedules(build.id)
    assert sorted((s.slug or "", s.parameters.get("park"), s.active) for s in schedules) \
        == [("", None, False), ("east:0", "east", True), ("west:0", "west", True)]

    def cycles(since: dt.datetime) -> list[Any]:
        return _events(group, "park.harvest.cycle", resource, since)

    first = group.stack.start_run("harvest/harvest-meters", parameters={"park": "east"})
    wait_for("the first run's first cycle", lambda: cycles(start), 180, every_s=2,
             diagnostics=group.deployed.log_tails)
    standby = group.stack.start_run("harvest/harvest-meters-standby",
                                    parameters={"park": "east"})
    wait_for("two more cycles, the standby waiting", lambda: len(cycles(start)) >= 3
             and _state(group, standby.id) == StateType.RUNNING, 180, every_s=2,
             diagnostics=group.deployed.log_tails)
    wait_for("the first run's heartbeat", lambda: _events(
        group, "prefect.flow-run.heartbeat", f"prefect.flow-run.{first.id}", start), 120,
        every_s=2, diagnostics=group.deployed.log_tails)
    assert group.stack.submitted_by(first.id) == "group-a"
    assert group.stack.submitted_by(standby.id) == "group-b"  # another machine

    # 1. group-a's machine goes: the standby on group-b polls the next slot
    killed = _kill_machine(group, "group-a", first.id)
    last_before = cycles(start)[-1].occurred
    [taken, *_] = wait_for("the standby's first cycle", lambda: [
        e for e in cycles(killed - dt.timedelta(seconds=1)) if e.occurred > last_before],
        3 * slot, every_s=1, diagnostics=group.deployed.log_tails)
    takeover_s = (taken.occurred - killed).total_seconds()
    print(f"kill -> the standby's first cycle: {takeover_s:.1f} s (interval {slot:.0f} s)")
    assert takeover_s <= slot
    assert int(taken.occurred.timestamp() // slot) == int(last_before.timestamp() // slot) + 1
    wait_for("the standby's cycle landed", lambda: int(taken.occurred.timestamp() // slot)
             in _east_slots(group), 60)
    # no slot missing since this run's first (the first test's cycles are long before) and
    # no gap event: none lost
    harvested = sorted(s for s in _east_slots(group)
                       if s >= int(cycles(start)[0].occurred.timestamp() // slot))
    assert harvested == list(range(harvested[0], harvested[-1] + 1))
    assert not _events(group, "park.harvest.gap", resource, killed)
    assert _state(group, standby.id) == StateType.RUNNING
    assert not [p for p in group.deployed.webhook_posts  # the watchdog had nothing to do
                if "harvest-meters stopped" in p.get("subject", "")]

    # 2. The last resort: group-a's machine is back, then group-b's goes with the standby.
    # No cycle for 2 intervals: the watchdog starts a run (on group-a), whose first cycle
    # reports the slot(s) lost as a gap.
    _start_worker(group.stack, "group-a", group.root / "parks.yaml")
    killed_again = _kill_machine(group, "group-b", standby.id)
    last_before = cycles(start)[-1].occurred
    gaps = wait_for("the watchdog's run's gap event",
                    lambda: _events(group, "park.harvest.gap", resource, killed_again), 240,
                    every_s=2, diagnostics=group.deployed.log_tails)
    after = [e for e in cycles(killed_again) if e.occurred > last_before]
    assert after, "the watchdog's run reported no cycle"
    missed = int(after[0].occurred.timestamp() // slot) - int(last_before.timestamp() // slot) - 1
    assert gaps[0].payload["missed_cycles"] == missed
    assert missed <= 1  # at most one interval lost
    with group.deployed.client() as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])))
    replacement = [r for r in runs if r.id != first.id and r.parameters.get("park") == "east"
                   and r.state_type == StateType.RUNNING]
    assert replacement and group.stack.submitted_by(replacement[0].id) == "group-a"
    # the landing zone shows the gap too: no east meter reading in the missed slot(s)
    lost = set(range(int(last_before.timestamp() // slot) + 1,
                     int(after[0].occurred.timestamp() // slot)))
    assert len(lost) == missed and not lost & _east_slots(group)
    notices = [p for p in group.deployed.webhook_posts
               if "harvest-meters stopped" in p.get("subject", "")]
    assert notices and "[east]" in notices[0]["subject"]

    # The killed run does not stay Running: after its last heartbeat, 3 heartbeat periods
    # without one and the pool's automation sets it Crashed (the server looks every few
    # seconds), which tells east's team, and only east's.
    heartbeats = _events(group, "prefect.flow-run.heartbeat", f"prefect.flow-run.{first.id}",
                         start)
    last_heartbeat = heartbeats[-1].occurred
    bound_s = MISSED_HEARTBEATS * float(HEARTBEAT_S)
    wait_for("the killed run Crashed", lambda: _state(group, first.id) == StateType.CRASHED,
             bound_s + 90, every_s=2, diagnostics=group.deployed.log_tails)
    [crash] = wait_for("the Crashed event", lambda: _events(
        group, "prefect.flow-run.Crashed", f"prefect.flow-run.{first.id}", start), 60)
    late_s = (crash.occurred - last_heartbeat).total_seconds()
    print(f"killed at {killed:%H:%M:%S}, last heartbeat {last_heartbeat:%H:%M:%S}, "
          f"Crashed {crash.occurred:%H:%M:%S} ({late_s:.0f} s after it); standby killed at "
          f"{killed_again:%H:%M:%S}, the watchdog's run's first cycle "
          f"{after[0].occurred:%H:%M:%S} "
          f"({(after[0].occurred - killed_again).total_seconds():.0f} s after that kill)")
    assert bound_s <= late_s <= bound_s + 60
    told = wait_for("east's Crashed notice", lambda: _parks_told(group, first.id, "Crashed"),
                    60, diagnostics=group.deployed.log_tails)
    assert told == {"east"}


def test_a_parks_failure_notifies_only_that_parks_team(set_up: Group):
    group = set_up
    start = dt.datetime.now(dt.UTC)
    failing = {"west": group.stack.start_run("harvest/harvest-meters",  # refused by the flow
                                             parameters={"park": "west", "run_minutes": 0}),
               "broken": group.stack.start_run("harvest/harvest-meters",  # its park.yaml
                                               parameters={"park": "broken", "cycles": 1,
                                                           "run_minutes": None})}
    finished = group.stack.wait_final_runs([r.id for r in failing.values()], 300)
    assert [r.state_type for r in finished] == [StateType.FAILED] * 2
    for park, run in failing.items():
        # the run tagged itself after it started; its Failed event carries that tag
        [failed] = wait_for(f"{park}'s Failed event", lambda run=run: _events(
            group, "prefect.flow-run.Failed", f"prefect.flow-run.{run.id}", start), 60)
        assert f"prefect.tag.park:{park}" in {r.id for r in failed.related if r.role == "tag"}
    told = wait_for("both parks' notices", lambda: all(
        _parks_told(group, run.id, "Failed") for run in failing.values()), 60,
        diagnostics=group.deployed.log_tails)
    assert told
    for park, run in failing.items():  # each told its own team, and no other park's
        assert _parks_told(group, run.id, "Failed") == {park}
