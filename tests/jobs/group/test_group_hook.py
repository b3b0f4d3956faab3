"""The warehouse flow's post-build hook: a park in the group (PARK_GROUP_CONFIG, its registry
lists the park) exports its marts after its build; a park that is alone, or not listed,
exports nothing and needs no group file."""

from __future__ import annotations

import dataclasses

import yaml

from jobs.group.hook import export_after_build
from jobs.group.marts import GROUP_MARTS
from tests.jobs.group.hand_parks import mart_tables, write_warehouse


def _group(tmp_path, park_ids):
    (tmp_path / "parks.yaml").write_text(yaml.safe_dump({"parks": [
        {"id": park, "config_dir": park, "data_root": f"data/{park}"} for park in park_ids]}))
    path = tmp_path / "group.yaml"
    path.write_text(yaml.safe_dump({
        "group": {"id": "east", "name_zh": "华东", "name_en": "East"}, "registry": "parks.yaml",
        "root": "store", "warehouse_path": "group.duckdb",
        "management": [{"name": "x", "email": "x@group.example.cn"}]}))
    return path


def test_a_park_in_the_group_exports_after_its_build(demo_settings, tmp_path, monkeypatch):
    park_id = demo_settings.park.park.id
    warehouse = write_warehouse(tmp_path / "w.duckdb", mart_tables("p-a"))
    settings = dataclasses.replace(demo_settings, warehouse_file=str(warehouse))
    monkeypatch.delenv("PARK_GROUP_CONFIG", raising=False)
    assert export_after_build(settings) is None  # alone: nothing, no group file needed
    monkeypatch.setenv("PARK_GROUP_CONFIG", str(_group(tmp_path, ["other-park"])))
    assert export_after_build(settings) is None  # not in this group
    monkeypatch.setenv("PARK_GROUP_CONFIG", str(_group(tmp_path, ["other-park", park_id])))
    done = export_after_build(settings)
    assert done is not None and set(done.rows) == set(GROUP_MARTS)
    for mart in GROUP_MARTS:
        assert (tmp_path / "store" / mart / f"park_id={park_id}" / "data.parquet").is_file()
