"""Left-hand-side activity of every constraint row at a solution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.enums import LXConstraintSense

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel
    from ..solvers.solution import LXSolution

__all__ = ["LXRowActivity", "row_activity"]


@dataclass(frozen=True)
class LXRowActivity:
    """One row at a solution: ``lhs`` (without the expression's constant) against ``rhs`` (the
    right-hand side less that constant). ``slack`` is ``rhs - lhs`` for ``<=``, ``lhs - rhs``
    for ``>=`` and ``-|lhs - rhs|`` for ``==``; ``binding`` when
    ``|slack| <= 1e-6 * max(1, |rhs|)``."""

    lhs: float
    rhs: float
    sense: LXConstraintSense
    slack: float
    binding: bool


def row_activity(model: LXModel, solution: LXSolution) -> dict[str, LXRowActivity]:
    """``{row name: LXRowActivity}`` of ``model``'s rows, in model order.

    A goal row is the goal itself: without its deviation columns, with the goal's sense.
    Rows on columns the solution has no value for (e.g. auxiliaries of a linearization) are
    left out; a solution without values gives ``{}``.
    """
    if not solution.variables:
        return {}
    canon = model.to_canonical()
    x = _values(canon, solution)
    matrix = canon.matrix.tocsr(copy=True)
    senses = _goal_senses(model, canon, matrix)
    known = ~np.isnan(x)
    out: dict[str, LXRowActivity] = {}
    for i, name in enumerate(canon.row_names):
        cols = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        if not known[cols].all():
            continue
        sense = senses.get(i, LXConstraintSense(canon.row_sense[i]))
        lhs = float(matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]] @ x[cols])
        rhs = float(canon.row_lower[i] if sense is LXConstraintSense.GE else canon.row_upper[i])
        slack = rhs - lhs if sense is LXConstraintSense.LE else lhs - rhs
        if sense is LXConstraintSense.EQ:
            slack = -abs(lhs - rhs)
        out[name] = LXRowActivity(lhs, rhs, sense, slack, abs(slack) <= 1e-6 * max(1.0, abs(rhs)))
    return out


def _values(canon: LXCanonicalModel, solution: LXSolution) -> np.ndarray:
    """Column values of the solution by canonical position (``nan`` where it has none)."""
    x = np.full(canon.n_cols, np.nan)
    for family, positions in canon.col_index.items():
        got = solution.variables.get(family)
        if got is None:
            continue
        if not isinstance(got, dict):
            x[positions[None]] = float(got)
            continue
        for key, j in positions.items():
            if key in got:
                x[j] = float(got[key])
    return x


def _goal_senses(model: LXModel, canon: LXCanonicalModel, matrix: Any) -> dict[int, LXConstraintSense]:
    """The goal's own sense for each relaxed goal row, whose deviation columns are zeroed in
    ``matrix`` (a copy)."""
    if not canon.goal_deviations:
        return {}
    declared = {c.name: c.sense for c in model.constraints}
    for relaxed in getattr(model, "_relaxed_constraints", None) or ():
        declared[relaxed.constraint.name] = relaxed.goal_metadata.constraint_sense
    senses: dict[int, LXConstraintSense] = {}
    for goal in canon.goal_deviations:
        deviations = [j for f in (goal.pos, goal.neg) for j in canon.col_index.get(f, {}).values()]
        rows = canon.row_index.get(goal.goal, {}).values()
        for i in rows:
            senses[i] = declared.get(goal.goal, LXConstraintSense(canon.row_sense[i]))
            start, end = matrix.indptr[i], matrix.indptr[i + 1]
            matrix.data[start:end][np.isin(matrix.indices[start:end], deviations)] = 0.0
    return senses
