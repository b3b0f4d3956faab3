"""An enterprise's own guiding-indicator figures, year to date, from hand-made rows in tables
named and shaped as the marts (DuckDB in memory): the sums over the months of the year up to
the card's, nothing from before January or after the card's month, a product against its
grade-2 limit, a product without a sourced limit not assessed."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from jobs.scorecards.national import read_contributions

JUNE = dt.date(2026, 6, 1)


@pytest.fixture()
def connection():
    with duckdb.connect() as db:
        db.execute("""
            create table fct_enterprise_national_contribution as
            select * from (values
                ('a', 'month', date '2026-06-01', 40.0, 20.0),
                ('a', 'ytd', date '2026-06-01', 200.0, 18.0))
            as t(enterprise_id, period_kind, through_month, emissions_tco2, share_of_park_pct);
            create table fct_guiding_solid_waste as
            select * from (values
                ('a', date '2025-12-01', 100.0, 0.0, 0.0),  -- last year: not counted
                ('a', date '2026-02-01', 50.0, 30.0, 10.0),
                ('a', date '2026-06-01', 30.0, 24.0, 0.0),
                ('a', date '2026-07-01', 99.0, 0.0, 0.0))   -- after the card: not counted
            as t(enterprise_id, month, generated_t, utilised_t, utilised_from_stock_t);
            create table fct_guiding_water as
            select * from (values ('a', date '2026-05-01', 300.0, 2700.0))
            as t(enterprise_id, month, fresh_intake_m3, reused_m3);
            create table fct_guiding_waste_heat_by_kind as
            select * from (values ('b', date '2026-03-01', 'heat', 80.0, 20.0),
                                  ('b', date '2026-03-01', 'pressure', 20.0, 5.0))
            as t(enterprise_id, month, waste_kind, recoverable_gj, recovered_gj);
            create table fct_guiding_unit_product_energy as
            select * from (values
                ('month', date '2026-04-01', 'a', 'cement', '水泥', 'Cement', 't', 1000.0,
                 100.0, 95.0, 't'),
                ('month', date '2026-05-01', 'a', 'cement', '水泥', 'Cement', 't', 1000.0,
                 90.0, 95.0, 't'),
                ('month', date '2026-05-01', 'a', 'widget', '部件', 'Widget', 'piece', 10.0,
                 1.0, null, null),
                ('year', date '2026-01-01', 'a', 'cement', '水泥', 'Cement', 't', 2000.0,
                 190.0, 95.0, 't'))
            as t(period_kind, period_start, enterprise_id, product_code, product_name_zh,
                 product_name_en, output_unit, output_quantity, product_energy_tce,
                 grade2_limit_kgce_per_unit, limit_output_unit);
        """)
        yield db


def test_year_to_date_guiding_figures_by_hand(connection):
    found = read_contributions(connection, JUNE, {"water_reuse": (95.0, ">="),
                                                  "solid_waste_utilisation": (50.0, ">=")})
    a = found["a"]
    assert (a.month_tco2, a.month_share_pct, a.ytd_tco2, a.ytd_share_pct) == (
        40.0, 20.0, 200.0, 18.0)
    figures = {(f.key, f.product_en): f for f in a.guiding}
    # solid waste: (30 + 24) utilised / (50 + 10 + 30) generated and taken from stock
    assert figures[("solid_waste_utilisation", None)].value == pytest.approx(60.0)
    assert figures[("solid_waste_utilisation", None)].status == "meets"  # 60 >= the park's 50
    water = figures[("water_reuse", None)]
    assert water.value == pytest.approx(90.0)  # 2700 / 3000
    assert (water.target, water.status) == (95.0, "misses")
    cement = figures[("unit_product_energy", "Cement")]
    # (100 + 90) tce x 1000 / 2000 t = 95 kgce/t: at the grade-2 limit, which meets
    assert cement.value == pytest.approx(95.0) and cement.target == 95.0
    assert cement.status == "meets" and cement.unit == "kgce/t"
    widget = figures[("unit_product_energy", "Widget")]
    assert widget.status == "not_assessed" and widget.target is None
    assert all(f.period_start == dt.date(2026, 1, 1) and f.period_end == JUNE
               for f in a.guiding)
    b = found["b"]  # reports waste heat only: no national row, its figure all the same
    assert b.month_tco2 is None and b.ytd_share_pct is None
    [heat] = b.guiding
    assert heat.key == "waste_heat_utilisation" and heat.value == pytest.approx(25.0)
    assert heat.status is None  # no park target given: nothing to judge by
