"""Each model's checks folded into one `row_contract` test still fail, each naming itself.

A generated park's three hours are built; then one bad row per kind of check is written into
the published warehouse by hand (what each row breaks is known from what was written, not
from the code). The hourly build's tests (the folded ones) must fail with a message naming
each planted check and its column, and the nightly build's tests (the separate ones, every
row) must fail on exactly the same checks: the fold loses none.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.bench.readings_generator import ReadingsGenerator
from jobs.bench.readings_landing import land_period
from jobs.common.generated_park import park_settings
from jobs.warehouse import build as build_module
from jobs.warehouse import folded_tests
from jobs.warehouse.build import DBT_PROJECT_DIR, build_warehouse, run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]
START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
# model -> (check, column) each planted row breaks; '' for a check of the whole row
PLANTED = {
    "dim_devices": {("accepted_values", "device_kind")},
    "dim_enterprises": {("unique", "enterprise_id")},
    "fct_interval_energy": {("not_negative", "energy_kwh"), ("relationships", "device_id"),
                            ("not_null", "energy_flow"), ("unique_combination", ""),
                            ("within_physical_limit", "")},
    "fct_device_daily_quality": {("expression_holds", "")},
    "fct_energy_balance": {("balance_closes_where_measured", "")},
}
EXPLAINED = re.compile(r"(\w+) on (\w+|the row): (\d+) rows? \((\w+)\)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("folded")
    settings = park_settings(generate_park(12, seed=5), workdir)
    land_period(settings, ReadingsGenerator(settings, seed=5), START,
                START + dt.timedelta(hours=3))
    first = build_warehouse(settings, unit_tests=False, quiet=True)
    assert first.success, first.summary_markdown()
    return settings, first.published_version


def test_a_planted_bad_row_of_each_kind_fails_the_folded_test_by_name(built) -> None:
    settings, published = built
    _plant(published)
    hourly = build_warehouse(settings, unit_tests=False, quiet=True,
                             select=f"test_name:{folded_tests.FOLDED_TEST}")
    assert not hourly.success and hourly.published_version is None
    attached = _attached_models(settings)
    named: dict[str, set[tuple[str, str]]] = {}
    separate_names: set[str] = set()
    for node in hourly.failed:
        found = EXPLAINED.findall(node.message or "")
        assert found, node.message
        named[attached[node.unique_id]] = {(check, "" if column == "the row" else column)
                                           for check, column, _, _ in found}
        assert {int(rows) for _, _, rows, _ in found} == {1}, node.message  # one row each
        separate_names |= {test for *_, test in found}
    assert named == PLANTED

    # the separate tests over every row (as the nightly build runs them; `dbt test`, which
    # unlike `dbt build` does not skip the tests of models downstream of a failed one): the
    # same checks fail
    copy = Path(settings.data_root) / "separate.duckdb"
    shutil.copy(published, copy)
    separate = run_dbt(settings, "test", "--select", "test_type:data",
                       *folded_tests.exclusions(full_checks=True),
                       "--vars", json.dumps({"full_checks": True}), database=copy)
    results = separate.result.results
    assert not any(r.node.name.startswith(folded_tests.FOLDED_TEST) for r in results)
    assert {r.node.name for r in results if str(r.status) == "fail"} == separate_names


def test_a_reading_landed_twice_in_the_cleaned_readings_fails_the_sorted_check(built) -> None:
    """The cleaned readings' uniqueness is checked by a sort (unique_combination's sorted_by),
    not a grouping: a newest row planted twice fails the folded test (the hourly build's, one
    row) and the separate one over every row (the nightly build's). Planted in a copy on its
    own: a failed test upstream of the other planted models would skip theirs in a build."""
    settings, published = built
    copy = Path(settings.data_root) / "twice.duckdb"
    shutil.copy(published, copy)
    with duckdb.connect(str(copy)) as db:
        db.execute("insert into intermediate.int_counter_readings_cleaned "
                   "select * from intermediate.int_counter_readings_cleaned "
                   "order by ts_utc desc, device_id, point limit 1")
    for full_checks in (False, True):
        result = run_dbt(settings, "test", "--select", "int_counter_readings_cleaned",
                         *folded_tests.exclusions(full_checks=full_checks),
                         "--vars", json.dumps({"full_checks": full_checks}), database=copy)
        failed = {r.node.name: r.failures for r in result.result.results
                  if str(r.status) == "fail"}
        assert len(failed) == 1, failed
        name, rows = failed.popitem()
        expected = (f"{folded_tests.FOLDED_TEST}_int_counter_readings_cleaned" if not full_checks
                    else "unique_combination_int_counter_readings_cleaned_")
        assert name.startswith(expected) and rows == 1, (name, rows)


def test_every_model_with_a_folded_kind_of_check_has_its_row_contract(built) -> None:
    """Else an hourly build (which leaves the separate tests out) would not check it."""
    settings, _ = built
    tests = [n for n in _manifest(settings)["nodes"].values()
             if n["resource_type"] == "test" and n.get("test_metadata")]
    checked = {n["attached_node"] for n in tests
               if n["test_metadata"]["name"] in folded_tests.FOLDED_TESTS
               and n["config"]["severity"].lower() == "error"}
    folded = {n["attached_node"] for n in tests
              if n["test_metadata"]["name"] == folded_tests.FOLDED_TEST}
    assert checked and checked == folded
    macro = (DBT_PROJECT_DIR / "macros" / "row_contract.sql").read_text()
    listed = re.search(r"macro folded_tests\(\).*?return\((\[.*?\])\)", macro, re.S)
    assert listed is not None
    assert re.findall(r"'(\w+)'", listed.group(1)) == list(folded_tests.FOLDED_TESTS)


def _manifest(settings) -> dict:
    return json.loads((Path(settings.data_root) / "dbt" / "target" / "manifest.json")
                      .read_text())


def _attached_models(settings) -> dict[str, str]:
    """test unique_id -> the name of the model it tests"""
    return {uid: n["attached_node"].split(".")[-1]
            for uid, n in _manifest(settings)["nodes"].items()
            if n["resource_type"] == "test" and n.get("attached_node")}


def _plant(published: str) -> None:
    """One bad row per kind of check, in the newest rows (inside the hourly window)."""
    with duckdb.connect(published) as db:
        db.execute("update main.dim_devices set device_kind = 'bogus' "
                   "where device_id = (select min(device_id) from main.dim_devices)")
        db.execute("insert into main.dim_enterprises "
                   "select * from main.dim_enterprises order by enterprise_id limit 1")
        newest = ("select rowid from main.fct_interval_energy where interval_start_utc = "
                  "(select max(interval_start_utc) from main.fct_interval_energy) "
                  "order by device_id, energy_flow")
        rows = [row for (row,) in db.execute(newest).fetchall()]
        assert len(rows) >= 4, "too few rows in the newest interval to plant in"
        db.execute("update main.fct_interval_energy set energy_kwh = -1 where rowid = ?",
                   [rows[0]])
        db.execute("update main.fct_interval_energy set device_id = 'ghost-meter' "
                   "where rowid = ?", [rows[1]])
        db.execute("update main.fct_interval_energy set energy_flow = null where rowid = ?",
                   [rows[2]])
        db.execute("insert into main.fct_interval_energy "
                   "select * from main.fct_interval_energy where rowid = ?", [rows[3]])
        limited = db.execute(
            "select rowid from main.fct_interval_energy where physical_limit_per_interval "
            "is not null and rowid not in (select unnest(?)) order by rowid limit 1",
            [rows[:4]]).fetchone()
        assert limited is not None, "no device with a physical limit"
        db.execute("update main.fct_interval_energy set energy_kwh = "
                   "physical_limit_per_interval + 1, gas_nm3 = null, heat_kwh_th = null "
                   "where rowid = ?", [limited[0]])
        db.execute("update main.fct_device_daily_quality set good_polls = polls + 1 "
                   "where rowid = (select min(rowid) from main.fct_device_daily_quality)")
        closing = db.execute("select min(rowid) from main.fct_energy_balance "
                             "where is_complete and estimated_flows = 0").fetchone()[0]
        assert closing is not None, "no complete, fully measured interval to break"
        db.execute("update main.fct_energy_balance set balance_closes = false "
                   "where rowid = ?", [closing])


def test_a_failing_worked_example_is_named_with_its_diff_as_text(built, tmp_path,
                                                                  monkeypatch) -> None:
    """A dbt unit test (a worked example) that no longer holds fails the build, named, with
    dbt's diff as plain text. Before, the report's own code raised on the unit test's node
    (it has no test_metadata) and `park build` ended in a traceback."""
    settings, _ = built
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project,
                    ignore=shutil.ignore_patterns("target", "logs", "group"))
    models = project / "models" / "marts" / "dispatch" / "_dispatch__models.yml"
    text = models.read_text(encoding="utf-8")
    wrong = text.replace("capacity_kw: 5000, accuracy_pct: 95}",
                         "capacity_kw: 5000, accuracy_pct: 94}")
    assert wrong != text
    models.write_text(wrong, encoding="utf-8")
    monkeypatch.setattr(build_module, "DBT_PROJECT_DIR", project)
    report = build_warehouse(settings, quiet=True, select="fct_line_forecast_skill")
    assert not report.success and report.published_version is None
    failed = {node.unique_id: node.message or "" for node in report.failed}
    example = ("unit_test.park_warehouse.fct_line_forecast_skill."
               "line_forecast_skill_scores_only_where_the_offer_was_seen")
    assert list(failed) == [example]
    assert "actual differs from expected" in failed[example]
    assert "\x1b" not in failed[example] and "94" in failed[example]
