"""What the hot standby costs on an object store, counted at a real S3 API server: moto's server
application on loopback, wrapped so that every HTTP request it answers is tallied by method and
by kind of key (the groups' lease objects, landing, harvest state). An active long-running
harvest of one poll group runs alone for a window, then with its standby waiting beside it for
a window of the same length; the difference is the standby's requests. A measurement, not a
check: it runs only with PARK_BENCH_ORCHESTRATION=1 and writes
data/bench/harvest_standby_requests.json (docs/park_groups.md, "A hot standby per poll group").
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from device_io.harvest import HarvestBusy, harvest_cycles
from device_io.simulator.runner import simulator_process
from jobs.bench.common import machine, save_result
from jobs.common.settings import load_settings
from tests.conftest import CONFIG_DIR
from tests.device_io.test_harvest_standby import _park
from tests.jobs.common.test_object_store_s3 import s3_environment

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600),
              pytest.mark.skipif(os.environ.get("PARK_BENCH_ORCHESTRATION") != "1",
                                 reason="a 3-minute measurement: PARK_BENCH_ORCHESTRATION=1")]

BUCKET = "standby-requests"
INTERVAL_S = 10.0
WINDOW_INTERVALS = 6


def _kind(path: str) -> str:
    if path.endswith(".lease"):
        return "lease"
    for part in ("/landing/", "/state/"):
        if part in path:
            return part.strip("/")
    return "other"


@pytest.fixture()
def counted_s3() -> Iterator[Counter]:
    """An S3 server on loopback whose requests are tallied as (method, kind of key)."""
    tally: Counter = Counter()
    app = DomainDispatcherApplication(create_backend_app)

    def counting(environ, start_response):
        tally[(environ["REQUEST_METHOD"], _kind(environ.get("PATH_INFO", "")))] += 1
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, counting, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with s3_environment(f"http://127.0.0.1:{server.server_port}", BUCKET):
            yield tally
    finally:
        server.shutdown()


def test_measure_the_standbys_object_store_requests(tmp_path: Path, counted_s3: Counter):
    park_file, _ = _park(tmp_path, int(INTERVAL_S))
    settings = load_settings(CONFIG_DIR, f"s3://{BUCKET}/parks/requests", str(park_file))
    cycles: list = []
    window_s = WINDOW_INTERVALS * INTERVAL_S

    async def long_run(until: float) -> None:
        with contextlib.suppress(HarvestBusy):
            await harvest_cycles(settings, ["meters"], cycles=None, interval_s=INTERVAL_S,
                                 until_unix_s=until, lock_wait_s=until - time.time(),
                                 on_cycle=cycles.append)

    async def windows() -> tuple[Counter, Counter]:
        until = time.time() + 4 * window_s
        active = asyncio.create_task(long_run(until))
        while not cycles:
            await asyncio.sleep(0.1)
        await asyncio.sleep(INTERVAL_S / 2)  # into the steady state: between two cycles
        start = Counter(counted_s3)
        await asyncio.sleep(window_s)
        alone = Counter(counted_s3) - start
        standby = asyncio.create_task(long_run(until))
        await asyncio.sleep(INTERVAL_S)  # its first attempts are the same as its later ones
        start = Counter(counted_s3)
        await asyncio.sleep(window_s)
        beside = Counter(counted_s3) - start
        assert not standby.done() and not active.done(), "a run ended inside the windows"
        for task in (standby, active):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return alone, beside

    with simulator_process(CONFIG_DIR, str(park_file)):
        alone, beside = asyncio.run(windows())

    def per_interval(tally: Counter) -> dict[str, float]:
        return {f"{method} {kind}": round(n / WINDOW_INTERVALS, 2)
                for (method, kind), n in sorted(tally.items())}

    lease_alone = sum(n for (_, kind), n in alone.items() if kind == "lease")
    lease_beside = sum(n for (_, kind), n in beside.items() if kind == "lease")
    assert lease_alone > 0 and lease_beside > lease_alone  # the standby's attempts are seen
    intervals_a_day = 86400 / 60  # at the production interval of 60 s
    result = {
        "machine": machine(), "measured_utc": dt.datetime.now(dt.UTC).isoformat(),
        "interval_s": INTERVAL_S, "window_intervals": WINDOW_INTERVALS,
        "requests_per_interval_active_alone": per_interval(alone),
        "requests_per_interval_active_and_standby": per_interval(beside),
        "lease_requests_per_interval": {"active_alone": lease_alone / WINDOW_INTERVALS,
                                        "standby": (lease_beside - lease_alone)
                                        / WINDOW_INTERVALS},
        "all_requests_per_day_per_group_at_60_s": {
            "active_alone": round(sum(alone.values()) / WINDOW_INTERVALS * intervals_a_day),
            "active_and_standby": round(sum(beside.values()) / WINDOW_INTERVALS
                                        * intervals_a_day)},
    }
    print(result)
    save_result("harvest_standby_requests", result)
