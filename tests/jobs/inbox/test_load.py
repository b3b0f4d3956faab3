"""Good files land whole with the declared schema and the values written; re-loads replace,
corrections supersede, and a crash between landing and archiving loses nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.common import landing
from jobs.common.config_errors import ConfigError
from jobs.common.settings import Settings
from jobs.inbox import load as inbox_load
from jobs.inbox.load import load_inbox, pending_files
from jobs.inbox.schemas import DATASETS, InboxKind
from tests.jobs.inbox.conftest import NOW, TODAY, landed_files, write_csv, write_xlsx

OV = ["enterprise_id", "month", "output_value_10k_cny", "note"]


def _rows(path: str | Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_a_good_csv_lands_whole_with_its_schema_and_values(settings: Settings, inbox: Path):
    path = write_csv(inbox / "output_value_2026-09.csv", OV,
                     [["haoyu-newenergy", "2026-09", "412.5", ""],
                      ["gusu-data", "2026/9", "1,234.5", "扩容"]])
    content = path.read_bytes()
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted and result.rows == 2 and result.problems == []
    assert result.kind is InboxKind.OUTPUT_VALUE
    assert result.landed_path == (f"{settings.landing_root}/inbox_output_value/date={TODAY}/"
                                  f"output_value_2026-09-{result.sha256[:12]}.parquet")
    table = pq.read_table(result.landed_path)
    assert table.schema == DATASETS[InboxKind.OUTPUT_VALUE].schema
    provenance = {"source_file": "output_value_2026-09.csv", "source_sha256": result.sha256,
                  "loaded_at_utc": NOW}
    assert table.to_pylist() == [
        {"enterprise_id": "haoyu-newenergy", "month": dt.date(2026, 9, 1),
         "output_value_10k_cny": 412.5, "note": None, "source_row": 2, **provenance},
        {"enterprise_id": "gusu-data", "month": dt.date(2026, 9, 1),
         "output_value_10k_cny": 1234.5, "note": "扩容", "source_row": 3, **provenance},
    ]
    archived = inbox / "processed" / TODAY / "output_value_2026-09.csv"
    assert result.archived_to == archived and archived.read_bytes() == content
    assert not path.exists()


def test_a_good_xlsx_with_chinese_headers_lands(settings: Settings, inbox: Path):
    header = ["企业编号", "月份", "合同编号", "绿电交易电量(MWh)", "绿证数量"]
    write_xlsx(inbox / "green_power_2026-10.xlsx", header, [
        ["xietang-electronics", "2026-10", "JS-LDJY-2026-0101", 250.5, 251],
        ["dushu-textile", dt.datetime(2026, 10, 1), 12345, 80, None],  # a date cell, a number id
    ])
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, result.problems
    table = pq.read_table(result.landed_path)
    assert table.schema == DATASETS[InboxKind.GREEN_POWER].schema
    assert table.select(["enterprise_id", "month", "contract_id", "green_power_mwh",
                         "certificates_bundled", "source_row"]).to_pylist() == [
        {"enterprise_id": "xietang-electronics", "month": dt.date(2026, 10, 1),
         "contract_id": "JS-LDJY-2026-0101", "green_power_mwh": 250.5,
         "certificates_bundled": 251, "source_row": 2},
        {"enterprise_id": "dushu-textile", "month": dt.date(2026, 10, 1),
         "contract_id": "12345", "green_power_mwh": 80.0, "certificates_bundled": None,
         "source_row": 3},
    ]


def test_a_utf8_bom_csv_with_chinese_headers_and_defaults(settings: Settings, inbox: Path):
    write_csv(inbox / "allowances_2026.csv", ["履约年度", "企业编号", "配额分配量(tCO2)"],
              [["2026", "haoyu-newenergy", "4086"]], bom=True)
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, result.problems
    [row] = _rows(result.landed_path)
    assert (row["enterprise_id"], row["compliance_year"], row["allowances_allocated_tco2"],
            row["allowances_purchased_tco2"], row["allowances_sold_tco2"]) == \
        ("haoyu-newenergy", 2026, 4086.0, 0.0, 0.0)


def test_certificates_land_with_their_mwh(settings: Settings, inbox: Path):
    write_xlsx(inbox / "certificates_2026-08.xlsx",
               ["企业编号", "注销月份", "注销绿证数量(张)", "起始编号", "结束编号"],
               [["xinghu-autoparts", "2026年8月", 500, "GEC202608003001", "GEC202608003500"],
                ["yuanhang-pharma", "2026-08", 3, 1000001, 1000003]])
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, result.problems
    rows = _rows(result.landed_path)
    assert [(r["certificates_retired"], r["retired_mwh"], r["serial_from"], r["serial_to"],
             r["certificate_type"]) for r in rows] == [
        (500, 500.0, "GEC202608003001", "GEC202608003500", "GEC"),
        (3, 3.0, "1000001", "1000003", "GEC")]


def test_reloading_the_same_file_replaces_instead_of_duplicating(settings: Settings,
                                                                  inbox: Path):
    rows = [["haoyu-newenergy", "2026-09", "412.5", ""], ["gusu-data", "2026-09", "55", ""]]
    write_csv(inbox / "output_value_2026-09.csv", OV, rows)
    [first] = load_inbox(settings, now=NOW)
    write_csv(inbox / "output_value_2026-09.csv", OV, rows)  # sent again, same content
    [second] = load_inbox(settings, now=NOW + dt.timedelta(hours=1))
    assert second.accepted and second.landed_path == first.landed_path
    assert landed_files(settings) == [Path(first.landed_path)]
    assert len(_rows(second.landed_path)) == 2
    assert sorted(p.name for p in (inbox / "processed" / TODAY).iterdir()) == [
        "output_value_2026-09.csv"]


def test_a_corrected_file_supersedes_the_earlier_one(settings: Settings, inbox: Path):
    write_csv(inbox / "output_value_2026-09.csv", OV, [["gusu-data", "2026-09", "55", ""],
                                                       ["haoyu-newenergy", "2026-09", "412", ""]])
    load_inbox(settings, now=NOW)
    write_csv(inbox / "output_value_2026-09.csv", OV, [["gusu-data", "2026-09", "57.5", "更正"]])
    [corrected] = load_inbox(settings, now=NOW + dt.timedelta(hours=1))
    assert corrected.accepted and len(landed_files(settings)) == 2
    # the archive keeps both versions: the second under its content hash
    assert len(list((inbox / "processed" / TODAY).iterdir())) == 2
    latest: dict[tuple, dict] = {}  # what the warehouse does: latest loaded_at_utc per key
    for path in landed_files(settings):
        for row in _rows(path):
            key = (row["enterprise_id"], row["month"])
            if key not in latest or row["loaded_at_utc"] > latest[key]["loaded_at_utc"]:
                latest[key] = row
    assert {k[0]: v["output_value_10k_cny"] for k, v in latest.items()} == {
        "gusu-data": 57.5, "haoyu-newenergy": 412.0}


def test_a_crash_between_landing_and_archiving_loses_nothing(settings: Settings, inbox: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    path = write_csv(inbox / "output_value_2026-09.csv", OV,
                     [["haoyu-newenergy", "2026-09", "412.5", ""]])

    def crash(*_args, **_kwargs):
        raise OSError("power cut")

    monkeypatch.setattr(inbox_load, "_archive", crash)
    [failed] = load_inbox(settings, now=NOW)
    assert failed.failed is not None and "power cut" in failed.failed and not failed.accepted
    monkeypatch.undo()
    assert path.exists() and len(landed_files(settings)) == 1
    [result] = load_inbox(settings, now=NOW + dt.timedelta(minutes=5))
    assert result.accepted and landed_files(settings) == [Path(result.landed_path)]
    assert len(_rows(result.landed_path)) == 1 and not path.exists()


def test_files_are_loaded_oldest_first_with_increasing_load_times(settings: Settings,
                                                                   inbox: Path):
    older = write_csv(inbox / "output_value_b.csv", OV, [["gusu-data", "2026-09", "1", ""]])
    newer = write_csv(inbox / "output_value_a.csv", OV, [["gusu-data", "2026-09", "2", ""]])
    os.utime(older, (1_000, 1_000))
    os.utime(newer, (2_000, 2_000))
    results = load_inbox(settings, now=NOW)
    assert [r.source.name for r in results] == ["output_value_b.csv", "output_value_a.csv"]
    times = [_rows(r.landed_path)[0]["loaded_at_utc"] for r in results]
    assert times[0] < times[1]


def test_unfinished_uploads_are_left_alone(inbox: Path):
    for name in (".output_value_x.csv", "~$output_value_x.xlsx", "output_value_x.csv.part"):
        (inbox / name).write_text("x")
    (inbox / "processed").mkdir()
    assert pending_files(inbox) == []


def test_a_file_outside_the_inbox_is_copied_and_its_kind_can_be_given(settings: Settings,
                                                                       inbox: Path,
                                                                       tmp_path: Path):
    outside = write_csv(tmp_path / "产值报表.csv", OV, [["gusu-data", "2026-09", "55", ""]])
    [result] = load_inbox(settings, [outside], kind=InboxKind.OUTPUT_VALUE, now=NOW)
    assert result.accepted and outside.exists()
    assert result.archived_to == inbox / "processed" / TODAY / "产值报表.csv"
    assert Path(result.landed_path).name == f"产值报表-{result.sha256[:12]}.parquet"


def test_an_object_store_data_root_needs_a_local_inbox_folder(settings: Settings,
                                                              tmp_path: Path):
    remote = dataclasses.replace(settings, data_root=f"memory://{tmp_path.name}")
    with pytest.raises(ConfigError, match="local drop folder"):
        load_inbox(remote, now=NOW)
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "output_value_2026-09.csv", OV, [["gusu-data", "2026-09", "55", ""]])
    [result] = load_inbox(remote, now=NOW, inbox=folder)
    assert result.accepted
    assert result.landed_path is not None and result.landed_path.startswith("memory://")
    assert landing.read_dataset(remote.landing_root, "inbox_output_value").num_rows == 1
    assert (folder / "processed" / TODAY / "output_value_2026-09.csv").exists()
