"""The optimiser's policy for one plan, so a plan always exists and says how it was made:

1. solve the model as it is; a time-out with an incumbent publishes the incumbent;
2. if it is infeasible, solve again with the hard limits relaxed and priced, and report which
   bound the plan breaks (a load above the import limit is a fact to act on, not a reason to
   publish nothing);
3. if neither gives a solution (error, no incumbent, the watchdog), the rule-based baseline,
   flagged as the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.dispatch.baseline import rule_based_flows
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.isolated import attempt_isolated
from jobs.dispatch.plan_flows import PlanFlows
from jobs.dispatch.solve import SolveOptions, SolveResult


@dataclass(frozen=True)
class Optimised:
    flows: PlanFlows
    solve: SolveResult  # the last solve attempted
    status: str  # optimal / time_limit / relaxed / fallback
    breaches: tuple[str, ...] = ()
    attempts: tuple[SolveResult, ...] = ()

    @property
    def is_fallback(self) -> bool:
        return self.status == "fallback"


def optimise(inputs: DispatchInputs, options: SolveOptions,
             wall_limit_s: float | None = None) -> Optimised:
    first = attempt_isolated(inputs, options, wall_limit_s=wall_limit_s)
    if first.flows is not None:
        return Optimised(first.flows, first.solve, first.solve.status, attempts=(first.solve,))
    attempts: tuple[SolveResult, ...] = (first.solve,)
    if first.solve.status == "infeasible":
        relaxed = attempt_isolated(inputs, options, relax=True, wall_limit_s=wall_limit_s)
        attempts += (relaxed.solve,)
        if relaxed.flows is not None:
            return Optimised(relaxed.flows, relaxed.solve, "relaxed", relaxed.breaches, attempts)
    return Optimised(rule_based_flows(inputs), attempts[-1], "fallback", attempts=attempts)
