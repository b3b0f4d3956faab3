"""The national guiding indicators (910号 附件3) against hand-computed truth, on a hand-made park
with hand-made inbox files and a waste-heat tank's hand-made counter, built by the real build.

Park "hand-park" (the carbon test's): enterprises alpha (its dyeing wastewater heat charges
tank ts-ctl) and beta. The tank's heat_charged_kwh_th counter rises 100 kWh_th an hour from
30 September 22:00 to 1 November 00:00 (Asia/Shanghai): September 2 h = 200 kWh_th = 0.72 GJ,
October 744 h = 74,400 kWh_th = 267.84 GJ (1 kWh = 0.0036 GJ).

Targets (reference zero_carbon_park_indicators.csv): solid waste >= 80 %, waste heat >= 50 %,
water reuse >= 80 %, unit product energy at or better than grade 2.
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
from tests.jobs.warehouse.test_carbon_accounts import _park as carbon_park

pytestmark = pytest.mark.integration

FIRST = dt.datetime(2026, 9, 30, 14, 0, tzinfo=dt.UTC)  # 30 September, 22:00 in Shanghai
LAST = dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)  # 1 November, 00:00
STEP = dt.timedelta(minutes=5)
NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
SEP, OCT, YEAR = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 1, 1)
TANK_KWH_TH_PER_H = 100.0
TANK_SEP_GJ, TANK_OCT_GJ = 200 * 0.0036, 74_400 * 0.0036  # 0.72 and 267.84
WATER_M3_PER_H = 10.0  # alpha's fresh-intake meter: September 20 m3, October 7,440 m3
WATER_REASON = "no industrial water use: assembly only"
SOLID_REASON = "no industrial solid waste: a logistics park"
WIDGET_LIMIT = {"product_code": "widget", "product_name_zh": "试件", "product_name_en": "Widget",
                "standard": "GB 00000-0000 (a hand-made limit for this test)",
                "grade2_limit_kgce_per_unit": 100.0, "output_unit": "t",
                "source": "hand-made test figure"}


def _park(guiding: dict) -> dict:
    """The carbon test's park (a grid meter, alpha and beta) with a waste-heat tank instead of
    the feeder and gas meters, and the guiding_indicators section under test."""
    park = carbon_park()
    endpoint = {"host": "127.0.0.1", "port": 15020}
    park["devices"] = [park["devices"][0],
                       {"id": "ts-ctl", "kind": "thermal_storage",
                        "register_map": "thermal_storage_controller", **endpoint, "unit_id": 2,
                        "rated_kw": 500},
                       {"id": "water-alpha", "kind": "water_meter", "register_map": "water_meter",
                        "enterprise": "alpha", **endpoint, "unit_id": 3}]
    return {**park, "guiding_indicators": guiding}


def _readings() -> pa.Table:
    rows = []
    at = FIRST
    while at <= LAST:
        hours = (at - FIRST) / dt.timedelta(hours=1)
        for device, point, rate in (("ts-ctl", "heat_charged_kwh_th", TANK_KWH_TH_PER_H),
                                    ("water-alpha", "volume_total_m3", WATER_M3_PER_H)):
            rows.append({"ts_utc": at, "device_id": device, "point": point,
                         "value": 1000.0 + rate * hours, "quality": "good",
                         "cycle_id": f"hand-{at:%Y%m%dT%H%M}", "detail": None})
        at += STEP
    return pa.Table.from_pylist(rows, schema=landing.READINGS_SCHEMA)


SW = ["enterprise_id", "month", "waste_kind", "generated_t", "utilised_t",
      "utilised_from_stock_t"]
PO = ["enterprise_id", "month", "product_code", "output_quantity", "output_unit",
      "product_energy_tce"]


def _main_files(folder: Path) -> list[list[Path]]:
    """Two loads: the second corrects alpha's October solid waste (latest wins)."""
    first = [
        write_csv(folder / "solid_waste_a.csv", SW, [
            ["alpha", "2026-09", "sludge", 100, 70, 0],
            ["beta", "2026-09", "swarf", 50, 50, 0],
            ["alpha", "2026-10", "sludge", 100, 60, 10]]),
        write_csv(folder / "water_a.csv", ["enterprise_id", "month", "fresh_intake_m3",
                                           "reused_m3"], [["alpha", "2026-09", 1000, 3000]]),
        write_csv(folder / "waste_heat_a.csv", ["enterprise_id", "month", "waste_kind",
                                                "recoverable_gj", "recovered_gj"], [
            ["alpha", "2026-10", "heat", 600, 100],
            ["beta", "2026-10", "cold", 50, 10],
            ["beta", "2026-10", "pressure", 30, 30]]),
        write_csv(folder / "product_output_a.csv", PO, [
            ["alpha", "2026-09", "widget", 1000, "t", 90],
            ["alpha", "2026-10", "widget", 1000, "t", 110],
            ["beta", "2026-09", "mystery_part", 500, "pcs", 20],
            ["beta", "2026-10", "widget", 2000, "kg", 1]]),
    ]
    correction = [write_csv(folder / "solid_waste_b.csv", SW,
                            [["alpha", "2026-10", "sludge", 100, 88, 10]])]
    return [first, correction]


def _build(tmp_path: Path, guiding: dict, loads: list[list[Path]], readings: bool):
    settings = settings_for(_park(guiding), tmp_path / "data")
    if readings:
        landing.write_partitioned(settings.landing_root, "readings", _readings(), "hand-made")
    for number, files in enumerate(loads):
        results = load_inbox(settings, files, now=NOW + dt.timedelta(minutes=number))
        assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]
    report = build_warehouse(settings, quiet=True)
    assert report.success, report.summary_markdown()
    return settings


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("guiding")
    guiding = {"not_applicable": {"water_reuse": WATER_REASON},
               "product_energy_limits": [WIDGET_LIMIT],
               "waste_heat_tanks": {"ts-ctl": "alpha"},
               "water_meters": {"water-alpha": "fresh_intake"}}
    return _build(tmp_path, guiding, _main_files(tmp_path), readings=True)


def _rows(settings, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        cursor = connection.execute(sql, params or [])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _indicator(settings, key: str, kind: str, start: dt.date) -> dict:
    [row] = _rows(settings, "select * from fct_guiding_indicators where indicator_key = ? and "
                            "period_kind = ? and period_start = ?", [key, kind, start])
    return row


def test_solid_waste_utilisation_counts_stock_and_takes_the_latest_file(built):
    # September: (70 + 50) / (100 + 50) = 80 % -> meets (>= 80)
    september = _indicator(built, "solid_waste_utilisation", "month", SEP)
    assert september["value_pct"] == pytest.approx(80.0)
    assert september["status"] == "meets" and september["target_pct"] == 80.0
    assert september["enterprises_reporting"] == 2
    # October, corrected file: 88 / (100 + 10 from stock) = 80 % -> meets (the first file's
    # 60 / 110 = 54.5 % would miss)
    october = _indicator(built, "solid_waste_utilisation", "month", OCT)
    assert october["value_pct"] == pytest.approx(80.0) and october["status"] == "meets"
    # the year so far: (70 + 50 + 88) / (150 + 110) = 80 %
    year = _indicator(built, "solid_waste_utilisation", "year", YEAR)
    assert year["value_pct"] == pytest.approx(208 / 260 * 100)
    assert year["through_month"] == OCT and year["status"] == "meets"


def test_waste_heat_is_weighted_by_gj_and_counts_the_tanks_measured_heat(built):
    # October: heat 100 declared + 267.84 from the tank of 600; cold 10 of 50; pressure 30 of 30
    recovered, recoverable = 100 + TANK_OCT_GJ + 10 + 30, 600 + 50 + 30
    october = _indicator(built, "waste_heat_utilisation", "month", OCT)
    assert october["numerator"] == pytest.approx(recovered)
    assert october["denominator"] == pytest.approx(recoverable)
    assert october["value_pct"] == pytest.approx(recovered / recoverable * 100)  # 59.98 %
    assert october["status"] == "meets"
    # September: only the tank is measured; its heat counts as recovered and as recoverable
    [tank_only] = _rows(built, "select * from fct_guiding_waste_heat_by_kind where month = ?",
                        [SEP])
    assert tank_only["recovered_gj"] == pytest.approx(TANK_SEP_GJ)
    assert tank_only["recoverable_gj"] == pytest.approx(TANK_SEP_GJ)
    assert tank_only["recoverable_basis"].startswith("tank_only")
    year = _indicator(built, "waste_heat_utilisation", "year", YEAR)
    assert year["value_pct"] == pytest.approx((recovered + TANK_SEP_GJ)
                                              / (recoverable + TANK_SEP_GJ) * 100)


def test_a_not_applicable_indicator_says_why_and_still_shows_its_figure(built):
    # water, September: alpha declared 1000 m3 fresh and 3000 m3 reused, but its fresh-intake
    # meter measured 20 m3 (measured beats declared): 3000 / (3000 + 20); the park declared
    # water reuse not applicable
    september = _indicator(built, "water_reuse", "month", SEP)
    assert september["value_pct"] == pytest.approx(3000 / 3020 * 100)
    assert september["status"] == f"not_applicable: {WATER_REASON}"
    # October: only the meter, 7,440 m3 fresh and nothing reused: 0 %
    october = _indicator(built, "water_reuse", "month", OCT)
    assert (october["numerator"], october["denominator"]) == (0, pytest.approx(7440.0))
    assert october["status"] == f"not_applicable: {WATER_REASON}"
    [water] = _rows(built, "select * from fct_guiding_water where month = ?", [SEP])
    assert (water["declared_fresh_intake_m3"], water["metered_fresh_intake_m3"]) == (
        1000.0, pytest.approx(20.0))


def test_unit_product_energy_against_grade_2_and_not_assessed_without_a_sourced_limit(built):
    rows = {(r["period_kind"], r["period_start"], r["enterprise_id"], r["product_code"]): r
            for r in _rows(built, "select * from fct_guiding_unit_product_energy")}
    # alpha's widget: 90 tce / 1000 t = 90 kgce/t <= 100 in September; 110 > 100 in October;
    # the year: 200 tce / 2000 t = 100 kgce/t, at the limit -> meets
    assert rows[("month", SEP, "alpha", "widget")]["kgce_per_unit"] == pytest.approx(90.0)
    assert rows[("month", SEP, "alpha", "widget")]["status"] == "meets"
    assert rows[("month", OCT, "alpha", "widget")]["status"] == "misses"
    assert rows[("year", YEAR, "alpha", "widget")]["kgce_per_unit"] == pytest.approx(100.0)
    assert rows[("year", YEAR, "alpha", "widget")]["status"] == "meets"
    assert rows[("month", SEP, "beta", "mystery_part")]["status"] == (
        "not_assessed: no sourced limit")
    assert rows[("month", OCT, "beta", "widget")]["status"] == (
        "not_assessed: output in kg, the limit is per t")
    # the park: September 1 of 1 assessed meets; October 0 of 1; the year 1 of 1
    assert _indicator(built, "unit_product_energy", "month", SEP)["status"] == "meets"
    assert _indicator(built, "unit_product_energy", "month", OCT)["status"] == "misses"
    year = _indicator(built, "unit_product_energy", "year", YEAR)
    assert (year["numerator"], year["denominator"], year["status"]) == (1, 1, "meets")
    assert year["products_not_assessed"] == 2


def test_not_assessed_not_measured_and_not_applicable_for_a_park_with_little_data(tmp_path):
    # only beta's product without a sourced limit; solid waste declared not applicable
    files = [write_csv(tmp_path / "product_output_a.csv", PO,
                       [["beta", "2026-09", "mystery_part", 500, "pcs", 20]])]
    settings = _build(tmp_path, {"not_applicable": {"solid_waste_utilisation": SOLID_REASON}},
                      [files], readings=False)
    status = {r["indicator_key"]: r["status"] for r in _rows(
        settings, "select * from fct_guiding_indicators where period_kind = 'month' and "
                  "period_start = ?", [SEP])}
    assert status == {
        "unit_product_energy": "not_assessed: no sourced grade-2 limit for 1 product rows",
        "solid_waste_utilisation": f"not_applicable: {SOLID_REASON}",
        "water_reuse": "not_measured", "waste_heat_utilisation": "not_measured"}
