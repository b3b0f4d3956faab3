"""The national assessment's inbox kinds, heat_flows and process_output: good files land with
zh or en headers; a file breaking a rule is rejected whole, naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from jobs.inbox.schemas import DATASETS, InboxKind
from tests.jobs.inbox.conftest import (
    NOW,
    assert_rejected_whole,
    landed_files,
    write_csv,
    write_xlsx,
)

HEAT = ["counterparty", "month", "direction", "quantity_gj", "is_fossil", "factor_tco2_per_gj",
        "factor_source"]
HEAT_ZH = ["对方单位", "月份", "方向", "热量(GJ)", "是否化石能源", "排放因子(tCO2/GJ)", "因子来源"]
HEAT_GOOD = ["苏州热电", "2026-09", "received", "12000", "yes", "0.098", "2026 test report"]
PROCESS = ["enterprise_id", "month", "product", "output_t", "factor_tco2_per_t", "factor_source"]
PROCESS_GOOD = ["haoyu-newenergy", "2026-09", "lime", "800", "0.683",
                "江苏省 inventory (verified)"]


def _with(row: list[str], header: list[str], **changes: str) -> list[str]:
    changed = list(row)
    for name, value in changes.items():
        changed[header.index(name)] = value
    return changed


def test_good_files_land_with_either_headers(settings: Settings, inbox: Path):
    heat = write_xlsx(inbox / "heat_flows_2026-09.xlsx", HEAT_ZH,
                      [["苏州热电", "2026-09", "购入", 12000, "是", "", ""],
                       ["邻厂", "2026-09", "输出", 500, "否", "", ""]])
    process = write_csv(inbox / "process_output_2026-09.csv", PROCESS, [PROCESS_GOOD])
    results = load_inbox(settings, [heat, process], now=NOW)
    assert [r.accepted for r in results] == [True, True], [r.problems for r in results]
    rows = {path.parent.parent.name: pq.read_table(path).to_pylist()
            for path in landed_files(settings)}
    heat_rows = sorted((r["counterparty"], r["direction"], r["quantity_gj"], r["is_fossil"],
                        r["factor_tco2_per_gj"]) for r in rows["inbox_heat_flows"])
    assert heat_rows == [
        ("苏州热电", "received", 12000.0, True, None), ("邻厂", "sent", 500.0, False, None)]
    [process_row] = rows["inbox_process_output"]
    assert (process_row["product"], process_row["output_t"], process_row["factor_tco2_per_t"],
            process_row["factor_source"]) == ("lime", 800.0, 0.683, "江苏省 inventory (verified)")
    for path in landed_files(settings):
        kind = {"inbox_heat_flows": InboxKind.HEAT_FLOWS,
                "inbox_process_output": InboxKind.PROCESS_OUTPUT}[path.parent.parent.name]
        assert pq.read_schema(path) == DATASETS[kind].schema


CASES = [
    pytest.param("heat_flows_a.csv", HEAT, [HEAT_GOOD, _with(HEAT_GOOD, HEAT,
                 direction="both")], 3, 'C "direction"', "unknown direction 'both'",
                 id="heat: unknown direction"),
    pytest.param("heat_flows_a.csv", HEAT, [_with(HEAT_GOOD, HEAT, quantity_gj="-5")], 2,
                 'D "quantity_gj"', "must not be negative", id="heat: negative"),
    pytest.param("heat_flows_a.csv", HEAT, [_with(HEAT_GOOD, HEAT, quantity_gj="12000000")], 2,
                 'D "quantity_gj"', "MJ instead of GJ", id="heat: implausible quantity"),
    pytest.param("heat_flows_a.csv", HEAT, [_with(HEAT_GOOD, HEAT, factor_tco2_per_gj="98")], 2,
                 'F "factor_tco2_per_gj"', "kgCO2/GJ", id="heat: factor in kg"),
    pytest.param("heat_flows_a.csv", HEAT, [HEAT_GOOD, _with(HEAT_GOOD, HEAT, month="2026-08",
                 factor_source="")], 3, 'G "factor_source"', "needs its source",
                 id="heat: factor without source"),
    pytest.param("heat_flows_a.csv", HEAT, [_with(HEAT_GOOD, HEAT, is_fossil="no")], 2,
                 'F "factor_tco2_per_gj"', "non-fossil heat counts as zero",
                 id="heat: non-fossil with a factor"),
    pytest.param("heat_flows_a.csv", HEAT, [_with(HEAT_GOOD, HEAT, is_fossil="maybe")], 2,
                 'E "is_fossil"', "expected yes or no", id="heat: not yes or no"),
    pytest.param("heat_flows_a.csv", HEAT, [HEAT_GOOD, HEAT_GOOD], 3, None, "duplicate",
                 id="heat: duplicate key"),
    pytest.param("process_output_a.csv", PROCESS, [PROCESS_GOOD, _with(PROCESS_GOOD, PROCESS,
                 product="clinker", factor_tco2_per_t="")], 3, 'E "factor_tco2_per_t"', "",
                 id="process: factor missing"),
    pytest.param("process_output_a.csv", PROCESS, [_with(PROCESS_GOOD, PROCESS,
                 factor_source="")], 2, 'F "factor_source"', "", id="process: source missing"),
    pytest.param("process_output_a.csv", PROCESS, [_with(PROCESS_GOOD, PROCESS,
                 factor_tco2_per_t="683")], 2, 'E "factor_tco2_per_t"', "kgCO2/t",
                 id="process: factor in kg"),
    pytest.param("process_output_a.csv", PROCESS, [_with(PROCESS_GOOD, PROCESS,
                 output_t="800000000")], 2, 'D "output_t"', "kg instead of tonnes",
                 id="process: output in kg"),
    pytest.param("process_output_a.csv", PROCESS, [_with(PROCESS_GOOD, PROCESS,
                 enterprise_id="park")], 2, 'A "enterprise_id"', "unknown enterprise 'park'",
                 id="process: unknown enterprise"),
]


@pytest.mark.parametrize(("name", "header", "rows", "row", "column", "message"), CASES)
def test_a_file_breaking_a_rule_is_rejected_whole(settings: Settings, inbox: Path, name: str,
                                                  header: list[str], rows: list[list[str]],
                                                  row: int, column: str | None, message: str):
    path = write_csv(inbox / name, header, rows)
    [result] = load_inbox(settings, [path], now=NOW)
    assert_rejected_whole(settings, result)
    problem = next(p for p in result.problems if p.row == row)
    assert problem.file == name
    if column is not None:
        assert problem.column == column, result.problems
    assert message in problem.message, result.problems
