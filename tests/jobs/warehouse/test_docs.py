"""Analysts' documentation: `dbt docs generate` works, every model says its grain, every mart
column is described and any DuckDB client shows the descriptions (persist_docs comments), and
the layers are in their own schemas with the marts alone in main."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.warehouse.build import build_warehouse, run_dbt
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration


def test_docs_generate_and_every_model_states_its_grain(tmp_path: Path):
    settings = settings_for(relocate_endpoints(generate_park(15, seed=1)), tmp_path / "data")
    assert build_warehouse(settings).success  # an empty landing zone still builds
    result = run_dbt(settings, "docs generate")
    assert result.success
    target = Path(settings.data_root) / "dbt" / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    assert models and set(catalog["nodes"]) >= set(models)
    for unique_id, node in models.items():
        if node["name"].startswith("stg_") or node["name"].startswith("int_"):
            continue
        assert "grain" in node["description"].lower(), unique_id

    # every column of every mart has a description, read from the database's own columns, so
    # a new column without one fails
    marts = {node["name"]: node for node in models.values()
             if node["original_file_path"].startswith("models/marts/")}
    undescribed = [f"{name}.{column}" for name, node in marts.items()
                   for column in catalog["nodes"][node["unique_id"]]["columns"]
                   if not node["columns"].get(column, {}).get("description", "").strip()]
    assert marts and not undescribed, undescribed

    # ...and the warehouse carries them as comments any client shows
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        comments = dict(connection.execute(
            "select table_name || '.' || column_name, comment from duckdb_columns() "
            "where schema_name = 'main'").fetchall())
        tables = dict(connection.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'main'"
        ).fetchall())
        schemas = dict(connection.execute(
            "select table_name, any_value(table_schema) from information_schema.tables "
            "group by table_name").fetchall())
    assert comments["fct_dispatch_plan.measured_value"].startswith("What was metered")
    assert comments["fct_energy_balance.hvac_load_within_enterprises_kwh"].startswith(
        "HVAC metered inside the enterprises' feeders")
    assert all(comments[f"{name}.{column}"] for name, node in marts.items()
               for column in catalog["nodes"][node["unique_id"]]["columns"])
    assert "grain" in tables["fct_park_daily_kpis"].lower()

    # main holds the marts only: the layers below and the seeds have schemas of their own
    assert {name for name, schema in schemas.items() if schema == "main"} == {
        node["name"] for node in models.values()
        if node["original_file_path"].startswith("models/marts/")}
    assert schemas["stg_landing__readings"] == "staging"
    assert schemas["int_counter_readings_cleaned"] == "intermediate"
    assert schemas["grid_emission_factors"] == "reference"
    assert schemas["park_landing_manifest"] == "helpers"


def test_the_reference_worked_examples_run_as_dbt_unit_tests(tmp_path: Path):
    """The reference README's worked examples are dbt unit tests: Scope 2 (5,366 / 3,513.6 tCO2,
    50 %, 1,474.8 tce) on the carbon mart and the park core indicator (0.22 > 0.2 tCO2/tce,
    6,000 tCO2 to go) on the KPI mart; both must have run, and passed, in the build."""
    settings = settings_for(relocate_endpoints(generate_park(15, seed=1)), tmp_path / "data")
    report = build_warehouse(settings, select="+fct_park_monthly_kpis")
    unit_tests = {n.unique_id.rsplit(".", 1)[-1]: n for n in report.nodes
                  if n.resource_type == "unit_test"}
    # (the models upstream of the KPI mart have unit tests of their own, which run too)
    assert set(unit_tests) >= {"scope2_worked_example_from_the_reference",
                               "core_indicator_worked_example_from_the_reference"}
    for node in unit_tests.values():
        assert node.status == "pass", node.message
