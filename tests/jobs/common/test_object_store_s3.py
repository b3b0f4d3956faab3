"""The data root on a real S3 API server on loopback (moto's standalone server), reached as in
production: an s3:// URL through fsspec/s3fs, configured only by the AWS_* environment.

Crash safety is tested with real processes killed by SIGKILL mid-write: no partial object is
ever visible, and a re-run of the same writes leaves each object once (no duplicate)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer
from s3fs import S3FileSystem

from device_io.harvest_lock import HarvestBusy, poll_group_locks
from device_io.harvest_state import HarvestState
from jobs.common import landing
from jobs.common.object_store import Lease, LeaseBusy, LeaseLost, create_exclusive
from jobs.scorecards.sendlog import SENT, SendLog
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.integration
BUCKET = "park-group"


@contextlib.contextmanager
def s3_environment(endpoint_url: str, bucket: str) -> Iterator[dict[str, str]]:
    """The environment a worker would have for the S3 server at `endpoint_url`, set in this
    process (for fsspec) and returned for child processes, with `bucket` created."""
    env = {"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            boto3.client("s3").create_bucket(Bucket=bucket)
            yield env
    finally:
        S3FileSystem.clear_instance_cache()  # bound to this server's endpoint


@pytest.fixture(scope="module")
def s3_env() -> Iterator[dict[str, str]]:
    """One S3 server for the module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        with s3_environment(f"http://{host}:{port}", BUCKET) as env:
            yield env
    finally:
        server.stop()


def _keys(prefix: str) -> list[str]:
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                         Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_create_exclusive_and_leases_use_conditional_writes(s3_env):
    url = f"s3://{BUCKET}/leases/once.json"
    assert create_exclusive(url, b"first") is True
    assert create_exclusive(url, b"second") is False  # 412 from the server: not replaced
    assert boto3.client("s3").get_object(Bucket=BUCKET, Key="leases/once.json")[
        "Body"].read() == b"first"

    holder = Lease(f"s3://{BUCKET}/leases/group.lease", ttl_s=1.0, owner="run A")
    holder.acquire()
    rival = Lease(f"s3://{BUCKET}/leases/group.lease", ttl_s=1.0, owner="run B")
    with pytest.raises(LeaseBusy, match="run A"):
        rival.acquire()
    holder.renew()
    time.sleep(1.2)  # run A stops renewing (it died): the lease runs out
    rival.acquire()
    with pytest.raises(LeaseLost):
        holder.renew()  # A came back: it must stop, B holds the group now
    holder.release()  # not A's any more: left alone
    with pytest.raises(LeaseBusy, match="run B"):
        Lease(f"s3://{BUCKET}/leases/group.lease", ttl_s=1.0, owner="run C").acquire()
    rival.release()
    Lease(f"s3://{BUCKET}/leases/group.lease", ttl_s=1.0, owner="run C").acquire()


def test_harvest_locks_on_an_object_store_keep_a_second_run_away(s3_env):
    root = f"s3://{BUCKET}/parks/locks"
    with poll_group_locks(root, ["meters"]) as held:
        with pytest.raises(HarvestBusy, match="meters"), \
                poll_group_locks(root, ["meters", "pv"]):
            pass
        with poll_group_locks(root, ["pv"]):  # another group: free
            pass
        held.renew()
    assert _keys("parks/locks/state/") == []  # released: the next run takes it at once
    with poll_group_locks(root, ["meters"]):
        pass


# Landing cycles, harvest state and send-log records, each named by its index so a re-run
# writes the same keys; the parent prints a line after each so the test can kill it mid-way.
WRITER = textwrap.dedent("""
    import datetime as dt, sys
    import pyarrow as pa
    from device_io.harvest_state import HarvestState
    from jobs.common import landing
    from jobs.scorecards.sendlog import SendLog, SENT
    root, count = sys.argv[1], int(sys.argv[2])
    log = SendLog.for_data_root(root)
    state = HarvestState()
    start = dt.datetime(2026, 12, 4, 23, 58, tzinfo=dt.UTC)
    for i in range(count):
        ts = start + dt.timedelta(minutes=i)
        rows = pa.table({"ts_utc": pa.array([ts] * 200, pa.timestamp("us", tz="UTC")),
                         "device_id": [f"m{j}" for j in range(200)],
                         "point": ["active_power_kw"] * 200,
                         "value": [float(i * 1000 + j) for j in range(200)],
                         "quality": ["good"] * 200, "cycle_id": [f"c{i}"] * 200,
                         "detail": pa.array([None] * 200, pa.string())},
                        schema=landing.READINGS_SCHEMA)
        landing.write_partitioned(root + "/landing", "readings", rows, f"cycle-{i:04d}")
        state.device("m0").last_polled_unix_s = ts.timestamp()
        state.save(root + "/state/harvest-meters.json")
        log.record(f"enterprise/e{i}/2026-11", f"E{i}@Example.com", SENT, "250 ok", 1,
                   f"sha{i}")
        print(i, flush=True)
""")


def _writer(root: str, count: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, root, str(count)], cwd=PROJECT_ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_landing_state_and_send_log_survive_a_kill_mid_write_and_a_rerun_duplicates_nothing(
        s3_env):
    root = f"s3://{BUCKET}/parks/kill"
    count = 30
    first = _writer(root, count, s3_env)
    assert first.stdout is not None
    for _ in range(8):  # let it get well into its writes, then kill it without warning
        assert first.stdout.readline(), "the writer stopped before it was killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)

    # whatever is visible is whole: every Parquet file parses with all its rows, the state
    # and every send record parse
    files = landing.read_dataset(f"{root}/landing", "readings")
    assert 8 <= files.num_rows // 200 < count and files.num_rows % 200 == 0
    for key in _keys("parks/kill/landing/"):
        body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert pq.read_table(pa.BufferReader(body)).num_rows == 200
    state = HarvestState.load(f"{root}/state/harvest-meters.json")
    assert state.devices["m0"].last_polled_unix_s is not None
    sent_before = SendLog.for_data_root(root).sent_pairs()
    assert 8 <= len(sent_before) < count

    rerun = _writer(root, count, s3_env)  # the same writes again, to the end
    assert rerun.wait(timeout=120) == 0
    table = landing.read_dataset(f"{root}/landing", "readings")
    assert table.num_rows == count * 200  # every cycle once
    keys = set(zip(table["ts_utc"].to_pylist(), table["device_id"].to_pylist(), strict=True))
    assert len(keys) == table.num_rows  # no reading twice
    assert len(_keys("parks/kill/landing/")) == count
    log = SendLog.for_data_root(root)
    pairs = {(f"enterprise/e{i}/2026-11", f"e{i}@example.com") for i in range(count)}
    assert log.sent_pairs() == pairs
    assert len([r for r in log.records() if r.status == SENT]) == count  # not one twice
    final = HarvestState.load(f"{root}/state/harvest-meters.json")
    last = dt.datetime(2026, 12, 4, 23, 58, tzinfo=dt.UTC) + dt.timedelta(minutes=count - 1)
    assert final.devices["m0"].last_polled_unix_s == last.timestamp()


MULTIPART = textwrap.dedent("""
    import sys
    from jobs.common import landing
    landing.write_atomically(sys.argv[1], bytes.fromhex(sys.argv[2]) * (110 * 2**20 // 32))
""")


def test_a_multipart_upload_killed_mid_way_leaves_no_object_and_the_rerun_lands_it_whole(
        s3_env):
    """Above 100 MiB s3fs uploads in parts: until the upload completes, the key is absent."""
    s3 = boto3.client("s3")
    key = "parks/big/landing/forecasts/date=2026-12-04/big.parquet"
    pattern = hashlib.sha256(b"park").hexdigest()  # 32 bytes as hex
    command = [sys.executable, "-c", MULTIPART, f"s3://{BUCKET}/{key}", pattern]
    writer = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **s3_env},
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while not s3.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads"):
        assert writer.poll() is None and time.monotonic() < deadline, "no multipart upload"
        time.sleep(0.02)
    os.killpg(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert _keys(key) == []  # the parts uploaded so far are not an object
    assert subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, **s3_env},
                          timeout=300).returncode == 0
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == bytes.fromhex(pattern) * (110 * 2**20 // 32)
    assert _keys(key) == [key]
