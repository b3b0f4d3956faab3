"""The asyncio Modbus TCP poller: one connection per endpoint, many endpoints at once.

Modbus allows one outstanding request per TCP connection, so each endpoint's requests are
serialised; endpoints run concurrently. Every expected point of every due device yields one
row per cycle, good or not: a failed read is recorded with why (timeout, exception, error),
never replaced by an older value. Devices that keep failing are backed off (capped) so one
dead gateway cannot stretch the cycle. The poller holds no register addresses: the read plan
comes from the register map through the codec. The setpoint writer's transport
(device_io.point_io) sends its reads and writes through the same endpoint sessions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pyarrow as pa
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.pdu import ModbusPDU

from device_io.block_reads import (
    TRANSPORT_FAILURES,
    BlockOutcome,
    DeviceReads,
    device_values,
    exception_outcome,
    read_blocks,
)
from device_io.checks import after_poll, backed_off_values
from device_io.clock import Clock, WallClock
from device_io.codec import (
    AddressRange,
    DecodedValue,
    DeviceDecoder,
    Quality,
    ReadBlock,
    is_point_fact,
    plan_reads,
)
from device_io.harvest_state import DeviceState, HarvestState
from jobs.common import landing
from jobs.common.park_config import Device, HarvestSettings
from jobs.common.register_map import Point, RegisterMap, Table
from jobs.common.settings import Settings, join_path

__all__ = ["TRANSPORT_FAILURES", "BlockOutcome", "CycleReport", "DeviceResult",
           "EndpointSession", "Harvester", "PollTarget", "endpoint_sessions",
           "values_from_outcomes"]


@dataclass(frozen=True)
class ReadPlan:
    """The reads of one device, and the points left out because it does not serve them."""

    blocks: list[ReadBlock]
    unserved_points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class PollTarget:
    device: Device
    register_map: RegisterMap
    decoder: DeviceDecoder
    block_of_point: dict[str, int]
    # Plans around the ranges a device does not serve, by those ranges (few devices have any).
    _plans: dict[tuple[AddressRange, ...], ReadPlan] = field(default_factory=dict,
                                                              compare=False, repr=False)

    @classmethod
    def build(cls, device: Device, register_map: RegisterMap) -> PollTarget:
        decoder = DeviceDecoder(register_map)
        block_of_point = {slot.point.name: index for index, block in enumerate(decoder.blocks)
                          for slot in block.slots}
        return cls(device, register_map, decoder, block_of_point,
                   {(): ReadPlan(decoder.blocks)})

    def plan(self, unserved: tuple[AddressRange, ...] = ()) -> ReadPlan:
        plan = self._plans.get(unserved)
        if plan is None:
            plan = ReadPlan(plan_reads(self.register_map, unserved),
                            tuple(p for p in self.register_map.points
                                  if any(r.holds(p) for r in unserved)))
            self._plans[unserved] = plan
        return plan


def values_from_outcomes(target: PollTarget, outcomes: list[BlockOutcome]
                         ) -> dict[str, DecodedValue]:
    """Every landed point of the device from one outcome per planned block (the history
    generator's path: no splitting)."""
    reads = DeviceReads()
    for block, outcome in zip(target.decoder.blocks, outcomes, strict=True):
        if outcome.registers is None:
            reads.fail(block, outcome)
        else:
            reads.pieces.append((block, outcome.registers))
    return device_values(target.register_map, target.decoder, reads)


@dataclass
class DeviceResult:
    device_id: str
    ts_utc: dt.datetime
    values: dict[str, DecodedValue]
    requests: int = 0
    transport_failure: bool = False
    learned_unserved: list[AddressRange] = field(default_factory=list)

    @property
    def worst(self) -> Quality:
        """The device's state this cycle; a point the device reports as not available (an idle
        charger's vehicle SOC) or an optional point it lacks is a fact about the point, not a
        problem with the device."""
        qualities = {v.quality for v in self.values.values() if not is_point_fact(v.detail)}
        for quality in (Quality.ERROR, Quality.TIMEOUT, Quality.BACKOFF, Quality.EXCEPTION,
                        Quality.STALE, Quality.INVALID):
            if quality in qualities:
                return quality
        return Quality.GOOD


class EndpointSession:
    """One TCP connection to one endpoint (a device or a gateway of several unit ids)."""

    def __init__(self, host: str, port: int, targets: list[PollTarget], timeout_s: float,
                 harvest: HarvestSettings):
        self.host = host
        self.port = port
        self.targets = targets
        self.timeout_s = timeout_s
        self.harvest = harvest
        self._client: AsyncModbusTcpClient | None = None
        # A serial gateway needs quiet time between requests, whichever unit they address.
        self.request_gap_s = max(t.device.request_gap_ms for t in targets) / 1000.0
        self._last_request_end = 0.0

    async def _connected_client(self) -> AsyncModbusTcpClient:
        if self._client is not None and self._client.connected:
            return self._client
        self.close()
        client = AsyncModbusTcpClient(self.host, port=self.port, timeout=self.timeout_s,
                                      retries=0, reconnect_delay=0)
        if not await client.connect():
            client.close()
            raise ConnectionException(f"cannot connect to {self.host}:{self.port}")
        self._client = client
        return client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _respect_gap(self) -> None:
        if self.request_gap_s:
            wait_s = self._last_request_end + self.request_gap_s - time.monotonic()
            if wait_s > 0:
                await asyncio.sleep(wait_s)

    async def _exchange(self, request: Callable[[AsyncModbusTcpClient], Awaitable[ModbusPDU]]
                        ) -> ModbusPDU | BlockOutcome:
        """One request on the endpoint's connection: the device's reply, or why there is none."""
        await self._respect_gap()
        try:
            try:
                client = await self._connected_client()
            except ConnectionException as exc:
                return BlockOutcome(None, Quality.ERROR, f"connection failed: {exc}")
            try:
                response = await request(client)
            except (TimeoutError, ModbusException, OSError) as exc:
                lost = not client.connected
                # Never reuse a connection after a missed reply: a late answer would be taken
                # for the next request's.
                self.close()
                if lost:
                    return BlockOutcome(None, Quality.ERROR, "connection lost during the request")
                return BlockOutcome(None, Quality.TIMEOUT,
                                    f"no reply within {self.timeout_s:g} s ({type(exc).__name__})")
            if response.isError():
                return exception_outcome(getattr(response, "exception_code", 0))
            return response
        finally:
            self._last_request_end = time.monotonic()

    async def _read_once(self, unit_id: int, block: ReadBlock) -> BlockOutcome:
        def read(client: AsyncModbusTcpClient) -> Awaitable[ModbusPDU]:
            function = (client.read_holding_registers if block.table == Table.HOLDING
                        else client.read_input_registers)
            return function(block.start, count=block.count, device_id=unit_id)

        reply = await self._exchange(read)
        if isinstance(reply, BlockOutcome):
            return reply
        registers = list(reply.registers)
        if len(registers) < block.count:
            return BlockOutcome(None, Quality.ERROR,
                                f"short reply: {len(registers)} of {block.count} registers")
        return BlockOutcome(registers[: block.count])

    async def write_registers(self, unit_id: int, address: int, registers: list[int]
                              ) -> BlockOutcome:
        """One FC16 write (quality GOOD, no registers, once the device acknowledged it).

        Not retried: whether to write again after a missed reply is the writer's call, made
        on a read-back."""
        reply = await self._exchange(
            lambda client: client.write_registers(address, registers, device_id=unit_id))
        return reply if isinstance(reply, BlockOutcome) else BlockOutcome(None)

    async def read_block(self, unit_id: int, block: ReadBlock) -> BlockOutcome:
        outcome = await self._read_once(unit_id, block)
        for _ in range(self.harvest.retries):
            if outcome.quality not in TRANSPORT_FAILURES:
                break
            await asyncio.sleep(self.harvest.retry_delay_s)
            outcome = await self._read_once(unit_id, block)
        return outcome

    async def read_plan(self, target: PollTarget, plan: ReadPlan) -> DeviceReads:
        """The plan's blocks, each split down to what the device serves if it refuses one."""
        unit_id = target.device.unit_id
        return await read_blocks(lambda block: self.read_block(unit_id, block),
                                 target.register_map, plan.blocks, plan.unserved_points)

    async def poll_device(self, target: PollTarget, clock: Clock,
                          unserved: tuple[AddressRange, ...] = ()) -> DeviceResult:
        """Read every point, around the ranges the device is known not to serve."""
        ts = clock.now()
        reads = await self.read_plan(target, target.plan(unserved))
        return DeviceResult(target.device.id, ts,
                            device_values(target.register_map, target.decoder, reads),
                            requests=reads.requests,
                            transport_failure=reads.transport_failure is not None,
                            learned_unserved=reads.learned_unserved)


def endpoint_sessions(devices: list[Device], register_maps: dict[str, RegisterMap],
                      harvest: HarvestSettings) -> list[EndpointSession]:
    """One session per endpoint (host, port), its devices in the order given. A gateway gets
    the longest of its devices' timeouts: it answers for its slowest unit."""
    by_endpoint: dict[tuple[str, int], list[PollTarget]] = {}
    for device in devices:
        target = PollTarget.build(device, register_maps[device.register_map])
        by_endpoint.setdefault(device.endpoint, []).append(target)
    return [
        EndpointSession(host, port, targets,
                        max(t.device.timeout_s or harvest.timeout_s for t in targets), harvest)
        for (host, port), targets in by_endpoint.items()
    ]


@dataclass
class CycleReport:
    cycle_id: str
    started_utc: dt.datetime
    duration_s: float
    devices_due: int
    devices_good: int
    devices_backed_off: int
    readings: int
    good_readings: int
    requests: int
    files: list[str]
    problems: dict[str, tuple[Quality, str | None]] = field(default_factory=dict)


class Harvester:
    """Polls the devices of some poll groups and lands each cycle as one Parquet file."""

    def __init__(self, settings: Settings, poll_groups: list[str] | None = None, *,
                 clock: Clock | None = None, state_path: str | None = "default",
                 respect_intervals: bool = True):
        self.settings = settings
        self.harvest = settings.park.harvest
        self.clock = clock or WallClock()
        self.poll_groups = sorted(poll_groups) if poll_groups else []
        devices = settings.park.devices_in_groups(self.poll_groups or None)
        tag = "+".join(self.poll_groups) or "all"
        self.group_tag = tag
        if state_path == "default":
            state_path = join_path(settings.data_root, "state", f"harvest-{tag}.json")
        self.state_path = state_path
        self.state = HarvestState.load(state_path)
        # False polls every device every cycle (the demo's fast cycles, tests).
        self.respect_intervals = respect_intervals
        self.sessions = endpoint_sessions(devices, settings.register_maps, self.harvest)
        logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

    def _due(self, device: Device, state: DeviceState, now_s: float) -> bool:
        """Due once per poll interval slot, aligned to the clock (robust to schedule jitter)."""
        if state.last_polled_unix_s is None or not self.respect_intervals:
            return True
        interval = device.poll_interval_s
        return int(now_s // interval) > int(state.last_polled_unix_s // interval)

    async def _poll_endpoint(self, session: EndpointSession, now_s: float,
                             semaphore: asyncio.Semaphore) -> list[DeviceResult]:
        results = []
        async with semaphore:
            for target in session.targets:
                state = self.state.device(target.device.id)
                if not self._due(target.device, state, now_s):
                    continue
                # The cycle's start, not the read time: a cycle straddling a slot boundary
                # must not make half of its devices look polled in the next slot.
                state.last_polled_unix_s = now_s
                if state.backed_off(now_s):
                    results.append(DeviceResult(target.device.id, self.clock.now(),
                                                backed_off_values(target.register_map, state)))
                    continue
                known_unserved = state.unserved_to_plan_around(now_s)
                result = await session.poll_device(target, self.clock, known_unserved)
                after_poll(target.register_map, state, result.values, result.ts_utc,
                           result.transport_failure, self.harvest)
                if not result.transport_failure:
                    state.record_unserved(known_unserved, result.learned_unserved, now_s)
                results.append(result)
        return results

    async def run_cycle(self) -> CycleReport:
        started = self.clock.now()
        wall_start = time.perf_counter()
        cycle_id = uuid.uuid4().hex
        semaphore = asyncio.Semaphore(self.harvest.max_concurrent_endpoints)
        now_s = started.timestamp()
        per_endpoint = await asyncio.gather(
            *(self._poll_endpoint(s, now_s, semaphore) for s in self.sessions))
        results = [r for endpoint in per_endpoint for r in endpoint]
        table = readings_table(results, cycle_id)
        stem = f"cycle-{started:%Y%m%dT%H%M%S%f}-{self.group_tag}-{cycle_id[:8]}"
        files = landing.write_partitioned(self.settings.landing_root, "readings", table, stem)
        self.state.save(self.state_path)
        problems: dict[str, tuple[Quality, str | None]] = {
            r.device_id: (r.worst, next((v.detail for v in r.values.values()
                                         if v.quality == r.worst
                                         and not is_point_fact(v.detail)), None))
            for r in results if r.worst != Quality.GOOD}
        good = [r for r in results if r.worst == Quality.GOOD]
        return CycleReport(
            cycle_id=cycle_id, started_utc=started,
            duration_s=time.perf_counter() - wall_start,
            devices_due=len(results), devices_good=len(good),
            devices_backed_off=sum(1 for r in results if r.worst == Quality.BACKOFF),
            readings=table.num_rows,
            good_readings=sum(1 for r in results for v in r.values.values()
                              if v.quality == Quality.GOOD),
            requests=sum(r.requests for r in results), files=files, problems=problems)

    async def close(self) -> None:
        for session in self.sessions:
            session.close()


def readings_table(results: list[DeviceResult], cycle_id: str) -> pa.Table:
    ts, device_ids, points, values, qualities, details = [], [], [], [], [], []
    for result in results:
        for point, decoded in result.values.items():
            ts.append(result.ts_utc)
            device_ids.append(result.device_id)
            points.append(point)
            values.append(decoded.value)
            qualities.append(decoded.quality.value)
            details.append(decoded.detail)
    return pa.Table.from_arrays(
        [pa.array(ts, pa.timestamp("us", tz="UTC")), pa.array(device_ids, pa.string()),
         pa.array(points, pa.string()), pa.array(values, pa.float64()),
         pa.array(qualities, pa.string()), pa.array([cycle_id] * len(ts), pa.string()),
         pa.array(details, pa.string())],
        schema=landing.READINGS_SCHEMA)
