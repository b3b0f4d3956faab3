"""Green power and certificates bought for the park as a whole land under the account 'park'
(the national assessment counts them); other kinds still need one of the park's enterprises."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from jobs.common.settings import Settings
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, assert_rejected_whole, landed_files, write_csv

GP = ["enterprise_id", "month", "contract_id", "green_power_mwh"]
CERT = ["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to"]


def test_green_power_and_certificates_land_for_the_park_account(settings: Settings,
                                                                 inbox: Path):
    green = write_csv(inbox / "green_power_park.csv", GP, [["park", "2026-09", "P-1", "40"]])
    certificates = write_csv(inbox / "certificates_park.csv", CERT,
                             [["park", "2026-09", "5", "GEC000001", "GEC000005"]])
    results = load_inbox(settings, [green, certificates], now=NOW)
    assert [r.accepted for r in results] == [True, True], [r.problems for r in results]
    accounts = {row["enterprise_id"] for path in landed_files(settings)
                for row in pq.read_table(path).to_pylist()}
    assert accounts == {"park"}


def test_an_unknown_account_names_the_park_account_as_an_option(settings: Settings,
                                                                inbox: Path):
    path = write_csv(inbox / "green_power_bad.csv", GP, [["park", "2026-09", "P-1", "40"],
                                                         ["acme", "2026-09", "P-2", "40"]])
    [result] = load_inbox(settings, [path], now=NOW)
    assert_rejected_whole(settings, result)
    [problem] = result.problems
    assert (problem.file, problem.row, problem.column) == ("green_power_bad.csv", 3,
                                                          'A "enterprise_id"')
    assert "unknown enterprise 'acme'" in problem.message
    assert "'park' for the park's own account" in problem.message


def test_output_values_still_need_an_enterprise(settings: Settings, inbox: Path):
    path = write_csv(inbox / "output_value_park.csv", ["enterprise_id", "month",
                                                       "output_value_10k_cny"],
                     [["park", "2026-09", "10"]])
    [result] = load_inbox(settings, [path], now=NOW)
    assert_rejected_whole(settings, result)
    assert "unknown enterprise 'park'" in result.problems[0].message
