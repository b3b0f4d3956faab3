"""The `park` command line, run as a user would, against a simulator in its own process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.cli import app
from jobs.common import landing
from jobs.common.park_yaml import write_park_yaml
from tests.conftest import CONFIG_DIR

runner = CliRunner()


def test_validate_reports_the_demo_park():
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "10 enterprises, 121 devices" in result.output
    assert "sunspec_inverter_103" in result.output


def test_a_bad_park_file_is_rejected_with_file_path_and_reason(tmp_path: Path):
    shutil.copytree(CONFIG_DIR / "register_maps", tmp_path / "register_maps")
    park = yaml.safe_load((CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))
    park["devices"][5]["register_map"] = "no_such_meter"
    (tmp_path / "park.yaml").write_text(yaml.safe_dump(park, allow_unicode=True))
    result = runner.invoke(app, ["validate", "--config-dir", str(tmp_path)],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert f"{tmp_path / 'park.yaml'}: 1 problem(s)" in flat
    assert f"devices[5]({park['devices'][5]['id']}).register_map" in flat
    assert "unknown register map 'no_such_meter'" in flat


def test_help_explains_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "simulate", "harvest", "backfill", "compact", "generate-park",
                    "demo"):
        assert command in result.output


@pytest.mark.integration
def test_generate_simulate_harvest_backfill_compact(tmp_path: Path):
    park_file = tmp_path / "park.yaml"
    result = runner.invoke(app, ["generate-park", "--devices", "25", "--out", str(park_file)])
    assert result.exit_code == 0, result.output
    write_park_yaml(relocate_to_free_ports(yaml.safe_load(park_file.read_text())), park_file)
    data = tmp_path / "data"
    common = ["--config-dir", str(CONFIG_DIR), "--park-file", str(park_file)]

    with simulator_process(CONFIG_DIR, str(park_file)):
        result = runner.invoke(app, ["harvest", *common, "--data-root", str(data),
                                     "--cycles", "2", "--interval-s", "0.5"])
    assert result.exit_code == 0, result.output
    assert "25/25 devices good" in result.output
    live = landing.read_dataset(str(data / "landing"), "readings")
    assert set(live["quality"].to_pylist()) <= {"good", "invalid"}
    assert len(set(live["device_id"].to_pylist())) == 25

    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)
    result = runner.invoke(app, ["backfill", *common, "--data-root", str(data), "--days", "0.25",
                                 "--end", end.isoformat()])
    assert result.exit_code == 0, result.output
    day = (end - dt.timedelta(hours=1)).date()
    before = landing.read_dataset(str(data / "landing"), "readings", [day])
    result = runner.invoke(app, ["compact", *common, "--data-root", str(data)])
    assert result.exit_code == 0, result.output
    after = landing.read_dataset(str(data / "landing"), "readings", [day])
    assert after.num_rows == before.num_rows > 0
    assert len(landing.list_partition_files(str(data / "landing"), "readings", day)) == 1

    result = runner.invoke(app, ["build", *common, "--data-root", str(data)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sql", *common, "--data-root", str(data),
                                 "select count(*) as quarter_hours from fct_energy_balance"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "quarter_hours" in result.output
