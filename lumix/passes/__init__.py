"""Model passes: rewrites of the expanded model between expansion and arrays.

A pass is a callable ``rewrite(model, expanded) -> expanded``: it receives the ``LXModel``
(declarations only; it must not call the model's callables, which ``lumix.expand`` alone
does) and the ``ExpandedModel`` of ``lumix.expand``, and returns the expanded model to
assemble, e.g. with deviation columns and a weighted objective added (goal programming) or
products, ``abs`` / ``min`` / ``max`` and piecewise terms replaced by linear rows and
columns (linearization). A pass that adds columns appends column blocks after the
existing ones, so the column positions already in rows stay valid.
``lumix.compile.compile_model`` runs the model's passes in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .goals import relax_goals

if TYPE_CHECKING:
    from ..core.model import LXModel
    from ..expand import ExpandedModel
    from .linearize import LinearizationSettings

__all__ = ["ModelPass", "model_passes", "apply_passes"]


class ModelPass(Protocol):
    """A rewrite of the expanded model."""

    def __call__(self, model: LXModel, expanded: ExpandedModel) -> ExpandedModel: ...


def model_passes(model: LXModel, linearization: LinearizationSettings | None = None) -> tuple[ModelPass, ...]:
    """The passes ``model`` needs, in order: linearization (``linearize.py``, which refuses
    non-linear terms when there is no linearization), then goal programming (``goals.py``)
    when it declares goals (the compiler expands a model with goals in its prepared goal
    form, ``goals.goal_form``).
    """
    from .linearize import linearization_pass  # the techniques need lumix.linearization

    found: list[ModelPass] = [linearization_pass(linearization)]
    if model._goal_programming_prepared:
        found.append(relax_goals)
    return tuple(found)


def apply_passes(
    model: LXModel, expanded: ExpandedModel, linearization: LinearizationSettings | None = None
) -> ExpandedModel:
    """``expanded`` after each of the model's passes, in order; ``linearization`` is what the
    compile linearizes (``lumix.passes.linearize.linearization_settings``)."""
    for rewrite in model_passes(model, linearization):
        expanded = rewrite(model, expanded)
    return expanded
