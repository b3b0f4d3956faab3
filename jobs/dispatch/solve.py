"""Solve with HiGHS: a relative gap and a time limit are arguments, and the outcome is a plain
record whatever happened (never an exception that leaves no answer): optimal, stopped at the
time limit with an incumbent, infeasible, or failed.

The Pyomo model goes to HiGHS as matrices: Pyomo's standard-form compiler
(pyomo.repn.plugins.standard_form) turns it into one sparse matrix, which highspy takes in
one call. Pyomo's own HiGHS interface (pyomo.contrib.solver, a persistent interface) adds
the model row by row in Python, which cost more than HiGHS itself on an intraday re-solve
(measured on the demo park's 188-interval horizon: 1.1 s of interface against 0.28 s of
compilation; HiGHS 0.8 s either way; docs/benchmarks.md, loop section).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse  # noqa: F401  (imported here, not lazily by Pyomo in every forked solve)
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.tee import capture_output
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

# HiGHS's model statuses, in our words
_STATUS = {highspy.HighsModelStatus.kOptimal: "optimal",
           highspy.HighsModelStatus.kTimeLimit: "time_limit",
           highspy.HighsModelStatus.kInfeasible: "infeasible",
           highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible"}
_FEASIBLE = 2  # HiGHS's primal_solution_status: a feasible point is known


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


def _highs_model(model: pyo.ConcreteModel):
    """The model as HiGHS's matrices, and its columns (the Pyomo variables, in order)."""
    form = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns = form.columns
    objective = form.objectives[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(columns), len(form.rows)
    lp.col_cost_ = form.c.toarray().ravel() if form.c.shape[0] else np.zeros(len(columns))
    lp.offset_ = float(form.c_offset[0]) if len(form.c_offset) else 0.0
    lp.sense_ = highspy.ObjSense.kMaximize if objective.sense == pyo.maximize \
        else highspy.ObjSense.kMinimize
    lp.col_lower_ = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    lp.col_upper_ = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    # mixed form: each row is <= (1), == (0) or >= (-1) its right-hand side
    sense = np.array([row[1] for row in form.rows], dtype=int)
    rhs = np.asarray(form.rhs, dtype=float)
    lp.row_lower_ = np.where(sense == 1, -np.inf, rhs)
    lp.row_upper_ = np.where(sense == -1, np.inf, rhs)
    matrix = form.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if any(v.is_integer() for v in columns):
        lp.integrality_ = [highspy.HighsVarType.kInteger if v.is_integer()
                           else highspy.HighsVarType.kContinuous for v in columns]
    return lp, columns


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance: the process's first one prints HiGHS's banner on stdout,
    which a CLI's or the bench's output should not carry."""
    with capture_output(capture_fd=True):
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def solve(model: pyo.ConcreteModel, options: SolveOptions) -> SolveResult:
    """Solve the model and load the solution into its variables, if there is one."""
    started = time.perf_counter()
    try:
        lp, columns = _highs_model(model)
        highs = _new_highs()
        highs.setOptionValue("time_limit", float(options.time_limit_s))
        highs.setOptionValue("mip_rel_gap", float(options.rel_gap))
        if options.threads is not None:
            highs.setOptionValue("threads", int(options.threads))
        highs.passModel(lp)
        highs.run()
    except InfeasibleConstraintException as exc:  # a constraint without variables cannot hold
        return SolveResult("infeasible", False, None, None, time.perf_counter() - started,
                           f"infeasible: {exc}")
    except Exception as exc:  # HiGHS or the interface failed: report it, the caller falls back
        return SolveResult("error", False, None, None, time.perf_counter() - started,
                           f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    condition = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == _FEASIBLE
    objective = bound = None
    if has_solution:
        for variable, value in zip(columns, highs.getSolution().col_value, strict=True):
            variable.set_value(value, skip_validation=True)
        objective = float(info.objective_function_value)
        bound = float(info.mip_dual_bound) if lp.integrality_ else objective
    return SolveResult(_STATUS.get(condition, "error"), has_solution, objective, bound,
                       elapsed, highs.modelStatusToString(condition))
