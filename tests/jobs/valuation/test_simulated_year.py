"""Installed assets without a full metered year, valued on the twin's simulated year: the small
park's five metered weeks are not a year, so every PV system and battery is valued on four
one-day season samples of the park's twin (rule-based control), checked against what the
samples' own warehouses metered; the batteries, idle in the metered weeks, read "no operation
data" and are valued on the simulated year under the controller, not on their idle days. A
second valuation reads the kept samples."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from jobs.valuation.run import value_month
from tests.jobs.scorecards.conftest import JUNE, _with_config

pytestmark = pytest.mark.integration
TODAY = dt.date(2026, 7, 2)
# the latest 15th of January, April, July and October whose day is over before June 2026
SAMPLES = [dt.date(2025, 7, 15), dt.date(2025, 10, 15), dt.date(2026, 1, 15),
           dt.date(2026, 4, 15)]

DISCHARGE_SQL = """
select sum(energy.energy_kwh)
from fct_interval_energy as energy
join dim_devices as devices using (device_id)
where devices.asset_id = ? and energy.energy_flow = ? and energy.local_date = ?
"""


@pytest.fixture(scope="module")
def valued(built, tmp_path_factory):
    park, settings, _ = built

    def change(changed):
        # rule-based: the plan's week of warm-up per sample is too slow for a test
        changed.setdefault("valuation", {})["simulated_year"] = {"days_per_season": 1,
                                                                  "controller": "rule_based"}
    configured = _with_config(park, settings.data_root, change)
    workdir = tmp_path_factory.mktemp("twin")
    first = value_month(configured, JUNE, cases=False, case_workdir=workdir, today=TODAY)
    again = value_month(configured, JUNE, cases=False, case_workdir=workdir, today=TODAY)
    return configured, first, again, workdir


def test_every_asset_without_a_metered_year_is_valued_on_the_simulated_year(valued):
    configured, first, again, _ = valued
    assert [w.first_day for w in first.simulated.windows] == SAMPLES
    assert first.simulated.scale == pytest.approx(365 / 4)
    ids = {a.id for a in [*configured.park.assets.pv, *configured.park.assets.batteries]}
    assert {v.asset_id for v, _ in first.assets} == ids
    assert all(v.data_basis == "simulated_year" and v.valuation is not None
               for v, _ in first.assets)
    # the second valuation of the month reads the kept samples, with the same figures
    assert again.simulated.from_cache and again.simulated.twin_seconds == 0.0
    assert [v.valuation for v, _ in again.assets] == [v.valuation for v, _ in first.assets]


def test_the_simulated_year_is_the_samples_metered_energy_times_365_over_4(valued):
    configured, first, _, workdir = valued
    by_id = {v.asset_id: v for v, _ in first.assets}
    for asset_id, flow in [(configured.park.assets.pv[0].id, "pv_generation"),
                           *[(b.id, "battery_discharge")
                             for b in configured.park.assets.batteries]]:
        sampled_kwh = 0.0
        for day in SAMPLES:
            path = workdir / "installed" / f"{day:%Y%m%d}" / "rule_based" / "data" \
                / "warehouse.duckdb"
            with duckdb.connect(str(path), read_only=True) as connection:
                sampled_kwh += connection.execute(DISCHARGE_SQL,
                                                  [asset_id, flow, day]).fetchone()[0] or 0.0
        # the twin's asset is new: its year is year 1, without degradation backed out
        assert by_id[asset_id].year1_energy_kwh == pytest.approx(sampled_kwh * 365 / 4)


def test_batteries_idle_in_the_metered_weeks_read_no_operation_data(valued):
    configured, first, _, _ = valued
    with duckdb.connect(configured.warehouse_path, read_only=True) as connection:
        for battery in configured.park.assets.batteries:
            metered = connection.execute(
                "select coalesce(sum(energy.energy_kwh), 0) from fct_interval_energy as energy "
                "join dim_devices as devices using (device_id) where devices.asset_id = ? "
                "and energy.energy_flow = 'battery_discharge'", [battery.id]).fetchone()[0]
            valued_battery = next(v for v, _ in first.assets if v.asset_id == battery.id)
            assert valued_battery.operated == (metered > 0)
            assert valued_battery.data_basis == "simulated_year"
