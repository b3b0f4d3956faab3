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


def test_the_scope2_worked_example_runs_as_a_dbt_unit_test(tmp_path: Path):
    """The reference README's worked example (5,366 / 3,513.6 tCO2, 50 %, 1,474.8 tce) is a dbt
    unit test on the carbon mart; it must have run, and passed, in the build."""
    settings = settings_for(relocate_endpoints(generate_park(15, seed=1)), tmp_path / "data")
    report = build_warehouse(settings, select="+fct_enterprise_monthly_carbon")
    unit_tests = [n for n in report.nodes if n.resource_type == "unit_test"]
    assert [n.unique_id.rsplit(".", 1)[-1] for n in unit_tests] == [
        "scope2_worked_example_from_the_reference"]
    assert unit_tests[0].status == "pass", unit_tests[0].message
