"""Inbox test helpers: the demo park in a temporary data root, a fixed load time, file writers."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from jobs.common.settings import Settings, load_settings
from jobs.inbox.load import InboxResult, inbox_dir

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
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
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
