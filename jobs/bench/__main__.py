"""Run every benchmark and print a summary; results also go to data/bench/*.json."""

from __future__ import annotations

import argparse

from jobs.bench import harvest_bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000, help="harvest benchmark park size")
    parser.add_argument("--cycles", type=int, default=5, help="warm harvest cycles to time")
    args = parser.parse_args()
    harvest_bench.run(devices=args.devices, warm_cycles=args.cycles)


if __name__ == "__main__":
    main()
