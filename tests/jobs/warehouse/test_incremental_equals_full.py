"""Incremental builds give exactly the rows of a full rebuild.

A generated park's readings (the warehouse benchmark's generator: every landed point, chargers
serving cars) land as the platform lands them: a day of history, then two hours, each minute
its own cycle file. The warehouse is built once, then incrementally after each hour, in one
process that keeps dbt's parsed project between builds (as the warehouse service does). Truth
is independent of every incremental path: a full rebuild from scratch on the same landing
zone. Every table in main (the marts) and intermediate must hold the same rows.

Faults are written into the readings across the last build's window edge (about 05:45 UTC,
13:45 in Shanghai): one device's readings are stale from 05:00 to 06:30, another's import
counter restarts near zero (a reset) at 05:50. Both days' quality rows are checked against
what was written in, so the faults are seen by the marts, not lost at the edge."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from device_io.simulator.park_generator import generate_park
from jobs.bench.readings_generator import ReadingsGenerator
from jobs.bench.readings_landing import land_cycles, land_period
from jobs.common.generated_park import park_settings
from jobs.inbox.load import load_inbox
from jobs.warehouse import build as warehouse_build
from jobs.warehouse import warm_dbt
from jobs.warehouse.build import build_warehouse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)
HISTORY_H = 8
# sums taken in another order differ in the last bits; a real difference is far larger
DIGITS = 6
# incremental marts whose window follows fct_interval_energy's (macros/incremental_window.sql)
FOLLOWING = ("main.fct_energy_balance", "intermediate.int_park_supply_split",
             "main.fct_enterprise_interval_energy", "main.fct_park_daily_kpis",
             "main.fct_enterprise_daily_kpis", "intermediate.int_device_quality_buckets",
             "main.fct_device_daily_quality")
STALE = (dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC),
         dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.UTC))
RESET_AT = dt.datetime(2026, 11, 2, 5, 50, tzinfo=dt.UTC)
# one garbage import-counter reading (a million kWh too high) in the history, long before the
# last build's window, and one in the last hour landed: both must be rejected and quarantined
GARBAGE_AT = (dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC),
              dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC))


class Faults:
    """Rewrites each landed table in time order: `stale` device's readings stale in STALE,
    `reset` device's import counter restarting near zero at RESET_AT. Counts what it marked."""

    def __init__(self, stale: str, reset: str, garbage: str) -> None:
        self.stale, self.reset, self.garbage = stale, reset, garbage
        self.stale_readings = 0
        self.garbage_ts: list[dt.datetime] = []
        self.base: float | None = None  # the counter's value where the new meter starts

    def __call__(self, table: pa.Table) -> pa.Table:
        ts, device = table["ts_utc"], table["device_id"]
        stale = pc.and_(pc.equal(device, self.stale),
                        pc.and_(pc.greater_equal(ts, pa.scalar(STALE[0])),
                                pc.less(ts, pa.scalar(STALE[1]))))
        self.stale_readings += pc.sum(stale.cast(pa.int64())).as_py() or 0
        table = _replace(table, "quality", pc.if_else(stale, "stale", table["quality"]))
        table = self._garbage(table)
        renewed = pc.and_(pc.and_(pc.equal(device, self.reset),
                                  pc.equal(table["point"], "energy_import_kwh")),
                          pc.greater_equal(ts, pa.scalar(RESET_AT)))
        if self.base is None and pc.any(renewed).as_py():
            first = pc.filter(table, renewed).sort_by("ts_utc")
            self.base = first["value"][0].as_py()
        if self.base is None:
            return table
        values = pc.if_else(renewed, pc.add(pc.subtract(table["value"], self.base), 0.5),
                            table["value"])
        return _replace(table, "value", values)


    def _garbage(self, table: pa.Table) -> pa.Table:
        ts = table["ts_utc"]
        marked = pc.and_(pc.equal(table["device_id"], self.garbage),
                         pc.equal(table["point"], "energy_import_kwh"))
        hit = None
        for at in GARBAGE_AT:  # the first reading of that minute
            within = pc.and_(marked, pc.and_(
                pc.greater_equal(ts, pa.scalar(at)),
                pc.less(ts, pa.scalar(at + dt.timedelta(minutes=1)))))
            hit = within if hit is None else pc.or_(hit, within)
        self.garbage_ts += [t.as_py() for t in pc.filter(ts, hit)]
        values = pc.if_else(hit, pc.add(table["value"], 1e6), table["value"])
        return _replace(table, "value", values)


def _replace(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    field = table.schema.field(index)
    return table.set_column(index, field, values.cast(field.type))


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


def _hourly_tests_read_the_window(settings, published: str) -> None:
    """A wrong row written into history (outside every window) is not what an hourly build
    tests: it passes; the nightly build's full checks test every row and fail on it."""
    with duckdb.connect(published) as connection:
        connection.execute(
            "update intermediate.int_counter_readings_cleaned set step_kind = 'bogus' "
            "where ts_utc = (select min(ts_utc) from intermediate.int_counter_readings_cleaned)")
    hourly = build_warehouse(settings, unit_tests=False, quiet=True)
    assert hourly.success, hourly.summary_markdown()
    nightly = build_warehouse(settings, unit_tests=False, quiet=True, full_checks=True)
    assert not nightly.success
    assert [node.unique_id.split(".")[2] for node in nightly.failed] == [
        "accepted_values_int_counter_readings_cleaned_step_kind__first__normal__rollover__reset"
        "__rebase__rejected"]


def _ran(report, resource_type: str) -> set[str]:
    return {node.unique_id.split(".")[2] for node in report.nodes
            if node.resource_type == resource_type}


def _only_the_changed_inputs_run(settings, project: Path) -> None:
    """Nothing new: no model runs. One inbox file: only what is downstream of its source runs,
    and the mart shows it. A seed's value changed: every node runs, the mart shows it."""
    idle = build_warehouse(settings, unit_tests=False, quiet=True)
    assert idle.success and idle.changed_inputs == [], idle.summary_markdown()
    assert _ran(idle, "model") == set() and _ran(idle, "seed") == set()
    # the freshness test depends on the clock: it runs in every build
    assert any("landing_is_fresh" in name for name in _ran(idle, "test"))

    enterprise = settings.park.enterprises[0].id
    inbox = Path(settings.data_root) / "inbox_files"
    inbox.mkdir()
    (inbox / "green_power_2026-11.csv").write_text(
        f"enterprise_id,month,contract_id,green_power_mwh\n{enterprise},2026-11,GP-1,0.25\n")
    assert all(r.accepted for r in load_inbox(settings, inbox=inbox))
    inbox_only = build_warehouse(settings, unit_tests=False, quiet=True)
    assert inbox_only.success, inbox_only.summary_markdown()
    assert inbox_only.changed_inputs == ["source:inbox.inbox_green_power"]
    models = _ran(inbox_only, "model")
    assert {"stg_inbox__green_power_purchases", "fct_enterprise_monthly_carbon"} <= models
    assert not models & {"stg_landing__readings", "int_counter_readings_cleaned",
                         "fct_interval_energy", "stg_inbox__allowances"}
    assert _ran(inbox_only, "seed") == set()
    with duckdb.connect(inbox_only.published_version, read_only=True) as connection:
        green = connection.execute(
            "select green_power_mwh from main.fct_enterprise_monthly_carbon "
            "where entity_id = ? and month = date '2026-11-01'", [enterprise]).fetchone()
    assert green == (pytest.approx(0.25),)

    seed = project / "seeds" / "grid_emission_factors.csv"
    with open(seed, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["kgco2_per_kwh"] = "0.4321"
    with open(seed, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    reseeded = build_warehouse(settings, unit_tests=False, quiet=True)
    assert reseeded.success and reseeded.changed_inputs is None, reseeded.summary_markdown()
    assert "grid_emission_factors" in _ran(reseeded, "seed")
    with duckdb.connect(reseeded.published_version, read_only=True) as connection:
        factors = connection.execute(
            "select distinct location_kgco2_per_kwh "
            "from main.fct_enterprise_monthly_carbon").fetchall()
    assert factors == [(pytest.approx(0.4321),)]
    again = build_warehouse(settings, unit_tests=False, quiet=True)
    assert again.success and _ran(again, "seed") == set(), again.summary_markdown()


def test_incremental_builds_equal_a_full_rebuild(tmp_path, monkeypatch) -> None:
    # a copy of the dbt project, so that a seed can be changed (below)
    project = tmp_path / "dbt_project"
    shutil.copytree(warehouse_build.DBT_PROJECT_DIR, project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    monkeypatch.setattr(warehouse_build, "DBT_PROJECT_DIR", project)
    settings = park_settings(generate_park(25, seed=3), tmp_path)
    generator = ReadingsGenerator(settings, seed=3)
    history_end = START + dt.timedelta(hours=HISTORY_H)
    meters = sorted(d.id for d in settings.park.devices if d.kind.value == "sub_meter")
    faults = Faults(stale=meters[0], reset=meters[1], garbage=meters[2])
    land_period(settings, generator, START, history_end, alter=faults)
    warm_dbt.keep_parsed()
    try:
        first = build_warehouse(settings, unit_tests=False, quiet=True)
        assert first.success, first.summary_markdown()
        for hour in range(2):
            land_cycles(settings, generator, history_end + dt.timedelta(hours=hour), 60,
                        alter=faults)
            step = build_warehouse(settings, unit_tests=False, quiet=True)
            assert step.success, step.summary_markdown()
            assert step.late is not None  # built incrementally, not from scratch
            assert step.changed_inputs == ["source:landing.readings"]
            if hour == 0:  # the last build below is again one of new readings
                _only_the_changed_inputs_run(settings, project)
        incremental = tmp_path / "incremental.duckdb"
        shutil.copy(step.published_version, incremental)
        _hourly_tests_read_the_window(settings, step.published_version)
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
            if table == "main.fct_device_daily_quality":  # from the local day before
                earliest -= dt.timedelta(days=1)
            assert earliest <= window < history_end, table
        # the faults span the edge of the buckets' last window
        edge = connection.execute(
            "select window_start_utc from incr.helpers.int_device_quality_buckets__window"
        ).fetchone()[0]
        assert STALE[0] < edge < STALE[1] and abs(edge - RESET_AT) < dt.timedelta(minutes=30)
        # what was written in, found on its local day (2 November in Shanghai) by both builds
        for catalog in ("incr", "full_"):
            found = dict(connection.execute(
                f"select device_id, [stale_readings, resets, faults like '%frozen%', "
                f"faults like '%reset%'] from {catalog}.main.fct_device_daily_quality "
                f"where local_date = date '2026-11-02' and device_id in (?, ?)",
                [faults.stale, faults.reset]).fetchall())
            assert found == {faults.stale: [faults.stale_readings, 0, True, False],
                             faults.reset: [0, 1, False, True]}, catalog
        # the garbage readings written in, rejected and quarantined by both builds (the older
        # one outside the hourly builds' windows)
        assert len(faults.garbage_ts) == len(GARBAGE_AT)
        for catalog in ("incr", "full_"):
            quarantined = [row[0] for row in connection.execute(
                f"select ts_utc from {catalog}.main.fct_quarantined_readings "
                f"where source_check = 'dbt_implausible_counter' and device_id = ? "
                f"order by ts_utc", [faults.garbage]).fetchall()]
            assert quarantined == sorted(faults.garbage_ts), catalog
        different = {}
        for table, columns in tables.items():
            incr, rebuilt = (_comparable(c, table, columns) for c in ("incr", "full_"))
            extra, missing = connection.execute(
                f"select (select count(*) from ({incr} except all {rebuilt})), "
                f"(select count(*) from ({rebuilt} except all {incr}))").fetchone()
            if extra or missing:
                different[table] = (extra, missing)
        assert different == {}, "tables differ (rows only incremental, only rebuilt)"
