"""One build at a time per warehouse: a second build waits for the lock, or gives up with a
clear error after its wait, rather than failing inside dbt on DuckDB's file lock."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from device_io.simulator.park_generator import generate_park
from jobs.warehouse.build import WarehouseBusyError, exclusive_build
from tests.conftest import settings_for


def _hold_lock(settings, seconds: float, ready) -> None:
    with exclusive_build(settings):
        ready.set()
        time.sleep(seconds)


def test_a_second_build_waits_then_gives_up_with_the_reason(tmp_path: Path):
    settings = settings_for(generate_park(12, seed=1), tmp_path / "data")
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(settings, 3.0, ready))
    holder.start()
    try:
        assert ready.wait(60)
        started = time.monotonic()
        with (pytest.raises(WarehouseBusyError, match="being built by another process"),
              exclusive_build(settings, wait_s=1.0)):
            pass
        assert time.monotonic() - started >= 1.0
        with exclusive_build(settings, wait_s=30.0):  # waits for the holder, then builds
            assert not holder.is_alive() or time.monotonic() - started >= 2.0
    finally:
        holder.join(timeout=30)
        if holder.is_alive():
            holder.kill()
