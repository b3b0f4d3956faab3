"""The park registry: parks as parameters. A park's id finds its own config folder, data root
and warehouse; a doubtful registry is refused naming the file, the entry and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from device_io.simulator.park_generator import generate_park
from jobs.common.config_errors import ConfigError
from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import load_settings
from tests.conftest import CONFIG_DIR, PROJECT_ROOT


def _park_folder(root: Path, park_id: str, seed: int) -> Path:
    """A park's own config folder: its park.yaml and the shared register maps."""
    folder = root / park_id
    folder.mkdir()
    park = generate_park(10, seed=seed)
    park["park"]["id"] = park_id
    write_park_yaml(park, folder / "park.yaml")
    (folder / "register_maps").symlink_to(CONFIG_DIR / "register_maps")
    return folder


def _registry(root: Path, parks: list[dict]) -> Path:
    path = root / "parks.yaml"
    path.write_text(yaml.safe_dump({"parks": parks}), encoding="utf-8")
    return path


def test_each_park_id_loads_its_own_config_data_root_and_warehouse(tmp_path, monkeypatch):
    _park_folder(tmp_path, "east", 1)
    _park_folder(tmp_path, "west", 2)
    registry = _registry(tmp_path, [
        {"id": "east", "config_dir": "east", "data_root": "data/east"},
        {"id": "west", "config_dir": str(tmp_path / "west"), "data_root": "s3://group/west",
         "warehouse_path": "warehouses/west.duckdb"}])
    monkeypatch.setenv("PARK_REGISTRY", str(registry))
    monkeypatch.setenv("PARK_DATA_ROOT", str(tmp_path / "single"))  # the lone park's: unused
    monkeypatch.setenv("PARK_WAREHOUSE_PATH", str(tmp_path / "single.duckdb"))
    east, west = load_settings(park="east"), load_settings(park="west")
    assert (east.park.park.id, west.park.park.id) == ("east", "west")
    assert east.data_root == str(tmp_path / "data" / "east")  # relative to the registry
    assert east.warehouse_path == str(tmp_path / "data" / "east" / "warehouse.duckdb")
    assert east.park_path == tmp_path / "east" / "park.yaml"
    assert west.data_root == "s3://group/west"
    assert west.warehouse_path == str(tmp_path / "warehouses" / "west.duckdb")
    assert east.park.devices != west.park.devices
    # without a park id: the environment's park, as before the registry
    alone = load_settings(CONFIG_DIR)
    assert alone.data_root == str(tmp_path / "single")
    assert alone.warehouse_path == str(tmp_path / "single.duckdb")


@pytest.mark.parametrize(("parks", "message"), [
    ([{"id": "east", "config_dir": "east", "data_root": "d/e"},
      {"id": "east", "config_dir": "east", "data_root": "d/f"}], "park 'east' is listed twice"),
    ([{"id": "east", "config_dir": "east", "data_root": "d"},
      {"id": "west", "config_dir": "west", "data_root": "d/west"}], "share a data root"),
    ([{"id": "east", "config_dir": "east", "data_root": "s3://group/east"}],
     "give warehouse_path"),
    ([{"id": "East Park", "config_dir": "east", "data_root": "d"}], "is not a park id"),
    ([{"id": "east", "config_dir": "east", "data_root": "d", "datroot": "x"}], "datroot"),
    ([], "at least 1"),
])
def test_a_doubtful_registry_is_refused_naming_the_file_and_why(tmp_path, monkeypatch, parks,
                                                               message):
    monkeypatch.setenv("PARK_REGISTRY", str(_registry(tmp_path, parks)))
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings(park="east")
    assert "parks.yaml" in str(refused.value)


def test_an_unknown_park_a_mismatched_id_and_no_registry_are_refused(tmp_path, monkeypatch):
    _park_folder(tmp_path, "east", 1)
    monkeypatch.setenv("PARK_REGISTRY", str(_registry(tmp_path, [
        {"id": "east", "config_dir": "east", "data_root": "d/east"},
        {"id": "north", "config_dir": "east", "data_root": "d/north"}])))
    with pytest.raises(ConfigError, match="no park 'south' in the registry.*east, north"):
        load_settings(park="south")
    with pytest.raises(ConfigError, match="park.id is 'east': the two must agree"):
        load_settings(park="north")
    monkeypatch.delenv("PARK_REGISTRY")
    with pytest.raises(ConfigError, match="set PARK_REGISTRY"):
        load_settings(park="east")


def test_the_notifications_command_refuses_an_unknown_park_without_a_traceback(tmp_path):
    registry = _registry(tmp_path, [{"id": "east", "config_dir": "east", "data_root": "d"}])
    result = subprocess.run(
        [sys.executable, "-m", "flows.notifications", "--webhook-url", "http://127.0.0.1:9/x",
         "--park", "south"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={"PARK_REGISTRY": str(registry), "PATH": "/usr/bin:/bin",
             "HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "prefect")})
    assert result.returncode == 2
    assert "no park 'south' in the registry" in result.stderr
    assert "Traceback" not in result.stderr
