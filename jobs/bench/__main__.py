"""Run every benchmark and print a summary; results also go to data/bench/*.json."""

from __future__ import annotations

import argparse

from jobs.bench import (
    dispatch_bench,
    harvest_bench,
    intraday_bench,
    loop_bench,
    scale_bench,
    scorecard_bench,
    valuation_bench,
    warehouse_bench,
    week_bench,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run one benchmark (default: all)",
                        choices=("harvest", "warehouse", "dispatch", "week", "loop", "scorecards",
                                 "valuation", "scale"))
    parser.add_argument("--devices", type=int, default=1000, help="harvest benchmark park size")
    parser.add_argument("--cycles", type=int, default=5, help="warm harvest cycles to time")
    parser.add_argument("--warehouse-devices", type=int, default=1000,
                        help="warehouse benchmark park size")
    parser.add_argument("--warehouse-days", type=int, default=30,
                        help="days of 1-minute history built before the incremental hour")
    parser.add_argument("--counters-only", action="store_true",
                        help="land only the counter points (default: every landed point)")
    parser.add_argument("--loop-days", type=int, default=7,
                        help="evaluated days per closed-loop scenario (after a 7-day warm-up)")
    parser.add_argument("--loop-scenario", choices=("summer", "winter", "pv_surplus"),
                        help="run one closed-loop scenario (default: all three)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the warehouse and scorecards benchmarks' work folders "
                             "under data/bench/")
    parser.add_argument("--scale-parks", default="5,10,20",
                        help="scale benchmark: the group sizes measured, in parks")
    parser.add_argument("--scale-cycles", type=int, default=60,
                        help="scale benchmark: poll cycles of the simulated hour")
    args = parser.parse_args()
    broken: list[str] = []
    if args.only in (None, "harvest"):
        harvest_bench.run(devices=args.devices, warm_cycles=args.cycles)
    if args.only in (None, "warehouse"):
        warehouse_bench.run(devices=args.warehouse_devices, days=args.warehouse_days,
                            counters_only=args.counters_only, keep=args.keep)
    if args.only in (None, "dispatch"):
        dispatch_bench.run()
        intraday_bench.run()  # the re-solve in the warm service, as the setpoints cycle runs it
    if args.only in (None, "week"):
        week_bench.run()
    if args.only in (None, "loop"):
        loop = loop_bench.run(days=args.loop_days, keep=args.keep, only=args.loop_scenario)
        broken = loop_bench.invariant_broken(loop)
    if args.only in (None, "scorecards"):
        scorecard_bench.run(keep=args.keep)
    if args.only in (None, "valuation"):
        valuation_bench.run(keep=args.keep)
    if args.only == "scale":  # minutes of a real Prefect server and 20 simulators: on request
        scale_bench.run(steps=tuple(int(n) for n in args.scale_parks.split(",")),
                        cycles=args.scale_cycles, keep=args.keep)
    if broken:  # after every benchmark ran and saved: their figures are still wanted
        raise SystemExit(f"closed loop: perfect foresight was beaten in {', '.join(broken)} "
                         "(bill + EV energy not delivered): the model and the twin disagree")


if __name__ == "__main__":
    main()
