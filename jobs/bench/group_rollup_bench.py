"""The group rollup's cost at N parks: the first rollup, the hourly re-roll after one park's
export changed, and a re-roll with nothing changed; CPU seconds (this process and its
children: dbt runs in-process) and wall seconds, with the load average beside each.

    python -m jobs.bench.group_rollup_bench 3 20 [--out data/bench/group_rollup.json]

The parks are synthetic, sized like a year of a 200-enterprise park: 12 months of the national
and GHG marts, 6 readiness and 8 guiding indicators a month, 200 enterprise accounts a month.
Only the public API of jobs.group is used, so the same file times an older checkout."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from jobs.group.export import export_park_marts
from jobs.group.marts import GROUP_MARTS
from jobs.group.rollup import run_group_rollup

MONTHS = [dt.date(2026, month, 1) for month in range(1, 13)]
ROWS_PER_MONTH = {"fct_park_national_monthly": 1, "fct_park_national_periods": 1,
                  "fct_park_acceptance_readiness": 6, "fct_guiding_indicators": 8,
                  "fct_park_monthly_kpis": 1, "fct_enterprise_carbon_accounts": 200}
DATES = {"month", "through_month", "period_end_month"}
INTEGERS = {"year", "sort_order", "months_with_data", "measured_quarter_hours",
            "expected_quarter_hours"}
BOOLEANS = {"is_core", "meets_limit"}
STRINGS = {"period_kind", "indicator_key", "indicator_name", "indicator_name_zh",
           "indicator_name_en", "unit", "target_text", "status", "close_action_zh",
           "close_action_en", "entity_id", "entity_kind", "account_status"}


def _value(column: str, month: dt.date, index: int, rng: random.Random) -> object:
    if column in DATES:
        return month
    if column in INTEGERS:
        return month.year if column == "year" else index + 1
    if column in BOOLEANS:
        return index == 0 if column == "is_core" else rng.random() < 0.5
    if column in STRINGS:
        return {"period_kind": "ytd", "status": "meets"}.get(column, f"{column}-{index}")
    return round(rng.uniform(1.0, 1000.0), 3)


def synthetic_park(path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        for mart, columns in GROUP_MARTS.items():
            rows = [{column: _value(column, month, index, rng) for column in columns}
                    for month in MONTHS for index in range(ROWS_PER_MONTH[mart])]
            connection.register("incoming", pa.Table.from_pylist(rows))
            connection.execute(f"create table main.{mart} as select * from incoming")
            connection.unregister("incoming")
    return path


def _measured(action) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    cpu = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    started = time.perf_counter()
    summary = action()
    wall = time.perf_counter() - started
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu_s = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime
                for a, b in zip(after, cpu, strict=True))
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu_s, 2),
            "load_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "rebuilt": getattr(summary, "rebuilt", "all (whole rebuild)"),
            "included": len(summary.included)}


def bench(parks: int, folder: Path) -> dict[str, Any]:
    ids = [f"park-{index:03d}" for index in range(parks)]
    store, group = str(folder / "store"), folder / "group.duckdb"
    for index, park in enumerate(ids):
        export_park_marts(park, synthetic_park(folder / park / "w.duckdb", index), store)
    first = _measured(lambda: run_group_rollup(ids, store, group))
    # the hourly case: one park built and exported again since the last rollup
    changed = synthetic_park(folder / "changed" / "w.duckdb", 10_000)
    export_park_marts(ids[0], changed, store)
    one_changed = _measured(lambda: run_group_rollup(ids, store, group))
    unchanged = _measured(lambda: run_group_rollup(ids, store, group))
    return {"parks": parks, "first": first, "one_park_changed": one_changed,
            "nothing_changed": unchanged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parks", nargs="+", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = []
    for parks in args.parks:
        with tempfile.TemporaryDirectory(prefix="group-rollup-bench-") as folder:
            results.append(bench(parks, Path(folder)))
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"measured_utc": dt.datetime.now(dt.UTC).isoformat(
            timespec="seconds"), "results": results}, indent=1))


if __name__ == "__main__":
    main()
