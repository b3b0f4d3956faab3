"""The model reaches HiGHS as matrices (jobs/dispatch/solve.py): small models whose optimum is
worked out by hand, each exercising one kind of row, bound, sense or variable the translation
must carry (a ranged row, an equality, a >= row, a free variable, a constant in the
objective, a maximisation, an integer), and the statuses a caller acts on."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from jobs.dispatch.solve import SolveOptions, solve

OPTIONS = SolveOptions(rel_gap=1e-9, time_limit_s=10.0)


def test_rows_bounds_and_a_constant_reach_highs_as_written():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(bounds=(None, None))  # free
    m.z = pyo.Var(bounds=(1, 3))
    m.ranged = pyo.Constraint(expr=pyo.inequality(2, m.x + m.z, 6))
    m.equal = pyo.Constraint(expr=m.y - m.x == 1)
    m.at_least = pyo.Constraint(expr=m.x + 2 * m.y >= 11)
    # by hand: y = x + 1 and x + 2y >= 11 give x >= 3; min 2x + y + z + 7 at x = 3, z = 1:
    # 6 + 4 + 1 + 7 = 18
    m.cost = pyo.Objective(expr=2 * m.x + m.y + m.z + 7)
    result = solve(m, OPTIONS)
    assert result.status == "optimal" and result.has_solution
    assert result.objective_cny == pytest.approx(18.0)
    assert (pyo.value(m.x), pyo.value(m.y), pyo.value(m.z)) == pytest.approx((3.0, 4.0, 1.0))


def test_a_maximisation_with_an_integer_takes_the_best_whole_number():
    m = pyo.ConcreteModel()
    m.n = pyo.Var(within=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.u = pyo.Var(bounds=(0, 1))
    m.cap = pyo.Constraint(expr=2 * m.n + m.u <= 7.5)
    # by hand: the LP would take n = 3.75; the integer n = 3 leaves u = 1: 3 * 3 + 0.5 = 9.5
    m.gain = pyo.Objective(expr=3 * m.n + 0.5 * m.u, sense=pyo.maximize)
    result = solve(m, OPTIONS)
    assert result.status == "optimal"
    assert result.objective_cny == pytest.approx(9.5)
    assert pyo.value(m.n) == pytest.approx(3.0) and pyo.value(m.u) == pytest.approx(1.0)


def test_an_infeasible_model_says_so_and_leaves_no_solution():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.too_much = pyo.Constraint(expr=m.x >= 2)
    m.cost = pyo.Objective(expr=m.x)
    result = solve(m, OPTIONS)
    assert result.status == "infeasible" and not result.has_solution
    assert pyo.value(m.x, exception=False) is None


def test_a_constraint_without_variables_that_cannot_hold_is_infeasible_not_an_error():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.fixed = pyo.Var(initialize=5.0)
    m.fixed.fix()
    m.impossible = pyo.Constraint(expr=m.fixed <= 1)
    m.cost = pyo.Objective(expr=m.x)
    result = solve(m, OPTIONS)
    assert result.status == "infeasible" and not result.has_solution
