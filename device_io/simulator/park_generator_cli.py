"""The command line of the park generator (park_generator.py): writes a synthetic park.yaml,
checked against the register maps first.

    python -m device_io.simulator.park_generator_cli --devices 1000 --out /tmp/park_1000.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from device_io.simulator.park_generator import generate_park
from jobs.common.park_yaml import write_park_yaml


def main(argv: list[str] | None = None) -> None:
    from jobs.common.park_config import ParkConfig, check_devices_against_maps
    from jobs.common.register_map import load_register_maps
    from jobs.common.settings import DEFAULT_CONFIG_DIR

    parser = argparse.ArgumentParser(description="Write a synthetic park.yaml.")
    parser.add_argument("--devices", type=int, required=True, help="number of devices")
    parser.add_argument("--out", type=Path, required=True, help="where to write the YAML")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=15020)
    parser.add_argument("--devices-per-gateway", type=int, default=8)
    parser.add_argument("--maps", type=Path, default=DEFAULT_CONFIG_DIR / "register_maps",
                        help="register maps to check the park against")
    args = parser.parse_args(argv)
    config = generate_park(args.devices, seed=args.seed, host=args.host,
                           base_port=args.base_port, devices_per_gateway=args.devices_per_gateway)
    check_devices_against_maps(ParkConfig.model_validate(config), load_register_maps(args.maps),
                               args.out)
    write_park_yaml(config, args.out)
    ports = {d["port"] for d in config["devices"]}
    print(f"{args.out}: {len(config['devices'])} devices, {len(config['enterprises'])} "
          f"enterprises, ports {min(ports)}-{max(ports)}")


if __name__ == "__main__":
    main()
