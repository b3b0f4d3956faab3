"""The carbon accounts against hand-computed truth, on a hand-made park and hand-made readings:
the year-end projection counts the days measured (not every day of a month with data), the
park's Scope 2 closes on its grid meter with the losses on their own line, allowances are
counted at the ETS reporting factor, and Scope 1 is gas x the sourced factor.

The park: a grid meter, two enterprises' feeder meters and one gas meter. Every meter reads
a constant rate every 5 minutes from 30 September 22:00 to 1 November 00:00 (Asia/Shanghai):
two hours of September and the whole of October, 2026 (365 days).
  grid meter         1,000 kW   -> 250 kWh a quarter-hour
  alpha's feeder       600 kW   -> 150 kWh
  beta's feeder        385 kW   -> 96.25 kWh   (1.5 % of the import is lost in the park)
  alpha's gas meter     50 Nm3/h -> 12.5 Nm3
Quarter-hours: September 8, October 31 x 96 = 2,976.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from jobs.common import landing
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import settings_for
from tests.jobs.inbox.conftest import write_csv
from tests.jobs.warehouse.hand_park import (
    ENTERPRISES,
    alpha_beta_devices,
    constant_rate_readings,
    park_section,
)

pytestmark = pytest.mark.integration

FIRST = dt.datetime(2026, 9, 30, 14, 0, tzinfo=dt.UTC)  # 30 September, 22:00 in Shanghai
LAST = dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)  # 1 November, 00:00
SEPTEMBER, OCTOBER = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
SEPTEMBER_QH, OCTOBER_QH = 8, 31 * 96
RATES_PER_H = {  # (device, counter) -> units an hour
    ("grid-main", "energy_import_kwh"): 1000.0,
    ("meter-alpha", "energy_import_kwh"): 600.0,
    ("meter-beta", "energy_import_kwh"): 385.0,
    ("gas-alpha", "volume_total_nm3"): 50.0,
}
ALPHA_ALLOWANCES_TCO2 = 3000.0

# Factors, written from the reference CSVs (shared/reference/):
# grid_emission_factors.csv, mee_ets_reporting,national,China,2022 -> 0.5703 kgCO2/kWh
ETS_KGCO2_PER_KWH = 0.5703
# mee_nbs_average,national,China,2022 -> 0.5366; mee_nbs_residual,national,China,2022 -> 0.5856
LOCATION_KGCO2_PER_KWH, MARKET_KGCO2_PER_KWH = 0.5366, 0.5856
# fuel_emission_factors.csv, natural_gas: 21.622 tCO2 per 10^4 Nm3
# (= NCV 389.31 GJ/10^4 Nm3 x 0.01530 tC/GJ x oxidation 0.99 x 44/12 = 21.6218...)
GAS_TCO2_PER_NM3 = 21.622 / 10_000


def _park() -> dict:
    return {
        "park": park_section("hand-park", "手算园", "Hand Park"),
        "enterprises": ENTERPRISES,
        "devices": alpha_beta_devices(),
    }


def _readings() -> pa.Table:
    return constant_rate_readings(FIRST, LAST, RATES_PER_H)


def _build(data_root: Path, tmp_path: Path, park: dict, vars_: dict | None = None,
           unit_tests: bool = False):
    settings = settings_for(park, data_root)
    landing.write_partitioned(settings.landing_root, "readings", _readings(), "hand-made")
    allowances = write_csv(tmp_path / "allowances_2026.csv",
                           ["enterprise_id", "compliance_year", "allowances_allocated_tco2"],
                           [["alpha", 2026, ALPHA_ALLOWANCES_TCO2]])
    results = load_inbox(settings, [allowances], now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert all(r.accepted for r in results), [r.problems for r in results]
    report = build_warehouse(settings, vars_=vars_, quiet=True, unit_tests=unit_tests)
    assert report.success, report.summary_markdown()
    return settings


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("carbon")
    return _build(tmp_path / "data", tmp_path, _park(), unit_tests=True)  # the dbt unit tests too


def _query(settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def _account(settings, month: dt.date) -> dict:
    rows = _query(settings, "select * from fct_enterprise_carbon_accounts "
                            "where entity_id = 'alpha' and month = ?", [month])
    assert len(rows) == 1, rows
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        names = [c[0] for c in connection.execute(
            "select * from fct_enterprise_carbon_accounts limit 0").description]
    return dict(zip(names, rows[0], strict=True))


def test_the_projection_counts_the_days_measured_not_the_months_touched(built):
    # alpha per quarter-hour: 150 kWh x 0.5703 / 1000 = 0.085545 t (allowance Scope 2)
    #                       + 12.5 Nm3 x 0.0021622 = 0.02702750 t (Scope 1) = 0.11257250 t
    per_qh = 150 * ETS_KGCO2_PER_KWH / 1000 + 12.5 * GAS_TCO2_PER_NM3
    assert per_qh == pytest.approx(0.1125725, abs=1e-12)
    october = _account(built, OCTOBER)
    # whatever the factors: the year to date is 2,984 quarter-hours = 31.083333 days, so the
    # year is 365 / 31.083333 = 11.742627 times it (not 365 / 61 days = 5.983607)
    assert october["projected_year_tco2"] / october["ytd_accounted_tco2"] == pytest.approx(
        365 * 96 / 2984, rel=1e-7)
    ytd = (SEPTEMBER_QH + OCTOBER_QH) * per_qh  # 2,984 x 0.1125725 = 335.916340 t
    assert october["ytd_accounted_tco2"] == pytest.approx(335.91634, abs=1e-5)
    assert october["ytd_quarter_hours"] == 2984
    # measured days = 2,984 / 96 = 31.083333; projection = 335.91634 / 31.083333 x 365
    # = 3,944.5404 t (the rule of whole months said 335.91634 / 61 x 365 = 2,009.9913 t)
    assert october["ytd_measured_days"] == pytest.approx(2984 / 96, abs=1e-6)
    assert october["projected_year_tco2"] == pytest.approx(ytd / (2984 / 96) * 365, abs=1e-5)
    assert october["projected_year_tco2"] == pytest.approx(3944.54040, abs=1e-4)
    # 3,000 held against 3,944.5 projected: short, though 335.9 so far is well inside
    assert october["projected_year_end_surplus_tco2"] == pytest.approx(-944.54040, abs=1e-4)
    assert october["account_status"] == "deficit_projected"
    # September: two hours measured are 1/12 of a day, not 30 days
    september = _account(built, SEPTEMBER)
    assert september["projected_year_tco2"] == pytest.approx(per_qh * 96 * 365, abs=1e-5)


def test_allowances_are_counted_at_the_ets_factor_and_say_so(built):
    october = _account(built, OCTOBER)
    assert october["allowance_factor_kgco2_per_kwh"] == pytest.approx(ETS_KGCO2_PER_KWH)
    assert "mee_ets_reporting 2022" in october["allowance_factor_source"]
    assert "ETS" in october["allowance_factor_source"]
    # October: 446,400 kWh (2,976 x 150) x 0.5703 / 1000 = 254.58192 t, while the
    # location-based Scope 2 stays at 0.5366: 239.53824 t
    assert october["allowance_scope2_tco2"] == pytest.approx(254.58192, abs=1e-5)
    assert october["scope2_location_tco2"] == pytest.approx(239.53824, abs=1e-5)
    # accounted = Scope 1 (37,200 Nm3 x 0.0021622 = 80.43384 t) + 254.58192 = 335.01576 t
    assert october["accounted_tco2"] == pytest.approx(335.01576, abs=1e-5)
    # surplus to date: 3,000 - (September 0.90058 + October 335.01576) = 2,664.08366 t
    assert october["surplus_to_date_tco2"] == pytest.approx(2664.08366, abs=1e-5)


def test_a_configured_allowance_factor_replaces_the_ets_one(tmp_path):
    park = _park()
    park["targets"] = {"allowance_factor_kgco2_per_kwh": 0.6}
    settings = _build(tmp_path / "data", tmp_path, park)
    october = _account(settings, OCTOBER)
    assert october["allowance_factor_kgco2_per_kwh"] == pytest.approx(0.6)
    assert october["allowance_factor_source"] == \
        "park config (targets.allowance_factor_kgco2_per_kwh)"
    # 446,400 kWh x 0.6 / 1000 = 267.84 t; + Scope 1 80.43384 = 348.27384 t
    assert october["allowance_scope2_tco2"] == pytest.approx(267.84, abs=1e-6)
    assert october["accounted_tco2"] == pytest.approx(348.27384, abs=1e-5)


def test_scope1_is_the_gas_burnt_times_the_sourced_factor(built):
    rows = _query(built, "select month, gas_nm3, scope1_tco2 from fct_enterprise_monthly_carbon "
                         "where entity_id = 'alpha' order by month")
    # September: 8 x 12.5 = 100 Nm3 x 21.622 tCO2 / 10^4 Nm3 = 0.21622 t
    # October: 2,976 x 12.5 = 37,200 Nm3 x 0.0021622 = 80.43384 t
    assert [(month, round(gas, 6), scope1) for month, gas, scope1 in rows] == [
        (SEPTEMBER, 100.0, pytest.approx(0.21622, abs=1e-6)),
        (OCTOBER, 37200.0, pytest.approx(80.43384, abs=1e-6))]
    beta = _query(built, "select sum(scope1_tco2) from fct_enterprise_monthly_carbon "
                         "where entity_id = 'beta'")
    assert beta == [(0.0,)]
    park = _query(built, "select scope1_tco2 from fct_park_monthly_kpis where month = ?",
                  [OCTOBER])
    assert park[0][0] == pytest.approx(80.43384, abs=1e-6)


def test_the_park_closes_on_its_grid_meter_with_the_losses_on_their_own_line(built):
    # October: the grid meter bought 2,976 x 250 = 744,000 kWh; alpha 446,400 and beta
    # 286,440 (2,976 x 96.25) were metered: 732,840 kWh. Losses: 11,160 kWh (1.5 %).
    lines = {entity: (kwh, location, market) for entity, kwh, location, market in _query(
        built, "select entity_id, grid_electricity_kwh, scope2_location_tco2, "
               "scope2_market_tco2 from fct_enterprise_monthly_carbon where month = ?",
        [OCTOBER])}
    assert set(lines) == {"alpha", "beta", "losses_unallocated"}
    losses_kwh, losses_location, losses_market = lines["losses_unallocated"]
    assert losses_kwh == pytest.approx(11_160, abs=1e-6)
    # 11,160 kWh x 0.5366 = 5.988456 t; x 0.5856 = 6.535296 t
    assert losses_location == pytest.approx(5.988456, abs=1e-6)
    assert losses_market == pytest.approx(6.535296, abs=1e-6)
    park = _query(built, "select grid_import_kwh, scope2_location_tco2, scope2_market_tco2 "
                         "from fct_park_monthly_kpis where month = ?", [OCTOBER])[0]
    # the park's Scope 2 = what its grid meter bought x the factor:
    # 744,000 kWh x 0.5366 = 399.2304 t; x 0.5856 = 435.6864 t
    assert park[0] == pytest.approx(744_000, abs=1e-6)
    assert park[1] == pytest.approx(399.2304, abs=1e-5)
    assert park[2] == pytest.approx(435.6864, abs=1e-5)
    # and the losses line is exactly the difference from the consumers'
    consumers_location = lines["alpha"][1] + lines["beta"][1]
    assert park[1] - consumers_location == pytest.approx(losses_location, abs=1e-5)
    # a whole October day alike: 96 x 250 = 24,000 kWh x 0.5366 = 12.8784 t, of which the
    # losses are 96 x (250 - 150 - 96.25) = 360 kWh
    day = _query(built, "select grid_import_kwh, scope2_location_tco2, losses_unallocated_kwh "
                        "from fct_park_daily_kpis where local_date = ?",
                 [OCTOBER + dt.timedelta(days=14)])[0]
    assert day == pytest.approx((24_000, 12.8784, 360), abs=1e-5)

