"""The harvest flow, run by Prefect against the simulator in its own process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from device_io.harvest_lock import poll_group_locks
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from flows.harvest import harvest
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from tests.conftest import CONFIG_DIR

pytestmark = pytest.mark.integration


def test_harvest_flow_lands_readings_per_poll_group_and_publishes_an_artifact(
        tmp_path: Path, monkeypatch):
    park = relocate_to_free_ports(generate_park(30, seed=4))
    park["devices"] = [{**d, "poll_interval_s": 1} for d in park["devices"]]
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    data = tmp_path / "data"
    monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PARK_FILE", str(park_file))
    monkeypatch.setenv("PARK_DATA_ROOT", str(data))
    with simulator_process(CONFIG_DIR, str(park_file)):
        # Cycles after the first start at the boundaries of interval_s slots: with the
        # devices' 1 s interval dividing it, each later cycle falls in a new poll slot.
        result = asyncio.run(harvest(poll_groups=["meters", "pv"], cycles=2, interval_s=1.0))
    expected = {d["id"] for d in park["devices"] if d["poll_group"] in ("meters", "pv")}
    table = landing.read_dataset(str(data / "landing"), "readings")
    assert set(table["device_id"].to_pylist()) == expected
    assert result["cycles"] == 2
    assert result["readings"] == table.num_rows
    assert result["devices_good_last_cycle"] == len(expected)

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["harvest-summary"])),
                sort=ArtifactSort.CREATED_DESC, limit=10, offset=0)

    found = [a for a in asyncio.run(artifacts()) if a.key == "harvest-summary"]
    assert found and "meters, pv" in found[0].data


def test_a_group_another_run_is_harvesting_is_skipped_not_failed(tmp_path: Path, monkeypatch):
    """A manual run beside the scheduled one: the second ends Cancelled ("Skipped"), without
    retries (which notify nobody and poll nothing), and lands nothing."""
    park = relocate_to_free_ports(generate_park(10, seed=5))
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    data = tmp_path / "data"
    monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PARK_FILE", str(park_file))
    monkeypatch.setenv("PARK_DATA_ROOT", str(data))
    with poll_group_locks(str(data), ["meters"]):  # the other run
        state = asyncio.run(harvest(poll_groups=["meters"], cycles=1, interval_s=1.0,
                                    return_state=True))
    assert state.is_cancelled()
    assert "Skipped: poll group 'meters' is being harvested by pid" in state.message
    assert landing.read_dataset(str(data / "landing"), "readings").num_rows == 0


def test_a_long_running_run_beside_the_holder_waits_as_its_standby_and_ends_completed(
        tmp_path: Path, monkeypatch):
    """A scheduled hour's run (here a minute's) that never gets the group's lock: a hot standby
    whose active run lived all its period. It waits until its own end (the next minute
    boundary at least 60 s ahead), polls and lands nothing, and ends Completed, not
    Cancelled or Failed: nothing for anyone to act on."""
    park = relocate_to_free_ports(generate_park(10, seed=5))
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    data = tmp_path / "data"
    monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PARK_FILE", str(park_file))
    monkeypatch.setenv("PARK_DATA_ROOT", str(data))
    started = time.time()
    with poll_group_locks(str(data), ["meters"]):  # the active run, alive all the while
        state = asyncio.run(harvest(poll_groups=["meters"], cycles=None, interval_s=1.0,
                                    run_minutes=1, return_state=True))
    waited_s = time.time() - started
    assert state.is_completed(), state
    assert state.result() == {"cycles": 0, "readings": 0, "devices_good_last_cycle": 0,
                              "standby": True}
    # it waited to its end: the first minute boundary more than 60 s after its start
    end = (started + 60.0) // 60.0 * 60.0 + 60.0
    assert end - started - 1.0 <= waited_s
    assert not (data / "landing").exists()
