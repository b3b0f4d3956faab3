"""The group warehouse from hand-made parks: exports, group totals (sums, ratios recomputed
from the sums), the league table and readiness, worked out by hand; a missing or damaged
partition leaves that park out, named, and the others are built."""

from __future__ import annotations

import math

import duckdb
import pytest

from jobs.group.export import GroupExportError, export_park_marts
from jobs.group.marts import partition_url
from jobs.group.rollup import GroupRollupError, run_group_rollup
from tests.jobs.group.conftest import PARKS
from tests.jobs.group.hand_parks import mart_tables, write_warehouse


def _rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_group_totals_are_sums_and_ratios_come_from_the_sums(rolled_up):
    summary, path, _ = rolled_up
    assert summary.included == PARKS
    [row] = _rows(path, "select parks_reporting, grid_import_kwh, emissions_tco2, energy_tce, "
                        "indicator_tco2_per_tce, direct_green_share_pct, clean_energy_share_pct,"
                        " measured_quarter_hours from fct_group_national_monthly")
    # by hand: 1000+3000+500; 0.666+2.4975+0.208125; 0.3+0.9+0.2; 3.371625/1.4;
    # (100+0+250)/(1250+3000+750); (0.1+0+0.1)/1.4; 2976+2900+2976
    expected = (3, 4500.0, 3.371625, 1.4, 3.371625 / 1.4, 7.0, 100 * 0.2 / 1.4, 8852)
    assert row[0] == expected[0] and row[7] == expected[7]
    for got, want in zip(row[1:7], expected[1:7], strict=True):
        assert math.isclose(got, want, rel_tol=1e-12)
    # not the average of the parks' ratios (2.22, 2.775, 1.040625): 2.0119
    assert not math.isclose(row[4], (2.22 + 2.775 + 1.040625) / 3, rel_tol=1e-3)
    [kpis] = _rows(path, "select parks_reporting, scope1_tco2, scope2_location_tco2, "
                         "scope2_market_tco2, core_indicator_tco2, energy_tce, "
                         "core_indicator_tco2_per_tce from fct_group_monthly_energy_carbon")
    assert kpis == pytest.approx((3, 3.0, 15.0, 13.5, 16.5, 6.0, 16.5 / 6.0))
    assert _rows(path, "select count(*) from fct_group_park_national_monthly") == [(3,)]
    assert _rows(path, "select park_id, accounted_tco2 from fct_group_enterprise_carbon_accounts"
                       " order by park_id") == [("p-a", 6.0), ("p-b", 9.0), ("p-c", 3.0)]


def test_league_ranks_parks_on_the_national_indicators(rolled_up):
    _, path, _ = rolled_up
    league = _rows(path, "select park_id, indicator_rank, clean_energy_share_rank, "
                         "direct_green_share_rank, parks_in_period from fct_group_national_league"
                         " order by park_id")
    # indicator 2.0 / 3.0 / 1.5 (lowest first); clean 40 / 40 / 20 (a tie shares 1, then 3);
    # direct green 10 / 5 / none (no rank)
    assert league == [("p-a", 2, 1, 1, 3), ("p-b", 3, 1, 2, 3), ("p-c", 1, 3, None, 3)]


def test_readiness_is_each_parks_latest_month_and_left_out_parks_say_why(rolled_up):
    summary, path, _ = rolled_up
    assert _rows(path, "select park_id, value, status from fct_group_acceptance_readiness "
                       "order by park_id") == [("p-a", 2.0, "meets"), ("p-b", 3.0, "misses"),
                                                ("p-c", 1.5, "meets")]
    [problem] = summary.problems
    assert problem.park_id == "p-gone" and "park_id=p-gone" in problem.where
    assert "not been exported" in problem.why
    assert _rows(path, "select park_id, included from dim_group_parks order by park_id") == [
        ("p-a", True), ("p-b", True), ("p-c", True), ("p-gone", False)]


def test_every_group_mart_column_is_described_in_the_file(rolled_up):
    _, path, _ = rolled_up
    undescribed = _rows(path, "select table_name, column_name from duckdb_columns() "
                              "where database_name = current_database() and schema_name = "
                              "'main' and (comment is null or comment = '')")
    assert undescribed == []
    tables = {name for (name,) in _rows(path, "select table_name from duckdb_tables() "
                                              "where schema_name = 'main'")}
    assert {"fct_group_national_monthly", "fct_group_national_league",
            "fct_group_acceptance_readiness", "dim_group_parks"} <= tables


def test_a_damaged_partition_leaves_that_park_out_and_the_others_in(tmp_path):
    store = str(tmp_path / "store")
    for park in ("p-a", "p-b"):
        export_park_marts(park, write_warehouse(tmp_path / park / "w.duckdb", mart_tables(park)),
                          store)
    damaged = partition_url(store, "fct_park_monthly_kpis", "p-b")
    with open(damaged, "wb") as handle:
        handle.write(b"not parquet")
    summary = run_group_rollup(["p-a", "p-b"], store, tmp_path / "group.duckdb")
    assert summary.included == ["p-a"]
    [problem] = summary.problems
    assert problem.where == damaged and "not a readable Parquet file" in problem.why
    assert _rows(tmp_path / "group.duckdb",
                 "select grid_import_kwh from fct_group_national_monthly") == [(1000.0,)]
    with open(damaged, "wb") as handle:  # now every park is bad: nothing is published
        handle.write(b"")
    with pytest.raises(GroupRollupError, match="no park's partitions"):
        run_group_rollup(["p-b"], store, tmp_path / "group.duckdb")


def test_export_refuses_a_non_finite_number_and_writes_nothing(tmp_path):
    tables = mart_tables("p-a")
    kpis = tables["fct_park_monthly_kpis"]
    index = kpis.column_names.index("energy_tce")
    tables["fct_park_monthly_kpis"] = kpis.set_column(index, "energy_tce",
                                                      [[float("nan")]])
    warehouse = write_warehouse(tmp_path / "w.duckdb", tables)
    with pytest.raises(GroupExportError, match="park p-a, fct_park_monthly_kpis .*non-finite "
                                               "numbers in energy_tce"):
        export_park_marts("p-a", warehouse, str(tmp_path / "store"))
    assert not (tmp_path / "store").exists()
