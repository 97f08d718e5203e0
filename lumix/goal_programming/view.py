"""Goal programming applied to a copy of a model: solving or compiling a model with goals does
not change it (``goal_form``, defined with the compiler's goal pass in ``lumix.passes.goals``)."""

from __future__ import annotations

from ..passes.goals import goal_form, goal_mode_value

__all__ = ["goal_form", "goal_mode_value"]
