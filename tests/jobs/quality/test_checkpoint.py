"""The generic GX wiring validates any named DataFrames with their suites in one Checkpoint and
names every failing row, so mart checks can reuse it later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pytest

from jobs.quality.checkpoint import CheckTable, DocsSite, ExpectationError, validate_tables

RUN_TIME = dt.datetime(2026, 7, 1, 6, 0, tzinfo=dt.UTC)


def _tables() -> list[CheckTable]:
    prices = pd.DataFrame({"row_id": range(1, 6), "price_cny_per_kwh": [0.3, 0.9, -1.0, 0.5, 9.0]})
    shares = pd.DataFrame({"row_id": [1, 2], "share_pct": [40.0, 60.0]})
    return [
        CheckTable("prices", prices, gx.ExpectationSuite(name="prices_suite", expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="price_cny_per_kwh", min_value=0,
                                              max_value=5, meta={"check": "price_range"})])),
        CheckTable("shares", shares, gx.ExpectationSuite(name="shares_suite", expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="share_pct", min_value=0, max_value=100)])),
    ]


def test_every_failing_row_is_named_by_its_row_id():
    tables = _tables()
    outcome = validate_tables(tables, checkpoint_name="marts", run_name="t1", run_time=RUN_TIME)
    assert not outcome.success
    by_table = {o.table: o for o in outcome.expectations}
    assert by_table["prices"].check == "price_range"
    assert sorted(by_table["prices"].failing_row_ids) == [3, 5]
    assert by_table["prices"].evaluated_rows == 5
    assert by_table["shares"].success and by_table["shares"].failing_row_ids == []
    failing = outcome.failing_rows("prices", tables[0].frame, "price_range")
    assert failing["price_cny_per_kwh"].tolist() == [-1.0, 9.0]
    assert outcome.result_json["statistics"]["evaluated_validations"] == 2


def test_data_docs_keep_every_run_listed(tmp_path: Path):
    docs = DocsSite(site_dir=str(tmp_path / "site"), results_dir=str(tmp_path / "results"))
    for run_name in ("run-a", "run-b", "run-b"):  # run-b twice: replaced, not duplicated
        outcome = validate_tables(_tables(), checkpoint_name="marts", run_name=run_name,
                                  run_time=RUN_TIME, docs=docs)
    assert outcome.docs_index_path == str(tmp_path / "site" / "index.html")
    pages = sorted(p.relative_to(tmp_path / "site").parts[2]
                   for p in (tmp_path / "site" / "validations").rglob("*.html"))
    assert pages == ["run-a", "run-a", "run-b", "run-b"]  # two suites per run


def test_a_table_without_row_ids_is_refused():
    table = CheckTable("bad", pd.DataFrame({"x": [1]}), gx.ExpectationSuite(name="bad_suite"))
    with pytest.raises(ValueError, match="row_id"):
        validate_tables([table], checkpoint_name="c", run_name="r", run_time=RUN_TIME)


def test_an_expectation_gx_cannot_evaluate_is_an_error_not_a_pass():
    table = CheckTable("t", pd.DataFrame({"row_id": [1]}), gx.ExpectationSuite(
        name="t_suite",
        expectations=[gxe.ExpectColumnValuesToBeBetween(column="missing", min_value=0)]))
    with pytest.raises(ExpectationError, match='column "missing"'):
        validate_tables([table], checkpoint_name="c", run_name="r", run_time=RUN_TIME)
