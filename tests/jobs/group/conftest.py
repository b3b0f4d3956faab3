"""The three hand-made parks exported and rolled up once for the group tests."""

from __future__ import annotations

import pytest

from jobs.group.export import export_park_marts
from jobs.group.rollup import run_group_rollup
from tests.jobs.group.hand_parks import NAMES, mart_tables, write_warehouse

PARKS = ["p-a", "p-b", "p-c"]


@pytest.fixture(scope="session")
def rolled_up(tmp_path_factory):
    root = tmp_path_factory.mktemp("group")
    for park in PARKS:
        warehouse = write_warehouse(root / park / "warehouse.duckdb", mart_tables(park))
        export_park_marts(park, warehouse, str(root / "store"), NAMES[park])
    # p-gone was never exported: reported, and the three others still built
    summary = run_group_rollup([*PARKS, "p-gone"], str(root / "store"), root / "group.duckdb")
    return summary, root / "group.duckdb", root


