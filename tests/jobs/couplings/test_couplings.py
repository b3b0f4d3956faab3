"""A hand-made coupling, built by the real inbox and the real dbt build, against hand-computed
figures: the guiding indicators, the incentive in the carbon ledger, and the suggested match.

Park "hand-park" (the carbon test's: alpha and beta metered through October 2026). In October:
- alpha declares 600 GJ of recoverable waste heat, 100 GJ recovered in its own plant, and sends
  200 GJ of it to beta (coupling_flows, declared). Waste-heat utilisation = (100 + 200) / 600
  = 50 % (meets >= 50); counted twice it would be 500 / 600, not counted 100 / 600.
- a water meter (water-ab, 1 m3 an hour: October 744 h = 744 m3) measures alpha -> beta reused
  water; the 500 m3 declared for it are replaced by the 744 metered. beta declares 1,256 m3 of
  fresh intake and no other reuse: water reuse = 744 / (744 + 1,256) = 37.2 %.
- alpha sends 30 t of slag to a cement plant outside the park and declares 50 t generated,
  10 t used itself: solid-waste utilisation = (10 + 30) / 50 = 80 % (meets >= 80).
- outside heat bought by beta (kind supply) is on the map and counts for nothing.
Incentive (config couplings.incentives): heat 0.05 tCO2 and 20 CNY per GJ to the supplier,
water 1.5 CNY per m3 to the receiver: alpha 200 x 0.05 = 10 tCO2 and 200 x 20 = 4,000 CNY;
beta 744 x 1.5 = 1,116 CNY.
Suggested match (coupling_offers): alpha's waste heat 2,400 GJ/yr at 90 °C; beta needs
1,000 GJ/yr at 70 °C (served: 90 >= 70 + 10 K) and 500 GJ/yr at 85 °C (not: 90 < 95). The match
is 1,000 GJ/yr: 1,000 x 80 CNY/GJ = 80,000 CNY/yr, 1,000 x 0.11 = 110 tCO2/yr, and the park's
incentive 50 tCO2 + 20,000 CNY a year to alpha.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from jobs.cli import app
from jobs.common import landing
from jobs.couplings.suggest import suggested_couplings
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import CONFIG_DIR, settings_for, write_park_file
from tests.jobs.inbox.conftest import write_csv
from tests.jobs.warehouse.hand_park import constant_rate_readings
from tests.jobs.warehouse.test_carbon_accounts import FIRST, LAST, RATES_PER_H
from tests.jobs.warehouse.test_carbon_accounts import _park as carbon_park

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
OCT = dt.date(2026, 10, 1)
FL = ["month", "from_id", "to_id", "carrier", "kind", "quantity", "unit"]
OF = ["enterprise_id", "side", "carrier", "kind", "quantity_per_year", "unit", "temperature_c"]


def _park() -> dict:
    park = carbon_park()
    park["devices"] = [*park["devices"],
                       {"id": "water-ab", "kind": "water_meter", "register_map": "water_meter",
                        "enterprise": "beta", "host": "127.0.0.1", "port": 15020,
                        "unit_id": 9}]
    park["couplings"] = {
        "meters": {"water-ab": {"from_id": "alpha", "to_id": "beta", "carrier": "water",
                                "kind": "cooling_water"}},
        "prices": {"heat_cny_per_gj": 80, "source": "hand-made test prices"},
        "incentives": {"heat": {"reward_tco2_per_unit": 0.05, "subsidy_cny_per_unit": 20},
                       "water": {"subsidy_cny_per_unit": 1.5, "paid_to": "receiver"}},
        "incentive_source": "hand-made test rule"}
    return park


def _files(folder: Path) -> list[Path]:
    return [
        write_csv(folder / "coupling_flows_2026-10.csv", FL, [
            ["2026-10", "alpha", "beta", "heat", "heat", 200, "GJ"],
            ["2026-10", "alpha", "beta", "water", "cooling_water", 500, "m3"],
            ["2026-10", "alpha", "outside", "solid_waste", "slag", 30, "t"],
            ["2026-10", "outside", "beta", "heat", "supply", 70, "GJ"]]),
        write_csv(folder / "waste_heat_2026-10.csv",
                  ["enterprise_id", "month", "waste_kind", "recoverable_gj", "recovered_gj"],
                  [["alpha", "2026-10", "heat", 600, 100]]),
        write_csv(folder / "water_2026-10.csv",
                  ["enterprise_id", "month", "fresh_intake_m3", "reused_m3"],
                  [["beta", "2026-10", 1256, 0]]),
        write_csv(folder / "solid_waste_2026-10.csv",
                  ["enterprise_id", "month", "waste_kind", "generated_t", "utilised_t"],
                  [["alpha", "2026-10", "slag", 50, 10]]),
        write_csv(folder / "coupling_offers_2026.csv", OF, [
            ["alpha", "output", "heat", "heat", 2400, "GJ", 90],
            ["beta", "need", "heat", "heat", 1000, "GJ", 70],
            ["beta", "need", "heat", "余热", 500, "GJ", 85]]),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("couplings")
    settings = settings_for(_park(), tmp_path / "data")
    rates = {**RATES_PER_H, ("water-ab", "volume_total_m3"): 1.0}
    landing.write_partitioned(settings.landing_root, "readings",
                              constant_rate_readings(FIRST, LAST, rates), "hand-made")
    results = load_inbox(settings, _files(tmp_path), now=NOW)
    assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]
    report = build_warehouse(settings, quiet=True)
    assert report.success, report.summary_markdown()
    return settings


def _rows(settings, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        cursor = connection.execute(sql, params or [])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _indicator(settings, key: str) -> dict:
    [row] = _rows(settings, "select * from fct_guiding_indicators where indicator_key = ? "
                            "and period_kind = 'month' and period_start = ?", [key, OCT])
    return row


def test_the_map_holds_each_flow_once_with_metered_beating_declared(built):
    flows = _rows(built, "select from_id, to_id, carrier, kind, quantity, unit, source, "
                         "counts_for from fct_coupling_flows where month = ? "
                         "order by carrier, from_id", [OCT])
    assert [(f["from_id"], f["to_id"], f["carrier"], f["kind"], f["quantity"], f["unit"],
             f["source"], f["counts_for"]) for f in flows] == [
        ("alpha", "beta", "heat", "heat", 200.0, "GJ", "declared", "waste_heat_utilisation"),
        ("outside", "beta", "heat", "supply", 70.0, "GJ", "declared", None),
        ("alpha", "outside", "solid_waste", "slag", 30.0, "t", "declared",
         "solid_waste_utilisation"),
        ("alpha", "beta", "water", "cooling_water", pytest.approx(744.0), "m3", "metered",
         "water_reuse")]


def test_the_couplings_count_once_in_the_guiding_indicators(built):
    heat = _indicator(built, "waste_heat_utilisation")
    assert heat["value_pct"] == pytest.approx(50.0) and heat["status"] == "meets"
    water = _indicator(built, "water_reuse")
    assert water["value_pct"] == pytest.approx(37.2)
    assert (water["numerator"], water["denominator"]) == (pytest.approx(744.0),
                                                          pytest.approx(2000.0))
    waste = _indicator(built, "solid_waste_utilisation")
    assert waste["value_pct"] == pytest.approx(80.0) and waste["status"] == "meets"


def test_the_incentive_is_in_each_enterprise_carbon_ledger(built):
    ledger = {r["entity_id"]: r for r in _rows(
        built, "select entity_id, coupling_reward_tco2, coupling_subsidy_cny, "
               "ytd_coupling_reward_tco2, ytd_coupling_subsidy_cny, allowances_held_tco2 "
               "from fct_enterprise_carbon_accounts where month = ?", [OCT])}
    assert ledger["alpha"]["coupling_reward_tco2"] == pytest.approx(10.0)
    assert ledger["alpha"]["coupling_subsidy_cny"] == pytest.approx(4000.0)
    assert ledger["alpha"]["ytd_coupling_subsidy_cny"] == pytest.approx(4000.0)
    assert ledger["beta"]["coupling_reward_tco2"] == pytest.approx(0.0)
    assert ledger["beta"]["coupling_subsidy_cny"] == pytest.approx(1116.0)


def test_the_suggested_match_is_valued_by_hand(built):
    [suggestion] = suggested_couplings(built)
    assert (suggestion.supplier_id, suggestion.receiver_id, suggestion.carrier) == (
        "alpha", "beta", "heat")
    assert suggestion.need_temperature_c == 70.0
    assert suggestion.quantity_per_year == pytest.approx(1000.0)
    assert suggestion.saving_cny_per_year == pytest.approx(80_000.0)
    assert suggestion.tco2_per_year == pytest.approx(110.0)
    assert suggestion.incentive_tco2_per_year == pytest.approx(50.0)
    assert suggestion.incentive_cny_per_year == pytest.approx(20_000.0)
    assert suggestion.incentive_paid_to == "alpha"


def test_park_couplings_prints_the_map_and_the_suggestions_as_json(built, tmp_path):
    park_file = write_park_file(_park(), tmp_path / "park.yaml")
    result = CliRunner().invoke(app, ["couplings", "--json", "--month", "2026-10",
                                      "--config-dir", str(CONFIG_DIR), "--park-file",
                                      str(park_file), "--data-root", built.data_root])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert len(printed["map"]["flows"]) == 4
    assert {(i["enterprise_id"], i["carrier"], i["subsidy_cny"])
            for i in printed["map"]["incentives"]} == {("alpha", "heat", 4000.0),
                                                         ("beta", "water", 1116.0)}
    assert [s["saving_cny_per_year"] for s in printed["suggestions"]] == [80_000.0]
