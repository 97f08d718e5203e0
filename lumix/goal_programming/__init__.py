"""Goal programming: soft constraints (goals) with priorities and weights.

``LXConstraint.as_goal(priority, weight)`` marks a goal; ``LXModel.prepare_goal_programming()``
relaxes the goals in the model (solving relaxes them on a copy otherwise). The compiler's goal
pass (``lumix.passes.goals``) makes the deviation columns and the weighted objective, or the
stages of a sequential model, which ``solver.solve_goal_stages`` solves in one persistent
solver.

Modules: ``goal`` (modes, metadata, ``LXGoal``, ``LXGoalStage``), ``relaxation`` (relaxed
constraints and deviation families), ``objective_builder`` (the objectives as expressions),
``solver`` (sequential solving, ``LXGoalProgrammingSolver``), ``view`` (``goal_form``).
"""

from .goal import (
    LXGoal,
    LXGoalMetadata,
    LXGoalMode,
    LXGoalStage,
    get_deviation_var_name,
    priority_to_weight,
)
from .objective_builder import (
    build_sequential_objectives,
    build_weighted_objective,
    combine_objectives,
    extract_custom_objectives,
)
from .relaxation import RelaxedConstraint, relax_constraint, relax_constraints
from .solver import LXGoalProgrammingSolver, solve_goal_programming

__all__ = [
    # Goals and their metadata
    "LXGoal",
    "LXGoalMetadata",
    "LXGoalMode",
    "LXGoalStage",
    "RelaxedConstraint",
    # Relaxation
    "relax_constraint",
    "relax_constraints",
    # Objectives
    "build_weighted_objective",
    "build_sequential_objectives",
    "combine_objectives",
    "extract_custom_objectives",
    # Solving
    "LXGoalProgrammingSolver",
    "solve_goal_programming",
    # Utilities
    "get_deviation_var_name",
    "priority_to_weight",
]
