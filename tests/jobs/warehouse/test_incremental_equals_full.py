"""Incremental builds give exactly the rows of a full rebuild.

A generated park's readings (the warehouse benchmark's generator: every landed point, chargers
serving cars) land as the platform lands them: a day of history, then two hours, each minute
its own cycle file. The warehouse is built once, then incrementally after each hour, in one
process that keeps dbt's parsed project between builds (as the warehouse service does). Truth
is independent of every incremental path: a full rebuild from scratch on the same landing
zone. Every table in main (the marts) and intermediate must hold the same rows."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.bench.readings_generator import ReadingsGenerator
from jobs.bench.readings_landing import land_cycles, land_period
from jobs.common.generated_park import park_settings
from jobs.warehouse import warm_dbt
from jobs.warehouse.build import build_warehouse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]
START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
HISTORY_H = 8
# sums taken in another order differ in the last bits; a real difference is far larger
DIGITS = 6
# incremental marts whose window follows fct_interval_energy's (macros/incremental_window.sql)
FOLLOWING = ("main.fct_energy_balance", "intermediate.int_park_supply_split",
             "main.fct_enterprise_interval_energy", "main.fct_park_daily_kpis",
             "main.fct_enterprise_daily_kpis")


def _tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple]]:
    rows = connection.execute(
        "select table_schema || '.' || table_name, column_name, data_type "
        "from information_schema.columns where table_catalog = ? "
        "and table_schema in ('main', 'intermediate') and table_name in ("
        "  select table_name from information_schema.tables where table_catalog = ? "
        "  and table_type = 'BASE TABLE') order by ordinal_position",
        [catalog, catalog]).fetchall()
    tables: dict[str, list[tuple]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _comparable(catalog: str, table: str, columns: list[tuple]) -> str:
    parts = [f'round("{name}", {DIGITS})' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
             for name, kind in columns]
    return f"select {', '.join(parts)} from {catalog}.{table}"


def test_incremental_builds_equal_a_full_rebuild(tmp_path) -> None:
    settings = park_settings(generate_park(25, seed=3), tmp_path)
    generator = ReadingsGenerator(settings, seed=3)
    history_end = START + dt.timedelta(hours=HISTORY_H)
    land_period(settings, generator, START, history_end)
    warm_dbt.keep_parsed()
    try:
        first = build_warehouse(settings, unit_tests=False, quiet=True)
        assert first.success, first.summary_markdown()
        for hour in range(2):
            land_cycles(settings, generator, history_end + dt.timedelta(hours=hour), 60)
            step = build_warehouse(settings, unit_tests=False, quiet=True)
            assert step.success, step.summary_markdown()
            assert step.late is not None  # built incrementally, not from scratch
        incremental = tmp_path / "incremental.duckdb"
        shutil.copy(step.published_version, incremental)
        full = build_warehouse(settings, full_refresh=True, unit_tests=False, quiet=True)
        assert full.success, full.summary_markdown()
    finally:
        warm_dbt.keep_parsed(False)

    with duckdb.connect() as connection:
        connection.execute(f"attach '{incremental}' as incr (read_only)")
        connection.execute(f"attach '{full.published_version}' as full_ (read_only)")
        tables = _tables(connection, "full_")
        assert tables.keys() == _tables(connection, "incr").keys()
        assert {"main.fct_interval_energy", "main.fct_ev_sessions",
                "intermediate.int_counter_readings_cleaned", *FOLLOWING} <= tables.keys()
        # the marts that follow fct_interval_energy's window derived only its last hours again
        # (its lookback), not the whole history
        for table in FOLLOWING:
            window = connection.execute(
                f"select window_start_utc from incr.helpers.{table.split('.')[1]}__window"
            ).fetchone()[0]
            # the daily marts from the local midnight before it (the park is in Shanghai: 08:00)
            earliest = START + dt.timedelta(hours=HISTORY_H - 4 if "daily" not in table else -8)
            assert earliest <= window < history_end, table
        different = {}
        for table, columns in tables.items():
            incr, rebuilt = (_comparable(c, table, columns) for c in ("incr", "full_"))
            extra, missing = connection.execute(
                f"select (select count(*) from ({incr} except all {rebuilt})), "
                f"(select count(*) from ({rebuilt} except all {incr}))").fetchone()
            if extra or missing:
                different[table] = (extra, missing)
        assert different == {}, "tables differ (rows only incremental, only rebuilt)"
