"""The group's own config file: who the group is, which park registry it covers, where the
parks export their marts (the group's store), where the group's DuckDB file lives, and who in
the group's management gets the monthly group scorecard, from which mail server.

    group:
      id: east-china
      name_zh: 华东园区集团
      name_en: East China park group
    registry: parks.yaml                    # the park registry, relative to this file
    root: s3://park-group/group             # the group's store: a path or an fsspec URL
    warehouse_path: /var/lib/park/group/group.duckdb     # local, like a park's
    management:
      - {name: 王总, email: ceo@group.example.cn}         # language: zh (default) or en
    mail: {host: smtp.group.example.cn, port: 587, sender: scorecards@group.example.cn}

PARK_GROUP_CONFIG names it (never guessed). Checked like every config file: the file, the
key and the reason are named, with no traceback."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from jobs.common.config_errors import ConfigError
from jobs.common.config_load import load_yaml_model
from jobs.common.config_types import Identifier, Strict
from jobs.common.operations_settings import MailSettings
from jobs.common.park_sections import Contact
from jobs.common.parks import load_registry

GROUP_CONFIG_ENV = "PARK_GROUP_CONFIG"
MAX_GROUP_FILE_BYTES = 256 * 1024


class GroupIdentity(Strict):
    id: Identifier
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"  # the group's months and its scorecard's dates


class GroupConfig(Strict):
    group: GroupIdentity
    registry: str = Field(min_length=1, description="the park registry file")
    root: str = Field(min_length=1, description="the group's store: a path or an fsspec URL")
    warehouse_path: str = Field(min_length=1, description="the group's DuckDB file (local)")
    management: list[Contact] = Field(min_length=1)
    mail: MailSettings = MailSettings()

    @field_validator("warehouse_path")
    @classmethod
    def _local(cls, value: str) -> str:
        if "://" in value:
            raise ValueError(f"{value!r} must be a local path: DuckDB writes a local file")
        return value

    @model_validator(mode="after")
    def _distinct_addresses(self) -> GroupConfig:
        seen: set[str] = set()
        for contact in self.management:
            if contact.email.lower() in seen:
                raise ValueError(f"management lists {contact.email} twice")
            seen.add(contact.email.lower())
        return self


class Group:
    """A validated group config with its paths made absolute and its registry loaded."""

    def __init__(self, source: Path, config: GroupConfig) -> None:
        base = source.resolve().parent
        self.source = source
        self.config = config

        def local(value: str) -> str:
            return value if "://" in value or Path(value).is_absolute() else str(base / value)

        self.root = local(config.root)
        self.warehouse_path = Path(local(config.warehouse_path))
        self.registry_path = Path(local(config.registry))
        _, self.registry = load_registry(self.registry_path)

    def park_ids(self) -> list[str]:
        return [entry.id for entry in self.registry.parks]


def load_group(path: Path | str | None = None) -> Group:
    """The group named by `path` or PARK_GROUP_CONFIG; ConfigError naming file, key and why."""
    named = path or os.environ.get(GROUP_CONFIG_ENV)
    if not named:
        raise ConfigError(f"no group config: set {GROUP_CONFIG_ENV} to the group's file "
                          "(docs/park_groups.md, \"The group warehouse\")")
    source = Path(named)
    return Group(source, load_yaml_model(source, GroupConfig, "group config",
                                         MAX_GROUP_FILE_BYTES))


def configured_group() -> Group | None:
    """The workers' group, or None where no group is configured (a park that is alone)."""
    return load_group() if os.environ.get(GROUP_CONFIG_ENV) else None

