"""The park registry: which parks one deployment set serves, and where each one lives.

A park group lists its parks in one YAML file, named by PARK_REGISTRY (never guessed), each
with its own config folder and data root:

    parks:
      - id: suzhou-east              # park.yaml's park.id must say the same
        config_dir: suzhou-east      # relative to this file, or absolute
        data_root: s3://park-group/suzhou-east     # a path or any fsspec URL
        warehouse_path: /var/lib/park/suzhou-east/warehouse.duckdb  # local; required with s3://

Every flow takes the park's id (`park=`); without one, the environment (PARK_CONFIG_DIR,
PARK_DATA_ROOT, PARK_FILE) describes the one park, exactly as before the registry existed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobs.common.config_errors import ConfigError
from jobs.common.config_load import load_yaml_model

REGISTRY_ENV = "PARK_REGISTRY"
MAX_REGISTRY_BYTES = 1024 * 1024
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # usable in queue, lease and block names


class ParkEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="the park's id, as in its park.yaml")
    config_dir: str = Field(description="the park's config folder (park.yaml, register_maps/)")
    park_file: str = "park.yaml"
    data_root: str = Field(description="the park's data root: a path or an fsspec URL")
    warehouse_path: str | None = Field(
        default=None, description="the park's DuckDB file (local); default <data_root>/"
                                  "warehouse.duckdb, which needs a local data root")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r} is not a park id: lowercase letters, digits and '-', "
                             "starting with a letter or digit, at most 63 characters")
        return value

    @field_validator("config_dir", "data_root", "park_file")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _warehouse_is_local(self) -> ParkEntry:
        if "://" in self.data_root and not self.data_root.startswith("file://") \
                and self.warehouse_path is None:
            raise ValueError(f"data_root {self.data_root!r} is an object store, which cannot "
                             "hold the DuckDB file: give warehouse_path (a local path)")
        if self.warehouse_path is not None and "://" in self.warehouse_path:
            raise ValueError(f"warehouse_path {self.warehouse_path!r} must be a local path")
        return self


class ParkRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    parks: list[ParkEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> ParkRegistry:
        seen_ids: set[str] = set()
        roots: dict[str, str] = {}
        for entry in self.parks:
            if entry.id in seen_ids:
                raise ValueError(f"park {entry.id!r} is listed twice")
            seen_ids.add(entry.id)
            root = entry.data_root.rstrip("/") + "/"
            for other_root, other in roots.items():
                if root.startswith(other_root) or other_root.startswith(root):
                    raise ValueError(f"parks {other!r} and {entry.id!r} share a data root "
                                     f"({other_root} / {root}): each park needs its own")
            roots[root] = entry.id
        return self

    def entry(self, park_id: str, source: Path) -> ParkEntry:
        for entry in self.parks:
            if entry.id == park_id:
                return entry
        known = ", ".join(e.id for e in self.parks)
        raise ConfigError(f"{source}: no park {park_id!r} in the registry (it lists: {known})")


def registry_path(path: Path | str | None = None) -> Path:
    named = path or os.environ.get(REGISTRY_ENV)
    if not named:
        raise ConfigError(f"a park id was given but no park registry: set {REGISTRY_ENV} to "
                          "the parks file (docs/park_groups.md)")
    return Path(named)


def load_registry(path: Path | str | None = None) -> tuple[Path, ParkRegistry]:
    """The registry file and its validated content; ConfigError naming file, entry and why."""
    source = registry_path(path)
    return source, load_yaml_model(source, ParkRegistry, "park registry", MAX_REGISTRY_BYTES)


def resolved(entry: ParkEntry, source: Path) -> ParkEntry:
    """The entry with its relative paths made absolute against the registry's folder."""
    base = source.resolve().parent

    def local(value: str) -> str:
        return value if "://" in value or Path(value).is_absolute() else str(base / value)

    return entry.model_copy(update={
        "config_dir": local(entry.config_dir), "data_root": local(entry.data_root),
        "warehouse_path": None if entry.warehouse_path is None else local(entry.warehouse_path)})
