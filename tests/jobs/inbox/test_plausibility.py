"""Plausibility bounds: values that parse but cannot be true (units off by 10,000, 1e300,
Excel's day zero, events in the year 1 or 9999) are refused in their cell, and values at the
edge of each bound are still accepted. Today is NOW (2026-11-23 in Shanghai): the history
window starts on 2016-01-01 and events may be announced up to 2027-11-24."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, assert_rejected_whole, write_csv

OV = ["enterprise_id", "month", "output_value_10k_cny", "note"]
GP = ["enterprise_id", "month", "contract_id", "green_power_mwh", "certificates_bundled"]
CERT = ["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to"]
ALLOW = ["enterprise_id", "compliance_year", "allowances_allocated_tco2",
         "allowances_purchased_tco2", "allowances_sold_tco2"]
DR = ["event_id", "start_local", "end_local", "requested_reduction_kw",
      "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"]
DR_GOOD = ["DR-1", "2026-07-16 14:00", "2026-07-16 16:00", "1500", "3.0", "", ""]


def _dr(**changes: str) -> list[str]:
    row = list(DR_GOOD)
    for name, value in changes.items():
        row[DR.index(name)] = value
    return row


REFUSED = [
    pytest.param("output_value_a.csv", OV, ["haoyu-newenergy", "2026-09", "4125000", ""],
                 'C "output_value_10k_cny"', "4,125,000 万元 is above the plausible ceiling of "
                 "1,000,000 万元; is it in 元 instead of 万元?", id="output value in 元"),
    pytest.param("output_value_a.csv", OV, ["haoyu-newenergy", "2026-09", "1e300", ""],
                 'C "output_value_10k_cny"', "1e+300 万元 is above the plausible ceiling",
                 id="1e300"),
    pytest.param("output_value_a.csv", OV, ["haoyu-newenergy", "1899-12", "412.5", ""],
                 'B "month"', "1899-12 is more than 10 years ago (months from 2016-01 are "
                 "accepted)", id="month 1899-12"),
    pytest.param("output_value_a.csv", OV, ["haoyu-newenergy", "2015-12", "412.5", ""],
                 'B "month"', "2015-12 is more than 10 years ago", id="month just too old"),
    pytest.param("green_power_a.csv", GP, ["haoyu-newenergy", "2026-09", "C-1", "200500000", ""],
                 'D "green_power_mwh"', "200,500,000 MWh is above the plausible ceiling of "
                 "500,000 MWh; is it in kWh instead of MWh?", id="green power in kWh"),
    pytest.param("green_power_a.csv", GP, ["haoyu-newenergy", "2026-09", "C-1", "1",
                 "1000001"], 'E "certificates_bundled"', "1,000,001 certificates is above the "
                 "plausible ceiling of 1,000,000 certificates", id="bundled certificates"),
    pytest.param("certificates_a.csv", CERT, ["haoyu-newenergy", "2026-08", "2",
                 "GEC" + "9" * 40, "GEC" + "9" * 39 + "1"], 'D "serial_from"',
                 "a certificate serial number ends in 40 digits; at most 30 are plausible",
                 id="serial of 40 digits"),
    pytest.param("certificates_a.csv", CERT, ["haoyu-newenergy", "2026-08", "2000000",
                 "GEC1", "GEC2000000"], 'C "certificates_retired"',
                 "2,000,000 certificates is above the plausible ceiling", id="certificates"),
    pytest.param("allowances_a.csv", ALLOW, ["haoyu-newenergy", "2026", "4086000000", "0", "0"],
                 'C "allowances_allocated_tco2"', "4,086,000,000 tCO2 is above the plausible "
                 "ceiling of 10,000,000 tCO2; is it in kg instead of tonnes?",
                 id="allowances in kg"),
    pytest.param("allowances_a.csv", ALLOW, ["haoyu-newenergy", "2015", "4086", "0", "0"],
                 'B "compliance_year"', "compliance year 2015 is not between 2016 and 2027",
                 id="compliance year too old"),
    pytest.param("dr_events_a.csv", DR, _dr(start_local="0001-01-01 00:00",
                 end_local="2026-07-16 16:00"), 'B "start_local"', "0001-01-01 00:00 is not "
                 "between 2016-01-01 and 2027-11-24", id="DR event in the year 1"),
    pytest.param("dr_events_a.csv", DR, _dr(start_local="9999-12-31 22:00",
                 end_local="9999-12-31 23:00"), 'B "start_local"', "9999-12-31 22:00 is not "
                 "between 2016-01-01 and 2027-11-24", id="DR event in 9999"),
    pytest.param("dr_events_a.csv", DR, _dr(notice_issued_local="0001-01-01 00:00"),
                 'G "notice_issued_local"', "0001-01-01 00:00 is not between",
                 id="DR notice in the year 1"),
    pytest.param("dr_events_a.csv", DR, _dr(start_local="2027-11-25 10:00",
                 end_local="2027-11-25 12:00"), 'B "start_local"', "2027-11-25 10:00 is not "
                 "between 2016-01-01 and 2027-11-24 (from 10 years ago to a year ahead)",
                 id="DR event more than a year ahead"),
    pytest.param("dr_events_a.csv", DR, _dr(requested_reduction_kw="1500000000"),
                 'D "requested_reduction_kw"', "1,500,000,000 kW is above the plausible ceiling "
                 "of 1,000,000 kW; is it in W instead of kW?", id="DR reduction in W"),
    pytest.param("dr_events_a.csv", DR, _dr(compensation_cny_per_kwh="3000"),
                 'E "compensation_cny_per_kwh"', "3,000 元/kWh is above the plausible ceiling of "
                 "100 元/kWh; is it per MWh?", id="DR price per MWh"),
]


@pytest.mark.parametrize(("name", "header", "row", "column", "message"), REFUSED)
def test_an_implausible_value_is_refused_in_its_cell(settings: Settings, inbox: Path,
                                                     name: str, header: list[str],
                                                     row: list[str], column: str, message: str):
    write_csv(inbox / name, header, [row])
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    shown = [str(p) for p in result.problems]
    assert any(s.startswith(f"{name}, row 2, column {column}: {message}") for s in shown), shown


def test_values_at_the_edges_of_the_bounds_are_accepted(settings: Settings, inbox: Path):
    write_csv(inbox / "output_value_edge.csv", OV,
              [["haoyu-newenergy", "2016-01", "1000000", ""],
               ["haoyu-newenergy", "2026-11", "0", ""]])
    write_csv(inbox / "allowances_edge.csv", ALLOW,
              [["haoyu-newenergy", "2016", "10000000", "0", "0"],
               ["haoyu-newenergy", "2027", "0", "0", "0"]])
    write_csv(inbox / "dr_events_edge.csv", DR, [
        ["OLD", "2016-01-01 00:00", "2016-01-01 02:00", "1000000", "100", "", ""],
        ["AHEAD", "2027-11-24 21:00", "2027-11-24 23:59", "1", "0", "", "2026-11-23 09:00"]])
    results = load_inbox(settings, now=NOW)
    assert all(r.accepted for r in results), [str(p) for r in results for p in r.problems]


def test_an_empty_excel_date_cell_read_as_day_zero_is_refused(settings: Settings, inbox: Path):
    """Excel shows serial 0 formatted as a month as 1900-01 and openpyxl reads 1899-12-30."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(OV)
    sheet.append(["haoyu-newenergy", dt.datetime(1899, 12, 30), 412.5, None])
    workbook.save(inbox / "output_value_zero.xlsx")
    [result] = load_inbox(settings, now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, 'B "month"')


def test_a_dr_event_in_the_year_1_does_not_stop_the_files_after_it(settings: Settings,
                                                                   inbox: Path):
    """It crashed every run with OverflowError (no UTC instant before 0001-01-01 08:00 in
    Shanghai) and so blocked every file behind it."""
    write_csv(inbox / "dr_events_0001.csv", DR, [_dr(start_local="0001-01-01 00:00",
                                                    end_local="0001-01-01 02:00")])
    write_csv(inbox / "output_value_2026-09.csv", OV, [["haoyu-newenergy", "2026-09", "412.5",
                                                        ""]])
    results = load_inbox(settings, [inbox / "dr_events_0001.csv",
                                    inbox / "output_value_2026-09.csv"], now=NOW)
    assert [(r.source.name, r.accepted) for r in results] == [
        ("dr_events_0001.csv", False), ("output_value_2026-09.csv", True)]
    assert [(p.row, p.column) for p in results[0].problems] == [
        (2, 'B "start_local"'), (2, 'C "end_local"')]
    [row] = pq.read_table(results[1].landed_path).to_pylist()
    assert row["output_value_10k_cny"] == 412.5
