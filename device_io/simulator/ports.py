"""Free loopback ports, and a park moved onto them: for tests, benchmarks and the twin."""

from __future__ import annotations

import copy
import socket


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports the OS says are free right now (held open together so they are distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def relocate_to_free_ports(park: dict, host: str = "127.0.0.1") -> dict:
    """The same park (as a plain dict) with every endpoint moved to a free loopback port."""
    park = copy.deepcopy(park)
    endpoints = sorted({(d["host"], d["port"]) for d in park["devices"]})
    mapping = dict(zip(endpoints, free_ports(len(endpoints), host), strict=True))
    for device in park["devices"]:
        device["port"] = mapping[(device["host"], device["port"])]
        device["host"] = host
    return park
