"""Read an inbox file (CSV, or the first sheet of an XLSX) into rows numbered as a spreadsheet
user sees them, within fixed limits of size, rows and columns.

Reading knows nothing about kinds or rules: it turns bytes into a header and cells, keeping the
real row numbers (the header is the first non-empty row, normally row 1), so every later message
points at the row the user will look at. Blank rows are not data and are skipped. The caller
passes the bytes it hashed, so the content checked is exactly the content recorded.

CSV text is UTF-8 (with or without BOM). A CSV whose first non-ASCII character is not UTF-8 is
read as GB18030, the national standard that includes GBK: it is what Excel's plain "CSV" and
WPS write on a Chinese system. A file that starts as UTF-8 and then breaks is refused, not
guessed at. The XLSX limits (zip bombs, formulas) are in xlsx.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from jobs.inbox.unreadable import RefusedCell, UnreadableFile
from jobs.inbox.xlsx import check_archive, other_sheet_headers, xlsx_rows

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
MAX_FILE_BYTES = 20 * 1024 * 1024  # 50,000 rows of CSV are about 4 MB
MAX_DATA_ROWS = 50_000  # 1,000 enterprises for 4 years of months; split anything larger
MAX_COLUMNS = 50  # the widest kind has 7 columns
__all__ = ["MAX_COLUMNS", "MAX_DATA_ROWS", "MAX_FILE_BYTES", "RawTable", "RefusedCell",
           "UnreadableFile", "column_letter", "read_table"]


@dataclass(frozen=True)
class RawTable:
    """A sheet as cells. `headers` is empty when the file holds no non-empty row at all."""

    header_row: int
    headers: list[str | None]  # None: a blank header cell
    rows: list[tuple[int, list[object]]]  # (spreadsheet row number, cells, None = empty)
    # XLSX: (title, first non-empty row) of the sheets after the first, which are not read
    other_sheets: list[tuple[str, list[str]]] = field(default_factory=list)


def read_table(name: str, content: bytes) -> RawTable:
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(too_large_message(len(content)))
    if suffix == ".csv":
        return _table(_csv_rows(content))
    if suffix == ".xlsx":
        check_archive(content)
        table = _table(xlsx_rows(content))
        return replace(table, other_sheets=other_sheet_headers(content))
    hint = " (save it as .xlsx)" if suffix in (".xls", ".et", ".ods") else ""
    raise UnreadableFile(f"unsupported file type {suffix or '(none)'!r}{hint}; inbox files are "
                         f"{' or '.join(SUPPORTED_SUFFIXES)}")


def too_large_message(size_bytes: int) -> str:
    return (f"the file is {size_bytes / 2**20:,.1f} MB; an inbox file may be at most "
            f"{MAX_FILE_BYTES / 2**20:,.0f} MB (split it)")


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


def _table(rows: Iterable[tuple[int, list[object]]]) -> RawTable:
    filled = list(_within_limits(rows))
    if not filled:
        return RawTable(header_row=1, headers=[], rows=[])
    width = max(len(cells) for _, cells in filled)
    padded = [(number, cells + [None] * (width - len(cells))) for number, cells in filled]
    header_row, header_cells = padded[0]
    headers = [None if cell is None else str(cell) for cell in header_cells]
    return RawTable(header_row=header_row, headers=headers, rows=padded[1:])


def _within_limits(rows: Iterable[tuple[int, list[object]]]
                   ) -> Iterator[tuple[int, list[object]]]:
    """The non-empty rows without their trailing empty cells. Reading stops at the first row
    past a limit, so a huge file costs no more than a file at the limit."""
    count = 0
    for number, raw in rows:
        cells = [_cell(value) for value in raw]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise UnreadableFile(f"a value in column {column_letter(len(cells) - 1)}; an inbox "
                                 f"file has at most {MAX_COLUMNS} columns", number)
        count += 1
        if count > MAX_DATA_ROWS + 1:  # + the header
            raise UnreadableFile(f"more than {MAX_DATA_ROWS:,} data rows; split the file", number)
        yield number, cells


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[object]]]:
    reader = csv.reader(io.StringIO(_decoded(content), newline=""))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as exc:
        raise UnreadableFile(f"not a readable CSV file: {exc}", number + 1) from None


def _decoded(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("UTF-16 text (Excel's 'Unicode text', tab-separated), not CSV; "
                             "save as 'CSV UTF-8 (逗号分隔)'")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        broken_at = exc.start
    if not content[:broken_at].isascii():  # UTF-8 so far, then broken: damaged, not GBK
        raise UnreadableFile("not valid UTF-8 text: the file is damaged or mixes encodings "
                             "(Excel: save as 'CSV UTF-8 (逗号分隔)')",
                             content[:broken_at].count(b"\n") + 1)
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("neither UTF-8 nor GB18030/GBK text (Excel: save as 'CSV UTF-8 "
                             "(逗号分隔)')", content[:exc.start].count(b"\n") + 1) from None
