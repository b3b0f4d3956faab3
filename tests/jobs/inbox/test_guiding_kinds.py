"""The inbox kinds of the national guiding indicators (product_output, solid_waste, water,
waste_heat): a bad file of each is rejected whole, naming file, row and column, and nothing
lands; Chinese headers are accepted; the rules between fields are the indicators' definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.common import landing
from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, assert_bad_file_rejected_at, write_xlsx

PO = ["enterprise_id", "month", "product_code", "output_quantity", "output_unit",
      "product_energy_tce"]
PO_GOOD = ["xinghu-autoparts", "2026-09", "grey_iron_castings", "1200", "t", "456.0"]
SW = ["enterprise_id", "month", "waste_kind", "generated_t", "utilised_t", "utilised_from_stock_t"]
SW_GOOD = ["xinghu-autoparts", "2026-09", "waste sand", "500", "440", "0"]
WA = ["enterprise_id", "month", "fresh_intake_m3", "reused_m3"]
WA_GOOD = ["ruifeng-foods", "2026-09", "3000", "3600"]
WH = ["enterprise_id", "month", "waste_kind", "recoverable_gj", "recovered_gj"]
WH_GOOD = ["ruifeng-foods", "2026-09", "heat", "800", "500"]


def _with(row: list[str], header: list[str], **changes: str) -> list[str]:
    changed = list(row)
    for name, value in changes.items():
        changed[header.index(name)] = value
    return changed


CASES = [
    pytest.param("product_output_a.csv", PO, [PO_GOOD, _with(PO_GOOD, PO, month="2026-08",
                 output_quantity="0")], 3, 'D "output_quantity"', "must be greater than 0",
                 id="product output of zero"),
    pytest.param("product_output_a.csv", PO, [PO_GOOD, _with(PO_GOOD, PO,
                 product_energy_tce="4560000")], 3, 'F "product_energy_tce"',
                 "in kgce instead of tce", id="product energy in kgce"),
    pytest.param("product_output_a.csv", PO, [PO_GOOD, PO_GOOD], 3,
                 'A "enterprise_id", B "month", C "product_code"', "already on row 2",
                 id="duplicate product row"),
    pytest.param("solid_waste_a.csv", SW, [SW_GOOD, _with(SW_GOOD, SW, waste_kind="slag",
                 utilised_t="600", utilised_from_stock_t="50")], 3, 'E "utilised_t"',
                 "more than generated plus utilised from stock (550)",
                 id="more waste utilised than there was"),
    pytest.param("solid_waste_a.csv", SW, [_with(SW_GOOD, SW, generated_t="nan")], 2,
                 'D "generated_t"', "not a number", id="non-finite waste"),
    pytest.param("water_a.csv", WA, [WA_GOOD, _with(WA_GOOD, WA, month="2026-08",
                 reused_m3="-5")], 3, 'D "reused_m3"', "must not be negative",
                 id="negative reused water"),
    pytest.param("water_a.csv", WA, [_with(WA_GOOD, WA, fresh_intake_m3="3000000000")], 2,
                 'C "fresh_intake_m3"', "in litres instead of m³", id="water in litres"),
    pytest.param("waste_heat_a.csv", WH, [WH_GOOD, _with(WH_GOOD, WH, waste_kind="steam")], 3,
                 'C "waste_kind"', "unknown kind 'steam'", id="unknown waste-heat kind"),
    pytest.param("waste_heat_a.csv", WH, [WH_GOOD, _with(WH_GOOD, WH, waste_kind="cold",
                 recovered_gj="900")], 3, 'E "recovered_gj"',
                 "more than the recoverable (recoverable_gj) (800)",
                 id="more heat recovered than recoverable"),
]


@pytest.mark.parametrize(("name", "header", "rows", "row", "column", "message"), CASES)
def test_a_bad_guiding_file_is_rejected_whole(settings: Settings, inbox: Path, name: str,
                                              header: list[str], rows: list[list[str]],
                                              row: int, column: str, message: str):
    assert_bad_file_rejected_at(settings, inbox, name, header, rows, row, column, message)


def test_chinese_headers_and_kind_names_are_accepted(settings: Settings, inbox: Path):
    write_xlsx(inbox / "waste_heat_2026-09.xlsx",
               ["企业编号", "月份", "类别", "可回收量(GJ)", "回收利用量(GJ)"],
               [["ruifeng-foods", "2026-09", "余冷", 150, 60]])
    write_xlsx(inbox / "water_2026-09.xlsx", ["企业编号", "月份", "取水量(m³)", "重复利用水量(m³)"],
               [["ruifeng-foods", "2026-09", 3000, 3600]])
    results = load_inbox(settings, now=NOW)
    assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]
    heat = landing.read_dataset(settings.landing_root, "inbox_waste_heat").to_pylist()
    assert [(r["waste_kind"], r["recoverable_gj"], r["recovered_gj"]) for r in heat] == [
        ("cold", 150.0, 60.0)]
    water = landing.read_dataset(settings.landing_root, "inbox_water").to_pylist()
    assert [(r["fresh_intake_m3"], r["reused_m3"]) for r in water] == [(3000.0, 3600.0)]
