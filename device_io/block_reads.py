"""Reading a device's planned blocks, and the one value per point that comes out of it.

A read plan merges points across small gaps. A device that lacks some of the registers (a
SunSpec inverter without model 123) refuses the whole merged read with Modbus exception 2,
ILLEGAL DATA ADDRESS, which would lose every point of the block. As mature Modbus stacks do,
such a read is split in two and each half retried, down to single points: what the device
serves is read, the points it does not serve are known by name and address. Those ranges are
returned so the harvester can plan the next cycles around them (and re-probe them later);
nothing it did not read is ever decoded, so an unserved register never lands as a good zero.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from pymodbus.constants import ExcCodes

from device_io.codec import (
    NOT_IMPLEMENTED,
    AddressRange,
    DecodedValue,
    DeviceDecoder,
    Quality,
    ReadBlock,
    split_block,
)
from jobs.common.register_map import Point, RegisterMap

TRANSPORT_FAILURES = frozenset({Quality.TIMEOUT, Quality.ERROR})
ILLEGAL_ADDRESS = int(ExcCodes.ILLEGAL_ADDRESS)
NOT_SERVED = "not served by this device"


@dataclass(frozen=True, slots=True)
class BlockOutcome:
    registers: list[int] | None
    quality: Quality = Quality.GOOD
    detail: str | None = None
    exception_code: int | None = None  # of a Modbus exception reply
    unserved: bool = False  # the point's registers are not served by the device


def exception_name(code: int) -> str:
    try:
        return ExcCodes(code).name
    except ValueError:
        return "unknown"


def exception_outcome(code: int) -> BlockOutcome:
    return BlockOutcome(None, Quality.EXCEPTION,
                        f"Modbus exception {code} ({exception_name(code)})", code)


UNSERVED = BlockOutcome(None, Quality.EXCEPTION,
                        f"{exception_outcome(ILLEGAL_ADDRESS).detail}: {NOT_SERVED}",
                        ILLEGAL_ADDRESS, unserved=True)


@dataclass
class DeviceReads:
    """What one poll of a device read: the registers, per block or piece of a split block;
    why each point that was not read was not; the ranges the device turned out not to serve."""

    pieces: list[tuple[ReadBlock, list[int]]] = field(default_factory=list)
    failed: dict[str, BlockOutcome] = field(default_factory=dict)
    learned_unserved: list[AddressRange] = field(default_factory=list)
    transport_failure: BlockOutcome | None = None
    requests: int = 0

    def fail(self, block: ReadBlock, outcome: BlockOutcome) -> None:
        for slot in block.slots:
            self.failed[slot.point.name] = outcome


ReadFunction = Callable[[ReadBlock], Awaitable[BlockOutcome]]


async def read_blocks(read: ReadFunction, register_map: RegisterMap, blocks: list[ReadBlock],
                      known_unserved: Iterable[Point] = ()) -> DeviceReads:
    """Read the blocks in order, splitting those the device refuses as illegal addresses.

    Points in `known_unserved` are not asked for. After a transport failure the device's
    remaining blocks are not tried: it is not answering, and the cycle has other devices."""
    reads = DeviceReads()
    for point in known_unserved:
        reads.failed[point.name] = UNSERVED
    for block in blocks:
        if reads.transport_failure is not None:
            reads.fail(block, reads.transport_failure)
            continue
        await _read_splitting(read, register_map, block, reads)
    return reads


async def _read_splitting(read: ReadFunction, register_map: RegisterMap, block: ReadBlock,
                          reads: DeviceReads) -> bool:
    """Read the block (split as needed) into `reads`; True if it was read in one request."""
    outcome = await read(block)
    reads.requests += 1
    if outcome.registers is not None:
        reads.pieces.append((block, outcome.registers))
        return True
    if outcome.quality in TRANSPORT_FAILURES:
        reads.transport_failure = outcome
    if outcome.exception_code != ILLEGAL_ADDRESS:
        reads.fail(block, outcome)
        return False
    if len(block.slots) == 1:
        point = block.slots[0].point
        reads.failed[point.name] = UNSERVED
        reads.learned_unserved.append(
            AddressRange(point.table, point.address, point.end_address))
        return False
    left, right = split_block(register_map, block)
    left_read = await _read_splitting(read, register_map, left, reads)
    if reads.transport_failure is not None:
        reads.fail(right, reads.transport_failure)
        return False
    right_read = await _read_splitting(read, register_map, right, reads)
    if left_read and right_read:
        # Each half served in one read, the whole refused: the registers between them (or, if
        # there are none, the read's size) are what the device does not serve. (A half that
        # had to be split explains the refusal itself; anything more is found next cycle.)
        reads.learned_unserved.append(
            AddressRange(block.table, left.start + left.count, right.start))
    return False


def device_values(register_map: RegisterMap, decoder: DeviceDecoder, reads: DeviceReads
                  ) -> dict[str, DecodedValue]:
    """Every landed point of the device: decoded, or why not (its own failure, or its scale
    factor's)."""
    decoded = decoder.decode_reads(reads.pieces)
    if not reads.failed:  # every point was read: the decoder has them all
        return decoded
    values: dict[str, DecodedValue] = {}
    for point in register_map.landed_points:
        value = decoded.get(point.name)
        values[point.name] = value if value is not None else failed_value(point, reads.failed)
    return values


def failed_value(point: Point, failed: dict[str, BlockOutcome]) -> DecodedValue:
    """The value of a point that was not read: its own failure or, if its registers were read,
    its scale factor's."""
    outcome = failed.get(point.name)
    prefix = ""
    if outcome is None:  # its own registers were read; its scale factor's were not
        outcome = failed[point.scale_factor_point or ""]
        prefix = f"scale factor {point.scale_factor_point}: "
    if outcome.unserved and point.optional:
        return DecodedValue(None, Quality.INVALID, NOT_IMPLEMENTED)
    return DecodedValue(None, outcome.quality, prefix + (outcome.detail or ""))

