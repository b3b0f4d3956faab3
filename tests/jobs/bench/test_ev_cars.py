"""The warehouse benchmark's chargers serve cars, and the sessions mart finds exactly them.

Issue 19: the synthetic month made 178,290 EV "sessions" above 300 kWh. The generator was wrong
(a constant state 2 under a session energy swinging with the hour: every falling minute read as
a new car), not fct_ev_sessions. Truth here is computed by hand from the landed power readings,
not from the session energy register the mart reads: a session runs from the first poll
showing a car to the first poll showing none, and its energy is the integral of the charger's
power over the polls with the car (1-minute polls: kW / 60)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.dataset as ds
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.bench.ev_cars import NEED_KWH
from jobs.bench.readings_generator import ReadingsGenerator
from jobs.bench.readings_landing import land_period
from jobs.common.generated_park import park_settings
from jobs.common.settings import join_path
from jobs.warehouse.build import ensure_landing_datasets, run_dbt
from jobs.warehouse.reference import export_reference

pytestmark = pytest.mark.integration
START = dt.datetime(2026, 11, 2, 16, 0, tzinfo=dt.UTC)  # Tuesday 00:00 in Suzhou
HOURS = 30
# charging_power_kw registers resolve 0.1 kW (DC) and 0.01 kW (AC): up to 600 polls of rounding
ENERGY_TOLERANCE_KWH = 0.5


def hand_sessions(readings: list[dict]) -> dict[tuple[str, dt.datetime], tuple]:
    """(device, arrival) -> (departure or None, energy_kwh) from state and power polls."""
    polls: dict[str, dict[dt.datetime, dict[str, float]]] = {}
    for row in readings:
        polls.setdefault(row["device_id"], {}).setdefault(row["ts_utc"], {})[row["point"]] = (
            row["value"])
    sessions = {}
    for device, by_time in polls.items():
        arrival, energy, previous_state = None, 0.0, None
        for ts in sorted(by_time):
            state, power_kw = by_time[ts]["charger_state"], by_time[ts]["charging_power_kw"]
            if state != 0 and previous_state in (None, 0):
                arrival, energy = ts, 0.0
            if state != 0:
                energy += power_kw / 60.0
            elif previous_state not in (None, 0):
                sessions[(device, arrival)] = (ts, energy)
                arrival = None
            previous_state = state
        if arrival is not None:
            sessions[(device, arrival)] = (None, energy)
    return sessions


def test_sessions_mart_finds_the_generated_cars(tmp_path) -> None:
    settings = park_settings(generate_park(60, seed=5), tmp_path)
    generator = ReadingsGenerator(settings, seed=5)
    assert len(generator.chargers) >= 2
    land_period(settings, generator, START, START + dt.timedelta(hours=HOURS))
    chargers = generator.rows.device_ids.take(generator.chargers).to_pylist()
    readings = ds.dataset(join_path(settings.landing_root, "readings"), format="parquet",
                          partitioning="hive").to_table(
        columns=["device_id", "ts_utc", "point", "value"],
        filter=ds.field("point").isin(["charger_state", "charging_power_kw"])
        & ds.field("device_id").isin(chargers)).to_pylist()
    expected = hand_sessions(readings)
    # a working day: every charger serves several cars, none takes more than a car needs
    assert len(expected) >= 3 * len(generator.chargers)
    assert max(energy for _, energy in expected.values()) <= NEED_KWH[1] + 1.0

    # the mart and its parents, as `park build` runs them (its data tests are not the point)
    export_reference(settings)
    ensure_landing_datasets(settings)
    database = tmp_path / "warehouse.duckdb"
    result = run_dbt(settings, "run", "--select", "+fct_ev_sessions", "--quiet",
                     database=database)
    assert result.success, result.exception
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select device_id, arrival_utc, departure_utc, energy_kwh from fct_ev_sessions"
        ).fetchall()
    found = {(device, arrival): (departure, energy)
             for device, arrival, departure, energy in rows}
    assert found.keys() == expected.keys()
    for key, (departure, energy) in expected.items():
        assert found[key][0] == departure, key
        assert found[key][1] == pytest.approx(energy, abs=ENERGY_TOLERANCE_KWH), key
