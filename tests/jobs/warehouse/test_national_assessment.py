"""The national zero-carbon park assessment (发改环资〔2025〕910号 annexes 3 and 4) against a
park-year computed by hand from the rules, on a hand-made park and hand-made readings.

The rules (shared/reference/zero_carbon_park_accounting.md):
  emissions = fuels x factor + electricity received - sent, each kind at its factor:
      0 for green-power trading and certificates, 0.8325 kgCO2/kWh for every other grid kWh;
      exported PV is non-fossil and subtracts nothing.
  energy = every energy consumed in tce, electricity at 等价值 (0.3050 kgce/kWh, the CSV row),
      green electricity included.
  indicator = emissions / energy, CO2 only, over a calendar year.

The park: a grid meter (import and export), a direct green supply line from an off-site wind
farm (绿电直连), a PV inverter, two enterprise feeders and a gas meter, each read every 5 minutes
at a constant rate from 1 October 00:00 to 1 November 06:00
(Asia/Shanghai), 2026: October 2,976 quarter-hours, November 24.
  grid import 1,000 kW -> 250 kWh a quarter-hour    grid export 40 kW -> 10 kWh
  wind line     400 kW -> 100 kWh                    PV 200 kW -> 50 kWh
  alpha's feeder 600 kW -> 150 kWh, beta's 960 kW -> 240 kWh: supply 400 = use 390 + export 10
  gas 50 Nm3/h -> 12.5 Nm3
The inbox: October: alpha bought 100 MWh of green power, beta retired 50 certificates (below the
744,000 kWh bought from the grid); November: 4 MWh green power and 5 certificates for the park
account, above the 6,000 kWh bought from the grid: trading zeroes 4,000 kWh, certificates only
the 2,000 left. October also: steam from the 园区热电 utility, 1,000 GJ of fossil heat
without a measured factor (annex 4's default 0.11 tCO2/GJ) and 500 GJ at a measured 0.098; 200 GJ
of fossil heat sold to a neighbour (default factor); alpha made 100 t of lime at a factor of
0.683 tCO2/t carried in the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from jobs.cli import app
from jobs.common import landing
from jobs.common.park_config import ParkConfig
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import CONFIG_DIR, settings_for
from tests.jobs.inbox.conftest import write_csv
from tests.jobs.warehouse.hand_park import (
    ENDPOINT,
    ENTERPRISES,
    alpha_beta_devices,
    constant_rate_readings,
    park_section,
)

pytestmark = pytest.mark.integration

FIRST = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)  # 1 October, 00:00 in Shanghai
LAST = dt.datetime(2026, 10, 31, 22, 0, tzinfo=dt.UTC)  # 1 November, 06:00
OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
OCTOBER_QH, NOVEMBER_QH = 31 * 96, 24
RATES_PER_H = {  # (device, counter) -> units an hour
    ("grid-main", "energy_import_kwh"): 1000.0,
    ("grid-main", "energy_export_kwh"): 40.0,
    ("pv-roof", "energy_total_kwh"): 200.0,
    ("meter-alpha", "energy_import_kwh"): 600.0,
    ("meter-beta", "energy_import_kwh"): 960.0,
    ("wind-line", "energy_import_kwh"): 400.0,
    ("gas-alpha", "volume_total_nm3"): 50.0,
}

# Factors, written from the rules and the reference CSVs (shared/reference/):
FOSSIL_KGCO2_PER_KWH = 0.8325  # the text names it; grid_emission_factors.csv mee_nbs_fossil 2022
ELECTRICITY_KGCE_PER_KWH = 0.3050  # energy_conversion_gbt2589.csv, electricity 等价值
GAS_KGCE_PER_NM3 = 1.2143  # energy_conversion_gbt2589.csv, natural_gas
GAS_TCO2_PER_NM3 = 21.622 / 10_000  # fuel_emission_factors.csv: 21.622 tCO2 per 10^4 Nm3
QUARTER_HOURS_2026 = 365 * 96
HEAT_DEFAULT_TCO2_PER_GJ = 0.11  # the rules; fuel_emission_factors.csv purchased_heat
HEAT_KGCE_PER_GJ = 34.12  # energy_conversion_gbt2589.csv heat: 0.03412 kgce per MJ


def _park() -> dict:
    return {
        "park": park_section("national-park", "国评园", "National Park"),
        "enterprises": ENTERPRISES,
        "devices": alpha_beta_devices() + [
            {"id": "pv-roof", "kind": "pv_inverter", "register_map": "sunspec_inverter_103",
             **ENDPOINT, "unit_id": 5, "rated_kw": 300},
            {"id": "wind-line", "kind": "direct_green_meter", "register_map": "meter_3ph_u32",
             **ENDPOINT, "unit_id": 6, "rated_kw": 1000,
             "source_plant": "阜宁 wind farm, dedicated 35 kV line (hand-made)"}],
        "targets": {"national_limit_below_band_tco2_per_tce": 0.3,
                    "national_limit_source": "江苏省 provincial rule (hand-made)"},
    }


def _readings() -> pa.Table:
    return constant_rate_readings(FIRST, LAST, RATES_PER_H)


def _inbox(tmp_path: Path) -> list[Path]:
    green = write_csv(tmp_path / "green_power_2026.csv",
                      ["enterprise_id", "month", "contract_id", "green_power_mwh"],
                      [["alpha", "2026-10", "GP-1", 100], ["park", "2026-11", "GP-2", 4]])
    certificates = write_csv(
        tmp_path / "certificates_2026.csv",
        ["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to"],
        [["beta", "2026-10", 50, "GEC000001", "GEC000050"],
         ["park", "2026-11", 5, "GEC000051", "GEC000055"]])
    heat = write_csv(
        tmp_path / "heat_flows_2026-10.csv",
        ["counterparty", "month", "direction", "quantity_gj", "is_fossil", "factor_tco2_per_gj",
         "factor_source"],
        [["园区热电 boiler 1", "2026-10", "received", 1000, "yes", "", ""],
         ["园区热电 boiler 2", "2026-10", "received", 500, "yes", 0.098, "2026 test report"],
         ["neighbour", "2026-10", "sent", 200, "yes", "", ""]])
    process = write_csv(
        tmp_path / "process_output_2026-10.csv",
        ["enterprise_id", "month", "product", "output_t", "factor_tco2_per_t", "factor_source"],
        [["alpha", "2026-10", "lime", 100, 0.683, "hand-made verified factor"]])
    return [green, certificates, heat, process]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("national")
    settings = settings_for(_park(), tmp_path / "data")
    landing.write_partitioned(settings.landing_root, "readings", _readings(), "hand-made")
    results = load_inbox(settings, _inbox(tmp_path), now=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert all(r.accepted for r in results), [r.problems for r in results]
    report = build_warehouse(settings, quiet=True, unit_tests=True)  # the dbt unit tests too
    assert report.success, report.summary_markdown()
    return settings


def _row(settings, table: str, where: str, params: list) -> dict:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        cursor = connection.execute(f"select * from {table} where {where}", params)
        names = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def test_october_by_hand(built):
    october = _row(built, "fct_park_national_monthly", "month = ?", [OCTOBER])
    assert october["calculation"] == "national_910"
    # bought from the grid: 2,976 x 250 = 744,000 kWh, of which green power 100 MWh and
    # certificates 50 MWh are zero-rated (together below the purchase: no cap)
    assert october["grid_import_kwh"] == pytest.approx(744_000, abs=1e-6)
    assert october["green_trading_zeroed_kwh"] == pytest.approx(100_000, abs=1e-6)
    assert october["certificates_zeroed_kwh"] == pytest.approx(50_000, abs=1e-6)
    assert october["non_green_grid_kwh"] == pytest.approx(594_000, abs=1e-6)
    # 594,000 kWh x 0.8325 / 1000 = 494.505 t
    assert october["electricity_received_tco2"] == pytest.approx(494.505, abs=1e-6)
    # exported 2,976 x 10 = 29,760 kWh, all PV (PV made 50 a quarter-hour): subtracts nothing
    assert october["exported_pv_kwh"] == pytest.approx(29_760, abs=1e-6)
    assert october["exported_stored_kwh"] == pytest.approx(0, abs=1e-6)
    assert october["electricity_sent_tco2"] == pytest.approx(0, abs=1e-9)
    # gas: 2,976 x 12.5 = 37,200 Nm3 x 0.0021622 = 80.43384 t
    assert october["fuels_tco2"] == pytest.approx(80.43384, abs=1e-6)
    # heat received: 1,000 GJ x 0.11 + 500 GJ x 0.098 = 159 t; sent: 200 GJ x 0.11 = 22 t
    assert october["heat_received_tco2"] == pytest.approx(159, abs=1e-9)
    assert october["heat_sent_tco2"] == pytest.approx(22, abs=1e-9)
    # process: 100 t of lime x 0.683 = 68.3 t
    assert october["process_tco2"] == pytest.approx(68.3, abs=1e-9)
    assert october["process_factor_sources"] == "lime: hand-made verified factor"
    assert "measured: 2026 test report" in october["heat_factor_sources"]
    assert "default: same guideline family" in october["heat_factor_sources"]
    # 494.505 + 80.43384 + 159 - 22 + 68.3 = 780.23884 t
    assert october["emissions_tco2"] == pytest.approx(780.23884, abs=1e-6)
    # the wind line's 2,976 x 100 = 297,600 kWh is zero-rated: it adds no emissions...
    assert october["direct_green_kwh"] == pytest.approx(297_600, abs=1e-6)
    # ...but counts as energy: 744,000 + 297,600 + PV 148,800 - 29,760 exported = 1,160,640 kWh
    # x 0.3050 / 1000 = 353.9952 tce; gas 37,200 x 1.2143 / 1000 = 45.17196 tce
    assert october["electricity_consumed_kwh"] == pytest.approx(1_160_640, abs=1e-6)
    assert october["electricity_tce"] == pytest.approx(353.9952, abs=1e-6)
    assert october["gas_tce"] == pytest.approx(45.17196, abs=1e-6)
    # heat: (1,500 - 200) GJ x 34.12 kgce/GJ / 1000 = 44.356 tce
    assert october["heat_tce"] == pytest.approx(44.356, abs=1e-9)
    assert october["energy_tce"] == pytest.approx(443.52316, abs=1e-6)
    assert october["indicator_tco2_per_tce"] == pytest.approx(780.23884 / 443.52316, abs=1e-6)
    # direct green supply share: 297,600 / 1,160,640 = 25.641026 % (the rules expect >= 50 %)
    assert october["direct_green_share_pct"] == pytest.approx(100 * 297_600 / 1_160_640,
                                                              abs=1e-6)
    assert october["fossil_kgco2_per_kwh"] == FOSSIL_KGCO2_PER_KWH
    assert "mee_nbs_fossil 2022" in october["fossil_factor_source"]
    assert october["electricity_kgce_per_kwh"] == ELECTRICITY_KGCE_PER_KWH
    assert october["electricity_conversion_source"].startswith("等价值")


def test_green_instruments_never_zero_more_than_the_grid_purchase(built):
    november = _row(built, "fct_park_national_monthly", "month = ?", [NOVEMBER])
    # bought 24 x 250 = 6,000 kWh; the park account's 4 MWh of green power and 5 certificates
    # would zero 9,000: trading zeroes 4,000, certificates the 2,000 left, nothing is fossil
    assert november["grid_import_kwh"] == pytest.approx(6_000, abs=1e-6)
    assert november["green_trading_bought_kwh"] == pytest.approx(4_000, abs=1e-6)
    assert november["certificates_retired_kwh"] == pytest.approx(5_000, abs=1e-6)
    assert november["green_trading_zeroed_kwh"] == pytest.approx(4_000, abs=1e-6)
    assert november["certificates_zeroed_kwh"] == pytest.approx(2_000, abs=1e-6)
    assert november["non_green_grid_kwh"] == pytest.approx(0, abs=1e-6)
    assert november["electricity_received_tco2"] == pytest.approx(0, abs=1e-9)
    # what is left is the gas: 24 x 12.5 = 300 Nm3 x 0.0021622 = 0.64866 t
    assert november["emissions_tco2"] == pytest.approx(0.64866, abs=1e-9)


def test_the_park_year_by_hand(built):
    year = _row(built, "fct_park_national_periods",
                "period_kind = 'calendar_year' and year(period_end_month) = 2026", [])
    # emissions: non-green grid power + gas + heat received - heat sent + lime
    # = 494.505 + 81.0825 + 159 - 22 + 68.3 = 780.8875 t
    emissions = (594_000 * FOSSIL_KGCO2_PER_KWH / 1000
                 + (OCTOBER_QH + NOVEMBER_QH) * 12.5 * GAS_TCO2_PER_NM3
                 + 1000 * HEAT_DEFAULT_TCO2_PER_GJ + 500 * 0.098 - 200 * HEAT_DEFAULT_TCO2_PER_GJ
                 + 100 * 0.683)
    assert emissions == pytest.approx(780.8875, abs=1e-9)
    # energy: electricity (1,160,640 + November's 6,000 + 2,400 + 1,200 - 240 = 1,170,000 kWh)
    # x 0.305 / 1000 = 356.85 tce; gas 37,500 Nm3 x 1.2143 / 1000 = 45.53625 tce;
    # heat 1,300 GJ x 34.12 / 1000 = 44.356 tce; together 446.74225 tce
    energy = (1_170_000 * ELECTRICITY_KGCE_PER_KWH / 1000 + 37_500 * GAS_KGCE_PER_NM3 / 1000
              + 1300 * HEAT_KGCE_PER_GJ / 1000)
    assert energy == pytest.approx(446.74225, abs=1e-9)
    assert year["emissions_tco2"] == pytest.approx(780.8875, abs=1e-6)
    assert year["electricity_consumed_kwh"] == pytest.approx(1_170_000, abs=1e-6)
    assert year["energy_tce"] == pytest.approx(446.74225, abs=1e-6)
    assert year["indicator_tco2_per_tce"] == pytest.approx(780.8875 / 446.74225, abs=1e-6)
    assert year["indicator_tco2_per_tce"] == pytest.approx(1.747960, abs=1e-6)
    # direct green supply: 297,600 + 2,400 = 300,000 of 1,170,000 kWh = 25.641026 %
    assert year["direct_green_kwh"] == pytest.approx(300_000, abs=1e-6)
    assert year["direct_green_share_pct"] == pytest.approx(25.641026, abs=1e-6)
    # 3,000 of the year's 35,040 quarter-hours measured: visibly partial
    assert year["measured_quarter_hours"] == OCTOBER_QH + NOVEMBER_QH
    assert year["expected_quarter_hours"] == QUARTER_HOURS_2026
    assert year["coverage_pct"] == pytest.approx(100 * 3000 / 35040, abs=1e-6)
    # the year annualised, 446.74225 x 35,040 / 3,000 = 5,217.95 tce, is far below the national
    # band of 200,000 tce: no national limit; the configured one names its source
    assert year["band_energy_tce_per_year"] == pytest.approx(5217.94948, abs=1e-6)
    assert year["limit_set_nationally"] is False
    assert year["limit_tco2_per_tce"] == pytest.approx(0.3)
    assert year["limit_source"] == "not set nationally: 江苏省 provincial rule (hand-made)"
    assert year["meets_limit"] is False


def test_periods_are_sums_of_their_months(built):
    ytd = _row(built, "fct_park_national_periods",
               "period_kind = 'ytd' and period_end_month = ?", [NOVEMBER])
    rolling = _row(built, "fct_park_national_periods",
                   "period_kind = 'rolling_12m' and period_end_month = ?", [NOVEMBER])
    october = _row(built, "fct_park_national_periods",
                   "period_kind = 'month' and period_end_month = ?", [OCTOBER])
    for period in (ytd, rolling):
        assert period["emissions_tco2"] == pytest.approx(780.8875, abs=1e-6)
        assert period["energy_tce"] == pytest.approx(446.74225, abs=1e-6)
        assert period["certificates_zeroed_kwh"] == pytest.approx(52_000, abs=1e-6)
    # October alone: 2,976 of its 2,976 quarter-hours measured
    assert october["coverage_pct"] == pytest.approx(100.0, abs=1e-9)
    assert october["indicator_tco2_per_tce"] == pytest.approx(780.23884 / 443.52316, abs=1e-6)


def test_the_balance_closes_with_the_direct_green_line_as_supply(built):
    # per quarter-hour: grid 250 + wind line 100 + PV 50 = 400 supplied; alpha 150 + beta 240
    # + 10 exported = 400 used
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        rows = connection.execute(
            "select count(*), count(*) filter (where balance_closes and is_complete), "
            "sum(direct_green_import_kwh), max(abs(unexplained_residual_kwh)) "
            "from fct_energy_balance").fetchall()
    assert rows[0][:3] == (OCTOBER_QH + NOVEMBER_QH, OCTOBER_QH + NOVEMBER_QH, 300_000.0)
    assert rows[0][3] == pytest.approx(0, abs=1e-6)


def test_park_sql_reproduces_the_indicator_from_the_components(built):
    query = ("select round((sum(fuels_tco2) + sum(conversion_tco2) "
             "+ sum(electricity_received_tco2) - sum(electricity_sent_tco2) "
             "+ sum(heat_received_tco2) - sum(heat_sent_tco2) + sum(process_tco2)) "
             "/ (sum(electricity_tce) + sum(gas_tce) + sum(heat_tce)), 6) as ratio "
             "from fct_park_national_monthly where year(month) = 2026")
    result = CliRunner().invoke(app, ["sql", "--config-dir", str(CONFIG_DIR), "--data-root",
                                      str(built.data_root), query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["ratio", "1.74796"]


def test_the_direct_green_line_names_its_plant(built):
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        rows = connection.execute("select device_kind, source_plant from dim_devices "
                                  "where device_id = 'wind-line'").fetchall()
    assert rows == [("direct_green_meter", "阜宁 wind farm, dedicated 35 kV line (hand-made)")]


@pytest.mark.parametrize("change", [
    {"id": "wind-line", "source_plant": None},  # a direct green line must name its plant
    {"id": "grid-main", "source_plant": "a plant"},  # and only a direct green line names one
])
def test_source_plant_belongs_to_a_direct_green_line_only(change):
    park = _park()
    for device in park["devices"]:
        if device["id"] == change["id"]:
            device["source_plant"] = change["source_plant"]
    with pytest.raises(ValidationError, match=r"source_plant: required for a direct_green_meter"):
        ParkConfig.model_validate(park)


def test_the_clean_energy_share_by_hand(built):
    ytd = _row(built, "fct_park_national_periods",
               "period_kind = 'ytd' and period_end_month = ?", [NOVEMBER])
    # clean electricity: PV consumed (PV made 148,800 + 1,200, of which 29,760 + 240 exported:
    # 120,000 kWh) + the wind line's 300,000 + green power zeroed 104,000 + certificates
    # zeroed 52,000 = 576,000 kWh x 0.305 / 1000 = 175.68 tce; all heat is fossil and gas is
    # not clean by default: 175.68 / 446.74225 = 39.3247... %
    assert ytd["pv_consumed_kwh"] == pytest.approx(120_000, abs=1e-6)
    assert ytd["clean_electricity_kwh"] == pytest.approx(576_000, abs=1e-6)
    assert ytd["clean_energy_tce"] == pytest.approx(175.68, abs=1e-6)
    assert ytd["clean_energy_share_pct"] == pytest.approx(100 * 175.68 / 446.74225, abs=1e-6)


def _readiness(settings, indicator: str, through: dt.date) -> dict:
    return _row(settings, "fct_park_acceptance_readiness",
                "indicator_key = ? and through_month = ?", [indicator, through])


def test_what_closes_the_core_indicator_gap(built):
    core = _readiness(built, "core_indicator", NOVEMBER)
    assert (core["calculation"], core["status"], core["months_left"]) == ("national_910",
                                                                         "misses", 1)
    assert core["value"] == pytest.approx(1.747960, abs=1e-6)
    assert core["target"] == pytest.approx(0.3) and core["limit_set_nationally"] is False
    # above the limit: 780.8875 - 0.3 x 446.74225 = 646.864825 t; each MWh of grid power
    # zeroed takes 0.8325 t: 777.01480 MWh, which is more than the 594 MWh of non-green grid
    # power (the gas, heat and lime emissions cannot be zeroed by certificates)
    excess_mwh = (780.8875 - 0.3 * 446.74225) / FOSSIL_KGCO2_PER_KWH
    assert core["close_quantity"] == pytest.approx(excess_mwh, abs=1e-5)
    assert core["close_unit"] == "MWh"
    assert core["closable_by_certificates"] is False
    # at 5 CNY per certificate (market_defaults gec_price)
    assert core["close_cost_cny"] == pytest.approx(round(excess_mwh * 5, 2), abs=0.01)
    # at the pace so far: 35,040 quarter-hours in the year, 3,000 measured
    assert core["close_quantity_year_end"] == pytest.approx(excess_mwh * 35_040 / 3_000,
                                                            abs=1e-4)
    # closed by direct supply instead: (300,000 + 777,014.8) / 1,170,000 kWh
    assert core["direct_green_share_if_closed_pct"] == pytest.approx(
        100 * (300_000 + 1000 * excess_mwh) / 1_170_000, abs=1e-5)
    # PV sized by the site's modelled yield: all of October and 24 of November's 2,880
    # quarter-hours measured
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        yields = dict(connection.execute(
            "select month_of_year, kwh_per_kwp from staging.stg_reference__pv_site_yield"
        ).fetchall())
    measured_yield = yields[10] + yields[11] * 24 / 2880
    assert core["close_pv_kwp"] == pytest.approx(1000 * excess_mwh / measured_yield, rel=1e-6)
    assert core["close_pv_kwp_year_end"] == pytest.approx(
        1000 * excess_mwh * 35_040 / 3_000 / sum(yields.values()), rel=1e-6)


def test_what_closes_the_clean_energy_share_gap(built):
    clean = _readiness(built, "clean_energy_share", NOVEMBER)
    assert clean["target"] == 90 and clean["status"] == "misses"
    # short of 90 %: 0.9 x 446.74225 - 175.68 = 226.388025 tce of clean energy; each MWh of
    # grid power made green counts 0.305 tce
    short_mwh = (0.9 * 446.74225 - 175.68) / ELECTRICITY_KGCE_PER_KWH
    assert clean["close_quantity"] == pytest.approx(short_mwh, abs=1e-5)
    assert clean["gap"] == pytest.approx(90 - 100 * 175.68 / 446.74225, abs=1e-5)
    assert clean["closable_by_certificates"] is False  # 742 MWh > 594 MWh of grid power


def test_indicators_without_data_are_not_measured(built):
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        rows = connection.execute(
            "select indicator_key, status, calculation from fct_park_acceptance_readiness "
            "where through_month = ? order by sort_order", [NOVEMBER]).fetchall()
    assert rows == [
        ("core_indicator", "misses", "national_910"),
        ("clean_energy_share", "misses", "national_910"),
        ("unit_product_energy", "not_measured", "guiding_inbox"),
        ("solid_waste_utilisation", "not_measured", "guiding_inbox"),
        ("waste_heat_utilisation", "not_measured", "guiding_inbox"),
        ("water_reuse", "not_measured", "guiding_inbox"),
    ]


def test_each_enterprises_part_of_the_national_emissions(built):
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        rows = {r[0]: r[1:] for r in connection.execute(
            "select enterprise_id, emissions_tco2, share_of_park_pct, park_emissions_tco2 "
            "from fct_enterprise_national_contribution "
            "where period_kind = 'month' and through_month = ?", [OCTOBER]).fetchall()}
    # a quarter-hour: alpha uses 150 and beta 240 of the 390 kWh served; PV (50) serves the load
    # first, the wind line (100) next, the grid the remaining 240, shared in proportion: alpha
    # 240 x 150/390. The grid's other 10 kWh left as export: they are on the park's
    # 'losses_unallocated' line (the boundary's grid import less the consumers' grid power).
    alpha_grid_kwh = OCTOBER_QH * 240 * 150 / 390
    beta_grid_kwh = OCTOBER_QH * 240 * 240 / 390
    # alpha: its grid power less its 100 MWh of green power, its gas (80.43384 t), its lime
    alpha = ((alpha_grid_kwh - 100_000) * FOSSIL_KGCO2_PER_KWH / 1000 + 80.43384 + 68.3)
    beta = (beta_grid_kwh - 50_000) * FOSSIL_KGCO2_PER_KWH / 1000  # less its 50 certificates
    # the boundary: heat received 159 t less 22 t sent
    assert rows["alpha"][0] == pytest.approx(alpha, abs=1e-5)
    assert rows["beta"][0] == pytest.approx(beta, abs=1e-5)
    assert rows["losses_unallocated"][0] == pytest.approx(
        OCTOBER_QH * 10 * FOSSIL_KGCO2_PER_KWH / 1000, abs=1e-5)
    assert rows["park_boundary"][0] == pytest.approx(137.0, abs=1e-5)
    assert rows["alpha"][2] == pytest.approx(780.23884, abs=1e-5)  # the park's October
    assert rows["alpha"][1] == pytest.approx(100 * alpha / 780.23884, abs=1e-5)
    assert sum(r[0] for r in rows.values()) == pytest.approx(780.23884, abs=1e-5)
