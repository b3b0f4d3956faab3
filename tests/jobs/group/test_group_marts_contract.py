"""The columns the group reads exist in the parks' marts: each is a documented column of its
mart in the park project (whose docs test holds every mart's columns to its YAML)."""

from __future__ import annotations

import yaml

from jobs.group.marts import GROUP_MARTS
from tests.conftest import PROJECT_ROOT


def test_every_column_the_group_reads_is_a_documented_park_mart_column():
    documented: dict[str, set[str]] = {}
    for path in (PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob("_*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            documented[model["name"]] = {c["name"] for c in model.get("columns", [])}
    for mart, columns in GROUP_MARTS.items():
        assert mart in documented, mart
        assert set(columns) <= documented[mart], (mart, set(columns) - documented[mart])
