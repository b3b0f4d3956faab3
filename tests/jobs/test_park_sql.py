"""`park sql` on a hand-made warehouse file: values in full in every format, a cap that says
so, and clear errors for a missing warehouse and a bad query (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from jobs.cli import app
from tests.conftest import CONFIG_DIR

LONG_NAME = "苏州星湖汽车零部件有限公司 · " + "很长的名字" * 12  # wider than any terminal


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    with duckdb.connect(str(root / "warehouse.duckdb")) as connection:
        connection.execute("create table t (id integer, name varchar, kwh double, "
                           "ts_utc timestamptz)")
        connection.execute("insert into t select i, ?, i * 1.5, "
                           "timestamptz '2026-12-01 00:00:00+00' + i * interval 15 minute "
                           "from range(250) r(i)", [LONG_NAME])
        connection.execute("insert into t values (999, 'a|b', -0.0, null)")
    return root


def run(data_root: Path, *args: str):
    return CliRunner().invoke(app, ["sql", "--config-dir", str(CONFIG_DIR), "--data-root",
                                    str(data_root), *args])


def test_csv_prints_every_value_in_full(data_root: Path) -> None:
    result = run(data_root, "select id, name, kwh from t where id in (3, 999) order by id",
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["id", "name", "kwh"], ["3", LONG_NAME, "4.5"], ["999", "a|b", "0.0"]]


def test_json_and_markdown(data_root: Path) -> None:
    as_json = run(data_root, "select id, kwh, ts_utc from t where id = 2", "--format", "json")
    assert json.loads(as_json.stdout) == [{"id": 2, "kwh": 3.0,
                                           "ts_utc": "2026-12-01T00:30:00+00:00"}]
    markdown = run(data_root, "select id, name from t where id = 999", "--format", "markdown")
    assert markdown.stdout.splitlines() == ["| id | name |", "|---|---|", "| 999 | a\\|b |"]


def test_the_table_folds_long_values_instead_of_cutting_them(data_root: Path) -> None:
    result = run(data_root, "select name from t where id = 0")
    assert result.exit_code == 0 and "…" not in result.output
    folded = "".join(ch for ch in result.output if ch not in "│ \n")  # the cell's lines joined
    assert folded.count("很长的名字") == 12


def test_a_capped_result_says_so_and_limit_0_shows_all(data_root: Path) -> None:
    capped = run(data_root, "select id from t order by id", "--format", "csv", "--limit", "10")
    assert capped.stdout.splitlines() == ["id", *[str(i) for i in range(10)]]
    assert "showing the first 10 rows: the query returned more" in " ".join(
        capped.stderr.split())
    everything = run(data_root, "select id from t", "--format", "csv", "--limit", "0")
    assert len(everything.stdout.splitlines()) == 1 + 251 and everything.stderr == ""
    exact = run(data_root, "select id from t", "--format", "csv", "--limit", "251")
    assert exact.stderr == ""  # exactly as many rows as the limit: nothing left out


def test_no_warehouse_and_a_bad_query_are_said_plainly(data_root: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "demo").mkdir(parents=True)
    (empty / "demo" / "warehouse.duckdb").touch()
    missing = run(empty, "select 1")
    said = " ".join(missing.output.split())
    assert missing.exit_code == 2 and missing.exception is None or isinstance(
        missing.exception, SystemExit)
    assert "no published warehouse at" in said and "run `park build` first" in said
    assert f"--data-root {empty / 'demo'}" in said
    bad = run(data_root, "select nope from t")
    assert bad.exit_code == 1 and "the query failed: Binder Error" in " ".join(
        bad.output.split())
    assert "Traceback" not in bad.output


def test_a_result_wider_than_the_terminal_is_printed_a_record_at_a_time(
        data_root: Path) -> None:
    """30 columns cannot share 80 characters: a table would squeeze them to empty slivers
    (the demo's fct_park_daily_kpis did), so each row is printed as column-value lines."""
    select = ", ".join(f"id * {i} as measured_column_{i}" for i in range(30))
    result = run(data_root, "--limit", "2", f"select {select} from t order by id")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    for row in (1, 2):
        assert ["--", "row", str(row)] in lines
    for i in range(30):
        assert [f"measured_column_{i}", str(1 * i)] in lines  # row 2: id 1
    narrow = run(data_root, "--limit", "1", "select id, kwh from t order by id")
    assert "┃ id" in narrow.output and "-- row" not in narrow.output
