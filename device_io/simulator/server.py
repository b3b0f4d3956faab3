"""The park simulator's Modbus side: real pymodbus TCP servers serving the twin through the maps.

One server per configured endpoint (host, port); devices behind it are unit ids, like a serial
gateway or a multi-unit controller. Each request refreshes the device's register image from the
twin (lazily, once per twin time step), writes go back into the twin, and the fault book decides
whether the device answers, answers with an exception, returns garbage, freezes, drops the
connection or refuses it, and whether it acts on writes, ignores or rejects them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler
from pymodbus.simulator import DataType as SimDataType
from pymodbus.simulator import SimData, SimDevice

from device_io.clock import Clock
from device_io.codec import AddressRange
from device_io.simulator.faults import FaultBook, FaultChange, apply_event
from device_io.simulator.image import DeviceImage
from device_io.simulator.twin import ParkTwin
from jobs.common.park_config import Device, FaultKind, ParkConfig
from jobs.common.register_map import RegisterMap, Table

log = logging.getLogger(__name__)

_HOLDING_CODES = frozenset({3, 6, 16, 22, 23})
_TWIN_TICK_S = 0.2


def quiet_pymodbus() -> None:
    """pymodbus logs every refused connection and timeout as an error; we record them ourselves."""
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


def _sim_blocks(register_map: RegisterMap, table: Table, span: tuple[int, int],
                unserved: Iterable[AddressRange] = ()) -> list[SimData]:
    """SimData runs covering the span: writable points writable, everything else read-only,
    and nothing (pymodbus answers ILLEGAL DATA ADDRESS) in the ranges the device lacks."""
    writable = {address for p in register_map.points if p.table == table and p.writable
                for address in range(p.address, p.end_address)}
    missing = {address for r in unserved if r.table == table
               for address in range(r.start, r.end)}

    def kind(address: int) -> tuple[bool, bool]:
        return address in missing, address in writable

    start, end = span
    blocks: list[SimData] = []
    run_start = start
    for address in range(start + 1, end + 1):
        if address == end or kind(address) != kind(run_start):
            if run_start not in missing:
                blocks.append(SimData(address=run_start, count=address - run_start, values=0,
                                      datatype=SimDataType.REGISTERS,
                                      readonly=run_start not in writable))
            run_start = address
    return blocks or [SimData(address=0, count=1, values=0, datatype=SimDataType.INVALID)]


class _FaultAwareHandler(ServerRequestHandler):
    """A connection that can swallow a reply (timeout) or hang up mid-poll (drop)."""

    def server_send(self, pdu, addr):
        endpoint: _EndpointServer = self.server
        device_id = endpoint.device_ids_by_unit.get(pdu.dev_id)
        faults = endpoint.simulator.faults
        if device_id is not None and faults.has(device_id, FaultKind.TIMEOUT):
            return
        if device_id is not None and faults.has(device_id, FaultKind.DROP):
            self.close()
            return
        super().server_send(pdu, addr)


class _EndpointServer(ModbusTcpServer):
    def __init__(self, simulator: ParkSimulator, host: str, port: int, devices: list[Device]):
        sim_devices = [simulator.sim_device(device) for device in devices]
        super().__init__(sim_devices, address=(host, port))
        self.simulator = simulator
        self.device_ids_by_unit = {device.unit_id: device.id for device in devices}

    def callback_new_connection(self):
        self.simulator.connections_accepted += 1
        return _FaultAwareHandler(self, self.trace_packet, self.trace_pdu, self.trace_connect)


class ParkSimulator:
    """All endpoints of a park, one twin, one clock, one fault book, in one asyncio loop."""

    def __init__(self, park: ParkConfig, register_maps: dict[str, RegisterMap], twin: ParkTwin,
                 clock: Clock, *, faults: FaultBook | None = None, seed: int = 0,
                 unserved: Mapping[str, Iterable[AddressRange]] | None = None):
        """`unserved`: register ranges a device lacks (e.g. a SunSpec model its firmware does
        not have), answered with ILLEGAL DATA ADDRESS, by device id."""
        self.park = park
        self.unserved = {device_id: list(ranges) for device_id, ranges in
                         (unserved or {}).items()}
        self.register_maps = register_maps
        self.twin = twin
        self.clock = clock
        self.faults = faults or FaultBook(scheduled=list(park.simulation.faults))
        self.images = {d.id: DeviceImage(register_maps[d.register_map]) for d in park.devices}
        self._image_time = dict.fromkeys(self.images, None)
        self._garbage = random.Random(seed)
        self.endpoints: dict[tuple[str, int], list[Device]] = defaultdict(list)
        for device in park.devices:
            self.endpoints[device.endpoint].append(device)
        self._servers: dict[tuple[str, int], _EndpointServer] = {}
        self._ticker: asyncio.Task | None = None
        # Requests that reached a device's registers, and TCP connections accepted: a test can
        # tell that a client sent nothing at all.
        self.requests_served = 0
        self.connections_accepted = 0

    # -- building -------------------------------------------------------------------------
    def sim_device(self, device: Device) -> SimDevice:
        image = self.images[device.id]
        lacking = self.unserved.get(device.id, [])
        holding, inputs = (_sim_blocks(image.register_map, table, image.spans.get(table, (0, 0)),
                                       lacking) for table in (Table.HOLDING, Table.INPUT))
        no_bits = [SimData(address=0, count=16, values=False, datatype=SimDataType.BITS)]
        return SimDevice(id=device.unit_id, simdata=(no_bits, list(no_bits), holding, inputs),
                         action=functools.partial(self._on_request, device.id))

    # -- serving --------------------------------------------------------------------------
    def _refresh_image(self, device_id: str) -> DeviceImage:
        image = self.images[device_id]
        if self.faults.has(device_id, FaultKind.FROZEN):
            return image
        if self._image_time[device_id] != self.twin.now_utc:
            image.update(self.twin.point_values(device_id))
            self._image_time[device_id] = self.twin.now_utc
        return image

    async def _on_request(self, device_id: str, function_code: int, start_address: int,
                          address: int, count: int, registers: list[int],
                          set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        self.requests_served += 1
        active = self.faults.active(device_id)
        if FaultKind.EXCEPTION in active:
            return ExcCodes.DEVICE_FAILURE
        table = Table.HOLDING if function_code in _HOLDING_CODES else Table.INPUT
        image = self._refresh_image(device_id)
        offset = address - start_address
        if set_values is not None:
            return self._write(device_id, image, table, address, [int(v) for v in set_values],
                               active)
        if FaultKind.GARBAGE in active:
            registers[offset: offset + count] = [self._garbage.getrandbits(16)
                                                 for _ in range(count)]
            return None
        registers[offset: offset + count] = image.read(table, address, count)
        return None

    def _write(self, device_id: str, image: DeviceImage, table: Table, address: int,
               values: list[int], active: frozenset[FaultKind]) -> ExcCodes | None:
        if active & {FaultKind.TIMEOUT, FaultKind.DROP, FaultKind.FROZEN,
                     FaultKind.IGNORE_WRITES}:
            # A dead or hung device does not act on writes; an ignoring one acknowledges them
            # and keeps its registers (and the twin) as they were.
            return None
        if FaultKind.REJECT_WRITES in active:
            return ExcCodes.DEVICE_FAILURE
        try:
            written = image.apply_write(table, address, values)
        except ValueError as exc:
            log.info("device %s refused a write at %s: %s", device_id, address, exc)
            return ExcCodes.ILLEGAL_VALUE
        for name, value in written.items():
            self.twin.write_point(device_id, name, value)
        self._image_time[device_id] = None  # the next read shows the device's reaction
        return None

    # -- time and faults ------------------------------------------------------------------
    def step(self) -> list[FaultChange]:
        """Advance the twin to the clock's time and apply fault changes."""
        now = self.clock.now()
        if now > self.twin.now_utc:
            self.twin.advance_to(now)
        changes = self.faults.refresh(self.twin.now_utc)
        for change in changes:
            self._apply_fault_change(change)
        return changes

    def _apply_fault_change(self, change: FaultChange) -> None:
        apply_event(self.images[change.device_id], change,
                    lambda: self.twin.point_values(change.device_id))
        self._image_time[change.device_id] = None

    async def _tick_forever(self) -> None:
        while True:
            self.step()
            await self._sync_refusals()
            await asyncio.sleep(_TWIN_TICK_S)

    async def _sync_refusals(self) -> None:
        """An endpoint with a refusing device stops listening; it listens again once cleared."""
        for endpoint, devices in self.endpoints.items():
            refusing = any(self.faults.has(d.id, FaultKind.REFUSE) for d in devices)
            server = self._servers.get(endpoint)
            if refusing and server is not None:
                await server.shutdown()
                del self._servers[endpoint]
            elif not refusing and server is None:
                await self._listen(endpoint)

    async def _listen(self, endpoint: tuple[str, int]) -> None:
        server = _EndpointServer(self, endpoint[0], endpoint[1], self.endpoints[endpoint])
        await server.serve_forever(background=True)
        self._servers[endpoint] = server

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self, *, tick: bool = True) -> None:
        """Listen on every endpoint. With tick=False the caller moves time with step()."""
        quiet_pymodbus()
        self.step()
        await self._sync_refusals()
        if tick:
            self._ticker = asyncio.create_task(self._tick_forever())

    async def sync(self) -> list[FaultChange]:
        """step() plus starting/stopping refusing endpoints: for callers that drive time."""
        changes = self.step()
        await self._sync_refusals()
        return changes

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for server in list(self._servers.values()):
            await server.shutdown()
        self._servers.clear()

    @property
    def listening(self) -> list[tuple[str, int]]:
        return list(self._servers)
