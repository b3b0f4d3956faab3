"""The hourly build in a process that builds every hour: dbt's start-up paid once.

A child process does what the warehouse service flow does (flows/warehouse.py): loads the
settings, keeps dbt's parsed project (jobs/warehouse/warm_dbt.py) and builds once (the
warm-up, paying the imports and the parse). Then it waits; the benchmark lands the next hour
and asks for the hourly build, timed from the request to the answer. Its peak RSS is its own
(the launcher's wait4, as for the other builds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobs.common.settings import Settings

MARK = "WARM-BUILD "  # prefixes the child's answers among whatever dbt prints

_SERVICE = """
import json, resource, sys, time
started = time.perf_counter()
from jobs.common.settings import load_settings
from jobs.warehouse import warm_dbt
from jobs.warehouse.build import build_warehouse
config_dir, park_file, data_root, MARK = sys.argv[1:5]
settings = load_settings(config_dir, data_root, park_file)
warm_dbt.keep_parsed()
def cpu():  # this process's threads and its waited children (the copy of the version)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime
def build():
    began, cpu_began = time.perf_counter(), cpu()
    report = build_warehouse(settings, quiet=True, unit_tests=False)
    return {"success": report.success, "build_s": round(time.perf_counter() - began, 2),
            "cpu_s": round(cpu() - cpu_began, 2),
            "copy_wait_s": round(report.copy_wait_s, 2),
            "late_scan_s": round(report.late_scan_s, 2),
            "publish_s": round(report.publish_s, 2),
            "changed_inputs": report.changed_inputs}
warm_up = build()
warm_up["process_s"] = round(time.perf_counter() - started, 2)
print(MARK + json.dumps(warm_up), flush=True)
sys.stdin.readline()
print(MARK + json.dumps(build()), flush=True)
"""


def _answer(process: subprocess.Popen, log) -> dict[str, Any]:
    assert process.stdout is not None
    for line in process.stdout:
        log.write(line)
        if line.startswith(MARK):
            return json.loads(line.removeprefix(MARK))
    return {"success": False, "error": "the warm builder ended without answering"}


def warm_hourly_build(settings: Settings, workdir: Path, launcher: str,
                      land_next_hour: Callable[[], None]) -> dict[str, Any]:
    """Warm up a builder process, land the next hour, time its build of it."""
    usage_path = workdir / "warm.rusage.json"
    env = {k: v for k, v in os.environ.items() if k != "PARK_WAREHOUSE_PATH"}
    argv = [sys.executable, "-I", "-S", "-c", launcher, str(usage_path), sys.executable, "-c",
            _SERVICE, str(settings.config_dir), str(settings.park_path), settings.data_root,
            MARK]
    log_path = workdir / "logs" / "warm.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env=env)
        assert process.stdin is not None
        warm_up = _answer(process, log)
        land_next_hour()
        (Path(settings.data_root) / "dbt" / "target" / "run_results.json").unlink(
            missing_ok=True)
        asked = time.perf_counter()
        process.stdin.write("build\n")
        process.stdin.flush()
        hourly = _answer(process, log)
        hourly["wall_s"] = round(time.perf_counter() - asked, 2)
        process.stdin.close()
        for line in process.stdout or ():
            log.write(line)
        process.wait()
    usage = json.loads(usage_path.read_text()) if usage_path.exists() else {}
    return {"warm_up": warm_up, "hourly": hourly, "exit_code": usage.get("exit_code"),
            "peak_rss_mib": round(usage.get("peak_rss_kib", 0) / 1024), "log": str(log_path)}
