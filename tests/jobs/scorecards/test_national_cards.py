"""The national assessment on the cards, on the real warehouse of the scorecard tests: the
park card's acceptance section is the readiness mart's rows for the month; each enterprise's
national-method emissions are its grid electricity at the national fossil factor (0.8325
kgCO2/kWh, 910号 附件4) and the shares add up to the park; the park's emissions say what
they sum; a running month's cards say through which day."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from jobs.scorecards.data import build_enterprise_scorecards, build_park_scorecard
from tests.jobs.scorecards.conftest import JUNE, NOW

pytestmark = pytest.mark.integration
FOSSIL_KG_PER_KWH = 0.8325  # 910号 附件4: non-green grid electricity


def _marts(settings, sql: str, params=()) -> pd.DataFrame:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        return connection.execute(sql, list(params)).df()


def test_the_acceptance_section_is_the_readiness_marts(built):
    _, settings, _ = built
    park = build_park_scorecard(settings, JUNE, now_utc=NOW)
    mart = _marts(settings, "select * from fct_park_acceptance_readiness "
                            "where through_month = ? order by sort_order", [JUNE])
    assert [r.key for r in park.readiness] == [
        "core_indicator", "clean_energy_share", "unit_product_energy",
        "solid_waste_utilisation", "waste_heat_utilisation", "water_reuse"]
    for row, (_, expected) in zip(park.readiness, mart.iterrows(), strict=True):
        assert row.status == expected["status"]
        assert row.months_left == 6 and row.through_month == JUNE
        for field, column in (("value", "value"), ("target", "target"), ("gap", "gap"),
                              ("close_quantity", "close_quantity"),
                              ("close_quantity_year_end", "close_quantity_year_end")):
            got, want = getattr(row, field), expected[column]
            assert (got is None) == pd.isna(want), (row.key, field)
            if got is not None:
                assert got == pytest.approx(want)
    core = park.readiness[0]
    assert core.is_core and core.calculation == "national_910" and core.value is not None


def test_enterprise_shares_of_the_national_emissions(built):
    _, settings, ids = built
    cards = {c.enterprise_id: c for c in build_enterprise_scorecards(settings, JUNE,
                                                                     now_utc=NOW)}
    grid = _marts(settings, """
        select entity_id, month, grid_electricity_kwh, gas_nm3
        from fct_enterprise_monthly_carbon where month <= ?""", [JUNE])
    grid["month"] = pd.to_datetime(grid["month"]).dt.date
    park_total = _marts(settings, "select sum(emissions_tco2) from "
                                  "fct_enterprise_national_contribution where period_kind = "
                                  "'month' and through_month = ?", [JUNE]).iloc[0, 0]
    for enterprise in ids:
        rows = grid[(grid["entity_id"] == enterprise)]
        if rows["gas_nm3"].sum() > 0:
            continue  # its fuels add their own factor: the electricity part is checked here
        june = rows[rows["month"] == JUNE]["grid_electricity_kwh"].sum()
        contribution = cards[enterprise].contribution
        # no green-power trading or certificates in this park: all of it at the fossil factor
        assert contribution.month_tco2 == pytest.approx(june * FOSSIL_KG_PER_KWH / 1000)
        assert contribution.ytd_tco2 == pytest.approx(
            rows["grid_electricity_kwh"].sum() * FOSSIL_KG_PER_KWH / 1000)
        assert contribution.month_share_pct == pytest.approx(
            100 * contribution.month_tco2 / park_total)
    assert sum(c.contribution.month_tco2 for c in cards.values()
               if c.contribution is not None) < park_total  # common loads and losses too


def test_the_park_emissions_are_the_sum_of_their_kinds(built):
    _, settings, _ = built
    park = build_park_scorecard(settings, JUNE, now_utc=NOW)
    figures = {f.key: f.value for f in park.headline}
    assert set(park.emissions_by_kind_tco2) == {"enterprise", "park_common",
                                                "losses_unallocated"}
    assert sum(park.emissions_by_kind_tco2.values()) == pytest.approx(
        figures["scope1_tco2"] + figures["scope2_location_tco2"])
    accounts = _marts(settings, "select sum(scope1_tco2 + scope2_location_tco2) from "
                                "fct_enterprise_monthly_carbon where entity_kind = "
                                "'enterprise' and month = ?", [JUNE]).iloc[0, 0]
    assert park.emissions_by_kind_tco2["enterprise"] == pytest.approx(accounts)
    assert park.core_scope2_method == "market"


def test_a_running_month_says_through_which_day(built):
    _, settings, _ = built
    halfway = dt.datetime(2026, 6, 15, 16, 0, tzinfo=dt.UTC)  # 16 June, 00:00 local
    assert build_park_scorecard(settings, JUNE, now_utc=halfway).through_day \
        == dt.date(2026, 6, 15)
    assert build_enterprise_scorecards(settings, JUNE, now_utc=halfway)[0].through_day \
        == dt.date(2026, 6, 15)
    assert build_park_scorecard(settings, JUNE, now_utc=NOW).through_day is None  # over
