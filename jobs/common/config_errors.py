"""Errors that tell the platform team where and why a file or reading was rejected.

(Reading a config file into a model: jobs/common/config_load.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError


class ConfigError(ValueError):
    """A config or register-map file is wrong; the message names the file, the path and why."""


def _describe_location(loc: tuple[Any, ...], document: Any) -> str:
    """Turn pydantic's location tuple into a YAML path, naming list items by their id/name."""
    parts: list[str] = []
    node = document
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            item = node[key]
            label = None
            if isinstance(item, dict):
                label = item.get("id") or item.get("name")
            parts.append(f"[{key}]" + (f"({label})" if label else ""))
            node = item
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "<top level>"


def format_validation_error(path: Path | str, exc: ValidationError, document: Any) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            # Whole-file rules name their own paths, several problems joined by "; ".
            lines += [f"  at {problem}" for problem in message.split("; ")]
            continue
        where = _describe_location(tuple(error["loc"]), document)
        lines.append(f"  at {where}: {message}")
    return "\n".join(lines)

