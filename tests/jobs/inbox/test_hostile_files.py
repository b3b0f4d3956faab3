"""Files built to hurt: zip bombs, oversized files, formulas, spreadsheet errors, encodings.
Each is refused quickly with a reason naming where, or (GB18030) read correctly."""

from __future__ import annotations

import io
import tracemalloc
import warnings
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import (
    NOW,
    assert_rejected_whole,
    csv_bytes,
    with_raw_cells,
    write_csv,
    xlsx_bytes,
    xlsx_with_sheet_xml,
)

OV = ["enterprise_id", "month", "output_value_10k_cny", "note"]
ALLOW = ["enterprise_id", "compliance_year", "allowances_allocated_tco2",
         "allowances_purchased_tco2"]
MB = 1024 * 1024


def _only_problem(settings: Settings, inbox: Path, name: str, content: bytes) -> str:
    (inbox / name).write_bytes(content)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    return str(problem)


def _peak_allocated_mb(action):
    """Run `action` and return (its result, the most Python memory it held at once, in MB).
    Memory, not time, shows whether a file was inflated or read: it does not vary with the
    machine's load."""
    tracemalloc.start()
    try:
        result = action()
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak_bytes / MB


def _repeated(piece: bytes, total_bytes: int) -> list[bytes]:
    chunk = piece * (MB // len(piece))
    return [chunk] * (total_bytes // len(chunk))


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_it_is_inflated(
        settings: Settings, inbox: Path):
    # 100 MB of sheet XML in a file of a few hundred kB (the real one: 1.3 MB, 175 s, 4 GB)
    bomb = xlsx_with_sheet_xml(_repeated(b'<row><c t="n"><v>1</v></c></row>', 100 * MB))
    assert len(bomb) < MB
    shown, peak_mb = _peak_allocated_mb(
        lambda: _only_problem(settings, inbox, "output_value_bomb.xlsx", bomb))
    assert peak_mb < 16, f"{peak_mb:.0f} MB held: the sheet was inflated"
    assert shown.startswith("output_value_bomb.xlsx: the workbook expands to 100 MB; an inbox "
                            "workbook may expand to at most 32 MB")


def test_a_part_compressed_like_a_bomb_is_refused_even_under_the_size_limit(
        settings: Settings, inbox: Path):
    dense = xlsx_with_sheet_xml(_repeated(b'<row><c t="n"><v>1</v></c></row>', 20 * MB),
                                level=9)
    shown, peak_mb = _peak_allocated_mb(
        lambda: _only_problem(settings, inbox, "output_value_dense.xlsx", dense))
    assert peak_mb < 10, f"{peak_mb:.0f} MB held: the sheet was inflated"
    assert "the workbook part xl/worksheets/sheet1.xml is compressed" in shown
    assert "refused as a zip bomb" in shown


def test_a_file_over_the_size_limit_is_not_read(settings: Settings, inbox: Path):
    # valid rows, only far too large: 21 MB of note
    content = csv_bytes(OV, [["haoyu-newenergy", "2026-09", "1", "x" * 21 * MB]])
    shown, peak_mb = _peak_allocated_mb(
        lambda: _only_problem(settings, inbox, "output_value_big.csv", content))
    assert peak_mb < 10, f"{peak_mb:.0f} MB held: the file was read"
    assert shown == ("output_value_big.csv: the file is 21.0 MB; an inbox file may be at most "
                     "20 MB (split it)")


def test_rows_beyond_the_row_limit_are_not_read(settings: Settings, inbox: Path):
    rows = [["haoyu-newenergy", "2026-09", "1", ""]] * 50_001  # one row too many
    rows += [["x" * 10, "not even looked at", "", ""]] * 20_000
    shown = _only_problem(settings, inbox, "output_value_long.csv", csv_bytes(OV, rows))
    assert shown == "output_value_long.csv, row 50002: more than 50,000 data rows; split the file"


def test_a_value_far_to_the_right_is_refused(settings: Settings, inbox: Path):
    header = [*OV, *[""] * 60, "x"]  # column BM
    content = csv_bytes(header, [["haoyu-newenergy", "2026-09", "1", ""]])
    shown = _only_problem(settings, inbox, "output_value_wide.csv", content)
    assert shown == ("output_value_wide.csv, row 1: a value in column BM; an inbox file has at "
                     "most 50 columns")


def test_a_sheet_whose_size_claims_a_million_rows_reads_its_real_rows(settings: Settings,
                                                                     inbox: Path):
    rows = xlsx_with_sheet_xml([
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>enterprise_id</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>month</t></is></c>'
        b'<c r="C1" t="inlineStr"><is><t>output_value_10k_cny</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>haoyu-newenergy</t></is></c>'
        b'<c r="B2" t="inlineStr"><is><t>2026-09</t></is></c><c r="C2"><v>412.5</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t> </t></is></c></row>'],
        dimension="A1:XFD1048576")
    (inbox / "output_value_far.xlsx").write_bytes(rows)
    [result], peak_mb = _peak_allocated_mb(lambda: load_inbox(settings, now=NOW))
    assert peak_mb < 64, f"{peak_mb:.0f} MB held: the claimed million rows were allocated"
    assert result.accepted, [str(p) for p in result.problems]
    assert [r["output_value_10k_cny"] for r in pq.read_table(result.landed_path).to_pylist()] \
        == [412.5]


@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "=cmd|' /C calc'!A1", "+1+1", "-2+3",
                                  "@SUM(1+1)", " =HYPERLINK(\"http://x\")"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_refused(settings: Settings, inbox: Path,
                                                              text: str):
    content = csv_bytes(OV, [["haoyu-newenergy", "2026-09", "1", text]])
    shown = _only_problem(settings, inbox, "output_value_f.csv", content)
    assert shown.startswith(f'output_value_f.csv, row 2, column D "note": text starting with '
                            f"{text.strip()[0]!r}")
    assert "is run as a formula by spreadsheets" in shown


def test_a_formula_in_an_id_column_is_refused(settings: Settings, inbox: Path):
    header = ["enterprise_id", "month", "contract_id", "green_power_mwh"]
    content = csv_bytes(header, [["haoyu-newenergy", "2026-09", "=1+2", "10"]])
    shown = _only_problem(settings, inbox, "green_power_f.csv", content)
    assert shown.startswith('green_power_f.csv, row 2, column C "contract_id": text starting '
                            "with '='")


def test_an_xlsx_formula_without_a_saved_result_is_refused_where_it_is(settings: Settings,
                                                                        inbox: Path):
    # A program that writes formulas without calculating them: the purchased allowances would
    # read as empty, and an empty optional cell means 0.
    xlsx = with_raw_cells(xlsx_bytes(ALLOW, [["haoyu-newenergy", 2026, 4000, 0]]),
                          {"D2": '<c r="D2"><f>C2*0.1</f></c>'})
    shown = _only_problem(settings, inbox, "allowances_f.xlsx", xlsx)
    assert shown == ('allowances_f.xlsx, row 2, column D "allowances_purchased_tco2": a formula '
                     "(=C2*0.1) without a saved result; open the file in Excel and save it, or "
                     "paste the values")


def test_an_xlsx_formula_with_its_saved_result_lands_the_result(settings: Settings,
                                                                inbox: Path):
    xlsx = with_raw_cells(xlsx_bytes(ALLOW, [["haoyu-newenergy", 2026, 4000, 0]]),
                          {"D2": '<c r="D2"><f>C2*0.1</f><v>400</v></c>'})
    (inbox / "allowances_f.xlsx").write_bytes(xlsx)
    filters = list(warnings.filters)
    [result] = load_inbox(settings, now=NOW)
    assert warnings.filters == filters  # two sheets were streamed at once; nothing leaked
    assert result.accepted, [str(p) for p in result.problems]
    [row] = pq.read_table(result.landed_path).to_pylist()
    assert row["allowances_purchased_tco2"] == 400.0


@pytest.mark.parametrize(("cell", "message"), [
    pytest.param('<c r="D2" t="inlineStr"><is><t>=cmd|\' /C calc\'!A1</t></is></c>',
                 "text starting with '='", id="formula-like text"),
    pytest.param('<c r="D2" t="e"><v>#DIV/0!</v></c>', "the spreadsheet error #DIV/0!",
                 id="error cell"),
])
def test_xlsx_text_cells_that_are_not_text(settings: Settings, inbox: Path, cell: str,
                                           message: str):
    xlsx = with_raw_cells(xlsx_bytes(OV, [["haoyu-newenergy", "2026-09", 1, "x"]]), {"D2": cell})
    shown = _only_problem(settings, inbox, "output_value_t.xlsx", xlsx)
    assert shown.startswith(f'output_value_t.xlsx, row 2, column D "note": {message}')


@pytest.mark.parametrize(("value", "message"), [
    pytest.param("1E999", "not a finite number", id="infinite"),
    pytest.param("NaN", "not a readable XLSX sheet", id="NaN"),
])
def test_non_finite_xlsx_numbers_are_refused(settings: Settings, inbox: Path, value: str,
                                             message: str):
    xlsx = with_raw_cells(xlsx_bytes(OV, [["haoyu-newenergy", "2026-09", 1, None]]),
                          {"C2": f'<c r="C2" t="n"><v>{value}</v></c>'})
    shown = _only_problem(settings, inbox, "output_value_n.xlsx", xlsx)
    assert shown.startswith("output_value_n.xlsx, row 2")
    assert message in shown


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_non_finite_csv_numbers_are_refused(settings: Settings, inbox: Path, text: str):
    content = csv_bytes(OV, [["haoyu-newenergy", "2026-09", text, ""]])
    shown = _only_problem(settings, inbox, "output_value_n.csv", content)
    assert shown.startswith('output_value_n.csv, row 2, column C "output_value_10k_cny": not a')


def test_a_gbk_csv_from_chinese_excel_is_read_as_gb18030(settings: Settings, inbox: Path):
    text = ("企业编号,月份,工业总产值(万元),备注\r\n"
            "haoyu-newenergy,2026年9月,412.5,春节停产一周\r\n"
            "gusu-data,2026-09,55,𠀀扩容\r\n")  # 𠀀: outside GBK, only GB18030 has it
    (inbox / "output_value_gbk.csv").write_bytes(text.encode("gb18030"))
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, [str(p) for p in result.problems]
    rows = pq.read_table(result.landed_path).to_pylist()
    assert [(r["enterprise_id"], r["output_value_10k_cny"], r["note"]) for r in rows] == [
        ("haoyu-newenergy", 412.5, "春节停产一周"), ("gusu-data", 55.0, "𠀀扩容")]


def test_utf8_that_breaks_halfway_is_refused_not_guessed(settings: Settings, inbox: Path):
    content = ("enterprise_id,month,output_value_10k_cny,备注\r\n"
               "haoyu-newenergy,2026-09,1,好\r\n").encode() + b"gusu-data,2026-09,2,\xb4\xba\r\n"
    shown = _only_problem(settings, inbox, "output_value_mixed.csv", content)
    assert shown.startswith("output_value_mixed.csv, row 3: not valid UTF-8 text: the file is "
                            "damaged or mixes encodings")


def test_utf16_text_is_refused_with_how_to_save_it(settings: Settings, inbox: Path):
    content = "enterprise_id\tmonth\r\n".encode("utf-16")
    shown = _only_problem(settings, inbox, "output_value_u16.csv", content)
    assert "UTF-16 text" in shown and "CSV UTF-8" in shown


def test_a_utf8_bom_csv_with_a_chinese_note_lands(settings: Settings, inbox: Path):
    write_csv(inbox / "output_value_bom.csv", ["企业编号", "月份", "产值(万元)", "备注"],
              [["haoyu-newenergy", "2026-09", "412.5", "扩容"]], bom=True)
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, [str(p) for p in result.problems]
    assert pq.read_table(result.landed_path).to_pylist()[0]["note"] == "扩容"


def _two_sheets(second_title: str, second_rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(OV)
    first.append(["haoyu-newenergy", "2026-09", 412.5, None])
    second = workbook.create_sheet(second_title)
    for row in second_rows:
        second.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_rows_on_a_second_sheet_are_not_silently_dropped(settings: Settings, inbox: Path):
    xlsx = _two_sheets("10月", [["企业编号", "月份", "工业总产值(万元)"],
                               ["haoyu-newenergy", "2026-10", 400]])
    shown = _only_problem(settings, inbox, "output_value_2sheets.xlsx", xlsx)
    assert shown == ("output_value_2sheets.xlsx: the sheet '10月' holds more rows of this kind, "
                     "but only the first sheet is read: put all rows on the first sheet, or send "
                     "one file per sheet")


def test_a_second_sheet_of_instructions_is_fine(settings: Settings, inbox: Path):
    (inbox / "output_value_help.xlsx").write_bytes(
        _two_sheets("说明", [["填表说明"], ["产值单位为万元"]]))
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, [str(p) for p in result.problems]


def test_a_password_protected_workbook_is_named_as_such(settings: Settings, inbox: Path):
    # Excel encrypts a protected .xlsx into an OLE compound file, as old .xls files are
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    shown = _only_problem(settings, inbox, "output_value_locked.xlsx", ole)
    assert shown == ("output_value_locked.xlsx: a password-protected workbook, or an Excel "
                     "97-2003 (.xls) file named .xlsx: remove the password, or save it as .xlsx")


def test_invisible_characters_in_headers_do_not_hide_a_known_column(settings: Settings,
                                                                    inbox: Path):
    # saved twice as "CSV UTF-8": the second BOM is text; a zero-width space pasted from a web page
    content = "\ufeff".encode() + csv_bytes(["\ufeff企业编号", "月份\u200b", "产值(万元)"],
                                            [["haoyu-newenergy", "2026-09", "412.5"]], bom=False)
    (inbox / "output_value_bom2.csv").write_bytes(content)
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, [str(p) for p in result.problems]
    assert pq.read_table(result.landed_path).to_pylist()[0]["output_value_10k_cny"] == 412.5


def test_an_xlsx_row_wider_than_the_column_limit_is_refused(settings: Settings, inbox: Path):
    header = b"".join(b'<c t="inlineStr"><is><t>h%d</t></is></c>' % i for i in range(60))
    xlsx = xlsx_with_sheet_xml([b"<row>", header, b"</row><row><c><v>1</v></c></row>"])
    shown = _only_problem(settings, inbox, "output_value_wide.xlsx", xlsx)
    assert shown == ("output_value_wide.xlsx, row 1: a value in column BH; an inbox file has at "
                     "most 50 columns")
