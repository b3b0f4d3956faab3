"""The long-running harvest: runs that end on a boundary hand over to the next without losing a
cycle (the next one waits for the group's lock), and a run that comes late reports the cycles
nobody polled as a gap. Real simulator in its own process, 1-second poll slots; the truth is
the wall clock's slots, counted independently of the harvester."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest

from device_io.harvest import Gap, find_gap, harvest_cycles
from device_io.simulator.park_generator import generate_park
from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import load_settings
from tests.conftest import CONFIG_DIR

pytestmark = pytest.mark.integration
INTERVAL_S = 1.0


def test_find_gap_counts_the_slots_strictly_between_two_polls():
    assert find_gap(120.2, 121.1, 1.0) is None  # the next slot: nothing missed
    assert find_gap(120.2, 120.9, 1.0) is None  # the same slot (a re-poll)
    gap = find_gap(120.2, 124.05, 1.0)  # slots 121, 122, 123 nobody polled
    assert gap is not None and gap.missed_cycles == 3
    # polled in minute 0, resumed in minute 60: minutes 1 to 59 nobody polled
    assert find_gap(0.0, 3600.0 + 59.0, 60.0).missed_cycles == 59  # type: ignore[union-attr]


def test_runs_ending_on_a_boundary_hand_over_without_a_lost_slot_and_a_late_one_reports_a_gap(
        tmp_path: Path):
    park = relocate_to_free_ports(generate_park(10, seed=6))
    park["devices"] = [{**d, "poll_interval_s": 1} for d in park["devices"]]
    park_file = tmp_path / "park.yaml"
    write_park_yaml(park, park_file)
    settings = load_settings(CONFIG_DIR, str(tmp_path / "data"), str(park_file))
    gaps: list[tuple[str, Gap]] = []

    async def run(name: str, until: float, start_delay_s: float):
        await asyncio.sleep(start_delay_s)
        return await harvest_cycles(settings, ["meters"], cycles=None, interval_s=INTERVAL_S,
                                    until_unix_s=until, lock_wait_s=INTERVAL_S,
                                    on_gap=lambda gap: gaps.append((name, gap)))

    async def handover(boundary: float):
        # the second run is started 0.3 s before the first one's end (a worker's prefetch):
        # it waits for the lock, then takes the next slot
        wait_s = boundary - time.time() - 0.3
        return await asyncio.gather(run("first", boundary, 0.0),
                                    run("second", boundary + 3.0, wait_s))

    with simulator_process(CONFIG_DIR, str(park_file)):
        boundary = math.floor(time.time()) + 4.0
        first, second = asyncio.run(handover(boundary))
        time.sleep(2.5)  # a run that comes late: about two slots nobody polls
        third = asyncio.run(run("third", time.time() + 1.5, 0.0))

    slots = [int(r.started_utc.timestamp() // INTERVAL_S) for r in [*first, *second]]
    assert all(r.started_utc.timestamp() < boundary for r in first)
    assert all(r.started_utc.timestamp() >= boundary - 0.3 for r in second)
    # every slot from the first poll to the last of the second run has a cycle: no hole
    assert sorted(set(slots)) == list(range(slots[0], slots[-1] + 1))
    assert [name for name, _ in gaps] == ["third"]  # the hand-over reported no gap
    last_slot = slots[-1]
    third_slot = int(third[0].started_utc.timestamp() // INTERVAL_S)
    assert gaps[0][1].missed_cycles == third_slot - last_slot - 1 >= 1
    # the readings landed in the slots the cycles say (the harvester's own files)
    landed = landing.read_dataset(settings.landing_root, "readings")
    landed_slots = {int(ts.timestamp() // INTERVAL_S) for ts in landed["ts_utc"].to_pylist()}
    assert set(range(slots[0], slots[-1] + 1)) <= landed_slots
