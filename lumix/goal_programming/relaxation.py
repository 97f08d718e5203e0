"""Relaxing goals: the declarations of a goal's deviation families and its relaxed row.

``relax_constraint`` declares what LumiX's relaxation declares (a relaxed constraint of the
same name, data and right-hand side, sense ``==``, and the families ``{goal}_pos_dev`` and
``{goal}_neg_dev`` keyed by goal id); the numbers (the deviation columns and their
coefficients in the goal's rows) are made by the compiler's goal pass,
``lumix.passes.goals.relax_goals``, from the goal rows it has expanded. So the relaxed
constraint keeps the goal's own expression, and the deviation families are declarations the
expander leaves to the pass.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from ..core.constraints import LXConstraint
from ..core.enums import LXConstraintSense
from ..core.expressions import LXLinearExpression
from ..core.nonlinear import LXNonLinearExpression
from ..core.variables import LXVariable
from ..errors import ModelError
from ..expand import constraint_rows
from ..passes.goals import get_deviation_var_name, goal_ids
from .goal import LXGoal, LXGoalMetadata

__all__ = ["RelaxedConstraint", "relax_constraint", "relax_constraints", "goal_instances"]

TModel = TypeVar("TModel")

#: What a relaxed constraint takes from its goal (its expression, right-hand side and data).
_SAME_AS_GOAL = (
    "lhs",
    "rhs_value",
    "rhs_func",
    "model_type",
    "index_func",
    "_data",
    "_session",
    "_allow_empty",
)


def _goal_key(goal: LXGoal) -> str:
    return goal.id


class _DeviationVariable(LXVariable[LXGoal, float]):
    """A deviation family of a relaxed goal: declared in the model, its columns made by the
    goal pass (``_pass_made``: the expander leaves it alone). Its instances are the goal's
    ``LXGoal`` rows, keyed by goal id."""

    _pass_made: ClassVar[bool] = True
    # (LXVariable's keys are inferred as a fixed-length tuple; these are a longer one)
    _STATE_KEYS = (*LXVariable._STATE_KEYS, "_goal_constraint", "_goal_metadata")  # type: ignore[assignment]

    def __init__(self, name: str, constraint: LXConstraint, metadata: LXGoalMetadata, used: bool) -> None:
        super().__init__(name)
        self.continuous().bounds(lower=0.0, upper=None if used else 0.0).indexed_by(_goal_key)
        self._goal_constraint = constraint
        self._goal_metadata = metadata

    def get_instances(self) -> list[Any]:
        return goal_instances(self._goal_constraint, self._goal_metadata)

    def index_key(self, instance: Any) -> Any:
        return instance.id


class RelaxedConstraint(Generic[TModel]):
    """A relaxed goal: its ``constraint`` (sense ``==``, or the goal's sense for a one-sided
    goal with non-linear terms), the deviation families, the goal's metadata and, read on
    demand, its ``LXGoal`` rows (``goal_instances``)."""

    def __init__(
        self,
        constraint: LXConstraint[TModel],
        pos_deviation: LXVariable[LXGoal, float],
        neg_deviation: LXVariable[LXGoal, float],
        goal_metadata: LXGoalMetadata,
        goal_instances: list[LXGoal] | None = None,
    ) -> None:
        self.constraint = constraint
        self.pos_deviation = pos_deviation
        self.neg_deviation = neg_deviation
        self.goal_metadata = goal_metadata
        self._goal_instances = goal_instances

    def __repr__(self) -> str:
        return f"RelaxedConstraint({self.constraint.name!r}, priority={self.goal_metadata.priority})"

    @property
    def goal_instances(self) -> list[LXGoal]:
        """The goal's rows as ``LXGoal``s (reads the constraint's data when not given)."""
        if self._goal_instances is not None:
            return self._goal_instances
        return goal_instances(self.constraint, self.goal_metadata)

    def get_undesired_variables(self) -> list[LXVariable[LXGoal, float]]:
        """The deviation families the objective penalises (pos before neg)."""
        found = []
        if self.goal_metadata.is_pos_undesired():
            found.append(self.pos_deviation)
        if self.goal_metadata.is_neg_undesired():
            found.append(self.neg_deviation)
        return found


def goal_instances(constraint: LXConstraint, metadata: LXGoalMetadata) -> list[LXGoal]:
    """One ``LXGoal`` per row of ``constraint`` (a single one without ``indexed_by``)."""
    name, priority, weight, sense = (
        constraint.name,
        metadata.priority,
        metadata.weight,
        metadata.constraint_sense,
    )
    if constraint.index_func is None:
        return [LXGoal(name, name, priority, weight, sense, constraint.rhs_value)]
    rows = constraint_rows(constraint)
    keys = [key for key, _, _ in rows]
    targets = [target for _, target, _ in rows]
    ids = goal_ids(name, keys, scalar=False)
    return [
        LXGoal(gid, name, priority, weight, sense, target, key)
        for gid, key, target in zip(ids, keys, targets, strict=True)
    ]


def relax_constraint(
    constraint: LXConstraint[TModel], goal_metadata: LXGoalMetadata
) -> RelaxedConstraint[TModel]:
    """Relax a goal: ``lhs + neg_dev - pos_dev == rhs``; a ``<=`` / ``>=`` goal with non-linear
    terms stays one-sided (``lhs - pos_dev <= rhs`` / ``lhs + neg_dev >= rhs``, the other
    deviation fixed to 0), so a convex term stays convex.

    Raises:
        ModelError: the constraint has no expression, or one that is neither linear nor
            non-linear (a goal's deviations enter its row linearly).
    """
    lhs = constraint.lhs
    if lhs is None:
        raise ModelError(f"Cannot relax constraint '{constraint.name}' - no LHS expression defined")
    if not isinstance(lhs, LXLinearExpression | LXNonLinearExpression):
        raise ModelError(
            f"Goal '{constraint.name}' has a {type(lhs).__name__} expression; goals take "
            "LXLinearExpression or LXNonLinearExpression"
        )
    goal_metadata.update_sense(constraint.sense)
    sense = constraint.sense
    nonlinear = isinstance(lhs, LXNonLinearExpression) and bool(lhs.nonlinear_terms)
    one_sided = nonlinear and sense is not LXConstraintSense.EQ
    relaxed: LXConstraint[TModel] = LXConstraint(constraint.name)
    for attribute in _SAME_AS_GOAL:
        setattr(relaxed, attribute, getattr(constraint, attribute))
    relaxed.sense = sense if one_sided else LXConstraintSense.EQ
    pos_used = not one_sided or sense is LXConstraintSense.LE
    neg_used = not one_sided or sense is LXConstraintSense.GE
    pos = _DeviationVariable(get_deviation_var_name(constraint.name, "pos"), relaxed, goal_metadata, pos_used)
    neg = _DeviationVariable(get_deviation_var_name(constraint.name, "neg"), relaxed, goal_metadata, neg_used)
    return RelaxedConstraint(relaxed, pos, neg, goal_metadata)


def relax_constraints(
    constraints: list[LXConstraint[TModel]], goal_metadata_map: dict[str, LXGoalMetadata]
) -> list[RelaxedConstraint[TModel]]:
    """Relax the constraints named in ``goal_metadata_map`` (priority-0 goals are objective
    terms, not rows: they are skipped)."""
    return [
        relax_constraint(c, goal_metadata_map[c.name])
        for c in constraints
        if c.name in goal_metadata_map and goal_metadata_map[c.name].priority != 0
    ]
