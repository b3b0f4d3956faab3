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
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.pdu import ModbusPDU

from device_io.checks import after_poll, backed_off_values
from device_io.clock import Clock, WallClock
from device_io.codec import NOT_AVAILABLE, DecodedValue, DeviceDecoder, Quality, ReadBlock
from device_io.harvest_state import DeviceState, HarvestState
from device_io.register_map import RegisterMap, Table
from jobs.common import landing
from jobs.common.park_config import Device, HarvestSettings
from jobs.common.settings import Settings, join_path

TRANSPORT_FAILURES = frozenset({Quality.TIMEOUT, Quality.ERROR})


@dataclass(frozen=True)
class PollTarget:
    device: Device
    register_map: RegisterMap
    decoder: DeviceDecoder
    block_of_point: dict[str, int]

    @classmethod
    def build(cls, device: Device, register_map: RegisterMap) -> PollTarget:
        decoder = DeviceDecoder(register_map)
        block_of_point = {slot.point.name: index for index, block in enumerate(decoder.blocks)
                          for slot in block.slots}
        return cls(device, register_map, decoder, block_of_point)


@dataclass(frozen=True, slots=True)
class BlockOutcome:
    registers: list[int] | None
    quality: Quality = Quality.GOOD
    detail: str | None = None


def values_from_outcomes(target: PollTarget, outcomes: list[BlockOutcome]
                         ) -> dict[str, DecodedValue]:
    """Every landed point of the device: decoded, or carrying its block's failure."""
    decoded = target.decoder.decode([o.registers for o in outcomes])
    values: dict[str, DecodedValue] = {}
    for point in target.register_map.landed_points:
        if point.name in decoded:
            values[point.name] = decoded[point.name]
        else:
            failed = outcomes[target.block_of_point[point.name]]
            values[point.name] = DecodedValue(None, failed.quality, failed.detail)
    return values


@dataclass
class DeviceResult:
    device_id: str
    ts_utc: dt.datetime
    values: dict[str, DecodedValue]
    requests: int = 0
    transport_failure: bool = False

    @property
    def worst(self) -> Quality:
        """The device's state this cycle; a point the device reports as not available (an idle
        charger's vehicle SOC) is a fact about the point, not a problem with the device."""
        qualities = {v.quality for v in self.values.values() if v.detail != NOT_AVAILABLE}
        for quality in (Quality.ERROR, Quality.TIMEOUT, Quality.BACKOFF, Quality.EXCEPTION,
                        Quality.STALE, Quality.INVALID):
            if quality in qualities:
                return quality
        return Quality.GOOD


def _exception_name(code: int) -> str:
    try:
        return ExcCodes(code).name
    except ValueError:
        return "unknown"


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
                code = getattr(response, "exception_code", 0)
                return BlockOutcome(None, Quality.EXCEPTION,
                                    f"Modbus exception {code} ({_exception_name(code)})")
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

    async def poll_device(self, target: PollTarget, clock: Clock) -> DeviceResult:
        ts = clock.now()
        outcomes: list[BlockOutcome] = []
        for block in target.decoder.blocks:
            if outcomes and outcomes[-1].quality in TRANSPORT_FAILURES:
                # The device is not answering: don't spend the cycle's time on its other blocks.
                outcomes.append(outcomes[-1])
                continue
            outcomes.append(await self.read_block(target.device.unit_id, block))
        return DeviceResult(target.device.id, ts, values_from_outcomes(target, outcomes),
                            requests=len(outcomes),
                            transport_failure=any(o.quality in TRANSPORT_FAILURES
                                                  for o in outcomes))


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
                result = await session.poll_device(target, self.clock)
                after_poll(target.register_map, state, result.values, result.ts_utc,
                           result.transport_failure, self.harvest)
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
                                         if v.quality == r.worst), None))
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
