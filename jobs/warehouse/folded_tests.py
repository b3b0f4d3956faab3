"""Which data tests a build runs: each model's checks folded into one test, or one test each.

dbt spends about 70 ms of its own Python on every node it runs, whatever the node does; with
one data test per check (209 of the hourly build's 287 nodes) that was most of the hourly
build. `dbt_project/macros/row_contract.sql` gives each model one `row_contract` test that runs
all its checks of the kinds below (severity error) in one query. A normal build runs those and
leaves the separate tests out; a build with full_checks (the nightly one) runs the separate
tests over every row and leaves the folded ones out. Either way every check runs.

A folded test that fails says only how many rows failed; `explain_failures` reads its failing
rows back from the version just built, so the report names each failed check, column and the
separate test (which `dbt test --select <name>` runs alone).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# The kinds row_contract folds: the same list as folded_tests() in macros/row_contract.sql
# (tests/jobs/warehouse/test_folded_tests.py checks they agree).
FOLDED_TESTS = ("not_null", "unique", "accepted_values", "relationships", "not_negative",
                "expression_holds", "unique_combination", "within_physical_limit",
                "balance_closes_where_measured")
FOLDED_TEST = "row_contract"
# failing rows named per check in a report, at most (a broken model fails thousands)
EXPLAINED_CHECKS = 20


def exclusions(full_checks: bool) -> list[str]:
    """dbt `--exclude` arguments: the separate tests row_contract runs (normal build), or
    row_contract itself (full_checks). Severity warn tests are never folded: they stay."""
    if full_checks:
        return ["--exclude", f"test_name:{FOLDED_TEST}"]
    return ["--exclude", *(f"test_name:{name},config.severity:error" for name in FOLDED_TESTS)]


def explain_failures(database: Path, failed: list[tuple[str, str]]) -> dict[str, str]:
    """For each failed folded test (unique_id, compiled SQL), the checks that failed:
    "not_null on device_id: 2 rows (not_null_dim_devices_device_id); ..." ("on the row" for
    a check of whole rows, such as expression_holds or unique_combination). A test whose
    rows cannot be read back keeps dbt's own message (an empty answer for it)."""
    explained: dict[str, str] = {}
    if not failed:
        return explained
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.execute("set TimeZone = 'UTC'")
        for unique_id, sql in failed:
            try:
                rows = connection.execute(
                    "select failed_check, failed_column, failed_test, count(*) from ("
                    + sql + ") group by all order by all limit ?",
                    [EXPLAINED_CHECKS]).fetchall()
            except duckdb.Error as error:
                explained[unique_id] = f"(its failing rows could not be read back: {error})"
                continue
            explained[unique_id] = "; ".join(
                f"{check} on {column or 'the row'}: {count} row{'s' * (count != 1)} ({test})"
                for check, column, test, count in rows)
    return explained
