"""The circular-coupling inbox kinds (coupling_flows, coupling_offers): a bad file is rejected
whole, naming file, row and column, and nothing lands; units are the carrier's; parties are the
park's enterprises or `outside`; Chinese headers and spellings are accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.common import landing
from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, assert_bad_file_rejected_at, write_xlsx

FL = ["month", "from_id", "to_id", "carrier", "kind", "quantity", "unit"]
FL_GOOD = ["2026-09", "ruifeng-foods", "dushu-textile", "heat", "heat", "120", "GJ"]
OF = ["enterprise_id", "side", "carrier", "kind", "quantity_per_year", "unit", "temperature_c"]
OF_GOOD = ["ruifeng-foods", "output", "heat", "heat", "1500", "GJ", "85"]


def _with(row: list[str], header: list[str], **changes: str) -> list[str]:
    changed = list(row)
    for name, value in changes.items():
        changed[header.index(name)] = value
    return changed


CASES = [
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, unit="MJ")], 3,
                 'G "unit"', "unknown unit 'MJ'", id="heat in MJ"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, carrier="water",
                 unit="t")], 3, 'G "unit"', "water is declared in m3, not t",
                 id="water in tonnes"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, quantity="1e999")], 3,
                 'F "quantity"', "not a finite number", id="non-finite quantity"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, quantity="nan")], 3,
                 'F "quantity"', "not a number", id="nan quantity"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, to_id="acme-steel")],
                 3, 'C "to_id"', "unknown enterprise 'acme-steel'", id="unknown enterprise"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL,
                 to_id="ruifeng-foods")], 3, 'C "to_id"', "to itself", id="flow to itself"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL, kind="steam")], 3,
                 'E "kind"', "unknown kind of heat 'steam'", id="unknown heat kind"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, _with(FL_GOOD, FL,
                 quantity="20000000")], 3, 'F "quantity"', "in MJ instead of GJ",
                 id="implausible heat"),
    pytest.param("coupling_flows_a.csv", FL, [FL_GOOD, FL_GOOD], 3,
                 'A "month", B "from_id", C "to_id", D "carrier", E "kind"', "already on row 2",
                 id="duplicate flow"),
    pytest.param("coupling_offers_a.csv", OF, [OF_GOOD, _with(OF_GOOD, OF, side="need",
                 temperature_c="")], 3, 'G "temperature_c"', "heat needs its temperature",
                 id="heat need without temperature"),
    pytest.param("coupling_offers_a.csv", OF, [OF_GOOD, _with(OF_GOOD, OF, side="need",
                 temperature_c="-infinity")], 3, 'G "temperature_c"', "not a number",
                 id="non-finite temperature"),
    pytest.param("coupling_offers_a.csv", OF, [OF_GOOD, _with(OF_GOOD, OF, side="spare")], 3,
                 'B "side"', "unknown side 'spare'", id="unknown side"),
]


@pytest.mark.parametrize(("name", "header", "rows", "row", "column", "message"), CASES)
def test_a_bad_coupling_file_is_rejected_whole(settings: Settings, inbox: Path, name: str,
                                               header: list[str], rows: list[list[str]],
                                               row: int, column: str, message: str):
    assert_bad_file_rejected_at(settings, inbox, name, header, rows, row, column, message)


def test_chinese_headers_outside_party_and_heat_kinds_land(settings: Settings, inbox: Path):
    write_xlsx(inbox / "coupling_flows_2026-09.xlsx",
               ["月份", "供方", "受方", "介质", "种类", "数量", "单位"],
               [["2026-09", "ruifeng-foods", "dushu-textile", "热量", "余热", 120, "GJ"],
                ["2026-09", "xinghu-autoparts", "园区外", "固废", "slag", 35.5, "吨"]])
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, [str(p) for p in result.problems]
    rows = landing.read_dataset(settings.landing_root, "inbox_coupling_flows").to_pylist()
    assert sorted((r["from_id"], r["to_id"], r["carrier"], r["kind"], r["quantity"], r["unit"])
                  for r in rows) == [
        ("ruifeng-foods", "dushu-textile", "heat", "heat", 120.0, "GJ"),
        ("xinghu-autoparts", "outside", "solid_waste", "slag", 35.5, "t")]
