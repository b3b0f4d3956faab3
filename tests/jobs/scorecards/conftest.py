"""One warehouse for the scorecard and valuation tests (built once per session, as the
fixture `built` of tests/jobs/conftest.py): the twin's history of a
small park from 25 May to 30 June 2026 (15-minute samples), with inbox output values,
allowances and DR events, landed plans, a feeder meter faulted for 8.5 days and an
enterprise added to the config after the history."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pyarrow as pa

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import device_mix, generate_park
from jobs.common import landing
from jobs.common.dispatch_schemas import PLANS_SCHEMA
from jobs.dispatch.calendar import local_day_intervals
from jobs.inbox.load import load_inbox
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for
from tests.jobs.inbox.conftest import write_csv

FIRST_DAY, END_DAY = dt.date(2026, 5, 25), dt.date(2026, 7, 1)
MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 7, 2, 2, 0, tzinfo=dt.UTC)
NEW_ID = "xinlai-materials"  # joins the config after the history: no data at all
OUTPUT_10K_CNY = {0: {"2026-05": 120, "2026-06": 500}, 1: {"2026-05": 300, "2026-06": 1400},
                  2: {"2026-05": 40}}  # the third reports no output value for June
ALLOWANCES_TCO2 = 300.0  # the first enterprise's 2026 allocation: short at its pace
DR_HEADER = ["event_id", "start_local", "end_local", "requested_reduction_kw",
             "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"]
# Jiangsu's June windows (the generated park's tariff): local hour -> period, and prices
JUNE_PERIODS = {**dict.fromkeys(range(0, 8), "valley"), **dict.fromkeys(range(8, 11), "peak"),
                **dict.fromkeys(range(11, 17), "flat"), **dict.fromkeys(range(17, 22), "peak"),
                22: "flat", 23: "flat"}
PEAK_PRICE, VALLEY_PRICE = 1.0348, 0.2754


def _park_dict() -> dict:
    mix = device_mix(30)
    mix["gas_meter"], mix["ev_charger"] = 1, mix["ev_charger"] - 1  # Scope 1 for one tenant
    return relocate_endpoints(generate_park(30, seed=4, mix=mix))


def _plan_rows(run_id: str, created: dt.datetime, day: dt.date, zone: str, objective: float,
               baseline: float, event: tuple[str, int, int, float] | None) -> pa.Table:
    """A published plan: grid import for the day and, for an event (id, first interval,
    intervals, committed kW), its committed reduction in the window."""
    starts = local_day_intervals(day, zone)
    rows = [("grid", "grid", "import_kw", t, 500.0, "kW") for t in starts]
    if event is not None:
        event_id, first, count, kw = event
        rows += [("dr_event", event_id, "committed_reduction_kw", t, kw, "kW")
                 for t in starts[first:first + count]]
    columns = {"run_id": [run_id] * len(rows), "created_at_utc": [created] * len(rows),
               "plan_date": [day] * len(rows),
               "interval_start_utc": [r[3].to_pydatetime() for r in rows],
               "asset_kind": [r[0] for r in rows], "asset_id": [r[1] for r in rows],
               "quantity": [r[2] for r in rows], "value": [r[4] for r in rows],
               "unit": [r[5] for r in rows], "solver_status": ["optimal"] * len(rows),
               "is_fallback": [False] * len(rows), "objective_cny": [objective] * len(rows),
               "baseline_cost_cny": [baseline] * len(rows),
               "weather_provider": ["clear_sky"] * len(rows), "breached_bounds": [None] * len(rows)}
    return pa.Table.from_pydict(columns, schema=PLANS_SCHEMA)


def _with_config(park: dict, data_root: Path, change) -> object:
    changed = copy.deepcopy(park)
    change(changed)
    return settings_for(changed, data_root)


def build_scorecard_warehouse(tmp_path_factory):
    park = _park_dict()
    ids = [e["id"] for e in park["enterprises"]]
    faulted = f"meter-{ids[1]}-01"
    # the second tenant's meter stops answering for 8.5 days: longer than the 168 h the
    # warehouse bridges, so those intervals are missing, not estimated
    park["simulation"]["faults"] = [{"device_id": faulted, "kind": "timeout",
                                     "start": "2026-06-09T16:00:00+00:00",
                                     "end": "2026-06-18T04:00:00+00:00"}]
    data_root = tmp_path_factory.mktemp("scorecards") / "data"
    settings = settings_for(park, data_root)
    zone = settings.park.park.timezone
    start = local_day_intervals(FIRST_DAY, zone)[0].to_pydatetime()
    end = local_day_intervals(END_DAY, zone)[0].to_pydatetime()
    generate_history(settings, start, end, sample_s=900)

    inbox = tmp_path_factory.mktemp("inbox")
    files = [
        write_csv(inbox / "output_value_2026.csv", ["enterprise_id", "month",
                                                    "output_value_10k_cny"],
                  [[ids[i], m, v] for i, months in OUTPUT_10K_CNY.items()
                   for m, v in months.items()]),
        write_csv(inbox / "allowances_2026.csv", ["enterprise_id", "compliance_year",
                                                 "allowances_allocated_tco2"],
                  [[ids[0], 2026, ALLOWANCES_TCO2]]),
        write_csv(inbox / "dr_events_2026.csv", DR_HEADER, [
            ["DR-PARK-0615", "2026-06-15 14:00", "2026-06-15 16:00", 200, 3.0, "",
             "2026-06-14 09:00"],
            ["DR-A-0616", "2026-06-16 14:00", "2026-06-16 15:00", 50, 4.0, ids[0],
             "2026-06-15 09:00"],
            ["DR-B-0528", "2026-05-28 14:00", "2026-05-28 15:00", 80, 2.0, ids[1],
             "2026-05-27 09:00"]])]
    results = load_inbox(settings, files, now=NOW)
    assert all(r.accepted for r in results), [r.problems for r in results]

    created = dt.datetime(2026, 6, 14, 2, 0, tzinfo=dt.UTC)
    plans = [  # 15 June twice (the later run is in force), 16 June once
        _plan_rows("run-0615-old", created, dt.date(2026, 6, 15), zone, 100.0, 150.0,
                   ("DR-PARK-0615", 56, 8, 150.0)),
        _plan_rows("run-0615-new", created + dt.timedelta(hours=1), dt.date(2026, 6, 15), zone,
                   1000.0, 1300.0, ("DR-PARK-0615", 56, 8, 120.0)),
        _plan_rows("run-0616", created + dt.timedelta(days=1), dt.date(2026, 6, 16), zone,
                   900.0, 1000.0, ("DR-A-0616", 56, 4, 40.0))]
    for table in plans:
        landing.write_partitioned(settings.landing_root, "plans", table,
                                  table["run_id"][0].as_py(), ts_column="interval_start_utc")

    def add_newcomer(changed: dict) -> None:
        changed["enterprises"].append({"id": NEW_ID, "name_zh": "新来材料", "name_en":
                                       "Xinlai Materials", "industry": "materials"})

    settings = _with_config(park, data_root, add_newcomer)
    assert build_warehouse(settings, unit_tests=False).success
    return park, settings, ids


