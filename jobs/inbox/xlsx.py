"""Read the first sheet of an XLSX workbook safely: values, not formulas, and bounded work.

An XLSX file is a zip archive, so a 1 MB file can expand to gigabytes of sheet XML (a zip bomb:
one took 175 s and 4 GB before crashing). Before openpyxl sees the file, the archive's own
directory is checked: how many entries, how many bytes they declare uncompressed, and how much
each one is compressed. Python's zipfile never inflates an entry past its declared size (and
fails its CRC if the data would go on), so the declared sizes bound the real work. The sheet is
then streamed in read-only mode and reading stops at the row cap.

Formulas: a cell's cached value (what Excel last computed and showed) is what counts. A formula
cell without one (written by a program that does not calculate) cannot be trusted to mean
anything and becomes a `RefusedCell`, reported with its row and column.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Generator, Iterator

from jobs.inbox.unreadable import RefusedCell, UnreadableFile

MAX_XLSX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024  # a 50,000-row sheet is 10-20 MB of XML
MAX_XLSX_ENTRIES = 1_000  # a workbook has a few dozen parts
MAX_COMPRESSION_RATIO = 200  # real sheets compress 5-30 times; deflate tops out near 1,000
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx files
_RATIO_FROM_BYTES = 1024 * 1024  # tiny parts compress oddly; judge the ratio of big ones only


def check_archive(content: bytes) -> None:
    """Refuse a zip bomb from the archive's directory alone, before anything is inflated."""
    if content.startswith(_OLE_SIGNATURE):
        raise UnreadableFile("a password-protected workbook, or an Excel 97-2003 (.xls) file "
                             "named .xlsx: remove the password, or save it as .xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(f"not a readable XLSX workbook (not a zip archive: {exc})") from None
    entries = archive.infolist()
    if len(entries) > MAX_XLSX_ENTRIES:
        raise UnreadableFile(f"the workbook has {len(entries):,} parts; an inbox workbook has at "
                          f"most {MAX_XLSX_ENTRIES:,}")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(f"the workbook expands to {total / 2**20:,.0f} MB; an inbox workbook "
                          f"may expand to at most {MAX_XLSX_UNCOMPRESSED_BYTES / 2**20:,.0f} MB "
                          "(split it, or remove what is not the table)")
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(f"the workbook part {entry.filename} is compressed {ratio:,.0f} "
                              f"times (at most {MAX_COMPRESSION_RATIO} is plausible for a "
                              "spreadsheet): refused as a zip bomb")


def xlsx_rows(content: bytes) -> Iterator[tuple[int, list[object]]]:
    """(row number, cells) of the first sheet, blank rows included; formula cells hold their
    cached value, or a RefusedCell when there is none. Call check_archive first."""
    rows = _sheet_rows(content, cached_values=False)
    try:
        for number, cells in rows:
            if any(isinstance(cell, str) and cell.startswith("=") for cell in cells):
                # read again for what the formulas showed, from this row on
                yield from _with_cached_values(content, number)
                return
            yield number, cells
    finally:
        rows.close()


def _with_cached_values(content: bytes, first_row: int) -> Iterator[tuple[int, list[object]]]:
    written = _sheet_rows(content, cached_values=False)
    cached = _sheet_rows(content, cached_values=True)
    try:
        for (number, formulas), (_, values) in zip(written, cached, strict=False):
            if number >= first_row:
                yield number, [_cached(formula, value)
                               for formula, value in zip(formulas, values, strict=False)]
    finally:
        written.close()
        cached.close()


def other_sheet_headers(content: bytes, rows_scanned: int = 20) -> list[tuple[str, list[str]]]:
    """(title, first non-empty row as text) of every worksheet after the first: only the first
    sheet is loaded, so validation can refuse a workbook whose rows go on on another sheet."""
    from openpyxl import load_workbook

    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets[1:]:
                sheet.reset_dimensions()
                for _, cells in zip(range(rows_scanned), sheet.iter_rows(values_only=True),
                                    strict=False):
                    texts = [str(cell).strip() for cell in cells if cell is not None]
                    if any(texts):
                        found.append((sheet.title, texts))
                        break
        except Exception as exc:  # a damaged sheet fails while it is streamed
            raise UnreadableFile(f"not a readable XLSX sheet ({type(exc).__name__}: "
                                 f"{_short(str(exc))})") from None
        finally:
            workbook.close()
    return found


def _cached(written: object, cached: object) -> object:
    if isinstance(written, str) and written.startswith("=") and cached is None:
        return RefusedCell(f"a formula ({_short(written)}) without a saved result; open the file "
                           "in Excel and save it, or paste the values", written)
    return cached


def _sheet_rows(content: bytes, *, cached_values: bool
                ) -> Generator[tuple[int, list[object]], None, None]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=cached_values)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise UnreadableFile(f"not a readable XLSX workbook ({type(exc).__name__}: "
                             f"{_short(str(exc))})") from None
    number = 0
    try:
        if not workbook.worksheets:
            raise UnreadableFile("the workbook has no worksheet (only charts?)")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared size may claim a million empty rows
        rows = sheet.iter_rows(values_only=True)
        while True:
            # per row, not around the yield: two sheets are streamed at once, and a filter
            # set around a yield would be restored out of order
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cells = next(rows, None)
            if cells is None:
                return
            number += 1
            yield number, list(cells)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged sheet fails while it is streamed
        raise UnreadableFile(f"not a readable XLSX sheet ({type(exc).__name__}: "
                             f"{_short(str(exc))})", number + 1) from None
    finally:
        workbook.close()


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"
