"""A park dict written as readable YAML (one line per device, window or load profile),
atomically: the synthetic parks of the generator and the benchmarks."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


class _Flow(dict):
    """A mapping written on one line, so a device or window reads as one row."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(),
                                                         flow_style=True))


def _rows(node: Any, flow: bool = False, key: str | None = None) -> Any:
    """Leaf mappings in lists (and load profiles) become one-line rows; sections stay blocks."""
    if isinstance(node, dict):
        items = {k: _rows(v, flow=(key == "load_profiles"), key=k) for k, v in node.items()}
        leaf = all(not isinstance(v, dict) and not (isinstance(v, list) and v
                                                     and isinstance(v[0], dict))
                   for v in items.values())
        return _Flow(items) if flow and leaf else items
    if isinstance(node, list):
        return [_rows(item, flow=True) for item in node]
    return node


def write_park_yaml(config: dict[str, Any], path: Path, *, header: str | None = None) -> None:
    """Write a park dict as readable YAML, atomically (temp file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if header is None:
        header = ("Synthetic park written by device_io.simulator.park_generator. "
                  "See config/park.yaml for what each section means.")
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.dump(_rows(config), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=4096)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; a config file is read by other services
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(comment + body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
