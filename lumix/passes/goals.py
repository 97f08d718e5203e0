"""Goal programming in the compiler: the goal form of a model, and the pass that relaxes its goals.

``goal_form(model)`` is what the compiler expands: the model itself when it has no goals or
was prepared (``LXModel.prepare_goal_programming``), else a prepared shallow copy. Preparing
declares the relaxed goals (``model._relaxed_constraints``), their deviation families and the
final objective (the model's own objective and the priority-0 goals, already in the
expression the expander reads); it computes no number.

``relax_goals`` is the pass: on the expanded model it appends the deviation columns of every
relaxed goal (``{goal}_pos_dev[{goal_id}]``, ``{goal}_neg_dev[{goal_id}]``, continuous in
``[0, inf)``) after the existing columns, adds ``+1 * neg - 1 * pos`` to each goal row (its own
pair only; a one-sided row, i.e. a goal with non-linear terms, gets only the deviation it can
use and the other is fixed to 0), and then

- weighted mode: adds ``priority_to_weight(p) * weight`` times each penalised deviation column
  to the objective (which the model minimizes);
- sequential mode: records one ``GoalStage`` per priority, ascending, with ``weight`` on the
  penalised columns (no ``10 ** k`` factor), and appends its bound row
  ``goal_priority_{p}_bound`` (the same coefficients, ``<= +inf`` until the solver holds the
  stage at its optimum, see ``lumix.goal_programming.solver``).

Nothing here calls a user callable: the rows already hold their coefficients and constants.
Models are read by attribute (this layer sits below ``lumix.core``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from ..expand import ColumnBlock, ExpandedModel, ObjectiveBlock, RowBlock

if TYPE_CHECKING:
    from ..core.model import LXModel

__all__ = [
    "GoalDeviation",
    "GoalStage",
    "goal_form",
    "goal_mode_value",
    "goal_ids",
    "get_deviation_var_name",
    "priority_to_weight",
    "relax_goals",
]

#: The deviation sides a row of each sense can use (a one-sided row keeps its sense).
_USED_SIDES = {"==": ("neg", "pos"), "<=": ("pos",), ">=": ("neg",)}
#: Coefficient of each deviation in its goal row: ``lhs + neg - pos``.
_SIGN = {"neg": 1.0, "pos": -1.0}


@dataclass(frozen=True)
class GoalDeviation:
    """The deviation columns of one relaxed goal: families ``pos`` and ``neg`` (keyed by goal
    id), and the sides the objective penalises (``"pos"`` over target, ``"neg"`` under)."""

    goal: str
    pos: str
    neg: str
    undesired: frozenset[str]


@dataclass(frozen=True, eq=False)
class GoalStage:
    """One priority of a sequential goal model: minimize ``objective`` (a vector over the
    columns), then hold it at its optimum through row ``bound_row`` (``<= +inf`` until then)."""

    priority: int
    objective: np.ndarray
    bound_row: int


def get_deviation_var_name(constraint_name: str, deviation_type: str) -> str:
    """The name of a goal's deviation family: ``f"{constraint_name}_{deviation_type}_dev"``
    (``deviation_type`` is ``"pos"`` or ``"neg"``)."""
    return f"{constraint_name}_{deviation_type}_dev"


def priority_to_weight(priority: int, base: float = 10.0, exponent_offset: int = 6) -> float:
    """The weight of a priority in weighted mode: ``base ** (exponent_offset - priority + 1)``
    (P1 = 1e6, P2 = 1e5, ... P7 = 1); priority 0 (objective terms) weighs 1."""
    if priority == 0:
        return 1.0
    return float(base ** (exponent_offset - priority + 1))


def goal_mode_value(mode: Any) -> str:
    """``"weighted"`` or ``"sequential"`` for a mode given as a string or ``LXGoalMode``
    (``None``, no mode set, is weighted)."""
    value = getattr(mode, "value", mode)
    return "weighted" if value is None else str(value)


def goal_form(model: LXModel) -> LXModel:
    """The model with its goals relaxed: ``model`` itself when it has no goals or was prepared,
    otherwise a prepared shallow copy sharing the families and data of ``model`` (which is
    left unchanged).

    Raises:
        ModelError: ``model`` was prepared for the other goal mode.
    """
    if model._goal_programming_prepared:
        prepared, mode = model._goal_prepared_mode, goal_mode_value(model.goal_mode)
        if prepared is not None and prepared != mode:
            raise ModelError(
                f"The model was prepared for {prepared} goal programming and its goal mode is now "
                f"{mode}; build the model again (or solve it without calling "
                "prepare_goal_programming()) to change the mode"
            )
        return model
    if not model.has_goals():
        return model
    view = copy.copy(model)
    view.variables = list(model.variables)
    view.constraints = list(model.constraints)
    view._relaxed_constraints = []
    return view.prepare_goal_programming()


def goal_ids(goal: str, keys: list[Any], scalar: bool) -> list[str]:
    """The ids of a goal's rows, the keys of its deviation columns: the goal's name for a
    single row, ``f"{goal}_{key}"`` per row of an indexed goal.

    Raises:
        ModelError: two keys give the same id string (e.g. ``1`` and ``"1"``).
    """
    if scalar:
        return [goal]
    ids = [f"{goal}_{key}" for key in keys]
    if len(set(ids)) != len(ids):
        seen: dict[str, Any] = {}
        for gid, key in zip(ids, keys, strict=True):
            first = seen.setdefault(gid, key)
            if first != key:
                raise ModelError(
                    f"Goal '{goal}' has index keys {first!r} and {key!r} that give the same "
                    f"deviation name '{gid}'; make the keys distinct as strings"
                )
    return ids


# -- the pass ------------------------------------------------------------------------------------


@dataclass
class _Relaxed:
    """One relaxed goal in the expanded model: its penalised deviation columns."""

    priority: int
    weight: float
    penalised: np.ndarray


def relax_goals(model: LXModel, expanded: ExpandedModel) -> ExpandedModel:
    """The goal rows of ``expanded`` relaxed with deviation columns, and the weighted objective
    (weighted mode) or the stages and their bound rows (sequential mode)."""
    columns, rows = list(expanded.columns), list(expanded.rows)
    by_name = {block.name: i for i, block in enumerate(rows)}
    n_cols = sum(len(block.keys) for block in columns)
    relaxed, deviations = [], []
    for goal in model._relaxed_constraints:
        name, meta = goal.constraint.name, goal.goal_metadata
        if name not in by_name:
            raise ModelError(f"goal '{name}' is relaxed but the model has no constraint of that name")
        block, undesired = rows[by_name[name]], frozenset(meta.undesired_deviations)
        pos, neg, penalised = _deviation_columns(goal, block, n_cols, undesired)
        rows[by_name[name]] = _with_deviations(block, pos, neg)
        columns += [pos, neg]
        n_cols += 2 * len(block.keys)
        relaxed.append(_Relaxed(meta.priority, float(meta.weight), penalised))
        deviations.append(GoalDeviation(name, pos.name, neg.name, undesired))
    expanded = replace(expanded, columns=columns, rows=rows, goal_deviations=tuple(deviations))
    if goal_mode_value(model._goal_prepared_mode) == "weighted":
        return replace(expanded, objective=_weighted_objective(model, expanded.objective, relaxed))
    return _with_stages(expanded, relaxed, n_cols)


def _deviation_columns(
    goal: Any, block: RowBlock, start: int, undesired: frozenset[str]
) -> tuple[ColumnBlock, ColumnBlock, np.ndarray]:
    """The pos and neg column blocks of a goal (columns from ``start``), and the positions of
    its penalised columns (pos before neg)."""
    ids = goal_ids(block.name, block.keys, block.scalar)
    n, used = len(ids), _USED_SIDES[block.sense]
    made = {}
    for offset, side, family in ((0, "pos", goal.pos_deviation.name), (n, "neg", goal.neg_deviation.name)):
        positions = dict(zip(ids, range(start + offset, start + offset + n), strict=True))
        upper = np.full(n, np.inf if side in used else 0.0)
        made[side] = ColumnBlock(family, ids, start + offset, positions, np.zeros(n), upper, False, False)
    penalised = [np.arange(made[s].start, made[s].start + n) for s in ("pos", "neg") if s in undesired]
    return made["pos"], made["neg"], np.concatenate(penalised) if penalised else np.zeros(0, np.int64)


def _with_deviations(block: RowBlock, pos: ColumnBlock, neg: ColumnBlock) -> RowBlock:
    """``block`` with each row's own deviation columns added (``+ neg - pos``)."""
    used = [
        (side, col_block)
        for side, col_block in (("neg", neg), ("pos", pos))
        if side in _USED_SIDES[block.sense]
    ]
    signs = np.array([_SIGN[side] for side, _ in used])
    cols, vals = [], []
    for j, (c, v) in enumerate(zip(block.cols, block.vals, strict=True)):
        own = np.array([col_block.start + j for _, col_block in used], dtype=np.int64)
        cols.append(np.concatenate([c, own]))
        vals.append(np.concatenate([v, signs]))
    return replace(block, cols=cols, vals=vals)


def _weighted_objective(
    model: LXModel, objective: ObjectiveBlock | None, relaxed: list[_Relaxed]
) -> ObjectiveBlock:
    """The final objective (already in min-form) plus ``priority_to_weight(p) * weight`` times
    each penalised deviation column."""
    cols = [goal.penalised for goal in relaxed]
    vals = [np.full(len(goal.penalised), priority_to_weight(goal.priority) * goal.weight) for goal in relaxed]
    if objective is None:
        return ObjectiveBlock(_cat(cols, np.int64), _cat(vals, float), 0.0, model.objective_sense)
    cols.insert(0, objective.cols)
    vals.insert(0, objective.vals)
    return replace(objective, cols=_cat(cols, np.int64), vals=_cat(vals, float))


def _with_stages(expanded: ExpandedModel, relaxed: list[_Relaxed], n_cols: int) -> ExpandedModel:
    """Sequential mode: one stage per priority (ascending) and its bound row, appended."""
    if not relaxed and expanded.objective is None:
        raise ModelError(
            "No sequential objectives found. Ensure at least one goal constraint has priority >= 1."
        )
    rows = list(expanded.rows)
    start = sum(len(block.keys) for block in rows)
    stages = []
    for priority in sorted({goal.priority for goal in relaxed}):
        vector = np.zeros(n_cols)
        for goal in relaxed:
            if goal.priority == priority:
                np.add.at(vector, goal.penalised, goal.weight)
        cols = np.flatnonzero(vector)
        name = f"goal_priority_{priority}_bound"
        rows.append(
            RowBlock(name, "<=", True, [None], {None: start}, [cols], [vector[cols]], [np.inf], [0.0])
        )
        stages.append(GoalStage(priority, vector, start))
        start += 1
    return replace(expanded, rows=rows, goal_stages=tuple(stages))


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
