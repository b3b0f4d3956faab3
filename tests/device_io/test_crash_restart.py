"""A harvester killed with SIGKILL at an arbitrary moment loses at most the cycle in flight,
leaves no partial file visible, and a restart carries on without duplicating anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from tests.conftest import CONFIG_DIR, PROJECT_ROOT

pytestmark = pytest.mark.integration


def _harvest_command(park_file: Path, data: Path, cycles: int, interval_s: float
                     ) -> list[str]:
    return [sys.executable, "-m", "jobs.cli", "harvest", "--config-dir", str(CONFIG_DIR),
            "--park-file", str(park_file), "--data-root", str(data), "--cycles", str(cycles),
            "--interval-s", str(interval_s)]


def _visible_files(data: Path) -> list[Path]:
    return sorted((data / "landing" / "readings").glob("date=*/*.parquet"))


@pytest.mark.parametrize("kill_after_s", [1.5, 2.3])
def test_sigkill_mid_harvest_then_restart(tmp_path: Path, kill_after_s: float):
    park = relocate_to_free_ports(generate_park(40, seed=9))
    park["devices"] = [{**d, "poll_interval_s": 1} for d in park["devices"]]
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    data = tmp_path / "data"
    with simulator_process(CONFIG_DIR, str(park_file)):
        victim = subprocess.Popen(_harvest_command(park_file, data, 100_000, 0.05),
                                  cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not _visible_files(data) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(kill_after_s)
        finally:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=10)
        files_after_crash = _visible_files(data)
        assert files_after_crash, "the harvester landed nothing before it was killed"
        for path in files_after_crash:  # every visible file is whole and readable
            pq.read_table(path)
        state_file = data / "state" / "harvest-all.json"
        if state_file.exists():
            json.loads(state_file.read_text())  # never half-written
        # Four cycles a second apart: the first may fall in the poll slot the killed harvester
        # already served, where rightly no device is due; the three after it always land.
        restart = subprocess.run(_harvest_command(park_file, data, 4, 1.0), cwd=PROJECT_ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert restart.returncode == 0, restart.stderr[-2000:]

    table = landing.read_dataset(str(data / "landing"), "readings")
    keys = list(zip(table["ts_utc"].to_pylist(), table["device_id"].to_pylist(),
                    table["point"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)), "a reading landed twice"
    # Every device is due once a second, all in the same cycle, so every landed cycle must hold
    # every point of all 40 devices: a cycle lands whole or not at all.
    points = sum(len(p.landed_points) for p in
                 (_map(d["register_map"]) for d in park["devices"]))
    per_cycle = Counter(table["cycle_id"].to_pylist())
    assert set(per_cycle.values()) == {points}
    assert len(_visible_files(data)) == len(per_cycle)
    assert len(files_after_crash) + 3 <= len(per_cycle) <= len(files_after_crash) + 4
    stray = [p for p in (data / "landing" / "readings").rglob("*") if p.is_file()
             and not p.name.endswith(".parquet")]
    assert all(p.name.startswith(".tmp-") for p in stray)


def _map(name: str):
    from jobs.common.register_map import load_register_map

    return load_register_map(CONFIG_DIR / "register_maps" / f"{name}.yaml")
