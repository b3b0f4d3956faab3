"""One typed settings object, built once from the config folder and the environment.

Paths and secrets come from the environment (or Prefect variables/blocks in deployments); the
park description comes from `config/`. Everything downstream receives a Settings explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from jobs.common.park_config import ParkConfig, load_park_config
from jobs.common.register_map import RegisterMap, load_register_maps

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULT_DATA_ROOT = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Settings:
    config_dir: Path
    park_path: Path
    data_root: str  # a local path or any fsspec URL (s3://..., memory://...)
    park: ParkConfig
    register_maps: dict[str, RegisterMap]
    # The park's own DuckDB file, from the park registry (None: PARK_WAREHOUSE_PATH or the
    # data root's warehouse.duckdb, as for a park that is alone).
    warehouse_file: str | None = None

    @property
    def landing_root(self) -> str:
        return join_path(self.data_root, "landing")

    @property
    def warehouse_path(self) -> str:
        """The published warehouse: a symlink to the last good build's version file, which
        readers open read-only (jobs.warehouse.published.connect_published) and dbt never
        writes (each build writes a new version beside it, in `<this>.versions/`)."""
        default = join_path(self.data_root, "warehouse.duckdb")
        return self.warehouse_file or os.environ.get("PARK_WAREHOUSE_PATH") or default

    def register_map_for(self, device_id: str) -> RegisterMap:
        return self.register_maps[self.park.device(device_id).register_map]


def join_path(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def load_settings(config_dir: Path | str | None = None, data_root: str | None = None,
                  park_file: str | None = None, *, park: str | None = None) -> Settings:
    """Settings from explicit arguments, else PARK_CONFIG_DIR / PARK_DATA_ROOT / PARK_FILE,
    else the defaults (./config, ./data, park.yaml). A relative park file is inside the config
    folder; an absolute one is used as it is (register maps still come from the folder).

    With `park` (an id), everything comes from that park's entry in the park registry
    (PARK_REGISTRY, jobs.common.parks) instead, and the park's own park.yaml must agree."""
    if park is not None:
        return _registered_park(park)
    config_path = Path(config_dir or os.environ.get("PARK_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    root = data_root or os.environ.get("PARK_DATA_ROOT") or str(DEFAULT_DATA_ROOT)
    park_file = park_file or os.environ.get("PARK_FILE") or "park.yaml"
    maps = load_register_maps(config_path / "register_maps")
    park_path = config_path / park_file
    config = load_park_config(park_path, maps)
    return Settings(config_dir=config_path, park_path=park_path, data_root=root, park=config,
                    register_maps=maps)


def _registered_park(park_id: str) -> Settings:
    from jobs.common.config_errors import ConfigError
    from jobs.common.parks import load_registry, resolved

    source, registry = load_registry()
    entry = resolved(registry.entry(park_id, source), source)
    settings = load_settings(entry.config_dir, entry.data_root, entry.park_file)
    if settings.park.park.id != park_id:
        raise ConfigError(f"{source}: park {park_id!r} points at {settings.park_path}, whose "
                          f"park.id is {settings.park.park.id!r}: the two must agree")
    # never the environment's PARK_WAREHOUSE_PATH: that one file would serve every park
    return replace(settings, warehouse_file=entry.warehouse_path
                   or join_path(entry.data_root, "warehouse.duckdb"))
