"""The 50-point sensitivity and its tornado on cases valued from hand-made twin outcomes (no
twin run: the figures are chosen so that every expected number follows by hand), and the
two charts drawn from them."""

from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pytest

from jobs.common.park_config import InvestmentCase, ValuationSettings
from jobs.twin.outcome import Outcome
from jobs.valuation.assumptions import assumptions_for
from jobs.valuation.cases import value_case
from jobs.valuation.charts import cashflow_png, tornado_png
from jobs.valuation.sensitivity import reproject, sensitivity, tornado

ASSUMPTIONS = assumptions_for(ValuationSettings())
BATTERY = InvestmentCase(id="bess-new", title_zh="新增储能", title_en="New battery",
                         add_battery_kwh=2000, add_battery_kw=1000)
PV = InvestmentCase(id="pv-new", title_zh="新增光伏", title_en="New PV", add_pv_kwp=1000)
DAYS = 2


def outcome(energy_cost_cny: float, scope2_tco2: float, *, discharged_kwh: float = 0.0,
            charging_cost_cny: float = 0.0, pv_kwh: float = 0.0) -> Outcome:
    return Outcome(controller="rule_based", days=DAYS, energy_cost_cny=energy_cost_cny,
                   demand_charge_cny=1000.0, grid_import_kwh=0.0, grid_export_kwh=0.0,
                   peak_import_kw=0.0, scope2_location_tco2=scope2_tco2,
                   scope2_market_tco2=scope2_tco2, scope1_tco2=0.0,
                   renewable_absorption_pct=100.0, self_sufficiency_pct=0.0,
                   battery_throughput_kwh=discharged_kwh, pv_generation_kwh=pv_kwh,
                   battery_charge_kwh=discharged_kwh / 0.9,
                   battery_charging_cost_cny=charging_cost_cny)


@pytest.fixture(scope="module")
def battery_run():
    # 2 days: 1,000 CNY and 0.4 tCO2 saved, 3,000 kWh more discharged, 800 CNY more charging
    return value_case(BATTERY, ASSUMPTIONS, scenario="battery=2000/1000",
                      first_day=dt.date(2026, 7, 10),
                      baseline=outcome(50_000.0, 30.0, discharged_kwh=1000.0,
                                       charging_cost_cny=200.0),
                      changed=outcome(49_000.0, 29.6, discharged_kwh=4000.0,
                                      charging_cost_cny=1000.0),
                      annualise=365.0 / DAYS, replacement_year=10)


@pytest.fixture(scope="module")
def pv_run():
    return value_case(PV, ASSUMPTIONS, scenario="pv=1.2", first_day=dt.date(2026, 11, 10),
                      baseline=outcome(50_000.0, 30.0, pv_kwh=10_000.0),
                      changed=outcome(46_000.0, 27.0, pv_kwh=16_000.0),
                      annualise=150.0, replacement_year=10)


def test_the_year_1_benefits_are_the_runs_differences_annualised(battery_run, pv_run):
    assert battery_run.benefits.bill_savings_cny_per_year == pytest.approx(1000.0 * 182.5)
    assert battery_run.benefits.tco2_avoided_per_year == pytest.approx(0.4 * 182.5)
    assert battery_run.benefits.energy_kwh_per_year == pytest.approx(3000.0 * 182.5)
    assert battery_run.benefits.charging_cost_cny_per_year == pytest.approx(800.0 * 182.5)
    assert battery_run.benefits.export_revenue_cny_per_year == 0.0
    assert battery_run.benefits.certificates_per_year == 0.0
    # 6,000 kWh more PV x 150 = 900 MWh a year, one certificate per MWh
    assert pv_run.benefits.energy_kwh_per_year == pytest.approx(900_000.0)
    assert pv_run.benefits.certificates_per_year == pytest.approx(900.0)
    assert pv_run.benefits.bill_savings_cny_per_year == pytest.approx(4000.0 * 150)


def test_costs_are_the_unit_prices_times_the_size(battery_run, pv_run):
    capex = 0.4646 * 2000 * 1000  # bess_system_price_2h CNY/Wh x Wh
    assert battery_run.costs.capex_cny == pytest.approx(capex)
    assert battery_run.costs.om_cny_per_year == pytest.approx(0.02 * capex)  # 2 % a year
    assert battery_run.costs.replacements == ((10, pytest.approx(0.4 * capex)),)
    assert battery_run.flows["replacement_cny"].to_numpy().nonzero()[0].tolist() == [10]
    assert battery_run.costs.life_years == 15
    assert pv_run.costs.capex_cny == pytest.approx(3.0 * 1000 * 1000)  # CNY/W x W
    assert pv_run.costs.om_cny_per_year == pytest.approx(0.05 * 1000 * 1000)
    assert pv_run.costs.replacements == ()
    # a replacement in the last year (or later) buys nothing: left out; the case's own capex wins
    late = value_case(BATTERY.model_copy(update={"capex_cny": 1_500_000.0}), ASSUMPTIONS,
                      scenario="battery=2000/1000", first_day=battery_run.first_day,
                      baseline=battery_run.baseline, changed=battery_run.changed,
                      annualise=battery_run.annualise_factor, replacement_year=15)
    assert late.costs.capex_cny == 1_500_000.0 and late.costs.replacements == ()


def test_pv_degrades_from_year_1_and_a_battery_fades_from_year_2(battery_run, pv_run):
    pv_energy = pv_run.flows["energy_kwh"].to_numpy()
    assert pv_energy[1] == pytest.approx(900_000.0 * 0.985)
    assert pv_energy[2] == pytest.approx(900_000.0 * 0.985 * (1 - 0.0045))
    battery_energy = battery_run.flows["energy_kwh"].to_numpy()
    assert battery_energy[1] == pytest.approx(3000.0 * 182.5)
    assert battery_energy[3] == pytest.approx(3000.0 * 182.5 * 0.98**2)
    assert battery_run.valuation.lcos_cny_per_kwh is not None


def test_fifty_points_each_range_evenly_spaced(battery_run):
    table = sensitivity(battery_run, ASSUMPTIONS)
    assert len(table) == 50
    assert list(table.columns) == ["parameter", "value", "unit", "npv_cny", "irr",
                                   "simple_payback_years"]
    ranges = {"carbon_price": (0.0, 200.0), "tariff": (0.7, 1.3), "capex": (0.7, 1.3),
              "discount_rate": (4.0, 12.0), "energy_yield": (0.8, 1.2)}
    for name, (low, high) in ranges.items():
        values = table.loc[table["parameter"] == name, "value"].to_numpy()
        np.testing.assert_allclose(values, np.linspace(low, high, 10))


def test_the_npv_moves_the_way_each_parameter_pushes_it(battery_run):
    table = sensitivity(battery_run, ASSUMPTIONS)

    def npv(name: str) -> np.ndarray:
        return table.loc[table["parameter"] == name, "npv_cny"].to_numpy()

    for rising in ("carbon_price", "tariff", "energy_yield"):
        assert (np.diff(npv(rising)) > 0).all(), rising
    for falling in ("capex", "discount_rate"):
        assert (np.diff(npv(falling)) < 0).all(), falling


def test_the_npv_is_linear_in_the_carbon_price_with_the_discounted_tonnes_as_slope(
        battery_run):
    """d NPV / d price = sum over years of tCO2 avoided in year y / 1.08^y, with the
    battery's tonnes fading 2 %/yr from year 2."""
    years = np.arange(1, 16)
    tonnes = 0.4 * 182.5 * 0.98 ** (years - 1)
    slope = float((tonnes / 1.08**years).sum())
    carbon = sensitivity(battery_run, ASSUMPTIONS).query("parameter == 'carbon_price'")
    np.testing.assert_allclose(np.diff(carbon["npv_cny"]), slope * np.diff(carbon["value"]))


def test_the_capex_multiplier_moves_capex_replacement_and_a_batterys_om(battery_run):
    capex = battery_run.costs.capex_cny
    years = np.arange(1, 16)
    per_unit = capex + 0.4 * capex / 1.08**10 + float((0.02 * capex / 1.08**years).sum())
    assert (reproject(battery_run, "capex", 1.3).npv_cny
            - reproject(battery_run, "capex", 0.7).npv_cny) == pytest.approx(-0.6 * per_unit)


def test_the_tornado_ranks_by_swing_from_the_valuations_own_npv(battery_run):
    table = sensitivity(battery_run, ASSUMPTIONS)
    bars = tornado(table, battery_run)
    assert sorted(bars["parameter"]) == sorted(table["parameter"].unique())
    assert (np.diff(bars["swing_cny"]) <= 0).all()
    assert bars["base_npv_cny"].tolist() == pytest.approx([battery_run.valuation.npv_cny] * 5)
    capex = bars.set_index("parameter").loc["capex"]
    points = table.query("parameter == 'capex'")["npv_cny"].to_numpy()
    assert (capex["npv_at_low_cny"], capex["npv_at_high_cny"]) == (points[0], points[-1])
    assert capex["swing_cny"] == pytest.approx(abs(points[-1] - points[0]))


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_the_charts_are_scorecard_sized_pngs(battery_run):
    # the scorecards' chart size: 6.0 x 2.8 in at 100 dpi
    bars = tornado(sensitivity(battery_run, ASSUMPTIONS), battery_run)
    labels = {"carbon_price": "碳价", "tariff": "电价", "capex": "投资",
              "discount_rate": "折现率", "energy_yield": "放电量", "low": "区间下限",
              "high": "区间上限", "axis": "净现值(万元)"}
    assert png_size(tornado_png(bars, battery_run.valuation.npv_cny, "新增储能: 敏感性",
                                labels)) == (600, 280)
    # every word but the parameters' names is optional
    assert png_size(tornado_png(bars, battery_run.valuation.npv_cny, "NPV", {})) == (600, 280)
    assert png_size(cashflow_png(battery_run.flows, "新增储能: 年度现金流",
                                 {"net": "净现金流", "cumulative": "累计"})) == (600, 280)
