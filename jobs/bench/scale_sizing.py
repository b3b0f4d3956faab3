"""The sizing of a group of parks projected from the scale benchmark's measurements
(data/bench/scale.json and the benchmark's own Prefect database): every figure here is a
measured per-park rate times the group's parks, and names the measurement it comes from.

    python -m jobs.bench.scale_sizing data/bench/scale.json [prefect.db] --parks 1000
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path
from typing import Any

HOUR_S = 3600.0
# prefect.yaml: the warehouse every quarter hour; the harvest hourly (one long-running run per
# poll group there; one run for all groups in the benchmark)
BUILDS_PER_PARK_DAY = 96
POLL_GROUPS = 5
CYCLES_PER_DAY = 1440
# Per cycle and harvest run on an object-store data root (from the code, not counted on S3):
# the cycle's readings file (one PUT), the harvest state (one PUT), and one lease renewal
# (a conditional PUT) per poll group the run holds.
PUTS_PER_CYCLE_FIXED = 2
CORE_UTILISATION = 0.7  # headroom: plan workers to run at 70 % of their cores


def event_counts(prefect_db: Path) -> dict[str, int]:
    """Events by type, and the log lines as `log` (rows the server's database keeps)."""
    with sqlite3.connect(prefect_db) as db:
        found = dict(db.execute("select event, count(*) from events group by event"))
        found["log"] = db.execute("select count(*) from log").fetchone()[0]
    return found


def project(result: dict[str, Any], parks: int, events: dict[str, int] | None = None
            ) -> dict[str, Any]:
    fits = result["linear_fits"]
    harvest_cpu_park_h = fits["harvest_worker_cpu_s"]["per_park"]
    harvest_server_park_h = fits["harvest_server_cpu_s"]["per_park"]
    build_cpu = fits["build_worker_cpu_s"]["per_park"]
    build_server = fits["build_server_cpu_s"]["per_park"]
    worker_cpu_s_h = parks * (harvest_cpu_park_h + build_cpu * BUILDS_PER_PARK_DAY / 24)
    server_cpu_s_h = parks * (harvest_server_park_h + build_server * BUILDS_PER_PARK_DAY / 24)
    park_hours = sum(p["parks"] for p in result["phases"])
    out: dict[str, Any] = {
        "parks": parks, "devices": parks * result["devices_per_park"],
        "from": f"scale benchmark of {result['date_utc']} on {result['machine']}: slopes of "
                "the linear fits (CPU-s per park per simulated hour; per build)",
        "harvest_worker_cpu_s_per_park_hour": harvest_cpu_park_h,
        "build_worker_cpu_s_per_build": build_cpu,
        "worker_cores": round(worker_cpu_s_h / HOUR_S / CORE_UTILISATION, 1),
        "of_which_harvest_cores": round(parks * harvest_cpu_park_h / HOUR_S
                                        / CORE_UTILISATION, 1),
        "of_which_build_cores": round(parks * build_cpu * BUILDS_PER_PARK_DAY / 24 / HOUR_S
                                      / CORE_UTILISATION, 1),
        "server_cores": round(server_cpu_s_h / HOUR_S / CORE_UTILISATION, 1),
        "long_running_harvest_runs": {"one_per_park": parks,
                                      "one_per_park_and_group": parks * POLL_GROUPS},
        "flow_runs_per_day": {
            "harvest_one_per_park": 24 * parks,
            "harvest_one_per_group": 24 * parks * POLL_GROUPS,
            "builds": BUILDS_PER_PARK_DAY * parks},
        "object_store_puts_per_day": {
            "one_run_per_park": parks * CYCLES_PER_DAY * (PUTS_PER_CYCLE_FIXED + POLL_GROUPS),
            "one_run_per_group": parks * CYCLES_PER_DAY * POLL_GROUPS
            * (PUTS_PER_CYCLE_FIXED + 1)},
    }
    if events:
        # the benchmark's hours: each park's harvest hour and one build (state changes, task
        # runs, cycle events); heartbeats apart: its compressed hour lasts minutes, a real
        # long-running run sends one every PREFECT_FLOWS_HEARTBEAT_FREQUENCY (30 s advised)
        beats = events.get("prefect.flow-run.heartbeat", 0)
        per_park_hour = (sum(events.values()) - beats) / park_hours
        out["events_and_logs_measured"] = {"park_hours": park_hours,
                                  "per_park_hour_without_heartbeats": round(per_park_hour),
                                  "by_type": events}
        out["events_and_logs_per_day"] = {
            "measured_rate": round(parks * 24 * per_park_hour),
            "heartbeats_at_30_s": parks * round(HOUR_S / 30) * 24}
    return out


def _cycles(result: dict[str, Any]) -> int:
    phase = result["phases"][0]
    return round(phase["harvest"]["device_polls"] / phase["parks"]
                 / result["devices_per_park"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("prefect_db", type=Path, nargs="?")
    parser.add_argument("--parks", type=int, default=1000)
    args = parser.parse_args(argv)
    result = json.loads(args.result.read_text())
    events = event_counts(args.prefect_db) if args.prefect_db else None
    print(json.dumps(project(result, args.parks, events), indent=2))


if __name__ == "__main__":
    main()
