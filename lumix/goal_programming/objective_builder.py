"""Goal programming objectives as expressions: weighted, per priority, and the final objective.

The compiler makes the numbers of the weighted objective and of the stages itself (the goal
pass, ``lumix.passes.goals``); these functions give the same objectives as expressions over
the deviation families, as LumiX does, for inspection. ``final_objective`` is what a prepared
model optimizes after its goals: the model's own objective and the priority-0 goals.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..core.enums import LXConstraintSense, LXObjectiveSense
from ..core.expressions import LXLinearExpression
from ..core.nonlinear import LXNonLinearExpression
from ..errors import ModelError
from .goal import priority_to_weight
from .relaxation import RelaxedConstraint

if TYPE_CHECKING:
    from ..core.constraints import LXConstraint

__all__ = [
    "build_weighted_objective",
    "build_sequential_objectives",
    "final_objective",
    "combine_objectives",
    "extract_custom_objectives",
]


def build_weighted_objective(
    relaxed_constraints: list[RelaxedConstraint[Any]], base: float = 10.0, exponent_offset: int = 6
) -> LXLinearExpression:
    """``sum(priority_to_weight(p) * weight * penalised deviations)`` over the goals with
    priority >= 1, goal by goal, pos before neg."""
    objective: LXLinearExpression = LXLinearExpression()
    for relaxed in relaxed_constraints:
        meta = relaxed.goal_metadata
        if meta.priority == 0:
            continue
        weight = priority_to_weight(meta.priority, base=base, exponent_offset=exponent_offset) * meta.weight
        for deviation in relaxed.get_undesired_variables():
            objective.add_term(deviation, coeff=weight)
    return objective


def build_sequential_objectives(
    relaxed_constraints: list[RelaxedConstraint[Any]],
) -> list[tuple[int, LXLinearExpression]]:
    """``[(priority, sum(weight * penalised deviations))]`` for each priority >= 1, ascending."""
    groups: dict[int, list[RelaxedConstraint[Any]]] = defaultdict(list)
    for relaxed in relaxed_constraints:
        groups[relaxed.goal_metadata.priority].append(relaxed)
    objectives = []
    for priority in sorted(p for p in groups if p != 0):
        expr: LXLinearExpression = LXLinearExpression()
        for relaxed in groups[priority]:
            for deviation in relaxed.get_undesired_variables():
                expr.add_term(deviation, coeff=relaxed.goal_metadata.weight)
        objectives.append((priority, expr))
    return objectives


def _model_objective(model: Any) -> Any:
    """The model's own objective (its costs for ``maximize()`` / ``minimize()`` alone), or ``None``."""
    return model.cost_objective() if model._objective_from_costs else model._objective_expr


def _custom_term(goal: LXConstraint) -> LXLinearExpression:
    """A priority-0 goal as a term in min-form: ``-w * lhs`` for ``.ge()`` (maximized),
    ``w * lhs`` for ``.le()``."""
    if goal.index_func is not None:
        raise ModelError(
            f"Priority 0 goal '{goal.name}' is indexed; write the custom objective as one "
            "constraint without indexed_by"
        )
    if goal.sense is LXConstraintSense.EQ:
        raise ModelError(
            f"Priority 0 goal '{goal.name}' must use .ge() (maximize its expression) or .le() "
            "(minimize it), not .eq()"
        )
    lhs: Any = goal.lhs
    if lhs is None:
        raise ModelError(f"Priority 0 goal '{goal.name}' has no expression; call .expression(...)")
    if isinstance(lhs, LXNonLinearExpression):
        if lhs.nonlinear_terms:
            raise ModelError(f"Priority 0 goal '{goal.name}' has nonlinear terms")
        lhs = lhs.linear_terms
    assert goal.goal_metadata is not None
    weight = float(goal.goal_metadata.weight)
    return lhs * (-weight if goal.sense is LXConstraintSense.GE else weight)


def final_objective(model: Any, custom_goals: list[LXConstraint]) -> tuple[Any, LXObjectiveSense] | None:
    """The objective after the goals: the model's own with its sense when there are no
    priority-0 goals; otherwise their terms plus the model's objective in min-form, as one
    minimization; ``None`` when there is neither.

    Raises:
        ModelError: a non-linear model objective, or a priority-0 goal that is indexed, uses
            ``.eq()`` or has non-linear terms.
    """
    user = _model_objective(model)
    if isinstance(user, LXNonLinearExpression):
        raise ModelError(
            "A model with goals cannot have a nonlinear objective: the objective is combined with "
            "the goal deviations. Write the nonlinear terms in a goal constraint, or solve without goals"
        )
    terms = [_custom_term(goal) for goal in custom_goals]
    if not terms:
        return None if user is None else (user, model.objective_sense)
    expr = sum(terms[1:], terms[0])
    if user is not None:
        expr = expr + (user if model.objective_sense is LXObjectiveSense.MINIMIZE else -user)
    return expr, LXObjectiveSense.MINIMIZE


def combine_objectives(
    base_objective: LXLinearExpression, goal_objective: LXLinearExpression, goal_weight: float = 1.0
) -> LXLinearExpression:
    """``base_objective + goal_weight * goal_objective`` (constants included), as a new expression."""
    return base_objective + goal_objective * goal_weight


def extract_custom_objectives(
    relaxed_constraints: list[RelaxedConstraint[Any]],
) -> list[RelaxedConstraint[Any]]:
    """Deprecated: priority-0 goals are objective terms, not relaxed rows, so this is always
    empty for relaxed goals; see ``final_objective``."""
    warnings.warn(
        "extract_custom_objectives is deprecated since 0.3.0 and always returns an empty list: "
        "priority 0 goals are objective terms, not relaxed rows; use final_objective(model, goals)",
        DeprecationWarning,
        stacklevel=2,
    )
    return [relaxed for relaxed in relaxed_constraints if relaxed.goal_metadata.is_custom_objective()]
