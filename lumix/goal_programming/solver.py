"""Sequential (lexicographic) goal programming in a persistent solver, and LumiX's goal solver.

``solve_goal_stages(solver)`` solves a compiled sequential goal model (``canon.goal_stages``)
in one persistent solver: per priority, ascending, it sets the stage's objective (minimized)
and solves; it then holds the stage at its optimum by setting the upper bound of the stage's
bound row to ``optimum + SEQUENTIAL_TOLERANCE * max(1, |optimum|)``, and goes on; a stage that
is not optimal ends the sequence (with a warning). Last comes the final stage: the canonical
objective with its own sense, when the model has one. Only the objective, its sense and the
bound rows change, in place (the solver's ``revert()`` undoes them with a scenario's own
changes), so every stage re-solves warm. It works with any backend that has the persistent
solver methods (``set_objective_coefficient``, ``set_objective_sense``, ``set_row_bounds``,
``solve``).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.enums import LXObjectiveSense
from ..errors import ModelError
from ..passes.goals import goal_form, goal_mode_value
from ..status import Status
from .goal import LXGoalMode, LXGoalStage

if TYPE_CHECKING:
    from ..core.model import LXModel
    from ..solvers.ortools import RawSolution
    from ..solvers.persistent import PersistentSolver
    from .relaxation import RelaxedConstraint

__all__ = [
    "SEQUENTIAL_TOLERANCE",
    "LXGoalProgrammingSolver",
    "solve_goal_programming",
    "solve_goal_stages",
]

logger = logging.getLogger(__name__)

#: Relative slack of a stage bound: a later stage keeps each earlier one within
#: ``optimum + SEQUENTIAL_TOLERANCE * max(1, |optimum|)`` (0: at its optimum, the solver's own
#: feasibility tolerance absorbs rounding).
SEQUENTIAL_TOLERANCE = 0.0


def _set_objective(solver: PersistentSolver, current: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Change the solver's objective coefficients from ``current`` to ``target`` (only those
    that differ); returns ``target``."""
    cols = np.flatnonzero(current != target)
    solver.set_objective(cols, target[cols])
    return target


def _staged(raw: RawSolution, value: float | None, elapsed: float, stages: list[LXGoalStage]) -> RawSolution:
    return replace(raw, objective_value=value, solve_time=elapsed, goal_stages=tuple(stages))


def solve_goal_stages(solver: PersistentSolver, values: bool = True) -> RawSolution:
    """Solve ``solver``'s model as it stands: stage by stage when it is a sequential goal model
    (its ``goal_stages``), else once. The result is the last stage's, with ``goal_stages``
    (``LXGoalStage`` per stage solved) and the total solve time; the caller reverts the solver."""
    canon = solver.canon
    if not canon.goal_stages:
        return solver.solve(values)
    final, current = solver.objective.copy(), solver.objective.copy()
    stages: list[LXGoalStage] = []
    elapsed = 0.0
    solver.set_objective_sense(False)
    for stage in canon.goal_stages:
        current = _set_objective(solver, current, stage.objective)
        raw = solver.solve(values)
        elapsed += raw.solve_time
        value = None if raw.objective_value is None else raw.objective_value - canon.objective_constant
        stages.append(LXGoalStage(stage.priority, value, str(raw.status)))
        if raw.status != Status.OPTIMAL or value is None:
            logger.warning(
                "Goal priority %d did not solve to optimality (status %s); "
                "lower priorities are not optimized",
                stage.priority,
                raw.status,
            )
            return _staged(raw, value, elapsed, stages)
        bound = value + SEQUENTIAL_TOLERANCE * max(1.0, abs(value))
        solver.set_row_bounds(stage.bound_row, float(solver.row_lower[stage.bound_row]), bound)
    if canon.sense is None:
        return _staged(raw, value, elapsed, stages)
    _set_objective(solver, current, final)
    solver.set_objective_sense(canon.sense is LXObjectiveSense.MAXIMIZE)
    raw = solver.solve(values)
    stages.append(LXGoalStage(0, raw.objective_value, str(raw.status)))
    return _staged(raw, raw.objective_value, elapsed + raw.solve_time, stages)


# -- LumiX's goal solver ---------------------------------------------------------------------------


def _in_mode(model: LXModel, mode: str) -> LXModel:
    """``model`` to be solved in ``mode``: itself when prepared for that mode, else a shallow
    copy set to that mode (its goals are relaxed when it is compiled)."""
    if model._goal_programming_prepared:
        prepared = model._goal_prepared_mode or goal_mode_value(model.goal_mode)
        if prepared != mode:
            raise ModelError(
                f"The model was prepared for {prepared} goal programming; it cannot be solved in {mode} mode"
            )
        return model
    view = copy.copy(model)
    view.goal_mode = mode
    return view


class LXGoalProgrammingSolver:
    """Solves goal models with an ``LXOptimizer``, in weighted or sequential mode.

    The model is not changed: one with goals not yet relaxed is relaxed on a copy in the mode
    asked for; one prepared for the other mode raises ``ModelError``.
    """

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer

    def solve_sequential(
        self,
        model: LXModel,
        relaxed_constraints: list[RelaxedConstraint[Any]] | None = None,
        **solver_params: Any,
    ) -> Any:
        """Solve priority by priority (each earlier stage held at its optimum), then the
        model's own objective; ``solution.goal_stages`` reports each solve.
        ``relaxed_constraints`` (default: the model's) are the goals the stages minimize."""
        view = _in_mode(model, "sequential")
        if relaxed_constraints is not None:
            view = copy.copy(goal_form(view))
            view._relaxed_constraints = list(relaxed_constraints)
        return self.optimizer.solve(view, **solver_params)

    def solve_weighted(self, model: LXModel, **solver_params: Any) -> Any:
        """One solve minimizing the weighted deviations (and the final objective)."""
        return self.optimizer.solve(_in_mode(model, "weighted"), **solver_params)


def solve_goal_programming(
    model: LXModel, optimizer: Any, mode: LXGoalMode | str = LXGoalMode.WEIGHTED, **solver_params: Any
) -> Any:
    """Solve a goal model in ``mode`` (``LXGoalMode`` or its name, any case).

    Raises:
        ValueError: an unknown mode.
    """
    found = mode if isinstance(mode, LXGoalMode) else None
    if isinstance(mode, str):
        found = {m.value: m for m in LXGoalMode}.get(mode.lower())
    if found is None:
        raise ValueError(
            f"Unknown goal programming mode {mode!r}; use 'weighted' or 'sequential' (or LXGoalMode)"
        )
    mode = found
    solver = LXGoalProgrammingSolver(optimizer)
    if mode is LXGoalMode.WEIGHTED:
        return solver.solve_weighted(model, **solver_params)
    return solver.solve_sequential(model, **solver_params)
