"""The CPU cost of harvest orchestration on the demo park, before (a one-cycle flow run a minute
per poll group) and after (one long-running run per poll group, then with its hot standby
waiting beside it), on a real Prefect server with a real process worker and the demo park's
simulator. A measurement, not a check: it runs only
with PARK_BENCH_ORCHESTRATION=1 and writes data/bench/harvest_orchestration.json.

CPU is read from /proc: user + system time of the worker with the flow-run processes it
started (live ones directly, finished ones through the worker's reaped-children times) and of
the server's processes, over the same wall-clock window in both modes, scaled to a day. The
server's scheduler is off in both: before, the bench creates the runs a minute apart itself,
so the scheduler's own cost of 7,200 runs a day is not counted (it would only add to before).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
import yaml
from prefect.client.schemas.objects import StateType

from device_io.simulator.ports import relocate_to_free_ports
from device_io.simulator.runner import simulator_process
from jobs.bench.common import machine, save_result
from jobs.bench.prefect_stack import PrefectStack, session_cpu_s, wait_for
from tests.conftest import CONFIG_DIR

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800),
              pytest.mark.skipif(os.environ.get("PARK_BENCH_ORCHESTRATION") != "1",
                                 reason="a 10-minute measurement: PARK_BENCH_ORCHESTRATION=1")]

GROUPS = ("meters", "pv", "storage", "ev", "hvac")
WINDOW_S = 240.0  # per mode: four cycles of every group
LONG = {"run_minutes": 720}


def test_measure_harvest_orchestration_cpu_before_and_after(tmp_path: Path):
    park = relocate_to_free_ports(yaml.safe_load((CONFIG_DIR / "park.yaml").read_text()))
    park_file = tmp_path / "park.yaml"
    park_file.write_text(yaml.safe_dump(park, allow_unicode=True, sort_keys=False))
    stack = PrefectStack(tmp_path)
    try:
        stack.wait_healthy()
        with simulator_process(CONFIG_DIR, str(park_file)):
            stack.create_pool()
            # one worker polls both queues (a lone machine): the CPU is the same wherever
            # the standby runs, and one process tree is simpler to count
            queues = [f"harvest-{g}{kind}" for g in GROUPS for kind in ("", "-standby")]
            worker = stack.start_worker("harvester", queues,
                                        PARK_CONFIG_DIR=str(CONFIG_DIR), PARK_FILE=str(park_file),
                                        PARK_DATA_ROOT=str(tmp_path / "data"))
            stack.deploy(create_pool=False)
            time.sleep(20)  # the worker settles

            def snapshot() -> tuple[float, float, float]:
                return (time.monotonic(), session_cpu_s(worker.pid) + stack.runs_cpu_s(),
                        session_cpu_s(stack.server.pid))

            # before: one one-cycle run per group, every minute
            t0, worker0, server0 = snapshot()
            before_runs = []
            while time.monotonic() - t0 < WINDOW_S:
                tick = time.monotonic()
                before_runs += [stack.start_run(f"harvest/harvest-{g}", parameters={
                    "cycles": 1, "run_minutes": None}) for g in GROUPS]
                time.sleep(max(0.0, 60.0 - (time.monotonic() - tick)))
            wait_for("the last one-cycle runs", lambda: _all_final(stack, before_runs), 180,
                     diagnostics=stack.log_tails)
            t1, worker1, server1 = snapshot()
            with stack.client() as client:
                states = [client.read_flow_run(r.id).state_type for r in before_runs]
            assert states == [StateType.COMPLETED] * len(before_runs), stack.log_tails()

            # after: one long-running run per group, measured over the same window; its
            # start-up (once an hour) measured apart and added 24 times
            ta, worker_a, server_a = snapshot()
            # a run ends at the next multiple of run_minutes (UTC): 720 keeps both windows away
            # from an hour's end (the hourly hand-over is not what is measured here)
            long_runs = [stack.start_run(f"harvest/harvest-{g}", parameters=LONG)
                         for g in GROUPS]
            wait_for("the long runs' first cycles", lambda: _all_running(stack, long_runs), 180,
                     diagnostics=stack.log_tails)
            time.sleep(30)  # start-up paid: measure the steady state the hour is made of
            t2, worker2, server2 = snapshot()
            time.sleep(WINDOW_S)
            t3, worker3, server3 = snapshot()

            # after, with the hot standbys: one more hourly run per group, waiting on the
            # group's lock (a flock tried 4 times a second) beside the active run
            standby_runs = [stack.start_run(f"harvest/harvest-{g}-standby", parameters=LONG)
                            for g in GROUPS]
            wait_for("the standbys waiting", lambda: _all_running(stack, standby_runs), 180,
                     diagnostics=stack.log_tails)
            time.sleep(30)
            t4, worker4, server4 = snapshot()
            time.sleep(WINDOW_S)
            t5, worker5, server5 = snapshot()
            with stack.client() as client:
                standby_states = [client.read_flow_run(r.id).state_type for r in standby_runs]
            assert standby_states == [StateType.RUNNING] * len(GROUPS), stack.log_tails()
    finally:
        stack.close()

    def per_day(cpu_s: float, window_s: float) -> float:
        return round(cpu_s / window_s * 86400.0)

    def after_per_day(start_cpu_s: float, start_s: float, cpu_s: float, window_s: float
                      ) -> float:
        """Steady state all day, plus 24 hourly start-ups (above the steady rate)."""
        rate = cpu_s / window_s
        return round(rate * 86400.0 + 24 * max(0.0, start_cpu_s - rate * start_s))

    def with_standby_per_day(cpu: tuple[float, float, float, float, float]) -> float:
        """The steady state with both runs all day, plus 24 hourly start-ups of each: the
        active run's above the active-only rate, the standby's above that same rate (the
        active runs went on polling while the standbys started)."""
        active_rate = (cpu[2] - cpu[1]) / (t3 - t2)
        start_ups = (max(0.0, cpu[1] - cpu[0] - active_rate * (t2 - ta))
                     + max(0.0, cpu[3] - cpu[2] - active_rate * (t4 - t3)))
        return round((cpu[4] - cpu[3]) / (t5 - t4) * 86400.0 + 24 * start_ups)

    result = {
        "machine": machine(), "measured_utc": dt.datetime.now(dt.UTC).isoformat(),
        "park": "demo (config/park.yaml)", "poll_groups": len(GROUPS),
        "window_s": {"before": round(t1 - t0, 1), "after": round(t3 - t2, 1)},
        "flow_runs": {"before": len(before_runs), "after_per_hour": len(GROUPS)},
        "cpu_s_per_day_worker_and_runs": {
            "before": per_day(worker1 - worker0, t1 - t0),
            "after": after_per_day(worker2 - worker_a, t2 - ta, worker3 - worker2, t3 - t2)},
        "cpu_s_per_day_server": {
            "before": per_day(server1 - server0, t1 - t0),
            "after": after_per_day(server2 - server_a, t2 - ta, server3 - server2, t3 - t2)},
        "hourly_start_up_cpu_s": {"worker_and_runs": round(worker2 - worker_a, 1),
                                  "server": round(server2 - server_a, 1)},
        "cpu_s_per_day_with_standby_worker_and_runs": with_standby_per_day(
            (worker_a, worker2, worker3, worker4, worker5)),
        "cpu_s_per_day_with_standby_server": with_standby_per_day(
            (server_a, server2, server3, server4, server5)),
        "standby_start_up_cpu_s": {"worker_and_runs": round(worker4 - worker3, 1),
                                   "server": round(server4 - server3, 1)},
    }
    print(result)
    save_result("harvest_orchestration", result)


def _all_final(stack: PrefectStack, runs: list) -> bool:
    with stack.client() as client:
        return all(client.read_flow_run(r.id).state.is_final() for r in runs)


def _all_running(stack: PrefectStack, runs: list) -> bool:
    with stack.client() as client:
        return all(client.read_flow_run(r.id).state_type == StateType.RUNNING for r in runs)
