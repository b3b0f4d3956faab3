"""The rollup is incremental, keyed by park: after one park's export changes, a re-roll reads
and rewrites only that park's rows (the others keep the rollup id they were written by), the
group totals still equal the sums worked out by hand, an unchanged group builds nothing, and a
park no longer asked for leaves every mart."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa

from jobs.group.export import export_park_marts
from jobs.group.rollup import run_group_rollup
from tests.jobs.group.hand_parks import mart_tables, write_warehouse

PARK_MARTS = ("fct_group_park_national_monthly", "fct_group_park_monthly_energy_carbon",
              "fct_group_acceptance_readiness", "fct_group_guiding_indicators",
              "fct_group_enterprise_carbon_accounts")


def _rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def _rollup_ids(path) -> dict[str, set[str]]:
    """park -> the rollup ids its rows carry, over every park-grain mart."""
    found: dict[str, set[str]] = {}
    for mart in PARK_MARTS:
        for park, rollup in _rows(path, f"select distinct park_id, rollup_id from {mart}"):
            found.setdefault(park, set()).add(rollup)
    return found


def _with(table: pa.Table, **values: float) -> pa.Table:
    for column, value in values.items():
        index = table.column_names.index(column)
        table = table.set_column(index, table.schema.field(column), [[value] * table.num_rows])
    return table


def test_a_changed_park_alone_is_rebuilt_and_totals_stay_the_hand_sums(tmp_path):
    store, group = str(tmp_path / "store"), tmp_path / "group.duckdb"
    for park in ("p-a", "p-b", "p-c"):
        export_park_marts(park, write_warehouse(tmp_path / park / "w.duckdb", mart_tables(park)),
                          store, (f"园区{park}", f"Park {park}"))
    first = run_group_rollup(["p-a", "p-b", "p-c"], store, group)
    assert first.rebuilt == ["p-a", "p-b", "p-c"]
    before = _rollup_ids(group)
    assert all(len(ids) == 1 for ids in before.values()) and len(before) == 3

    # p-b's next build: more emissions and energy, and some Scope 1 (tCO2, tce)
    tables = mart_tables("p-b")
    tables["fct_park_national_monthly"] = _with(tables["fct_park_national_monthly"],
                                                emissions_tco2=3.0, energy_tce=1.0)
    tables["fct_park_monthly_kpis"] = _with(tables["fct_park_monthly_kpis"], scope1_tco2=1.5)
    export_park_marts("p-b", write_warehouse(tmp_path / "p-b2" / "w.duckdb", tables), store,
                      ("园区p-b", "Park p-b"))
    second = run_group_rollup(["p-a", "p-b", "p-c"], store, group)
    assert second.rebuilt == ["p-b"] and second.removed == []
    after = _rollup_ids(group)
    assert after["p-a"] == before["p-a"] and after["p-c"] == before["p-c"]  # untouched
    assert after["p-b"] != before["p-b"] and len(after["p-b"]) == 1
    [(emissions, energy, indicator, parks)] = _rows(
        group, "select emissions_tco2, energy_tce, indicator_tco2_per_tce, parks_reporting "
               "from fct_group_national_monthly")
    # by hand: 0.666 + 3.0 + 0.208125; 0.3 + 1.0 + 0.2; 3.874125 / 1.5
    assert parks == 3
    assert math.isclose(emissions, 3.874125, rel_tol=1e-12)
    assert math.isclose(energy, 1.5, rel_tol=1e-12)
    assert math.isclose(indicator, 3.874125 / 1.5, rel_tol=1e-12)
    # by hand: Scope 1 of 1.0 + 1.5 + 2.0; each park's row once, no duplicate left behind
    assert _rows(group, "select scope1_tco2 from fct_group_monthly_energy_carbon") == [(4.5,)]
    assert _rows(group, "select park_id, count(*) from fct_group_park_national_monthly "
                        "group by park_id order by park_id") == [("p-a", 1), ("p-b", 1),
                                                                 ("p-c", 1)]
    assert _rows(group, "select park_id, rebuilt, name_en from dim_group_parks order by "
                        "park_id") == [("p-a", False, "Park p-a"), ("p-b", True, "Park p-b"),
                                       ("p-c", False, "Park p-c")]

    # nothing changed: nothing is built, the published file stays
    third = run_group_rollup(["p-a", "p-b", "p-c"], store, group)
    assert third.rebuilt == [] and third.published_version == second.published_version

    # p-c leaves the group: its rows leave every mart, the others' rows are not rewritten
    fourth = run_group_rollup(["p-a", "p-b"], store, group)
    assert fourth.rebuilt == [] and fourth.removed == ["p-c"]
    assert _rollup_ids(group) == {"p-a": before["p-a"], "p-b": after["p-b"]}
    # by hand: 0.666 + 3.0; 0.3 + 1.0
    [(emissions, energy)] = _rows(group, "select emissions_tco2, energy_tce "
                                         "from fct_group_national_monthly")
    assert math.isclose(emissions, 3.666, rel_tol=1e-12) and math.isclose(energy, 1.3)
