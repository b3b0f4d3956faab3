"""The live rule controller charges the batteries from the grid in the valley (谷充峰放) without
lifting the import above the contract demand, and discharges against the peak import.
Expected setpoints worked by hand from the demo park: bess-01 1000 kW and bess-02 500 kW
(1500 kW in all, shared by rating), contract demand 5000 kW, import headroom 100 kW."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.common.settings import Settings
from jobs.twin.rule_controller import rule_based_source

VALLEY_UTC = dt.datetime(2026, 12, 3, 18, 0, tzinfo=dt.UTC)  # 02:00 in Shanghai
PEAK_UTC = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)  # 18:00 in Shanghai
FLAT_UTC = dt.datetime(2026, 12, 4, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def setpoints(settings: Settings, at: dt.datetime, grid_kw: float) -> dict[str, float]:
    live = {"grid-main": {"active_power_kw": grid_kw},
            "bess-01-pcs": {"active_power_kw": 0.0}, "bess-02-pcs": {"active_power_kw": 0.0}}
    commands = rule_based_source(settings.park, at)(live)
    return {c.device_id: c.value for c in commands if c.point == "power_setpoint_kw"}


@pytest.mark.parametrize(("grid_kw", "expected"), [
    (3000.0, {"bess-01-pcs": -1000.0, "bess-02-pcs": -500.0}),  # 1900 kW of room: full power
    (4600.0, {"bess-01-pcs": -200.0, "bess-02-pcs": -100.0}),  # 300 kW of room, shared 2:1
    (5200.0, {"bess-01-pcs": 0.0, "bess-02-pcs": 0.0}),  # above the cap already: no charge
])
def test_valley_charges_from_the_grid_under_the_contract_demand(
        demo_settings: Settings, grid_kw: float, expected: dict[str, float]) -> None:
    assert setpoints(demo_settings, VALLEY_UTC, grid_kw) == pytest.approx(expected)


def test_peak_discharges_against_the_import_and_flat_idles(demo_settings: Settings) -> None:
    assert setpoints(demo_settings, PEAK_UTC, 900.0) == pytest.approx(
        {"bess-01-pcs": 600.0, "bess-02-pcs": 300.0})
    assert setpoints(demo_settings, FLAT_UTC, 3000.0) == pytest.approx(
        {"bess-01-pcs": 0.0, "bess-02-pcs": 0.0})
