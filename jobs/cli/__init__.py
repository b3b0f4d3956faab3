"""`park`: the one command line for every manual action on the platform.

Each command is a thin shell over a plain function in device_io/ or jobs/; heavy imports stay
inside the commands so `park --help` answers at once. The commands live by area in this
package's modules; importing the package registers them all on `app`, in the order `park --help`
lists them: the way a park is brought up and run.
"""

from __future__ import annotations

import importlib

from jobs.cli.base import app, main

for _area in ("devices", "warehouse", "control", "reports", "tenants", "group"):
    importlib.import_module(f"jobs.cli.{_area}")

__all__ = ["app", "main"]
