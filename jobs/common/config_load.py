"""Reading a config file (park.yaml, a register map) into a validated model, refusing anything
doubtful with the file, where in it, and why.

Before YAML sees the text: the path must be a regular file under a size cap (checked before
reading), and the bytes must be UTF-8 (a UTF-8 byte-order mark is allowed). The YAML parser then
refuses a key given twice in one mapping (PyYAML would silently keep the last) and documents
whose aliases expand beyond a node budget (a "billion laughs" file is small on disk).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from jobs.common.config_errors import ConfigError, format_validation_error

Model = TypeVar("Model", bound=BaseModel)

MIB = 1024 * 1024
# park.yaml of a 10,000-device park is about 2 MiB; a register map is a few KiB.
MAX_PARK_FILE_BYTES = 5 * MIB
MAX_REGISTER_MAP_BYTES = 1 * MIB
# Nodes after expanding aliases: a 10,000-device park has about 150,000.
MAX_EXPANDED_NODES = 2_000_000

MERGE_TAG = "tag:yaml.org,2002:merge"  # `<<: *defaults` may repeat: it is not a key
_BYTE_ORDER_MARKS = [
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
]


def read_config_text(path: Path, what: str, max_bytes: int) -> str:
    """The file's text, or a ConfigError saying why it cannot be a config file."""
    try:
        if not path.exists():
            raise ConfigError(f"{path}: {what} file does not exist")
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory, not a {what} file")
        if not path.is_file():
            raise ConfigError(f"{path}: is not a regular file (a {what} must be one)")
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"{path}: {size:,} bytes is larger than a {what} may be "
                              f"({max_bytes:,} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} file: {exc.strerror or exc}") from exc
    return decode_utf8(path, data)


def decode_utf8(path: Path, data: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            raise ConfigError(f"{path}: the file is {encoding} text; config files must be "
                              "UTF-8 (re-save it as UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ("NUL bytes: is it UTF-16 without a byte-order mark?" if b"\x00" in data
                else "Latin-1, GBK or another legacy encoding? re-save it as UTF-8")
        raise ConfigError(f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line "
                          f"{line}, column {column} ({hint})") from exc


def _where(path: list[str | tuple[int, str | None]]) -> str:
    text = ""
    for part in path:
        if isinstance(part, tuple):
            index, label = part
            text += f"[{index}]" + (f"({label})" if label else "")
        else:
            text += f".{part}" if text else part
    return text or "<top level>"


def _label(node: yaml.Node) -> str | None:
    """A list item's id or name, as the validation messages name it."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value in ("id", "name") and isinstance(value_node, yaml.ScalarNode):
                return value_node.value
    return None


def _check_nodes(node: yaml.Node, path: list[str | tuple[int, str | None]],
                 budget: list[int]) -> None:
    """Duplicate keys and the alias-expanded size, over the composed node graph."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError(f"more than {MAX_EXPANDED_NODES:,} values once aliases are "
                          "expanded: refused (an alias bomb?)")
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_nodes(item, [*path, (index, _label(item))], budget)
    elif isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE_TAG:
                if key in first_line:
                    raise ConfigError(
                        f"{_where([*path, key])}: key {key!r} is given twice in one mapping "
                        f"(line {first_line[key]} and line {key_node.start_mark.line + 1})")
                first_line[key] = key_node.start_mark.line + 1
            _check_nodes(value_node, [*path, key], budget)


def parse_yaml(path: Path, text: str) -> Any:
    """The document, refusing duplicate keys, alias bombs and anything PyYAML cannot read."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            _check_nodes(node, [], [MAX_EXPANDED_NODES])
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from exc
    finally:
        loader.dispose()


def load_yaml_model(path: Path, model: type[Model], what: str,
                    max_bytes: int = MAX_PARK_FILE_BYTES) -> Model:
    """Read a YAML mapping and validate it; every failure names the file (and the path)."""
    raw = parse_yaml(path, read_config_text(path, what, max_bytes))
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a {what} must be a YAML mapping")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc, raw)) from exc
