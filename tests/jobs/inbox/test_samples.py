"""The sample writer: files of every kind, in both formats and languages, that load cleanly for
the demo park, byte for byte the same on every run."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import load_workbook

from jobs.common import landing
from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from jobs.inbox.samples import write_sample_inbox
from jobs.inbox.schemas import DATASETS, InboxKind
from tests.jobs.inbox.conftest import NOW

MONTHS = ["2026-06", "2026-07", "2026-08"]


def test_sample_files_all_load_cleanly_for_the_demo_park(settings: Settings, inbox: Path):
    paths = write_sample_inbox(settings, MONTHS, inbox)
    results = load_inbox(settings, now=NOW)
    assert {r.source.name for r in results} == {p.name for p in paths}
    assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]
    # every kind but process_output: the demo park makes no product with process emissions
    assert {r.kind for r in results} == set(InboxKind) - {InboxKind.PROCESS_OUTPUT}
    for result in results:
        assert result.kind is not None and result.landed_path is not None
        assert pq.read_schema(result.landed_path) == DATASETS[result.kind].schema
    counts = {kind: landing.read_dataset(settings.landing_root, DATASETS[kind].name).num_rows
              for kind in InboxKind}
    assert counts == {InboxKind.OUTPUT_VALUE: len(settings.park.enterprises) * len(MONTHS),
                      InboxKind.GREEN_POWER: 3 * len(MONTHS), InboxKind.CERTIFICATES: 2,
                      InboxKind.ALLOWANCES: 3, InboxKind.DR_EVENTS: 2,
                      # guiding indicators, per month: auto parts, food and new-energy products;
                      # 2 waste kinds at auto parts, 1 at each of 5 other manufacturers; water
                      # at the 6 manufacturers; heat at 3 (food and new energy report 2 kinds)
                      InboxKind.PRODUCT_OUTPUT: 3 * len(MONTHS),
                      InboxKind.SOLID_WASTE: 7 * len(MONTHS), InboxKind.WATER: 6 * len(MONTHS),
                      InboxKind.WASTE_HEAT: 5 * len(MONTHS),
                      InboxKind.HEAT_FLOWS: len(MONTHS), InboxKind.PROCESS_OUTPUT: 0,
                      # couplings: food -> textile heat and foundry sand out, a month; four
                      # offers (two outputs, two needs) for the year
                      InboxKind.COUPLING_FLOWS: 2 * len(MONTHS), InboxKind.COUPLING_OFFERS: 4}
    output = landing.read_dataset(settings.landing_root, "inbox_output_value").to_pylist()
    assert all(10 <= row["output_value_10k_cny"] <= 1000 for row in output)  # 万元 per month


def test_samples_mix_xlsx_with_chinese_headers_and_csv_with_english(settings: Settings,
                                                                     tmp_path: Path):
    paths = {p.suffix: p for p in write_sample_inbox(settings, MONTHS, tmp_path)}
    sheet = load_workbook(paths[".xlsx"]).worksheets[0]
    assert any("\u4e00" <= ch <= "\u9fff" for cell in sheet[1] for ch in str(cell.value))
    header = paths[".csv"].read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.isascii() and header.startswith("enterprise_id,")


def test_samples_are_deterministic(settings: Settings, tmp_path: Path):
    first = write_sample_inbox(settings, MONTHS, tmp_path / "a")
    second = write_sample_inbox(settings, MONTHS, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
