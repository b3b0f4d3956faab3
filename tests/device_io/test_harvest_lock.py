"""Two harvests of one poll group: real `park harvest` processes against the simulator in its
own process. The second is turned away naming the first's pid and lands nothing; a harvest of
another group runs beside it; a lock left by a killed harvester does not block the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.common.park_yaml import write_park_yaml
from tests.conftest import CONFIG_DIR, PROJECT_ROOT

pytestmark = pytest.mark.integration


def _harvest(park_file: Path, data: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "jobs.cli", "harvest", "--config-dir", str(CONFIG_DIR),
            "--park-file", str(park_file), "--data-root", str(data), *options]


def _cycles_by_group(data: Path) -> Counter:
    """Landed cycle files per poll-group tag (the file stem is cycle-<ts>-<groups>-<id>)."""
    return Counter(path.name.split("-")[2]
                   for path in (data / "landing" / "readings").glob("date=*/*.parquet"))


def test_a_second_harvest_of_a_group_is_turned_away_and_a_dead_holder_blocks_nothing(
        tmp_path: Path):
    park = relocate_to_free_ports(generate_park(20, seed=5))
    park["devices"] = [{**d, "poll_interval_s": 1} for d in park["devices"]]
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    data = tmp_path / "data"
    groups = sorted({d["poll_group"] for d in park["devices"]})
    assert "meters" in groups and len(groups) > 1
    other = next(g for g in groups if g != "meters")
    with simulator_process(CONFIG_DIR, str(park_file)):
        first = subprocess.Popen(_harvest(park_file, data, "-g", "meters", "--cycles", "100000",
                                          "--interval-s", "0.5"),
                                 cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not _cycles_by_group(data) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _cycles_by_group(data), "the first harvester landed nothing"
            # everything (meters included) and meters alone: both turned away
            for options in ([], ["-g", "meters"]):
                second = subprocess.run(_harvest(park_file, data, *options), cwd=PROJECT_ROOT,
                                        capture_output=True, text=True, timeout=120,
                                        env={**os.environ, "COLUMNS": "400"})
                assert second.returncode == 3, second.stdout + second.stderr
                said = " ".join(second.stdout.split())
                assert f"poll group 'meters' is being harvested by pid {first.pid}" in said
                assert "landed nothing" in said
            # another group is harvested beside it
            beside = subprocess.run(_harvest(park_file, data, "-g", other), cwd=PROJECT_ROOT,
                                    capture_output=True, text=True, timeout=120)
            assert beside.returncode == 0, beside.stdout + beside.stderr
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        landed = _cycles_by_group(data)
        assert set(landed) == {"meters", other} and landed[other] == 1
        # the killed holder's lock file is still there, its lock is not
        assert (data / "state" / "harvest-meters.lock").exists()
        after_kill = subprocess.run(_harvest(park_file, data), cwd=PROJECT_ROOT,
                                    capture_output=True, text=True, timeout=120)
        assert after_kill.returncode == 0, after_kill.stdout + after_kill.stderr
    assert _cycles_by_group(data)["all"] == 1
