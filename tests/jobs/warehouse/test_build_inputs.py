"""Every dbt source is tied to the landing files it reads, so a change to them is seen."""

from __future__ import annotations

from jobs.warehouse.build import DBT_PROJECT_DIR, LANDING_SCHEMAS
from jobs.warehouse.build_inputs import changed_inputs, selection, source_globs


def test_every_landing_dataset_is_a_source_with_its_folder() -> None:
    globs = source_globs(DBT_PROJECT_DIR, "s3://bucket/park/landing/")
    assert None not in globs.values(), [name for name, glob in globs.items() if glob is None]
    by_folder = {glob: name for name, glob in globs.items()}
    for dataset in LANDING_SCHEMAS:
        assert f"s3://bucket/park/landing/{dataset}/date=*/*.parquet" in by_folder, dataset
    # reference tables are one file each, rewritten by every build's export
    assert globs["reference.devices"] == "s3://bucket/park/landing/reference/devices.parquet"


def test_a_changed_project_runs_everything_and_a_changed_source_its_downstream() -> None:
    built = {"project": "p1", "source:landing.readings": "a", "source:inbox.x": "b"}
    assert changed_inputs(None, built) is None
    assert changed_inputs(built, {**built, "project": "p2"}) is None
    assert changed_inputs(built, built) == []
    now = {**built, "source:inbox.x": "c", "source:inbox.new": "d"}
    assert changed_inputs(built, now) == ["source:inbox.x", "source:inbox.new"]
    assert selection(["source:inbox.x"]) == ["source:inbox.x+", "test_name:landing_is_fresh"]
