"""The year-by-year projection and its valuation, checked against rows and NPVs worked by hand
(closed-form annuities, written out) and against numpy_financial on the projected flows."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from jobs.valuation.cashflows import (
    NET_COMPONENTS,
    AssetBenefits,
    AssetCosts,
    Escalation,
    Prices,
    project,
    valuate,
)


def _annuity_factor(rate: float, years: int) -> float:
    """PV of 1 CNY a year for `years` years: (1 - (1 + r)^-n) / r."""
    return (1.0 - (1.0 + rate) ** -years) / rate


# A 1 MWp rooftop PV: 1,050,000 kWh in year 1 before degradation, 0.58 tCO2/MWh avoided.
PV_COSTS = AssetCosts(capex_cny=3_500_000.0, life_years=25, om_cny_per_year=40_000.0)
PV_BENEFITS = AssetBenefits(energy_kwh_per_year=1_050_000.0, bill_savings_cny_per_year=300_000.0,
                            export_revenue_cny_per_year=20_000.0, tco2_avoided_per_year=609.0,
                            certificates_per_year=1050.0)

# A 1 MW / 2 MWh battery whose cells are replaced in year 10.
BATTERY_COSTS = AssetCosts(capex_cny=2_000_000.0, life_years=15, om_cny_per_year=20_000.0,
                           replacements=((10, 600_000.0),), salvage_cny=100_000.0)
BATTERY_BENEFITS = AssetBenefits(energy_kwh_per_year=500_000.0,
                                 bill_savings_cny_per_year=380_000.0,
                                 charging_cost_cny_per_year=150_000.0)


def test_degradation_and_tariff_escalation_of_year_3():
    escalation = Escalation(degradation_first_year_pct=1.5, degradation_pct_per_year=0.45,
                            tariff_escalation_pct_per_year=2.0)
    table = project(PV_COSTS, PV_BENEFITS, escalation, Prices()).set_index("year")
    # Output factor of year 3: (1 - 0.015) * (1 - 0.0045)^2 = 0.985 * 0.9955^2 = 0.976156
    factor = 0.985 * 0.9955**2
    assert table.loc[1, "energy_kwh"] == pytest.approx(1_050_000.0 * 0.985)
    assert table.loc[3, "energy_kwh"] == pytest.approx(1_050_000.0 * factor, rel=1e-12)
    # Savings also carry two years of 2 % tariff escalation: 300,000 * 0.976156 * 1.02^2.
    assert table.loc[3, "bill_savings_cny"] == pytest.approx(300_000.0 * factor * 1.02**2)
    assert table.loc[3, "tco2_avoided"] == pytest.approx(609.0 * factor)


def test_year_0_holds_only_the_capex_and_net_is_the_sum_of_its_parts():
    table = project(PV_COSTS, PV_BENEFITS, Escalation(),
                    Prices(carbon_cny_per_tco2=80.0, certificate_cny_each=5.0))
    assert len(table) == 26
    year_0 = table.iloc[0]
    assert year_0["capex_cny"] == -3_500_000.0
    assert year_0["net_cny"] == -3_500_000.0
    assert year_0.drop(["year", "capex_cny", "net_cny", "tariff_index"]).abs().sum() == 0.0
    # Year 1: 300,000 + 20,000 + 1050 * 5 + 609 * 80 - 40,000
    #       = 300,000 + 20,000 + 5,250 + 48,720 - 40,000 = 333,970
    assert table.iloc[1]["net_cny"] == pytest.approx(333_970.0)
    assert (table["net_cny"] == table[list(NET_COMPONENTS)].sum(axis=1)).all()


def test_battery_replacement_year_and_npv_by_hand():
    table = project(BATTERY_COSTS, BATTERY_BENEFITS, Escalation(), Prices()).set_index("year")
    # Year 10: 380,000 savings - 20,000 O&M - 600,000 cells = -240,000; the charging cost is a
    # memo (already inside the savings) and does not enter net.
    year_10 = table.loc[10]
    assert year_10["replacement_cny"] == -600_000.0
    assert year_10["charging_cost_cny"] == -150_000.0
    assert year_10["net_cny"] == pytest.approx(-240_000.0)
    assert table.loc[15, "salvage_cny"] == 100_000.0
    assert table.loc[15, "net_cny"] == pytest.approx(460_000.0)

    # At 6 %: -2,000,000 + 360,000 * 9.712249 - 600,000 / 1.06^10 + 100,000 / 1.06^15
    #       = -2,000,000 + 3,496,409.6 - 335,036.9 + 41,726.5 = 1,203,099.3 CNY
    by_hand = (-2_000_000.0 + 360_000.0 * _annuity_factor(0.06, 15)
               - 600_000.0 / 1.06**10 + 100_000.0 / 1.06**15)
    valuation = valuate(table.reset_index(), 0.06)
    assert valuation.npv_cny == pytest.approx(by_hand, rel=1e-12)
    assert valuation.npv_cny == pytest.approx(1_203_099.3, abs=0.1)
    assert valuation.irr == pytest.approx(npf.irr(table["net_cny"].to_numpy()), abs=1e-9)

    # LCOS: (capex + PV(O&M + charging) + PV(cells) - PV(salvage)) / PV(discharge)
    lcos = ((2_000_000.0 + 170_000.0 * _annuity_factor(0.06, 15)
             + 600_000.0 / 1.06**10 - 100_000.0 / 1.06**15)
            / (500_000.0 * _annuity_factor(0.06, 15)))
    assert valuation.lcos_cny_per_kwh == pytest.approx(lcos, rel=1e-12)
    assert valuation.lcoe_cny_per_kwh is None


def test_pv_lcoe_with_constant_flows_is_the_closed_form():
    # No degradation: (capex * CRF + O&M) / E at 8 %, CRF(8 %, 25) = 0.0936788.
    valuation = valuate(project(PV_COSTS, PV_BENEFITS, Escalation(), Prices()), 0.08)
    crf = 0.08 * 1.08**25 / (1.08**25 - 1.0)
    assert valuation.lcoe_cny_per_kwh == pytest.approx(
        (3_500_000.0 * crf + 40_000.0) / 1_050_000.0, rel=1e-12)
    assert valuation.lcos_cny_per_kwh is None
    assert valuation.lifecycle_tco2_avoided == pytest.approx(609.0 * 25)


def test_simple_payback_of_the_projection():
    # 320,000 - 40,000 = 280,000 a year against 3,500,000: 12.5 years.
    valuation = valuate(project(PV_COSTS, PV_BENEFITS, Escalation(), Prices()), 0.08)
    assert valuation.simple_payback_years == pytest.approx(12.5)


def test_carbon_revenue_is_in_the_npv_and_the_break_even_price_zeroes_it():
    escalation = Escalation(degradation_first_year_pct=1.5, degradation_pct_per_year=0.45)
    without = valuate(project(PV_COSTS, PV_BENEFITS, escalation, Prices()), 0.08)
    with_carbon = valuate(project(PV_COSTS, PV_BENEFITS, escalation,
                                  Prices(carbon_cny_per_tco2=60.0)), 0.08)
    # The carbon revenue adds 60 CNY * PV(tCO2 of years 1..25), tCO2 degrading with the output.
    years = np.arange(1, 26)
    tco2 = 609.0 * 0.985 * 0.9955 ** (years - 1)
    assert with_carbon.npv_cny - without.npv_cny == pytest.approx(
        60.0 * np.sum(tco2 / 1.08**years), rel=1e-9)
    # The break-even price does not depend on the carbon price the flows were projected with.
    price = with_carbon.break_even_carbon_price_cny_per_tco2
    assert price == pytest.approx(without.break_even_carbon_price_cny_per_tco2, rel=1e-12)

    at_break_even = project(PV_COSTS, PV_BENEFITS, escalation, Prices(carbon_cny_per_tco2=price))
    assert npf.npv(0.08, at_break_even["net_cny"].to_numpy()) == pytest.approx(0.0, abs=1e-6)
    assert without.npv_cny < 0.0 < price


def test_break_even_price_is_negative_when_profitable_without_carbon():
    cheap = AssetCosts(capex_cny=2_000_000.0, life_years=25, om_cny_per_year=40_000.0)
    price = valuate(project(cheap, PV_BENEFITS, Escalation(), Prices()),
                    0.08).break_even_carbon_price_cny_per_tco2
    assert price < 0.0
    at_break_even = project(cheap, PV_BENEFITS, Escalation(), Prices(carbon_cny_per_tco2=price))
    assert npf.npv(0.08, at_break_even["net_cny"].to_numpy()) == pytest.approx(0.0, abs=1e-6)


def test_no_carbon_avoided_has_no_break_even_price():
    valuation = valuate(project(BATTERY_COSTS, BATTERY_BENEFITS, Escalation(), Prices()), 0.06)
    assert valuation.break_even_carbon_price_cny_per_tco2 is None


def test_lifecycle_costs_follow_reopt():
    escalation = Escalation(tariff_escalation_pct_per_year=2.0)
    valuation = valuate(project(PV_COSTS, PV_BENEFITS, escalation, Prices()), 0.08,
                        annual_bill_bau_cny=1_000_000.0)
    # Growing annuity: sum of 1e6 * 1.02^(y-1) / 1.08^y over y = 1..25
    #                = 1e6 / (0.08 - 0.02) * (1 - (1.02 / 1.08)^25) = 12,674,035.8 CNY
    assert valuation.lcc_bau_cny == pytest.approx(
        1e6 / 0.06 * (1.0 - (1.02 / 1.08) ** 25), rel=1e-12)
    assert valuation.lcc_bau_cny - valuation.lcc_cny == pytest.approx(valuation.npv_cny)
    assert valuate(project(PV_COSTS, PV_BENEFITS, escalation, Prices()), 0.08).lcc_cny is None


@pytest.mark.parametrize(("make", "argument"), [
    (lambda: AssetCosts(1e6, 0, 1e4), "life_years"),
    (lambda: AssetCosts(float("nan"), 10, 1e4), "capex_cny"),
    (lambda: AssetCosts(1e6, 10, 1e4, replacements=((11, 5e5),)), "replacements"),
    (lambda: AssetBenefits(-1.0, 1e5), "energy_kwh_per_year"),
    (lambda: Escalation(degradation_first_year_pct=100.0), "degradation_first_year_pct"),
    (lambda: Escalation(tariff_escalation_pct_per_year=-100.0), "tariff_escalation"),
    (lambda: Prices(carbon_cny_per_tco2=float("inf")), "carbon_cny_per_tco2"),
    (lambda: valuate(project(PV_COSTS, PV_BENEFITS, Escalation(), Prices()), -1.5), "rate"),
])
def test_bad_inputs_name_the_field(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()
