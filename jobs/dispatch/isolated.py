"""Build, solve and extract in a child process that the parent kills at a hard wall-clock
limit: HiGHS's own time limit is honoured between its iterations, but a presolve or an
interface that hangs would otherwise hold the day-ahead run past the grid's deadline.

The child comes from a forkserver that has the optimiser's modules imported already, so a
solve costs a fork, not an interpreter start; the forkserver itself is single-threaded, so
the fork is safe even when the caller runs in a threaded Prefect worker. What crosses the
pipe is plain data: the inputs (pandas objects) in, the SolveResult and PlanFlows out.
As with any multiprocessing start method but fork, a script that plans must keep its work
under `if __name__ == "__main__":` (the forkserver imports the main module).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass

import pyomo.environ as pyo

from jobs.dispatch.extract import solved_flows
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.model import build_model
from jobs.dispatch.plan_flows import PlanFlows
from jobs.dispatch.solve import SolveOptions, SolveResult, solve

# the child's build and extraction come on top of HiGHS's time limit
WALL_GRACE_S = 30.0
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["jobs.dispatch.isolated"])


@dataclass(frozen=True)
class Attempt:
    solve: SolveResult
    flows: PlanFlows | None  # None: no solution to use
    breaches: tuple[str, ...] = ()  # the relaxed bounds the solution breaks, in words


def _breaches(model: pyo.ConcreteModel, inputs: DispatchInputs) -> tuple[str, ...]:
    found = []
    if hasattr(model, "import_over_limit_kw"):
        over = [pyo.value(model.import_over_limit_kw[t]) for t in model.T]
        worst = max(over, default=0.0)
        if worst > 1e-6:
            first = inputs.interval_start_utc[next(t for t, v in enumerate(over) if v > 1e-6)]
            found.append(f"grid import above its {inputs.grid.import_limit_kw:g} kW limit by up "
                         f"to {worst:.1f} kW in {sum(v > 1e-6 for v in over)} intervals from "
                         f"{first.isoformat()}")
    if hasattr(model, "soc_final_shortfall_kwh"):
        for battery in model.B:
            short = pyo.value(model.soc_final_shortfall_kwh[battery])
            if short > 1e-6:
                found.append(f"battery {battery} ends {short:.1f} kWh below its end-of-day SOC "
                             "target")
    return tuple(found)


def attempt(inputs: DispatchInputs, options: SolveOptions, relax: bool = False) -> Attempt:
    """Build, solve and extract in this process."""
    started = time.perf_counter()
    model = build_model(inputs, relax_hard_limits=relax)
    build_s = time.perf_counter() - started
    result = solve(model, options)
    result = SolveResult(result.status, result.has_solution, result.objective_cny,
                         result.bound_cny, result.solve_s, result.message, build_s)
    if not result.has_solution:
        return Attempt(result, None)
    return Attempt(result, solved_flows(model, inputs), _breaches(model, inputs))


def _child(connection, inputs: DispatchInputs, options: SolveOptions, relax: bool) -> None:
    try:
        outcome = attempt(inputs, options, relax)
    except Exception as exc:  # reported to the parent, which falls back
        outcome = Attempt(SolveResult("error", False, None, None, 0.0,
                                      f"{type(exc).__name__}: {exc}"), None)
    connection.send(outcome)
    connection.close()


def attempt_isolated(inputs: DispatchInputs, options: SolveOptions, relax: bool = False,
                     wall_limit_s: float | None = None) -> Attempt:
    """`attempt` in a child process, killed after wall_limit_s (default: the solver's time
    limit plus WALL_GRACE_S); a killed or crashed child is an Attempt without a solution."""
    limit = wall_limit_s if wall_limit_s is not None else options.time_limit_s + WALL_GRACE_S
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, inputs, options, relax),
                             name="dispatch-solve", daemon=True)
    started = time.perf_counter()
    child.start()
    sender.close()
    try:
        if receiver.poll(limit):
            try:
                return receiver.recv()
            except EOFError:  # the child died without an answer (killed by the OS, crashed)
                return Attempt(SolveResult(
                    "error", False, None, None, time.perf_counter() - started,
                    f"the solver process died (exit code {child.exitcode})"), None)
        return Attempt(SolveResult(
            "time_limit", False, None, None, time.perf_counter() - started,
            f"killed by the watchdog after {limit:g} s wall clock, no incumbent returned"), None)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
