"""Read an inbox file (CSV in UTF-8 with or without BOM, or the first sheet of an XLSX) into rows
numbered as a spreadsheet user sees them.

Reading knows nothing about kinds or rules: it turns bytes into a header and cells, keeping the
real row numbers (the header is the first non-empty row, normally row 1), so every later message
points at the row the user will look at. Blank rows are not data and are skipped. The caller
passes the bytes it hashed, so the content checked is exactly the content recorded.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass

SUPPORTED_SUFFIXES = (".csv", ".xlsx")


class UnreadableFile(Exception):
    """The file cannot be read as a table at all; `row` is set when the place is known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class RawTable:
    """A sheet as cells. `headers` is empty when the file holds no non-empty row at all."""

    header_row: int
    headers: list[str | None]  # None: a blank header cell
    rows: list[tuple[int, list[object]]]  # (spreadsheet row number, cells, None = empty)


def read_table(name: str, content: bytes) -> RawTable:
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix == ".csv":
        return _table(_csv_rows(content))
    if suffix == ".xlsx":
        return _table(_xlsx_rows(content))
    hint = " (save it as .xlsx)" if suffix in (".xls", ".et", ".ods") else ""
    raise UnreadableFile(f"unsupported file type {suffix or '(none)'!r}{hint}; inbox files are "
                         f"{' or '.join(SUPPORTED_SUFFIXES)}")


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _table(rows: list[tuple[int, list[object]]]) -> RawTable:
    filled = [(number, [_cell(v) for v in cells]) for number, cells in rows]
    filled = [(number, cells) for number, cells in filled if any(c is not None for c in cells)]
    if not filled:
        return RawTable(header_row=1, headers=[], rows=[])
    width = max(len(cells) for _, cells in filled)
    padded = [(number, cells + [None] * (width - len(cells))) for number, cells in filled]
    header_row, header_cells = padded[0]
    headers = [None if cell is None else str(cell) for cell in header_cells]
    return RawTable(header_row=header_row, headers=headers, rows=padded[1:])


def _csv_rows(content: bytes) -> list[tuple[int, list[object]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = content[:exc.start].count(b"\n") + 1
        raise UnreadableFile("not UTF-8 text (Excel: save as 'CSV UTF-8 (逗号分隔)'; a CSV "
                             "saved as plain 'CSV' on a Chinese system is GBK)", row) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            rows.append((number, list(cells)))
    except csv.Error as exc:
        raise UnreadableFile(f"not a readable CSV file: {exc}", len(rows) + 1) from None
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            workbook = load_workbook(io.BytesIO(content), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise UnreadableFile(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"
                             ) from None
    try:
        sheet = workbook.worksheets[0]
        return [(number, list(cells))
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
