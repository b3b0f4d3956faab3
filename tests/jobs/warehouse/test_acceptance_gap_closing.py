"""What closes each gap of the national acceptance (fct_park_acceptance_readiness), re-applied:
the quantities the mart names are fed back in as inbox files, the warehouse is rebuilt, and
each indicator lands on its target.

The park and its October of readings are the national test's (test_national_assessment.py):
year to date through November, emissions 780.8875 t over 446.74225 tce (1.74796 tCO2/tce), of
which 594,000 kWh of grid power is not green. Here the configured limit is 1.0 tCO2/tce, so
certificates alone can close it. The guiding reports, October, alpha (targets from the national
system: solid waste >= 80 %, waste heat >= 50 %, water reuse >= 80 %, products at grade 2):
  solid waste: 100 t generated, 50 t utilised -> 50 %: 0.8 x 100 - 50 = 30 t more utilised
  waste heat: 400 GJ recoverable, 100 GJ recovered -> 25 %: 0.5 x 400 - 100 = 100 GJ more
  water: 900 m3 fresh, 100 m3 reused -> 10 %: 0.8 x 1,000 - 100 = 700 m3 reused instead of fresh
  widget: 1,000 t for 130 tce = 130 kgce/t against a grade 2 of 100: 130 - 100 = 30 tce to save
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

from jobs.common import landing
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import settings_for
from tests.jobs.inbox.conftest import write_csv
from tests.jobs.warehouse.test_guiding_indicators import PO, SW, WIDGET_LIMIT
from tests.jobs.warehouse.test_national_assessment import (
    FOSSIL_KGCO2_PER_KWH,
    NOVEMBER,
    OCTOBER,
    _inbox,
    _park,
    _readings,
)

pytestmark = pytest.mark.integration

LIMIT = 1.0
EMISSIONS_T, ENERGY_TCE = 780.8875, 446.74225  # the national test's year, by hand
WATER = ["enterprise_id", "month", "fresh_intake_m3", "reused_m3"]
HEAT = ["enterprise_id", "month", "waste_kind", "recoverable_gj", "recovered_gj"]
NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def _guiding_files(folder: Path, utilised_t: float, recovered_gj: float, fresh_m3: float,
                   reused_m3: float, widget_tce: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_csv(folder / "solid_waste_a.csv", SW,
                  [["alpha", "2026-10", "sludge", 100, utilised_t, 0]]),
        write_csv(folder / "waste_heat_a.csv", HEAT,
                  [["alpha", "2026-10", "heat", 400, recovered_gj]]),
        write_csv(folder / "water_a.csv", WATER, [["alpha", "2026-10", fresh_m3, reused_m3]]),
        write_csv(folder / "product_output_a.csv", PO,
                  [["alpha", "2026-10", "widget", 1000, "t", widget_tce]]),
    ]


def _load(settings, files: list[Path], minutes: int) -> None:
    results = load_inbox(settings, files, now=NOW + dt.timedelta(minutes=minutes))
    assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]


def _build(settings) -> dict[str, dict]:
    report = build_warehouse(settings, quiet=True)
    assert report.success, report.summary_markdown()
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        cursor = connection.execute(
            "select * from fct_park_acceptance_readiness where through_month = ?", [NOVEMBER])
        names = [c[0] for c in cursor.description]
        return {row[names.index("indicator_key")]: dict(zip(names, row, strict=True))
                for row in cursor.fetchall()}


@pytest.fixture(scope="module")
def before_and_after(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gap_closing")
    park = _park()
    park["targets"] = {"national_limit_below_band_tco2_per_tce": LIMIT,
                       "national_limit_source": "hand-made limit for this test"}
    park["guiding_indicators"] = {"product_energy_limits": [WIDGET_LIMIT]}
    settings = settings_for(park, tmp_path / "data")
    landing.write_partitioned(settings.landing_root, "readings", _readings(), "hand-made")
    _load(settings, _inbox(tmp_path) + _guiding_files(tmp_path / "first", 50, 100, 900, 100,
                                                      130), 0)
    before = _build(settings)
    # what the mart says closes each gap, fed back as the enterprise and the park would
    certificates = math.ceil(before["core_indicator"]["close_quantity"])
    (tmp_path / "closing").mkdir()
    closing = [write_csv(tmp_path / "closing" / "certificates_closing.csv",
                         ["enterprise_id", "month", "certificates_retired", "serial_from",
                          "serial_to"],
                         [["park", "2026-10", certificates, "GEC100001",
                           f"GEC{100000 + certificates}"]])]
    reused_more = before["water_reuse"]["close_quantity"]
    closing += _guiding_files(
        tmp_path / "closing",
        utilised_t=50 + before["solid_waste_utilisation"]["close_quantity"],
        recovered_gj=100 + before["waste_heat_utilisation"]["close_quantity"],
        fresh_m3=900 - reused_more, reused_m3=100 + reused_more,
        widget_tce=130 - before["unit_product_energy"]["close_quantity"])
    _load(settings, closing, 1)
    return before, _build(settings), certificates


def test_the_gaps_by_hand(before_and_after):
    before, _, _ = before_and_after
    core = before["core_indicator"]
    # above the limit: 780.8875 - 1.0 x 446.74225 = 334.14525 t at 0.8325 t per MWh zeroed
    assert core["status"] == "misses"
    assert core["close_quantity"] == pytest.approx(334.14525 / FOSSIL_KGCO2_PER_KWH, abs=1e-5)
    assert core["closable_by_certificates"] is True  # 401.4 MWh < 594 MWh of non-green grid
    expected = {"solid_waste_utilisation": (50.0, 30.0, "t"),
                "waste_heat_utilisation": (25.0, 100.0, "GJ"),
                "water_reuse": (10.0, 700.0, "m3"),
                "unit_product_energy": (0.0, 30.0, "tce")}
    for key, (value, quantity, unit) in expected.items():
        row = before[key]
        assert (row["status"], row["close_unit"]) == ("misses", unit), key
        assert row["value"] == pytest.approx(value, abs=1e-9), key
        assert row["close_quantity"] == pytest.approx(quantity, abs=1e-9), key
        # one month reported of the year so far: at that pace, twelve such months
        assert row["close_quantity_year_end"] == pytest.approx(12 * quantity, abs=1e-6), key


def test_fed_back_the_quantities_close_every_gap(before_and_after):
    _, after, certificates = before_and_after
    core = after["core_indicator"]
    # whole certificates: the indicator lands at the limit, within one certificate's worth
    assert certificates == 402
    assert core["value"] == pytest.approx(
        (EMISSIONS_T - certificates * FOSSIL_KGCO2_PER_KWH) / ENERGY_TCE, abs=1e-6)
    assert LIMIT - FOSSIL_KGCO2_PER_KWH / ENERGY_TCE < core["value"] <= LIMIT
    assert core["status"] == "meets" and core["close_quantity"] == 0
    # the guiding indicators land exactly on their targets
    for key, target in (("solid_waste_utilisation", 80.0), ("waste_heat_utilisation", 50.0),
                        ("water_reuse", 80.0), ("unit_product_energy", 100.0)):
        assert after[key]["value"] == pytest.approx(target, abs=1e-9), key
        assert after[key]["status"] == "meets", key
        assert after[key]["close_quantity"] == pytest.approx(0, abs=1e-9), key


def test_months_without_meter_data_carry_the_latest_year_to_date(before_and_after):
    before, _, _ = before_and_after
    # the guiding reports are October's; the core indicator's year to date ends in November
    assert before["core_indicator"]["data_through_month"] == NOVEMBER
    assert before["solid_waste_utilisation"]["data_through_month"] == OCTOBER
