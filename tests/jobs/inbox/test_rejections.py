"""Every rule: a file breaking it is rejected whole, the problem names file, row and column,
nothing lands, and the file moves to rejected/ with an errors.txt listing every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from jobs.inbox.validate import MAX_PROBLEMS
from tests.jobs.inbox.conftest import NOW, assert_rejected_whole, write_csv, write_xlsx

OV = ["enterprise_id", "month", "output_value_10k_cny", "note"]
OV_GOOD = ["haoyu-newenergy", "2026-09", "412.5", ""]
GP = ["enterprise_id", "month", "contract_id", "green_power_mwh", "certificates_bundled"]
GP_GOOD = ["haoyu-newenergy", "2026-09", "C-1", "200.5", "201"]
CERT = ["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to",
        "certificate_type"]
CERT_GOOD = ["xinghu-autoparts", "2026-08", "500", "GEC202608003001", "GEC202608003500", "GEC"]
ALLOW = ["enterprise_id", "compliance_year", "allowances_allocated_tco2"]
ALLOW_GOOD = ["haoyu-newenergy", "2026", "4000"]
DR = ["event_id", "start_local", "end_local", "requested_reduction_kw",
      "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"]
DR_GOOD = ["DR-1", "2026-07-16 14:00", "2026-07-16 16:00", "1500", "3.0", "", ""]


def _with(row: list[str], header: list[str], **changes: str) -> list[str]:
    changed = list(row)
    for name, value in changes.items():
        changed[header.index(name)] = value
    return changed


def _dr(**changes: str) -> list[str]:
    return _with(DR_GOOD, DR, **changes)


CASES = [
    pytest.param("output_value_a.csv", ["enterprise_id", "output_value_10k_cny"],
                 [["haoyu-newenergy", "1"]], 1, "month", "missing required column",
                 id="missing required column"),
    pytest.param("output_value_a.csv", [*OV, "remarks2"], [[*OV_GOOD, "x"]],
                 1, 'E "remarks2"', "unknown column", id="unknown column"),
    pytest.param("output_value_a.csv", OV, [OV_GOOD, _with(OV_GOOD, OV, enterprise_id="gusu-data",
                 output_value_10k_cny="4l2.5")], 3, 'C "output_value_10k_cny"',
                 "not a number: '4l2.5'", id="unparseable number"),
    pytest.param("output_value_a.csv", OV, [OV_GOOD, _with(OV_GOOD, OV, month="2026-13")],
                 3, 'B "month"', "not a month: '2026-13'", id="unparseable month"),
    pytest.param("output_value_a.csv", OV, [_with(OV_GOOD, OV, output_value_10k_cny="-1")],
                 2, 'C "output_value_10k_cny"', "must not be negative", id="negative money"),
    pytest.param("output_value_a.csv", OV, [OV_GOOD, _with(OV_GOOD, OV, month="2026-12")],
                 3, 'B "month"', "2026-12 is in the future", id="future month"),
    pytest.param("output_value_a.csv", OV, [OV_GOOD, _with(OV_GOOD, OV, enterprise_id="acme")],
                 3, 'A "enterprise_id"', "unknown enterprise 'acme'", id="unknown enterprise"),
    pytest.param("output_value_a.csv", [*OV, ""], [[*OV_GOOD, ""], ["gusu-data", "2026-09", "1",
                 "", "stray"]], 3, "E", "a value ('stray') in a column without a header",
                 id="value without a header"),
    pytest.param("output_value_a.csv", OV, [OV_GOOD, ["gusu-data", "2026-09", "1", ""],
                                            _with(OV_GOOD, OV, output_value_10k_cny="9")],
                 4, 'A "enterprise_id", B "month"', "already on row 2", id="duplicate key"),
    pytest.param("output_value_a.csv", OV, [_with(OV_GOOD, OV, output_value_10k_cny="")],
                 2, 'C "output_value_10k_cny"', "empty cell", id="empty required cell"),
    pytest.param("green_power_a.csv", GP, [GP_GOOD, _with(GP_GOOD, GP, contract_id="C-2",
                 green_power_mwh="-5", certificates_bundled="")], 3, 'D "green_power_mwh"',
                 "must not be negative (got -5)", id="negative energy"),
    pytest.param("green_power_a.csv", GP, [_with(GP_GOOD, GP, certificates_bundled="200")],
                 2, 'E "certificates_bundled"', "200.5 MWh rounds to 201",
                 id="bundled certificates do not match the energy"),
    pytest.param("certificates_a.csv", CERT, [CERT_GOOD, _with(CERT_GOOD, CERT,
                 serial_from="GEC900", serial_to="GEC899", certificates_retired="2")],
                 3, 'E "serial_to"', "ends before it starts", id="serial_to before serial_from"),
    pytest.param("certificates_a.csv", CERT, [_with(CERT_GOOD, CERT, serial_to="I-REC3500")],
                 2, 'E "serial_to"', "do not share their prefix", id="serial prefixes differ"),
    pytest.param("certificates_a.csv", CERT, [_with(CERT_GOOD, CERT, certificates_retired="499")],
                 2, 'C "certificates_retired"', "cover 500", id="serials do not match the count"),
    pytest.param("certificates_a.csv", CERT, [CERT_GOOD, _with(CERT_GOOD, CERT,
                 enterprise_id="yuanhang-pharma", serial_from="GEC202608003500",
                 serial_to="GEC202608003509", certificates_retired="10")],
                 3, 'D "serial_from"', "overlap those retired on row 2", id="overlapping serials"),
    pytest.param("certificates_a.csv", CERT, [_with(CERT_GOOD, CERT, certificates_retired="0",
                 serial_to="GEC202608003000")], 2, 'C "certificates_retired"', "greater than 0",
                 id="zero certificates"),
    pytest.param("certificates_a.csv", CERT, [_with(CERT_GOOD, CERT, certificate_type="REC")],
                 2, 'F "certificate_type"', "unknown certificate type", id="certificate type"),
    pytest.param("allowances_a.csv", ALLOW, [_with(ALLOW_GOOD, ALLOW, compliance_year="2029")],
                 2, 'B "compliance_year"', "not between 2016 and 2027", id="compliance year"),
    pytest.param("allowances_a.csv", ALLOW,
                 [_with(ALLOW_GOOD, ALLOW, allowances_allocated_tco2="-100")],
                 2, 'C "allowances_allocated_tco2"', "must not be negative",
                 id="negative allowances"),
    pytest.param("dr_events_a.csv", DR, [DR_GOOD, _dr(event_id="DR-2",
                 end_local="2026-07-16 14:00")], 3, 'C "end_local"', "before or when it starts",
                 id="DR end equals start"),
    pytest.param("dr_events_a.csv", DR, [_dr(end_local="2026-07-16 13:00")],
                 2, 'C "end_local"', "before or when it starts", id="DR end before start"),
    pytest.param("dr_events_a.csv", DR, [_dr(end_local="2026-07-17 14:15")],
                 2, 'C "end_local"', "lasts 24.25 h", id="DR longer than 24 h"),
    pytest.param("dr_events_a.csv", DR, [_dr(start_local="16/07/2026 14:00")],
                 2, 'B "start_local"', "not a date-time", id="unparseable date-time"),
    pytest.param("dr_events_a.csv", DR, [_dr(compensation_cny_per_kwh="-0.5")],
                 2, 'E "compensation_cny_per_kwh"', "must not be negative", id="negative price"),
    pytest.param("dr_events_a.csv", DR, [_dr(requested_reduction_kw="0")],
                 2, 'D "requested_reduction_kw"', "greater than 0", id="zero reduction"),
    pytest.param("dr_events_a.csv", DR, [_dr(notice_issued_local="2026-07-16 15:00")],
                 2, 'G "notice_issued_local"', "after the event starts", id="late notice"),
    pytest.param("dr_events_a.csv", DR, [DR_GOOD, _dr(start_local="2026-07-17 14:00",
                 end_local="2026-07-17 16:00")], 3, 'A "event_id"', "already on row 2",
                 id="duplicate event id"),
]


@pytest.mark.parametrize(("name", "header", "rows", "row", "column", "message"), CASES)
def test_a_file_breaking_a_rule_is_rejected_whole(settings: Settings, inbox: Path, name: str,
                                                  header: list[str], rows: list[list[str]],
                                                  row: int, column: str, message: str):
    write_csv(inbox / name, header, rows)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    found = [p for p in result.problems
             if p.row == row and p.column == column and message in p.message]
    assert found, "\n".join(map(str, result.problems))
    assert str(found[0]).startswith(f"{name}, row {row}, column {column}: ")


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b"", "the file is empty", id="empty file"),
    pytest.param(b"\xef\xbb\xbf\r\n,,\r\n", "the file is empty", id="only blank rows"),
    pytest.param(",".join(OV).encode() + b"\r\n", "the file has a header but no data rows",
                 id="header only"),
])
def test_an_empty_file_is_rejected(settings: Settings, inbox: Path, content: bytes,
                                   message: str):
    (inbox / "output_value_2026-09.csv").write_bytes(content)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    assert [str(p) for p in result.problems] == [f"output_value_2026-09.csv: {message}"]


def test_a_csv_in_neither_utf8_nor_gb18030_is_rejected_with_the_row_and_how_to_save_it(
        settings: Settings, inbox: Path):
    content = (b"enterprise_id,month,output_value_10k_cny,note\r\n"
               b"haoyu-newenergy,2026-09,1,\xff\xfe\r\n")  # 0xFF starts no GB18030 character
    (inbox / "output_value_odd.csv").write_bytes(content)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    assert problem.row == 2 and "CSV UTF-8" in problem.message
    assert problem.message.startswith("neither UTF-8 nor GB18030/GBK text")


def test_an_unknown_kind_or_file_type_is_rejected(settings: Settings, inbox: Path):
    write_csv(inbox / "production_2026-09.csv", OV, [OV_GOOD])
    (inbox / "output_value_old.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    results = load_inbox(settings, now=NOW)
    by_name = {r.source.name: r for r in results}
    assert "start the name with one of output_value_" in \
        by_name["production_2026-09.csv"].problems[0].message
    assert "unsupported file type '.xls' (save it as .xlsx)" in \
        by_name["output_value_old.xls"].problems[0].message
    for result in results:
        assert_rejected_whole(settings, result)


def test_every_problem_of_a_file_is_reported_in_row_order(settings: Settings, inbox: Path):
    rows = [["acme", "2026-09", "1", ""], OV_GOOD, ["gusu-data", "Sept", "-3", ""]]
    write_csv(inbox / "output_value_many.csv", [*OV, "extra"], [[*r, ""] for r in rows])
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    assert [(p.row, p.column) for p in result.problems] == [
        (1, 'E "extra"'), (2, 'A "enterprise_id"'), (4, 'B "month"'),
        (4, 'C "output_value_10k_cny"')]
    assert result.problem_count == 4


def test_problems_beyond_the_cap_are_counted(settings: Settings, inbox: Path):
    rows = [["gusu-data", f"2026-{m:02d}", "x", ""] for m in range(1, 12)]
    rows += [[e, "2026-01", "-1", ""] for e in ("acme", "bcme", "ccme", "dcme") for _ in range(15)]
    write_csv(inbox / "output_value_cap.csv", OV, rows)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    assert len(result.problems) == MAX_PROBLEMS
    assert result.problem_count > MAX_PROBLEMS
    more = result.problem_count - MAX_PROBLEMS
    assert result.errors_path is not None
    assert f"... and {more} more problem(s)" in result.errors_path.read_text(encoding="utf-8")


def test_an_xlsx_with_chinese_headers_names_the_real_row_and_header(settings: Settings,
                                                                    inbox: Path):
    header = ["企业编号", "月份", "工业总产值（万元）", "备注"]  # full-width brackets
    write_xlsx(inbox / "output_value_zh.xlsx", header,
               [["haoyu-newenergy", "2026-09", 412.5, None], [None, None, None, None],
                ["gusu-data", "2026-09", "十二", None]])
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    assert str(problem) == ('output_value_zh.xlsx, row 4, column C "工业总产值（万元）" '
                            "(output_value_10k_cny): not a number: '十二'")


def test_a_duplicated_column_is_rejected(settings: Settings, inbox: Path):
    write_csv(inbox / "output_value_dup.csv", ["enterprise_id", "month", "产值(万元)",
                                               "工业总产值(万元)"],
              [["haoyu-newenergy", "2026-09", "1", "2"]])
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    assert problem.row == 1 and problem.column == 'D "工业总产值(万元)"'
    assert "a second output_value_10k_cny column" in problem.message
