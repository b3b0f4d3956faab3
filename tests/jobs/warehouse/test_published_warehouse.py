"""Readers never break the build, and the build never breaks readers: dbt writes a new version
of the warehouse and publishes it atomically; readers (an analyst's open session, the
day-ahead plan) read the last published version meanwhile; a killed build publishes nothing."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.dispatch.day_ahead import prepare_inputs
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.build import build_warehouse
from jobs.warehouse.published import connect_published, versions_dir
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC)
FIRST_HOURS = 6
# what a version holds: its newest cleaned reading and how many there are
VERSION_QUERY = ("select cast(max(ts_utc) as varchar), count(*) "
                 "from intermediate.int_counter_readings_cleaned")
# an analyst's session: `duckdb -readonly <data root>/warehouse.duckdb`, left open
ANALYST = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print(connection.execute(sys.argv[2]).fetchall()[0], flush=True)
sys.stdin.readline()
print(connection.execute(sys.argv[2]).fetchall()[0], flush=True)
"""


def _first_build(tmp_path: Path, devices: int = 12):
    settings = settings_for(relocate_endpoints(generate_park(devices, seed=2)),
                            tmp_path / "data")
    generate_history(settings, T0, T0 + dt.timedelta(hours=FIRST_HOURS))
    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()
    return settings


def _more_history(settings, hours: int = 2) -> None:
    start = T0 + dt.timedelta(hours=FIRST_HOURS)
    generate_history(settings, start, start + dt.timedelta(hours=hours))


def _published_contents(settings) -> tuple:
    with connect_published(settings) as connection:
        return connection.execute(VERSION_QUERY).fetchall()[0]


def _build_in_child(settings) -> None:
    report = build_warehouse(settings, unit_tests=False, quiet=True)
    sys.exit(0 if report.success else 1)


def _start_build_process(settings):
    process = multiprocessing.get_context("spawn").Process(target=_build_in_child,
                                                            args=(settings,))
    process.start()
    return process


def test_an_open_read_only_session_neither_breaks_the_build_nor_sees_it_change(tmp_path):
    settings = _first_build(tmp_path)
    before = _published_contents(settings)
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, settings.warehouse_path,
                                VERSION_QUERY], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert analyst.stdout is not None and analyst.stdin is not None
        first_read = analyst.stdout.readline().strip()
        assert first_read == str(before)
        _more_history(settings)
        report = build_warehouse(settings, unit_tests=False, quiet=True)
        assert report.success, report.summary_markdown()
        assert report.published_version is not None
        analyst.stdin.write("\n")
        analyst.stdin.flush()
        assert analyst.stdout.readline().strip() == first_read  # still its own version
    finally:
        analyst.kill()
        analyst.wait(timeout=30)
    after = _published_contents(settings)
    assert after[0] == "2026-06-01 07:59:00+00" and after[1] > before[1]
    published = Path(settings.warehouse_path)
    assert published.is_symlink() and published.resolve() == Path(report.published_version)
    assert not Path(f"{report.published_version}.wal").exists()  # checkpointed
    assert len(list(versions_dir(settings).iterdir())) == 2  # the new one and the last good


def test_a_day_ahead_plan_reads_the_warehouse_while_a_build_runs(tmp_path):
    settings = _first_build(tmp_path, devices=20)
    _more_history(settings, hours=6)
    builder = _start_build_process(settings)
    plans_during_build = 0
    try:
        while builder.is_alive():
            was_building = builder.is_alive()
            prepared = prepare_inputs(settings, dt.date(2026, 6, 2), ClearSkyClimatology(),
                                      now_utc=T0 + dt.timedelta(hours=FIRST_HOURS))
            assert len(prepared.inputs.interval_start_utc) == 96
            plans_during_build += was_building and builder.is_alive()
        builder.join(timeout=600)
        assert builder.exitcode == 0
    finally:
        if builder.is_alive():
            builder.kill()
    assert plans_during_build >= 1


def test_a_build_killed_midway_leaves_the_published_version_and_the_next_build_succeeds(
        tmp_path):
    settings = _first_build(tmp_path)
    before = _published_contents(settings)
    _more_history(settings)
    log = Path(settings.data_root) / "dbt" / "logs" / "dbt.log"
    logged_before = log.stat().st_size
    builder = _start_build_process(settings)
    try:
        deadline = time.monotonic() + 300
        # kill it once dbt has rewritten the first incremental models, halfway through
        while "int_counter_intervals_interpolated" not in log.read_text()[logged_before:]:
            assert builder.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(builder.pid, signal.SIGKILL)
        builder.join(timeout=60)
    finally:
        if builder.is_alive():
            builder.kill()
    assert builder.exitcode == -signal.SIGKILL
    assert _published_contents(settings) == before

    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()
    assert _published_contents(settings)[0] == "2026-06-01 07:59:00+00"
    leftovers = [p.name for p in versions_dir(settings).iterdir() if p.name.endswith("building")]
    assert leftovers == []


def test_a_failed_build_publishes_nothing_and_leaves_its_files_to_the_next(tmp_path):
    settings = _first_build(tmp_path)
    before = _published_contents(settings)
    version_before = Path(settings.warehouse_path).resolve()
    _more_history(settings)
    # a model that cannot compile its SQL: dbt reports an error
    failed = build_warehouse(settings, unit_tests=False, quiet=True,
                             vars_={"balance_tolerance_pct": "'not a number'"})
    assert not failed.success and failed.published_version is None
    assert "Nothing published" in failed.summary_markdown()
    assert Path(settings.warehouse_path).resolve() == version_before
    assert _published_contents(settings) == before
    assert [p.name for p in versions_dir(settings).iterdir()] == [version_before.parent.name]

    report = build_warehouse(settings, unit_tests=False, quiet=True)
    assert report.success, report.summary_markdown()
    # the failed build recorded nothing: its new file is still new to this one
    assert report.late is not None and report.late.new_files == 1
    assert _published_contents(settings)[0] == "2026-06-01 07:59:00+00"
