"""Settings for a park that exists only as a dict (a generated park, a scenario of the demo
park): written to a work folder as park.yaml, with its own data root there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobs.common.park_yaml import write_park_yaml
from jobs.common.settings import DEFAULT_CONFIG_DIR, Settings, load_settings


def park_settings(park: dict[str, Any], workdir: Path) -> Settings:
    """Write the park to `workdir/park.yaml` (register maps stay those of ./config); its data
    root is `workdir/data`."""
    park_file = workdir / "park.yaml"
    write_park_yaml(park, park_file)
    return load_settings(DEFAULT_CONFIG_DIR, str(workdir / "data"), str(park_file))
