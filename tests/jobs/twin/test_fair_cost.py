"""What a comparison counts (jobs/twin/fair_cost.py), on two made-up outcomes worked by hand:
a controller that wins on the bill by letting the zones drift, leaving a car short and
emptying the batteries loses on the comparison, and the invariant says so."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from jobs.bench.loop_bench import targets
from jobs.twin.fair_cost import ComparisonPrices, compared_cost_cny, comparison_prices, counted_cny
from tests.conftest import settings_for

# the prices by hand: the tariff's text (config/park.yaml) and the dispatch settings set below
PRICES = ComparisonPrices(ev_unserved_cny_per_kwh=1.2418,  # 6 July: critical peak
                          comfort_cny_per_kh=50.0, battery_wear_cny_per_kwh=0.08,
                          battery_stored_cny_per_kwh=0.2754 / 0.9,  # 7 July valley / η charge
                          heat_stored_cny_per_kwh_th=0.36)


def _result(bill: float, ev_kwh: float, comfort_kh: float, discharged_kwh: float,
            battery: tuple[float, float], heat: tuple[float, float]) -> dict:
    return {"total_cost_cny": bill, "ev_unserved_kwh": ev_kwh, "comfort_violation_kh": comfort_kh,
            "battery_throughput_kwh": discharged_kwh, "peak_import_kw": 1000.0,
            "renewable_absorption_pct": 100.0,
            "stored": {"start": {"battery_kwh": battery[0], "heat_kwh_th": heat[0]},
                       "end": {"battery_kwh": battery[1], "heat_kwh_th": heat[1]}}}


# cheaper on the bill by 100 CNY; 10 kWh left in the cars, 2 K·h of drift, 1,000 kWh
# discharged and 500 kWh fewer in the batteries at the end
DRIFTER = _result(10_000.0, 10.0, 2.0, 1_000.0, (1_500.0, 1_000.0), (500.0, 500.0))
# 500 kWh discharged, batteries as they began, 100 kWh th more in the tanks
HOLDER = _result(10_100.0, 0.0, 0.0, 500.0, (1_500.0, 1_500.0), (500.0, 600.0))


def test_the_comparison_counts_what_the_bill_does_not_see():
    # 10,000 + 10 x 1.2418 + 2 x 50 + 1,000 x 0.08 + 500 x 0.2754 / 0.9
    assert counted_cny(DRIFTER, PRICES) == pytest.approx({
        "bill_cny": 10_000.0, "ev_unserved_cny": 12.418, "comfort_cny": 100.0,
        "battery_wear_cny": 80.0, "stored_energy_cny": 153.0,
        "compared_cny": 10_345.418})
    # 10,100 + 500 x 0.08 - 100 x 0.36
    assert compared_cost_cny(HOLDER, PRICES) == pytest.approx(10_104.0)


def test_perfect_foresight_is_judged_on_the_comparison_not_the_bill():
    results = {"none": _result(10_500.0, 0.0, 0.0, 0.0, (1_500.0, 1_500.0), (500.0, 500.0)),
               "rule_based": _result(10_400.0, 0.0, 0.0, 0.0, (1_500.0, 1_500.0),
                                     (500.0, 500.0)),
               "plan": _result(10_300.0, 0.0, 0.0, 0.0, (1_500.0, 1_500.0), (500.0, 500.0)),
               "mpc": DRIFTER, "perfect": HOLDER}
    found = targets(results, pv_surplus=False, prices=PRICES)
    assert found["perfect_never_beaten"]["pass"] is True
    assert (found["perfect_never_beaten"]["perfect"],
            found["perfect_never_beaten"]["best_other"]) == (10_104, 10_300)
    # on the bill the mpc saves 500 of perfect's 400 (125 %); compared, 154.6 of 396
    assert found["mpc_capture"]["value"] == 1.25
    assert found["mpc_capture_compared"]["value"] == round(154.582 / 396.0, 3)
    # the mpc is cheaper than rule_based on the bill (10,000 against 10,400), and on the
    # comparison too (10,345 against 10,400)
    assert found["mpc_cheaper_than_rule_based"]["pass"] is True
    assert found["mpc_cheaper_than_rule_based_compared"]["pass"] is True
    # the bill alone (the EV energy only) would call perfect beaten
    assert targets(results, pv_surplus=False, ev_cny_per_kwh=1.2418)[
        "perfect_never_beaten"]["pass"] is False


def test_the_prices_come_from_the_tariff_and_the_dispatch_settings(demo_park_dict, tmp_path):
    park = copy.deepcopy(demo_park_dict)
    for battery in park["assets"]["batteries"]:
        battery["charge_efficiency"] = 0.9
    park.setdefault("dispatch", {}).update(
        comfort_breach_cny_per_kh=50.0, battery_degradation_cny_per_kwh=0.08,
        backup_heat_cny_per_kwh_th=0.36)
    prices = comparison_prices(settings_for(park, tmp_path), dt.date(2026, 7, 6), 1)
    # the tanks' heat is recorded, not priced (a tank refills from free waste heat)
    for field, expected in {**vars(PRICES), "heat_stored_cny_per_kwh_th": 0.0}.items():
        assert getattr(prices, field) == pytest.approx(expected), field


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_a_price_that_is_not_a_finite_number_at_least_zero_is_refused(bad):
    with pytest.raises(ValueError, match="comfort_cny_per_kh"):
        ComparisonPrices(comfort_cny_per_kh=bad)


def test_a_figure_that_is_not_finite_is_refused_naming_it():
    bad = {**HOLDER, "comfort_violation_kh": float("nan")}
    with pytest.raises(ValueError, match="comfort_cny"):
        counted_cny(bad, PRICES)
