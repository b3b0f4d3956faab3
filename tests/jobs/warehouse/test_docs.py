"""Analysts' documentation: `dbt docs generate` works and every model says its grain."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_the_reference_worked_examples_run_as_dbt_unit_tests(tmp_path: Path):
    """The reference README's worked examples are dbt unit tests: Scope 2 (5,366 / 3,513.6 tCO2,
    50 %, 1,474.8 tce) on the carbon mart and the park core indicator (0.22 > 0.2 tCO2/tce,
    6,000 tCO2 to go) on the KPI mart; both must have run, and passed, in the build."""
    settings = settings_for(relocate_endpoints(generate_park(15, seed=1)), tmp_path / "data")
    report = build_warehouse(settings, select="+fct_park_monthly_kpis")
    unit_tests = {n.unique_id.rsplit(".", 1)[-1]: n for n in report.nodes
                  if n.resource_type == "unit_test"}
    assert set(unit_tests) == {"scope2_worked_example_from_the_reference",
                               "core_indicator_worked_example_from_the_reference"}
    for node in unit_tests.values():
        assert node.status == "pass", node.message
