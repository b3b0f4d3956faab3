"""A long-lived solver process for the intraday re-solves: started once, it keeps the
optimiser's modules imported and takes one problem after another, so a re-solve every 15
minutes pays neither an interpreter start nor a fork. The parent waits at most a wall-clock
budget; a solve that overruns it is abandoned (the process killed, a new one started on the
next call) and the caller falls back to the day-ahead plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.isolated import _CONTEXT, Attempt, attempt
from jobs.dispatch.solve import SolveOptions, SolveResult


def _serve(connection) -> None:
    """The worker's loop: (inputs, options) in, an Attempt and the worker's CPU seconds so far
    out (relaxed after an infeasible first solve); None in ends it."""
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        outcome = answer(*job)
        connection.send((outcome, time.process_time()))


def answer(inputs: DispatchInputs, options: SolveOptions) -> Attempt:
    """One re-solve in this process: relaxed after an infeasible first solve; a failure is an
    Attempt without a solution that says why (the caller falls back)."""
    try:
        outcome = attempt(inputs, options)
        if outcome.flows is None and outcome.solve.status == "infeasible":
            outcome = attempt(inputs, options, relax=True)
    except Exception as exc:  # reported to the caller, which falls back
        outcome = Attempt(SolveResult("error", False, None, None, 0.0,
                                      f"{type(exc).__name__}: {exc}"), None)
    return outcome


@dataclass(frozen=True)
class WarmAnswer:
    attempt: Attempt
    wall_s: float  # send, solve and receive, as the caller waited


class WarmSolver:
    """Use as a context manager (or call close()): the worker process is the caller's."""

    def __init__(self) -> None:
        self._process = None
        self._connection = None
        self.restarts = 0
        self._cpu_ended_s = 0.0  # CPU seconds of the workers that ended (last report each)
        self._cpu_now_s = 0.0  # the running worker's, as it last reported

    @property
    def worker_cpu_s(self) -> float:
        """CPU seconds the worker processes spent (a killed worker's last report)."""
        return self._cpu_ended_s + self._cpu_now_s

    def _start(self) -> None:
        parent, child = _CONTEXT.Pipe(duplex=True)
        self._process = _CONTEXT.Process(target=_serve, args=(child,), name="intraday-solver",
                                         daemon=True)
        self._process.start()
        child.close()
        self._connection = parent

    def solve(self, inputs: DispatchInputs, options: SolveOptions, wall_limit_s: float
              ) -> WarmAnswer:
        """The worker's answer, or one without a solution if it overran wall_limit_s or died."""
        if self._process is None or not self._process.is_alive():
            self._stop(kill=True)
            self._start()
        started = time.perf_counter()
        try:
            self._connection.send((inputs, options))
            if self._connection.poll(wall_limit_s):
                outcome, self._cpu_now_s = self._connection.recv()
                return WarmAnswer(outcome, time.perf_counter() - started)
            why = f"no answer within {wall_limit_s:g} s wall clock: abandoned"
        except (EOFError, OSError, BrokenPipeError) as exc:
            why = f"the solver process died ({type(exc).__name__})"
        self.restarts += 1
        self._stop(kill=True)
        elapsed = time.perf_counter() - started
        return WarmAnswer(Attempt(SolveResult("time_limit" if "abandoned" in why else "error",
                                              False, None, None, elapsed, why), None), elapsed)

    def _stop(self, kill: bool) -> None:
        if self._process is None:
            return
        if kill:
            self._process.kill()
        else:
            try:
                self._connection.send(None)
            except (OSError, BrokenPipeError):
                self._process.kill()
        self._cpu_ended_s += self._cpu_now_s
        self._cpu_now_s = 0.0
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._connection.close()
        self._process = self._connection = None

    def close(self) -> None:
        self._stop(kill=False)

    def __enter__(self) -> WarmSolver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
