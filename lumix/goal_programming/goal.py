"""Goal programming vocabulary: modes, goal metadata, goal instances, sequential stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..core.enums import LXConstraintSense
from ..passes.goals import get_deviation_var_name, priority_to_weight

__all__ = [
    "LXGoalMode",
    "LXGoalMetadata",
    "LXGoal",
    "LXGoalStage",
    "get_deviation_var_name",
    "priority_to_weight",
]

#: The deviations a goal of each sense penalises: over target for ``<=``, under for ``>=``.
_UNDESIRED = {
    LXConstraintSense.LE: {"pos"},
    LXConstraintSense.GE: {"neg"},
    LXConstraintSense.EQ: {"pos", "neg"},
}


class LXGoalMode(Enum):
    """How goals are solved: one weighted solve, or one solve per priority (lexicographic)."""

    WEIGHTED = "weighted"
    SEQUENTIAL = "sequential"


@dataclass
class LXGoalMetadata:
    """A goal's ``priority`` (1 is the highest; 0 makes the goal an objective term), its
    ``weight`` within the priority, the constraint's sense and the deviations it penalises
    (``"pos"`` over target, ``"neg"`` under; filled from the sense when left empty)."""

    priority: int
    weight: float
    constraint_sense: LXConstraintSense
    undesired_deviations: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.undesired_deviations:
            self.undesired_deviations = set(_UNDESIRED.get(self.constraint_sense, ()))

    def update_sense(self, sense: LXConstraintSense) -> None:
        """Use the constraint's current sense (``as_goal()`` may come before ``.ge()``)."""
        if sense != self.constraint_sense:
            self.constraint_sense = sense
            self.undesired_deviations = set(_UNDESIRED.get(sense, ()))

    def is_custom_objective(self) -> bool:
        """A priority-0 goal: a term of the objective, not a relaxed row."""
        return self.priority == 0

    def is_pos_undesired(self) -> bool:
        return "pos" in self.undesired_deviations

    def is_neg_undesired(self) -> bool:
        return "neg" in self.undesired_deviations


@dataclass
class LXGoal:
    """One row of a goal: the key of its deviation columns (``id``: the constraint's name for
    a single row, ``f"{name}_{key}"`` per row of an indexed goal), the goal's priority, weight
    and sense, the row's right-hand side and its index key (``None`` for a single row)."""

    id: str
    constraint_name: str
    priority: int
    weight: float
    constraint_sense: LXConstraintSense
    target_value: float | None = None
    instance_id: Any | None = None


@dataclass(frozen=True)
class LXGoalStage:
    """One solve of sequential goal programming: the priority it minimized (0 for the final
    objective: the model's own objective and the priority-0 goals), its optimal value
    (``None`` without a feasible solution) and the solver status."""

    priority: int
    objective_value: float | None
    status: str
