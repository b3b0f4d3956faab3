"""Shared fixtures: free loopback ports, small relocatable parks, a temporary data root."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from device_io.simulator.ports import relocate_to_free_ports
from jobs.common.park_config import ParkConfig, check_devices_against_maps
from jobs.common.register_map import load_register_maps
from jobs.common.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "config"


def relocate_endpoints(park: dict) -> dict:
    return relocate_to_free_ports(park)


def settings_for(park: dict, data_root: Path) -> Settings:
    maps = load_register_maps(CONFIG_DIR / "register_maps")
    config = ParkConfig.model_validate(park)
    check_devices_against_maps(config, maps, Path("<test park>"))
    return Settings(config_dir=CONFIG_DIR, park_path=Path("<test park>"),
                    data_root=str(data_root), park=config, register_maps=maps)


def write_park_file(park: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(park, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_park_dict() -> dict:
    return yaml.safe_load((CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def demo_settings(demo_park_dict: dict, tmp_path: Path) -> Settings:
    """The shipped demo park on free ports, landing into a temporary data root."""
    return settings_for(relocate_endpoints(demo_park_dict), tmp_path / "data")
