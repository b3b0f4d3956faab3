"""Solve with HiGHS through Pyomo's solver interface: a relative gap and a time limit are
arguments, and the outcome is a plain record whatever happened (never an exception that leaves
no answer): optimal, stopped at the time limit with an incumbent, infeasible, or failed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition


@dataclass(frozen=True)
class SolveOptions:
    rel_gap: float = 0.001  # 0.1 %
    time_limit_s: float = 30.0
    threads: int | None = None


@dataclass(frozen=True)
class SolveResult:
    status: str  # optimal / time_limit / infeasible / error
    has_solution: bool
    objective_cny: float | None
    bound_cny: float | None
    solve_s: float
    message: str
    build_s: float = 0.0  # the Pyomo model build before it, when the caller timed it

    @property
    def gap(self) -> float | None:
        if self.objective_cny is None or self.bound_cny is None:
            return None
        return abs(self.objective_cny - self.bound_cny) / max(abs(self.objective_cny), 1e-9)


def solve(model: pyo.ConcreteModel, options: SolveOptions) -> SolveResult:
    solver = SolverFactory("highs")
    highs_options = {} if options.threads is None else {"threads": options.threads}
    started = time.perf_counter()
    try:
        results = solver.solve(model, time_limit=options.time_limit_s, rel_gap=options.rel_gap,
                               load_solutions=False, raise_exception_on_nonoptimal_result=False,
                               solver_options=highs_options)
    except Exception as exc:  # HiGHS or the interface failed: report it, the caller falls back
        return SolveResult("error", False, None, None, time.perf_counter() - started,
                           f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    condition = results.termination_condition
    has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has_solution:
        results.solution_loader.load_vars()
    if condition == TerminationCondition.convergenceCriteriaSatisfied:
        status = "optimal"
    elif condition == TerminationCondition.maxTimeLimit:
        status = "time_limit"
    elif condition in (TerminationCondition.provenInfeasible,
                       TerminationCondition.locallyInfeasible,
                       TerminationCondition.infeasibleOrUnbounded):
        status = "infeasible"
    else:
        status = "error"
    return SolveResult(status, has_solution, results.incumbent_objective,
                       results.objective_bound, elapsed, str(condition))
