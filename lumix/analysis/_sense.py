"""The objective sense a solve of a model actually optimizes (goal models included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.enums import LXObjectiveSense
from ..passes.goals import goal_form

if TYPE_CHECKING:
    from ..core.model import LXModel

__all__ = ["solved_sense"]


def solved_sense(model: LXModel) -> LXObjectiveSense:
    """The sense of the objective whose value a solve of ``model`` reports: a model with goals
    is solved in its goal form, so weighted mode minimizes; sequential mode ends with the final
    objective's sense (a minimization of the deviations when there is none)."""
    return goal_form(model).objective_sense
