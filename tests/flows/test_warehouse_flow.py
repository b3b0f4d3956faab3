"""The warehouse flow under Prefect: dbt builds from landed history and the result is published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from flows.warehouse import warehouse, warehouse_service
from jobs.warehouse import warm_dbt

pytestmark = pytest.mark.integration


def test_warehouse_flow_builds_and_tests(park_environment):
    settings = park_environment(generate_park(20, seed=8))
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    generate_history(settings, start, start + dt.timedelta(hours=2))
    result = warehouse(quality_days=[start.date()])
    assert result["models"] > 5 and result["tests_passed"] > 5
    # two healthy hours: the mart distribution checks ran on the built marts and passed
    assert result["marts_quality_success"] is True
    assert list((Path(settings.data_root) / "quality").glob("marts-*/checkpoint_result.json"))
    assert (Path(settings.data_root) / "quality").is_dir()
    # what the marts were checked on is what was published: the file readers open
    assert Path(settings.warehouse_path).resolve() == Path(result["published_version"])
    assert result["late_files"] == 0 and result["recomputed_from_utc"] is None
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        intervals = connection.execute("select count(*) from fct_energy_balance").fetchone()
    assert intervals == (7,)  # the last quarter-hour waits for a reading at 02:00


@pytest.mark.timeout(900)  # two builds; minutes on a loaded machine
def test_warehouse_service_builds_each_time_from_one_parse(park_environment, monkeypatch):
    """Two builds in one service run: both published, the project parsed once (dbt's parse
    invocations counted), and keeping is off again after the run."""
    from dbt.cli.main import dbtRunner

    settings = park_environment(generate_park(20, seed=8))
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    generate_history(settings, start, start + dt.timedelta(hours=2))
    commands: list[str] = []
    invoke = dbtRunner.invoke

    def counting(self, args, **kwargs):
        commands.append(args[0])
        return invoke(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", counting)
    results = warehouse_service(builds=2, every_minutes=0)
    # no readings landed between the two builds: the second runs only the models downstream
    # of what changed (jobs/warehouse/build_inputs.py): the quarantine file the first run's
    # landing checkpoint wrote (3 of 70 models on 2026-12-05), and still publishes
    assert results[0]["models"] > 5 and 0 < results[1]["models"] < results[0]["models"] / 4
    assert results[0]["published_version"] != results[1]["published_version"]
    assert Path(settings.warehouse_path).resolve() == Path(results[1]["published_version"])
    assert commands.count("parse") == 1 and commands.count("build") == 2
    assert not warm_dbt.is_kept()
