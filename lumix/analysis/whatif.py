"""``LXWhatIfAnalyzer``: one change at a time against the baseline.

Targets name a family (``"capacity"``) or one instance (``"capacity[2]"``). Each what-if is a
declarative scenario solved incrementally from the compiled model; sweeps
(``sensitivity_range``, the confirmation step of ``find_bottlenecks``) run in parallel with
``n_jobs`` or an ``executor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

import numpy as np
from typing_extensions import TypeVar

from ..core.enums import LXObjectiveSense
from ..solvers.base import LXOptimizer
from ..status import Status
from ..utils.generic import TypeArgumentNotState
from ._executor import Executor, solve_scenarios
from ._sense import solved_sense
from .report import pct_change
from .scenario import LXScenario

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["LXWhatIfAnalyzer", "LXWhatIfResult", "LXWhatIfChange"]

TModel = TypeVar("TModel", default=Any)


@dataclass
class LXWhatIfChange:
    change_type: str
    target_name: str
    description: str
    original_value: Any = None
    new_value: Any = None
    delta: float | None = None


@dataclass
class LXWhatIfResult(TypeArgumentNotState, Generic[TModel]):
    """The baseline and the changed solve; deltas are ``nan`` unless both are feasible."""

    description: str
    original_objective: float | None
    new_objective: float | None
    delta_objective: float
    delta_percentage: float
    original_solution: Any
    new_solution: Any
    changes_applied: list[LXWhatIfChange] = field(default_factory=list)


class LXWhatIfAnalyzer(Generic[TModel]):
    """What-if analysis of a model. Each what-if solves in this process; the sweeps
    (``sensitivity_range``, ``find_bottlenecks``) run in parallel with ``n_jobs > 1`` or an
    ``executor`` (``runner.run_scenarios``)."""

    def __init__(
        self,
        model: Any,
        optimizer: Any = None,
        baseline_solution: Any = None,
        *,
        n_jobs: int | None = 1,
        executor: Executor | None = None,
    ) -> None:
        self.model = model
        self.optimizer = optimizer or LXOptimizer()
        self.n_jobs = n_jobs
        self.executor = executor
        self._baseline = baseline_solution

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, scenarios: list[LXScenario], n_jobs: int | None = 1) -> dict[str, Any]:
        return solve_scenarios(self.model, scenarios, self.optimizer, n_jobs, False, self.executor)

    @property
    def _maximize(self) -> bool:
        return solved_sense(self.model) is LXObjectiveSense.MAXIMIZE  # weighted goal models minimize

    def get_baseline_solution(self, recompute: bool = False) -> Any:
        if self._baseline is None or recompute:
            self._baseline = self.optimizer.solve(self.model)
        return self._baseline

    def _result(self, description: str, solution: Any, changes: list[LXWhatIfChange]) -> LXWhatIfResult:
        base = self.get_baseline_solution()
        if base.is_feasible() and solution.is_feasible():
            delta = solution.objective_value - base.objective_value
            pct = pct_change(solution.objective_value, base.objective_value)
        else:
            delta = pct = math.nan
        return LXWhatIfResult(
            description,
            base.objective_value,
            solution.objective_value,
            delta,
            pct,
            base,
            solution,
            changes,
        )

    def _rhs_change(
        self, name: str, by: float | None, by_percent: float | None, to: float | None, verb: str
    ) -> LXWhatIfResult:
        given = [v for v in (by, by_percent, to) if v is not None]
        if len(given) != 1:
            raise ValueError(f"{verb.lower()} {name!r}: give exactly one of by, by_percent, to")
        scenario = LXScenario(f"{verb} {name}")
        if to is not None:
            scenario.modify_constraint_rhs(name, set_value=to)
            text = f"{verb} {name} RHS to {to}"
        elif by is not None:
            scenario.modify_constraint_rhs(name, add=by)
            text = f"{verb} {name} RHS by {by}"  # signed, as LumiX: "Decrease cap RHS by -2"
        else:
            percent = float(given[0])
            scenario.modify_constraint_rhs(name, add_percent=percent)
            text = f"{verb} {name} RHS by {percent * 100:.1f}%"
        solution = self._run([scenario])[scenario.name]
        change = LXWhatIfChange("constraint_rhs", name, text, None, to, by)
        return self._result(text, solution, [change])

    def _sense(self, name: str) -> str:
        """The row's sense; for a goal relaxed by ``prepare_goal_programming()`` (an equality
        with deviations), the goal's own sense."""
        family = name.split("[", 1)[0]
        for relaxed in self.model._relaxed_constraints:
            if relaxed.constraint.name == family:
                return str(relaxed.goal_metadata.constraint_sense.value)
        return str(self.model.get_constraint(family).sense.value)

    # -- LumiX API --------------------------------------------------------------------------
    def increase_constraint_rhs(
        self,
        constraint_name: str,
        by: float | None = None,
        by_percent: float | None = None,
        to: float | None = None,
    ) -> LXWhatIfResult:
        return self._rhs_change(constraint_name, by, by_percent, to, "Increase")

    def decrease_constraint_rhs(
        self,
        constraint_name: str,
        by: float | None = None,
        by_percent: float | None = None,
        to: float | None = None,
    ) -> LXWhatIfResult:
        return self._rhs_change(
            constraint_name,
            None if by is None else -by,
            None if by_percent is None else -by_percent,
            to,
            "Decrease",
        )

    def _loosen(self, name: str, by: float | None, by_percent: float | None, verb: str) -> LXWhatIfResult:
        """Move the RHS in the direction that loosens (``Relax``) or tightens the row."""
        loosen_up = self._sense(name) != ">="
        up = loosen_up if verb == "Relax" else not loosen_up
        return self._rhs_change(
            name,
            None if by is None else (by if up else -by),
            None if by_percent is None else (by_percent if up else -by_percent),
            None,
            verb,
        )

    def relax_constraint(
        self, constraint_name: str, by: float | None = None, by_percent: float | None = None
    ) -> LXWhatIfResult:
        """Loosen: raise the RHS of a ``<=`` row, lower the RHS of a ``>=`` row."""
        return self._loosen(constraint_name, by, by_percent, "Relax")

    def tighten_constraint(
        self, constraint_name: str, by: float | None = None, by_percent: float | None = None
    ) -> LXWhatIfResult:
        """Tighten: lower the RHS of a ``<=`` row, raise the RHS of a ``>=`` row."""
        return self._loosen(constraint_name, by, by_percent, "Tighten")

    def modify_variable_bound(
        self, variable_name: str, lower: float | None = None, upper: float | None = None
    ) -> LXWhatIfResult:
        scenario = LXScenario(f"bounds {variable_name}").modify_variable_bound(
            variable_name, lower=lower, upper=upper
        )
        solution = self._run([scenario])[scenario.name]
        family = self.model.get_variable(variable_name.split("[", 1)[0])
        old = {"lower": family.lower_bound, "upper": family.upper_bound}  # as LumiX prints them
        given = [(k, v) for k, v in (("lower", lower), ("upper", upper)) if v is not None]
        text = f"Modify {variable_name} bounds ({', '.join(f'{k} bound: {old[k]} → {v}' for k, v in given)})"
        changes = [
            LXWhatIfChange("variable_bound", variable_name, f"{k} bound {old[k]} → {v}", old[k], v)
            for k, v in given
        ]
        return self._result(text, solution, changes)

    def compare_changes(
        self, changes: list[tuple[str, str, float]], constraint_type: str = "rhs"
    ) -> list[LXWhatIfResult]:
        """``[(constraint, "increase"|"decrease"|"relax"|"tighten", amount), ...]``, one
        what-if each. ``constraint_type`` is accepted for LumiX and not used (as there).

        Raises:
            ValueError: an unknown change type (checked before anything is solved).
        """
        actions = {
            "increase": self.increase_constraint_rhs,
            "decrease": self.decrease_constraint_rhs,
            "relax": self.relax_constraint,
            "tighten": self.tighten_constraint,
        }
        for _, kind, _ in changes:
            if kind not in actions:
                raise ValueError(f"Unknown change type: {kind}; expected one of {', '.join(sorted(actions))}")
        return [actions[kind](name, by=value) for name, kind, value in changes]

    def find_bottlenecks(self, test_amount: float = 1.0, top_n: int = 10) -> list[tuple[str, float]]:
        """Rows whose relaxation by ``test_amount`` improves the objective most, per unit.

        Ranked by the baseline's shadow prices (one solve, rows like ``capacity[1]``), then
        confirmed by re-solving the ``top_n`` candidates relaxed, in parallel (``n_jobs``).
        """
        canon = self.optimizer.compile(self.model)
        base = self.get_baseline_solution()
        if not base.is_feasible():
            raise ValueError(f"find_bottlenecks needs a feasible baseline (status {base.status!r})")
        sign = 1.0 if self._maximize else -1.0
        candidates = _bottleneck_candidates(canon, base, sign, top_n)
        scenarios = [
            LXScenario(name).modify_constraint_rhs(name, add=_loosening(canon, name) * test_amount)
            for name in candidates
        ]
        solved = self._run(scenarios, self.n_jobs)
        found = []
        for name in candidates:
            solution = solved[name]
            if solution.is_feasible():
                found.append((name, sign * (solution.objective_value - base.objective_value) / test_amount))
            elif solution.status == Status.UNBOUNDED:
                found.append((name, math.inf))
        found.sort(key=lambda item: item[1], reverse=True)
        return found[:top_n]

    def sensitivity_range(
        self, constraint_name: str, min_value: float, max_value: float, num_points: int = 10
    ) -> list[tuple[float, float]]:
        """``[(rhs, objective)]`` for ``num_points`` right-hand sides, solved as one sweep;
        infeasible points give ``nan``."""
        values = np.linspace(min_value, max_value, num_points).tolist()
        scenarios = [
            LXScenario(f"{constraint_name}={v!r}").modify_constraint_rhs(constraint_name, set_value=v)
            for v in values
        ]
        solved = self._run(scenarios, self.n_jobs)
        return [
            (v, solved[s.name].objective_value if solved[s.name].is_feasible() else math.nan)
            for v, s in zip(values, scenarios, strict=True)
        ]


def _loosening(canon: LXCanonicalModel, name: str) -> float:
    """The direction that loosens row ``name``: down for ``>=``, up otherwise."""
    return -1.0 if canon.row_sense[canon.row(name)] == ">=" else 1.0


def _bottleneck_candidates(canon: LXCanonicalModel, base: Any, sign: float, top_n: int) -> list[str]:
    """The ``top_n`` rows whose relaxation the baseline's shadow prices rank highest; every
    row for a MIP (no duals)."""
    if not base.shadow_prices:
        return list(canon.row_names)
    scores = []
    for row, name in enumerate(canon.row_names):
        dual = base.shadow_prices.get(name, 0.0)
        sense = canon.row_sense[row]
        scores.append(abs(dual) if sense == "==" else sign * dual * _loosening(canon, name))
    order = np.argsort(scores)[::-1][:top_n]
    return [canon.row_names[i] for i in order if scores[i] > 0]
