"""Inbox files reach the carbon accounts: green power and certificates lower market-based
Scope 2, and a corrected file supersedes the first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from device_io.simulator.history import generate_history
from jobs.common.settings import load_settings
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse

pytestmark = pytest.mark.integration


def test_green_power_lowers_market_scope2_and_corrections_win(tmp_path: Path):
    settings = load_settings(data_root=str(tmp_path / "data"))
    start = dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC)  # 1 July, 00:00 in Suzhou
    generate_history(settings, start, start + dt.timedelta(hours=6))
    enterprise = settings.park.enterprises[0].id
    inbox = tmp_path / "data" / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "green_power_2026-07.csv").write_text(
        f"enterprise_id,month,contract_id,green_power_mwh\n{enterprise},2026-07,GP-1,0.5\n")
    assert all(r.accepted for r in load_inbox(settings))
    (inbox / "green_power_2026-07-corrected.csv").write_text(
        f"enterprise_id,month,contract_id,green_power_mwh\n{enterprise},2026-07,GP-1,0.1\n")
    assert all(r.accepted for r in load_inbox(settings))
    assert build_warehouse(settings, quiet=True).success
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        row = connection.execute(
            "select grid_electricity_kwh, green_power_mwh, scope2_location_tco2, "
            "scope2_market_tco2, market_kgco2_per_kwh from fct_enterprise_monthly_carbon "
            "where entity_id = ? and month = date '2026-07-01'", [enterprise]).fetchone()
    grid_kwh, green_mwh, location_t, market_t, market_factor = row
    assert green_mwh == pytest.approx(0.1)  # the corrected file, loaded later, wins
    # enough grid electricity that the deduction is not clipped at zero (the park's wind line
    # serves part of the night's load before the grid does)
    assert grid_kwh > 100
    assert market_t == pytest.approx((grid_kwh / 1000 - 0.1) * market_factor, abs=1e-6)
    assert location_t == pytest.approx(grid_kwh / 1000 * 0.5366, abs=1e-6)
