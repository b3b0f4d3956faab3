"""The group over a park's real warehouse (the small park built once for the scorecard tests,
May-June 2026): its marts export whole, and the group's totals are the sum of the parks'
marts: the same park exported under two ids doubles every sum and leaves every recomputed
ratio as the park's own (a sum of equal parts over a sum of equal parts)."""

from __future__ import annotations

import math

import duckdb

from jobs.group.export import export_park_marts
from jobs.group.rollup import run_group_rollup
from jobs.warehouse.published import connect_published

SUMMED = ("grid_import_kwh", "electricity_consumed_kwh", "emissions_tco2", "energy_tce",
          "clean_energy_tce", "direct_green_kwh")


def test_the_group_totals_are_the_sum_of_the_parks_marts(built, tmp_path):
    _, settings, _ = built
    store = str(tmp_path / "store")
    for park in ("east", "west"):
        export_park_marts(park, settings.warehouse_path, store)
    summary = run_group_rollup(["east", "west"], store, tmp_path / "group.duckdb")
    assert summary.problems == []
    columns = ", ".join(SUMMED)
    with connect_published(settings.warehouse_path) as park:
        parks = {row[0]: row[1:] for row in park.execute(
            f"select month, {columns}, indicator_tco2_per_tce, clean_energy_share_pct "
            "from fct_park_national_monthly").fetchall()}
    with duckdb.connect(str(tmp_path / "group.duckdb"), read_only=True) as group:
        totals = {row[0]: row[1:] for row in group.execute(
            f"select month, {columns}, indicator_tco2_per_tce, clean_energy_share_pct, "
            "parks_reporting from fct_group_national_monthly").fetchall()}
        ranks = group.execute("select count(*), count(distinct indicator_rank) "
                              "from fct_group_national_league").fetchone()
    assert set(totals) == set(parks) and parks
    for month, row in parks.items():
        group_row = totals[month]
        assert group_row[-1] == 2
        for index in range(len(SUMMED)):
            assert math.isclose(group_row[index], 2 * row[index], rel_tol=1e-12, abs_tol=1e-9)
        for index in (len(SUMMED), len(SUMMED) + 1):  # the ratios: the park's own, which
            # the park's mart rounds to 6 decimals (the group's are not rounded)
            assert (row[index] is None and group_row[index] is None) or math.isclose(
                group_row[index], row[index], abs_tol=5e-7)
    # two identical parks tie on every indicator: both rank 1
    assert ranks[0] == 0 or ranks[1] == 1
