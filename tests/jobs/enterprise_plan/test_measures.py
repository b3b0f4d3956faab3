"""One plan per enterprise (一企一策) against hand-computed figures.

A hand-made year of an enterprise: 2,000,000 kWh of daytime grid power at 0.90 CNY/kWh, its
HVAC draws 100,000 kWh in peak hours (200 kW on average there), peak 1.20 and valley 0.30
CNY/kWh, 0.5 kgCO2/kWh market-based, 1,000 GJ of declared waste heat not recovered. Its roof:
10,000 m2 x 0.12 kWp/m2 = 1,200 kWp. Market figures: PV 3.0 CNY/W and 0.05 CNY/W/yr, DR 3.0
CNY/kWh, certificates 5 CNY/MWh, discount rate 8 %.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from jobs.enterprise_plan.inputs import EnterpriseYear
from jobs.enterprise_plan.measures import (
    demand_response,
    green_power,
    heat_recovery,
    load_shift,
    rooftop_pv,
    target_gaps,
)
from jobs.valuation.assumptions import assumptions_for
from jobs.valuation.finance import npv
from tests.conftest import settings_for
from tests.jobs.warehouse.hand_park import ENTERPRISES, alpha_beta_devices, park_section

YEAR = EnterpriseYear(
    enterprise_id="alpha", first_day=dt.date(2025, 12, 1), last_day=dt.date(2026, 11, 30),
    coverage_pct=100.0, grid_kwh=5_000_000.0, daytime_grid_kwh=2_000_000.0,
    hvac_peak_kwh=100_000.0, hvac_peak_mean_kw=200.0, daytime_price_cny_per_kwh=0.9,
    peak_price_cny_per_kwh=1.2, valley_price_cny_per_kwh=0.3, energy_cost_cny=3_500_000.0,
    emissions_market_tco2=3_000.0, emissions_location_tco2=3_100.0,
    market_kgco2_per_kwh=0.5, location_kgco2_per_kwh=0.5703, energy_tce=1_000.0,
    output_value_10k_cny=10_000.0, unrecovered_waste_heat_gj=1_000.0, product_excess_tce=0.0)


def _settings(tmp_path, targets: dict | None = None):
    enterprises = [dict(e) for e in ENTERPRISES]
    enterprises[0]["roof_area_m2"] = 10_000
    enterprises[0]["targets"] = targets or {}
    park = {"park": park_section("plan", "规划园", "Plan Park"), "enterprises": enterprises,
            "devices": alpha_beta_devices()}
    settings = settings_for(park, tmp_path)
    return settings, settings.park.enterprises[0]


def test_rooftop_pv_by_hand(tmp_path):
    settings, alpha = _settings(tmp_path)
    figures = assumptions_for(settings.park.valuation)
    yield_kwh_per_kwp = 1_100.0  # a hand-chosen yield: 1,200 kWp make 1,320,000 kWh
    pv = rooftop_pv(alpha, YEAR, settings, figures, yield_kwh_per_kwp)
    assert pv.size == pytest.approx(1_200.0)
    # all of it used by day (2,000,000 kWh daytime load): 1,320,000 x 0.90 - 1,200,000 W x 0.05
    assert pv.saving_cny_per_year == pytest.approx(1_320_000 * 0.9 - 60_000)  # 1,128,000
    assert pv.capex_cny == pytest.approx(3_600_000)
    assert pv.tco2_per_year == pytest.approx(660.0)  # 1,320,000 kWh x 0.5 kg
    assert pv.payback_years == pytest.approx(3_600_000 / 1_128_000)
    assert pv.npv_cny == pytest.approx(-3_600_000 + 1_128_000 * (1 - 1.08 ** -25) / 0.08,
                                       rel=1e-9)
    assert pv.lowers_cap_basis is True
    # a roof bigger than the daytime load: only what the load takes counts
    big = rooftop_pv(alpha, dataclasses.replace(YEAR, daytime_grid_kwh=1_000_000.0), settings,
                     figures, yield_kwh_per_kwp)
    assert big.tco2_per_year == pytest.approx(500.0)


def test_load_shift_and_demand_response_by_hand(tmp_path):
    settings, _ = _settings(tmp_path)
    figures = assumptions_for(settings.park.valuation)
    shift = load_shift(YEAR, settings, figures)
    # 30 % of 100,000 peak kWh moved to the valley: 30,000 x (1.20 - 0.30) = 27,000 CNY/yr
    assert shift.size == pytest.approx(30_000) and shift.saving_cny_per_year == pytest.approx(
        27_000)
    assert shift.capex_cny == 0 and shift.tco2_per_year == 0
    dr = demand_response(YEAR, settings, figures)
    # 30 % of 200 kW = 60 kW, 10 events x 2 h x 3.0 CNY/kWh = 3,600 CNY/yr
    assert dr.size == pytest.approx(60.0) and dr.saving_cny_per_year == pytest.approx(3_600)


def test_heat_recovery_and_green_power_by_hand(tmp_path):
    settings, _ = _settings(tmp_path)
    figures = assumptions_for(settings.park.valuation)
    heat = heat_recovery(YEAR, settings, figures)
    # 1,000 GJ x 100 CNY/GJ = 100,000 CNY/yr, capex 150,000, 1,000 x 0.11 = 110 tCO2/yr
    assert (heat.saving_cny_per_year, heat.capex_cny) == (pytest.approx(100_000),
                                                          pytest.approx(150_000))
    assert heat.tco2_per_year == pytest.approx(110.0)
    assert heat.npv_cny == pytest.approx(npv(0.08, [-150_000] + [100_000] * 10))
    bought = green_power(YEAR, 250.0, settings, figures)
    # 250 t at 0.5 kg/kWh = 500 MWh of certificates at 5 CNY: 2,500 CNY/yr; not on the cap
    assert bought.size == pytest.approx(500.0) and bought.saving_cny_per_year == pytest.approx(
        -2_500)
    assert bought.lowers_cap_basis is False


def test_the_gaps_to_its_targets(tmp_path):
    settings, alpha = _settings(tmp_path, {
        "annual_cap_tco2": 3_000, "intensity_base_year": 2025,
        "intensity_base_tco2_per_10k_cny": 0.3, "intensity_reduction_pct_per_year": 10})
    cap_gap, path_gap = target_gaps(alpha, YEAR, 2026)
    assert cap_gap == pytest.approx(100.0)  # 3,100 location-based against 3,000
    # 2026 path: 0.3 x 0.9 = 0.27 tCO2/万元 x 10,000 = 2,700 t: 300 t above
    assert path_gap == pytest.approx(300.0)





def test_a_part_month_of_output_is_annualised_with_the_emissions_of_the_same_days():
    # The demo's case: 3 metered days in December, their output reported (9.49 万元) with their
    # 29.2 t; the year's 3,569 t (3 days annualised) then stand against 3,569 x 9.49 / 29.2
    # 万元 of output, not 9.49 x 12.
    from jobs.enterprise_plan.inputs import output_per_year

    assert output_per_year(3_569.0, 9.49, 1, 29.2) == pytest.approx(3_569.0 * 9.49 / 29.2)
    assert output_per_year(100.0, 30.0, 3, None) == pytest.approx(120.0)  # no emissions: x 12/3
    assert output_per_year(100.0, None, 0, None) is None
