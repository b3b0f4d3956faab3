"""The group-rollup flow: the parks that exported are published; a park left out (never
exported) is named, and the run fails after publishing the others, so the platform team hears
of it as of any failed run."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from flows.group import group_rollup
from jobs.group.export import export_park_marts
from tests.jobs.group.hand_parks import mart_tables, write_warehouse


def test_group_rollup_publishes_the_good_parks_and_fails_naming_the_missing_one(tmp_path):
    export_park_marts("p-a", write_warehouse(tmp_path / "p-a.duckdb", mart_tables("p-a")),
                      str(tmp_path / "store"))
    (tmp_path / "parks.yaml").write_text(yaml.safe_dump({"parks": [
        {"id": park, "config_dir": park, "data_root": f"data/{park}"}
        for park in ("p-a", "p-late")]}))
    group_file = tmp_path / "group.yaml"
    group_file.write_text(yaml.safe_dump({
        "group": {"id": "east", "name_zh": "华东", "name_en": "East"}, "registry": "parks.yaml",
        "root": "store", "warehouse_path": "group.duckdb",
        "management": [{"name": "x", "email": "x@group.example.cn"}]}))
    with pytest.raises(RuntimeError, match="park p-late: .*park_id=p-late.*not been exported"):
        group_rollup(group_config=str(group_file))
    with duckdb.connect(str(tmp_path / "group.duckdb"), read_only=True) as connection:
        assert connection.execute("select parks_reporting, grid_import_kwh "
                                  "from fct_group_national_monthly").fetchall() == [(1, 1000.0)]
