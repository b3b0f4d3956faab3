"""Errors that tell the platform team where and why a file or reading was rejected."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


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


def load_yaml_model(path: Path, model: type[Model], what: str) -> Model:
    """Read a YAML mapping and validate it; every failure names the file (and the path)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: {what} file does not exist") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a {what} must be a YAML mapping")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, raw)) from exc
