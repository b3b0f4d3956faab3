"""Inbox test helpers: the demo park in a temporary data root, a fixed load time, file writers."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from openpyxl import Workbook

from jobs.common.settings import Settings, load_settings
from jobs.inbox.load import InboxResult, inbox_dir, load_inbox

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # fixed "now": months after 2026-11 are future
TODAY = NOW.date().isoformat()


@pytest.fixture(scope="session")
def demo_park_settings() -> Settings:
    return load_settings(data_root="unused")


@pytest.fixture
def settings(demo_park_settings: Settings, tmp_path: Path) -> Settings:
    """load_settings(data_root=<tmp>/data), built once per session for speed."""
    return dataclasses.replace(demo_park_settings, data_root=str(tmp_path / "data"))


@pytest.fixture
def inbox(settings: Settings) -> Path:
    folder = inbox_dir(settings)
    folder.mkdir(parents=True)
    return folder


def in_zone(settings: Settings, zone: str) -> Settings:
    park = settings.park
    return dataclasses.replace(settings, park=park.model_copy(
        update={"park": park.park.model_copy(update={"timezone": zone})}))


def csv_bytes(header: list[str], rows: list[list[object]], *, bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_csv(path: Path, header: list[str], rows: list[list[object]], *,
              bom: bool = False) -> Path:
    path.write_bytes(csv_bytes(header, rows, bom=bom))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.write_bytes(xlsx_bytes(header, rows))
    return path


def landed_files(settings: Settings) -> list[Path]:
    root = Path(settings.landing_root)
    return sorted(root.rglob("*.parquet")) if root.exists() else []


def assert_rejected_whole(settings: Settings, result: InboxResult) -> None:
    """Nothing of the file landed; it sits in rejected/<date>/ with every problem beside it."""
    assert not result.accepted
    assert landed_files(settings) == []
    assert not result.source.exists()
    folder = inbox_dir(settings) / "rejected" / TODAY
    assert result.archived_to == folder / result.source.name
    assert result.archived_to.exists()
    assert result.errors_path == folder / f"{result.source.name}.errors.txt"
    errors = result.errors_path.read_text(encoding="utf-8")
    for problem in result.problems:
        assert str(problem) in errors


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(buffer)
    return buffer.getvalue()


def with_raw_cells(xlsx: bytes, cells: dict[str, str]) -> bytes:
    """The workbook with some cells' XML replaced, e.g. {"C2": '<c r="C2"><f>1+1</f></c>'}:
    what other programs write and openpyxl cannot (formulas with or without a saved result,
    error cells, odd numbers). Each cell must exist (hold a placeholder value) in `xlsx`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for ref, xml in cells.items():
                    text, found = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml, text, count=1)
                    assert found, f"no cell {ref} to replace"
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()


def xlsx_with_sheet_xml(sheet_data: Iterable[bytes], *, level: int = 6,
                        dimension: str | None = None) -> bytes:
    """A real workbook whose first sheet's <sheetData> is streamed from `sheet_data` chunks:
    a sheet of any size without holding it in memory (zip bombs)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["enterprise_id"], [])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main">')
            if dimension is not None:  # what the sheet claims its used range is
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in sheet_data:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def assert_bad_file_rejected_at(settings: Settings, inbox: Path, name: str, header: list[str],
                                rows: list[list[str]], row: int, column: str,
                                message: str) -> None:
    """The file, one bad cell among good rows, is rejected whole with a problem naming the
    file, the row and the column."""
    write_csv(inbox / name, header, rows)
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)  # the good row beside the bad one did not land
    found = [p for p in result.problems
             if p.row == row and p.column == column and message in p.message]
    assert found, "\n".join(map(str, result.problems))
    assert str(found[0]).startswith(f"{name}, row {row}, column {column}: ")
