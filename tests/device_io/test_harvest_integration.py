"""The poller against real pymodbus servers on loopback, checked against the twin's truth."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math

import pytest

from device_io.clock import ManualClock
from device_io.codec import Quality
from device_io.poller import Harvester
from device_io.simulator.image import DeviceImage
from device_io.simulator.park_generator import generate_park
from device_io.simulator.server import ParkSimulator
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.common.park_config import FaultKind
from tests.conftest import relocate_endpoints, settings_for

T0 = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Suzhou: PV producing

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def running_park(settings, start=T0):
    clock = ManualClock(start)
    twin = ParkTwin(settings.park, settings.register_maps, start)
    simulator = ParkSimulator(settings.park, settings.register_maps, twin, clock)
    await simulator.start(tick=False)
    try:
        yield simulator, clock
    finally:
        await simulator.stop()


def _tolerance(image: DeviceImage, name: str, magnitude: float) -> float:
    """One register step: the scale for integers, float32's spacing at this magnitude."""
    point = image.register_map.point(name)
    if point.type.is_float:
        return max(abs(magnitude), 1.0) * 2.0**-23 * (2 if point.type.value == "f32" else 0)
    exponent = (image.sf_exponents.get(point.scale_factor_point)
                if point.scale_factor_point else None)
    return abs(point.scale * (10.0**exponent if exponent is not None else 1.0))


@pytest.fixture
def small_settings(tmp_path):
    park = relocate_endpoints(generate_park(40, seed=3))
    park["harvest"] = {"timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.01,
                       "backoff_initial_s": 120, "backoff_max_s": 300, "frozen_after_cycles": 3}
    return settings_for(park, tmp_path / "data")


def _rows_by_device(table):
    rows: dict[str, dict[str, dict]] = {}
    for row in table.to_pylist():
        rows.setdefault(row["device_id"], {})[row["point"]] = row
    return rows


def test_decoded_values_equal_the_twins_truth(demo_settings):
    async def scenario():
        async with running_park(demo_settings) as (simulator, clock):
            harvester = Harvester(demo_settings, clock=clock, state_path=None)
            report = await harvester.run_cycle()
            await harvester.close()
            truth = {d.id: simulator.twin.point_values(d.id) for d in demo_settings.park.devices}
            return report, truth, simulator

    report, truth, simulator = asyncio.run(scenario())
    table = landing.read_files(report.files)
    assert report.devices_due == len(demo_settings.park.devices)
    assert report.devices_good == report.devices_due, report.problems
    rows = _rows_by_device(table)
    checked = 0
    for device in demo_settings.park.devices:
        image = simulator.images[device.id]
        for point in image.register_map.landed_points:
            row = rows[device.id][point.name]
            expected = truth[device.id].get(point.name)
            if expected is None:
                assert row["quality"] == "invalid"
                continue
            assert row["quality"] == "good", (device.id, point.name, row)
            tolerance = _tolerance(image, point.name, expected)
            assert math.isclose(row["value"], expected, rel_tol=1e-6, abs_tol=tolerance), (
                device.id, point.name)
            checked += 1
    assert checked > 1000


def test_counters_follow_the_integral_of_power(small_settings):
    """Counter differences between polls equal the twin's true energy in between."""
    async def scenario():
        async with running_park(small_settings) as (simulator, clock):
            harvester = Harvester(small_settings, clock=clock, state_path=None)
            first = await harvester.run_cycle()
            truth_before = {d.id: simulator.twin.point_values(d.id)
                            for d in small_settings.park.devices}
            for _ in range(15):
                clock.advance(60)
                await simulator.sync()
            second = await harvester.run_cycle()
            truth_after = {d.id: simulator.twin.point_values(d.id)
                           for d in small_settings.park.devices}
            await harvester.close()
            return first, second, truth_before, truth_after, simulator

    first, second, before, after, simulator = asyncio.run(scenario())
    rows_1 = _rows_by_device(landing.read_files(first.files))
    rows_2 = _rows_by_device(landing.read_files(second.files))
    counters = 0
    for device in small_settings.park.devices:
        image = simulator.images[device.id]
        for point in image.register_map.landed_points:
            if not point.cumulative:
                continue
            name = point.name
            measured = rows_2[device.id][name]["value"] - rows_1[device.id][name]["value"]
            true = after[device.id][point.name] - before[device.id][point.name]
            step = _tolerance(image, point.name, after[device.id][point.name])
            assert measured == pytest.approx(true, abs=2 * step + 1e-9), (device.id, point.name)
            counters += 1
    assert counters >= 40
    grid_id = small_settings.park.park.grid_connection.meter_device_id
    grid_import = (rows_2[grid_id]["energy_import_kwh"]["value"]
                   - rows_1[grid_id]["energy_import_kwh"]["value"])
    assert grid_import > 0


def _device_of(settings, kind: str):
    return next(d for d in settings.park.devices if d.kind.value == kind)


async def _cycles_with_fault(settings, device_id, kind, cycles=3, step_s=60):
    async with running_park(settings) as (simulator, clock):
        simulator.faults.inject(device_id, kind)
        await simulator.sync()
        harvester = Harvester(settings, clock=clock, state_path=None)
        reports = []
        truth = []
        for _ in range(cycles):
            reports.append(await harvester.run_cycle())
            truth.append(simulator.twin.point_values(device_id))
            clock.advance(step_s)
            await simulator.sync()
        await harvester.close()
        return reports, truth, simulator


def _device_rows(report, device_id):
    return _rows_by_device(landing.read_files(report.files)).get(device_id, {})


def test_timeout_is_recorded_and_the_device_backed_off(small_settings):
    device = _device_of(small_settings, "ev_charger")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id, FaultKind.TIMEOUT))
    first = _device_rows(reports[0], device.id)
    assert {r["quality"] for r in first.values()} == {"timeout"}
    assert all(r["value"] is None for r in first.values())
    second = _device_rows(reports[1], device.id)
    assert {r["quality"] for r in second.values()} == {"backoff"}
    # every other device is still good, and the dead one cost about one timeout, not more
    for report in reports:
        assert report.devices_good == report.devices_due - 1
    assert reports[0].duration_s < 3.0
    assert reports[1].duration_s < reports[0].duration_s


def test_refused_connection_is_an_error_not_a_timeout(small_settings):
    device = _device_of(small_settings, "bess")  # alone on its endpoint
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id, FaultKind.REFUSE,
                                                   cycles=1))
    rows = _device_rows(reports[0], device.id)
    assert {r["quality"] for r in rows.values()} == {"error"}
    assert "connection failed" in next(iter(rows.values()))["detail"]


def test_dropped_connection_is_an_error(small_settings):
    device = _device_of(small_settings, "sub_meter")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id, FaultKind.DROP,
                                                   cycles=1))
    rows = _device_rows(reports[0], device.id)
    assert {r["quality"] for r in rows.values()} == {"error"}
    assert "connection lost" in next(iter(rows.values()))["detail"]
    # the other devices behind the same gateway reconnect and are read normally
    neighbours = [d for d in small_settings.park.devices
                  if d.endpoint == device.endpoint and d.id != device.id]
    for neighbour in neighbours:
        assert {r["quality"] for r in _device_rows(reports[0], neighbour.id).values()} <= {
            "good", "invalid"}


def test_exception_reply_is_recorded_with_its_code(small_settings):
    device = _device_of(small_settings, "hvac")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id,
                                                   FaultKind.EXCEPTION, cycles=2))
    for report in reports:  # an exception is an answer: no back-off
        rows = _device_rows(report, device.id)
        assert {r["quality"] for r in rows.values()} == {"exception"}
        assert "DEVICE_FAILURE" in next(iter(rows.values()))["detail"]


def test_garbage_registers_are_flagged_invalid(small_settings):
    device = _device_of(small_settings, "pv_inverter")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id, FaultKind.GARBAGE,
                                                   cycles=1))
    rows = _device_rows(reports[0], device.id)
    qualities = [r["quality"] for r in rows.values()]
    assert qualities.count("invalid") >= len(qualities) // 2


def test_frozen_device_is_flagged_stale_after_n_polls(small_settings):
    device = _device_of(small_settings, "grid_meter")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, device.id, FaultKind.FROZEN,
                                                   cycles=4))
    qualities = [{r["quality"] for r in _device_rows(rep, device.id).values()} for rep in reports]
    assert "stale" not in qualities[0] and "stale" not in qualities[1]
    assert qualities[2] == {"stale"} and qualities[3] == {"stale"}


def test_counter_rollover_and_meter_replacement_are_served_as_raw_counters(small_settings):
    meter = _device_of(small_settings, "grid_meter")
    reports, truth, simulator = asyncio.run(
        _cycles_with_fault(small_settings, meter.id, FaultKind.ROLLOVER, cycles=6, step_s=300))
    values = [_device_rows(r, meter.id)["energy_import_kwh"]["value"] for r in reports]
    wrap = simulator.images[meter.id].counter_wrap(
        simulator.images[meter.id].register_map.point("energy_import_kwh"))
    assert values[0] > wrap - 2
    assert any(later < earlier for earlier, later in zip(values, values[1:], strict=False))
    unwrapped = [v if v > wrap / 2 else v + wrap for v in values]
    true = [t["energy_import_kwh"] for t in truth]
    for i in range(1, len(values)):
        assert unwrapped[i] - unwrapped[i - 1] == pytest.approx(true[i] - true[i - 1], abs=0.03)

    reports, truth, _ = asyncio.run(
        _cycles_with_fault(small_settings, meter.id, FaultKind.REPLACED, cycles=2))
    first = _device_rows(reports[0], meter.id)["energy_import_kwh"]
    assert first["quality"] == "good" and first["value"] < 5


def test_clock_jump_flags_the_device_clock(small_settings):
    meter = _device_of(small_settings, "grid_meter")
    reports, _, _ = asyncio.run(_cycles_with_fault(small_settings, meter.id,
                                                   FaultKind.CLOCK_JUMP, cycles=1))
    rows = _device_rows(reports[0], meter.id)
    assert rows["device_time_unix_s"]["quality"] == "invalid"
    assert "+3600 s" in rows["device_time_unix_s"]["detail"]
    assert rows["active_power_kw"]["quality"] == "good"


def test_every_due_point_lands_exactly_once_per_cycle(small_settings):
    async def scenario():
        async with running_park(small_settings) as (simulator, clock):
            harvester = Harvester(small_settings, clock=clock, state_path=None)
            reports = []
            for _ in range(3):
                reports.append(await harvester.run_cycle())
                clock.advance(60)
                await simulator.sync()
            await harvester.close()
            return reports

    reports = asyncio.run(scenario())
    table = landing.read_dataset(small_settings.landing_root, "readings")
    expected_per_cycle = sum(
        len(small_settings.register_maps[d.register_map].landed_points)
        for d in small_settings.park.devices)
    assert table.num_rows == 3 * expected_per_cycle
    keys = set(zip(table["ts_utc"].to_pylist(), table["device_id"].to_pylist(),
                   table["point"].to_pylist(), strict=True))
    assert len(keys) == table.num_rows
    assert {r.devices_good for r in reports} == {len(small_settings.park.devices)}


def test_poll_groups_split_the_park(small_settings):
    async def scenario(groups):
        async with running_park(small_settings) as (_, clock):
            harvester = Harvester(small_settings, groups, clock=clock, state_path=None)
            report = await harvester.run_cycle()
            await harvester.close()
            return report

    meters = asyncio.run(scenario(["meters"]))
    rows = landing.read_files(meters.files)
    polled = set(rows["device_id"].to_pylist())
    expected = {d.id for d in small_settings.park.devices if d.poll_group == "meters"}
    assert polled == expected
    assert Quality.GOOD.value in set(rows["quality"].to_pylist())


def test_requests_behind_a_serial_gateway_are_spaced(small_settings):
    chargers = [d for d in small_settings.park.devices if d.kind.value == "ev_charger"]
    gateway = chargers[0].endpoint
    behind = [d for d in small_settings.park.devices if d.endpoint == gateway]
    gapped = small_settings.park.model_copy(update={"devices": [
        d.model_copy(update={"request_gap_ms": 40}) if d.endpoint == gateway else d
        for d in small_settings.park.devices]})
    settings = type(small_settings)(**{**small_settings.__dict__, "park": gapped})

    async def scenario():
        async with running_park(settings) as (_, clock):
            harvester = Harvester(settings, ["ev"], clock=clock, state_path=None)
            session = next(s for s in harvester.sessions if (s.host, s.port) == gateway)
            started = asyncio.get_running_loop().time()
            results = [await session.poll_device(t, clock) for t in session.targets]
            elapsed = asyncio.get_running_loop().time() - started
            await harvester.close()
            return results, elapsed

    results, elapsed = asyncio.run(scenario())
    requests = sum(r.requests for r in results)
    assert requests == 2 * len(behind)
    assert elapsed >= 0.040 * (requests - 1)
    assert all(r.worst == Quality.GOOD for r in results)


class _TickingClock:
    """Moves 5 ms every time it is read, so a cycle takes simulated time."""

    def __init__(self, start):
        self.t = start

    def now(self):
        self.t += dt.timedelta(milliseconds=5)
        return self.t


def test_a_cycle_straddling_a_slot_boundary_keeps_devices_together(small_settings):
    start = dt.datetime(2026, 6, 15, 3, 59, 59, 900000, tzinfo=dt.UTC)

    async def scenario():
        async with running_park(small_settings, start) as _:
            clock = _TickingClock(start)
            harvester = Harvester(small_settings, clock=clock, state_path=None)
            first = await harvester.run_cycle()  # starts in one minute, reads into the next
            second = await harvester.run_cycle()  # the next minute: every device due again
            third = await harvester.run_cycle()  # still that minute: nobody due
            await harvester.close()
            return first, second, third

    first, second, third = asyncio.run(scenario())
    devices = len(small_settings.park.devices)
    assert first.started_utc.minute != second.started_utc.minute
    assert second.started_utc.minute == third.started_utc.minute
    assert first.devices_due == devices
    assert second.devices_due == devices  # all of them, not only those read before 04:00
    assert third.devices_due == 0
