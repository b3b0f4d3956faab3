"""The history generator lands exactly what the live poller would have landed."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from device_io.clock import ManualClock
from device_io.poller import Harvester
from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.runner import HISTORY_STEP_S
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from tests.conftest import relocate_endpoints, settings_for

T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Suzhou
MINUTES = 20


def _at(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def _park_with_faults() -> dict:
    park = relocate_endpoints(generate_park(30, seed=5))
    ids = {kind: [d["id"] for d in park["devices"] if d["kind"] == kind]
           for kind in {d["kind"] for d in park["devices"]}}
    park["harvest"] = {"timeout_s": 0.2, "retries": 0, "backoff_initial_s": 120,
                       "backoff_max_s": 300, "frozen_after_cycles": 3, "frozen_after_s": 120}
    park["simulation"]["faults"] = [
        {"device_id": ids["ev_charger"][0], "kind": "timeout", "start": _at(3), "end": _at(9)},
        {"device_id": ids["hvac"][0], "kind": "exception", "start": _at(2), "end": _at(5)},
        {"device_id": ids["bess"][0], "kind": "refuse", "start": _at(4), "end": _at(6)},
        {"device_id": ids["sub_meter"][0], "kind": "frozen", "start": _at(5), "end": _at(12)},
        {"device_id": ids["grid_meter"][0], "kind": "rollover", "start": _at(6)},
        {"device_id": ids["sub_meter"][1], "kind": "replaced", "start": _at(7)},
        {"device_id": ids["grid_meter"][0], "kind": "clock_jump", "start": _at(10),
         "end": _at(14), "clock_jump_s": -900},
        {"device_id": ids["pv_inverter"][0], "kind": "garbage", "start": _at(1), "end": _at(3)},
    ]
    return park


async def _live(settings) -> None:
    clock = ManualClock(T0)
    twin = ParkTwin(settings.park, settings.register_maps, T0, step_s=HISTORY_STEP_S)
    simulator = ParkSimulator(settings.park, settings.register_maps, twin, clock)
    await simulator.start(tick=False)
    harvester = Harvester(settings, clock=clock, state_path=None)
    try:
        for minute in range(MINUTES):
            clock.set(T0 + dt.timedelta(minutes=minute))
            await simulator.sync()
            await harvester.run_cycle()
    finally:
        await harvester.close()
        await simulator.stop()


def _by_key(table) -> dict:
    return {(r["ts_utc"], r["device_id"], r["point"]): r for r in table.to_pylist()}


@pytest.mark.integration
def test_history_equals_live_polling_of_the_same_twin_including_faults(tmp_path):
    park = _park_with_faults()
    live_settings = settings_for(park, tmp_path / "live")
    history_settings = settings_for(park, tmp_path / "history")
    asyncio.run(_live(live_settings))
    generate_history(history_settings, T0, T0 + dt.timedelta(minutes=MINUTES))
    live = _by_key(landing.read_dataset(live_settings.landing_root, "readings"))
    history = _by_key(landing.read_dataset(history_settings.landing_root, "readings"))
    assert history.keys() == live.keys()
    garbage = park["simulation"]["faults"][7]
    garbage_keys = {k for k in live if k[1] == garbage["device_id"]
                    and garbage["start"] <= k[0].isoformat() < garbage["end"]}
    qualities = set()
    for key, live_row in live.items():
        row = history[key]
        if key in garbage_keys:
            continue  # random registers: each path draws its own garbage
        assert row["quality"] == live_row["quality"], (key, row, live_row)
        qualities.add(row["quality"])
        if live_row["value"] is None:
            assert row["value"] is None, key
        else:
            assert row["value"] == pytest.approx(live_row["value"], rel=1e-9, abs=1e-9), key
    for rows in (live, history):
        assert "invalid" in {rows[k]["quality"] for k in garbage_keys}
    assert {"good", "timeout", "exception", "error", "stale", "backoff", "invalid"} <= qualities


def test_history_schema_and_rerun_replaces_instead_of_duplicating(tmp_path):
    settings = settings_for(relocate_endpoints(generate_park(20, seed=2)), tmp_path / "data")
    start = dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC)
    end = start + dt.timedelta(hours=1)  # crosses UTC midnight: two partitions
    first = generate_history(settings, start, end)
    table = landing.read_dataset(settings.landing_root, "readings")
    assert table.schema == landing.READINGS_SCHEMA
    assert len(first.files) == 2
    expected_rows = 60 * sum(len(settings.register_maps[d.register_map].landed_points)
                             for d in settings.park.devices)
    assert table.num_rows == first.rows == expected_rows
    generate_history(settings, start, end)
    again = landing.read_dataset(settings.landing_root, "readings")
    assert again.num_rows == expected_rows
    assert again.sort_by([("device_id", "ascending"), ("point", "ascending"),
                          ("ts_utc", "ascending")]).equals(
        table.sort_by([("device_id", "ascending"), ("point", "ascending"),
                       ("ts_utc", "ascending")]))


def test_history_rejects_an_empty_period(tmp_path):
    settings = settings_for(relocate_endpoints(generate_park(20, seed=2)), tmp_path / "data")
    with pytest.raises(ValueError, match="end must be after start"):
        generate_history(settings, T0, T0)
