"""The DCF arithmetic against independent truth: numpy_financial on the same flows, and cases
worked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

from jobs.valuation import finance


def _seeded_flows(seed: int) -> np.ndarray:
    """An investment, then mostly positive years with a few negative ones (a bad year, a
    replacement), of a random length: the shapes a real asset produces."""
    rng = np.random.default_rng(seed)
    years = int(rng.integers(5, 31))
    flows = rng.uniform(50.0, 300.0, years + 1)
    flows[rng.choice(np.arange(1, years + 1), size=2, replace=False)] *= -1.5
    flows[0] = -rng.uniform(800.0, 2500.0)
    return flows


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("rate", [-0.2, 0.0, 0.03, 0.08, 0.25])
def test_npv_matches_numpy_financial(seed, rate):
    flows = _seeded_flows(seed)
    assert finance.npv(rate, flows) == pytest.approx(npf.npv(rate, flows), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_irr_matches_numpy_financial(seed):
    flows = _seeded_flows(seed)
    expected = npf.irr(flows)
    assert -0.99 < expected < 10.0  # the seeds are chosen so that the reference has an answer
    assert finance.irr(flows) == pytest.approx(expected, abs=1e-9)


def test_discount_factors_cover_year_0_to_the_last_year():
    # 1, 1/1.1, 1/1.21, 1/1.331
    assert finance.discount_factors(0.1, 3) == pytest.approx([1.0, 0.9090909091, 0.8264462810,
                                                             0.7513148009])


def test_flat_annuity_has_the_rate_it_was_built_with():
    # Annuity factor at 10 % over 10 years: (1 - 1.1^-10) / 0.1 = 6.1445671;
    # 1000 / 6.1445671 = 162.745394 a year, so the IRR is 10.000 %.
    flows = [-1000.0] + [162.745394] * 10
    assert finance.irr(flows) == pytest.approx(0.10, abs=1e-7)


def test_irr_of_a_flow_that_never_pays_back_is_negative_not_missing():
    # -1000 + 100 x + 100 x^2 = 0 with x = 1 / (1 + r): x = (-1 + sqrt(41)) / 2 = 2.7016,
    # r = 1 / x - 1 = -0.62984. Undiscounted it loses 800, but the NPV still crosses zero.
    x = (-1.0 + math.sqrt(41.0)) / 2.0
    assert finance.irr([-1000.0, 100.0, 100.0]) == pytest.approx(1.0 / x - 1.0, abs=1e-10)


@pytest.mark.parametrize("flows", [
    [-1000.0, -50.0, -50.0],  # costs every year: nothing to pay back with
    [1000.0, 50.0, 50.0],  # no investment
    [0.0, 0.0, 0.0],
])
def test_no_sign_change_means_no_irr(flows):
    assert finance.irr(flows) is None


def test_of_several_irrs_the_one_closest_to_zero_is_returned():
    # -100 + 230 x - 132 x^2 = 0: x = (230 +- sqrt(230^2 - 4*132*100)) / 264 = (230 +- 10) / 264,
    # x = 0.90909 or 0.83333, r = 1 / x - 1 = 10 % or 20 %.
    assert finance.irr([-100.0, 230.0, -132.0]) == pytest.approx(0.10, abs=1e-10)


def test_simple_payback_is_interpolated_within_the_year():
    # Cumulative: -1000, -600, -200, +200; the 200 still owed after year 2 is half of year 3.
    assert finance.simple_payback_years([-1000.0, 400.0, 400.0, 400.0]) == pytest.approx(2.5)
    assert finance.simple_payback_years([-1000.0, 400.0, 400.0]) is None
    assert finance.simple_payback_years([0.0, 10.0]) == 0.0


def test_discounted_payback_is_interpolated_within_the_year():
    # At 10 %: 600 / 1.1 = 545.45, 600 / 1.21 = 495.87; cumulative -454.55 after year 1, so
    # 1 + 454.55 / 495.87 = 1 + (5000/11) / (60000/121) = 1 + 11/12 = 1.91667 years.
    assert finance.discounted_payback_years(0.1, [-1000.0, 600.0, 600.0]) == pytest.approx(
        1.0 + 11.0 / 12.0, rel=1e-12)
    # Undiscounted it pays back in 1 + 400/600 years; discounted it never does at 50 %.
    assert finance.discounted_payback_years(0.5, [-1000.0, 600.0, 600.0]) is None


def test_capital_recovery_factor_and_annuity_payment():
    # 8 %, 25 years: 0.08 * 1.08^25 / (1.08^25 - 1) = 0.0936788
    assert finance.capital_recovery_factor(0.08, 25) == pytest.approx(0.0936788, abs=1e-7)
    assert finance.capital_recovery_factor(0.0, 20) == pytest.approx(0.05)
    # A 1,000,000 loan at 5 % over 10 years: 129,504.57 a year, as numpy_financial.pmt says.
    payment = finance.annuity_payment_cny(1_000_000.0, 0.05, 10)
    assert payment == pytest.approx(129_504.57, abs=0.01)
    assert payment == pytest.approx(-npf.pmt(0.05, 10, 1_000_000.0), rel=1e-12)


def test_lcoe_of_constant_flows_is_the_closed_form():
    # 4,000,000 CNY capex, 60,000 CNY/yr O&M, 1,200,000 kWh/yr for 25 years at 8 %:
    # (4e6 * 0.0936788 + 60000) / 1.2e6 = (374,715.1 + 60,000) / 1.2e6 = 0.362263 CNY/kWh.
    crf = 0.08 * 1.08**25 / (1.08**25 - 1.0)
    lcoe = finance.lcoe_cny_per_kwh(0.08, 4e6, [60_000.0] * 25, [1.2e6] * 25)
    assert lcoe == pytest.approx((4e6 * crf + 60_000.0) / 1.2e6, rel=1e-12)
    assert lcoe == pytest.approx(0.362263, abs=1e-6)


def test_lcos_adds_the_charging_cost():
    # 1,000,000 capex, 10,000 O&M and 120,000 charging a year, 400,000 kWh discharged, 10 years
    # at 6 %: (1e6 * CRF + 10000 + 120000) / 400000, CRF = 0.06 / (1 - 1.06^-10) = 0.1358680.
    crf = 0.06 / (1.0 - 1.06**-10)
    lcos = finance.lcos_cny_per_kwh(0.06, 1e6, [10_000.0] * 10, [120_000.0] * 10,
                                    [400_000.0] * 10)
    assert lcos == pytest.approx((1e6 * crf + 130_000.0) / 400_000.0, rel=1e-12)


def test_break_even_carbon_price_zeroes_the_npv():
    # -1000 then 100 a year for 8 years at 5 % loses money; 10 tCO2 avoided a year.
    flows = np.array([-1000.0] + [100.0] * 8)
    tco2 = np.array([10.0] * 8)
    price = finance.break_even_carbon_price_cny_per_tco2(0.05, flows, tco2)
    assert price > 0.0
    assert npf.npv(0.05, flows + price * np.concatenate(([0.0], tco2))) == pytest.approx(
        0.0, abs=1e-9)
    # Profitable without carbon: the price is negative, and still zeroes the NPV.
    profitable = np.array([-1000.0] + [200.0] * 8)
    price = finance.break_even_carbon_price_cny_per_tco2(0.05, profitable, tco2)
    assert price < 0.0
    assert npf.npv(0.05, profitable + price * np.concatenate(([0.0], tco2))) == pytest.approx(
        0.0, abs=1e-9)
    assert finance.break_even_carbon_price_cny_per_tco2(0.05, flows, [0.0] * 8) is None


def test_dscr_over_the_serviced_years():
    # Years 1 and 2 serviced: 150 / 100 = 1.5 and 120 / 100 = 1.2; min 1.2, mean 1.35.
    minimum, mean = finance.dscr([0.0, 150.0, 120.0, 200.0], [0.0, 100.0, 100.0, 0.0])
    assert minimum == pytest.approx(1.2)
    assert mean == pytest.approx(1.35)


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: finance.npv(-1.0, [1.0, 2.0]), "rate"),
    (lambda: finance.npv(float("nan"), [1.0, 2.0]), "rate"),
    (lambda: finance.npv(0.05, [-1.0, float("nan")]), "cash_flows"),
    (lambda: finance.npv(0.05, [[1.0, 2.0]]), "cash_flows"),
    (lambda: finance.irr(["a", "b"]), "cash_flows"),
    (lambda: finance.discount_factors(0.05, 0), "years"),
    (lambda: finance.capital_recovery_factor(0.05, 2.5), "years"),
    (lambda: finance.annuity_payment_cny(float("inf"), 0.05, 10), "principal_cny"),
    (lambda: finance.lcoe_cny_per_kwh(0.05, float("nan"), [1.0], [1.0]), "capex_cny"),
    (lambda: finance.lcoe_cny_per_kwh(0.05, 100.0, [1.0, 1.0], [1.0]), "annual_energy_kwh"),
    (lambda: finance.lcoe_cny_per_kwh(0.05, 100.0, [1.0], [0.0]), "annual_energy_kwh"),
    (lambda: finance.lcoe_cny_per_kwh(0.05, 100.0, [1.0], [-5.0]), "annual_energy_kwh"),
    (lambda: finance.lcos_cny_per_kwh(0.05, 100.0, [1.0], [1.0], [0.0]),
     "annual_discharged_kwh"),
    (lambda: finance.break_even_carbon_price_cny_per_tco2(0.05, [-1.0, 1.0], [1.0, 1.0]),
     "annual_tco2_avoided"),
    (lambda: finance.dscr([1.0, 2.0], [0.0, 0.0]), "debt_service_cny"),
])
def test_bad_inputs_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
