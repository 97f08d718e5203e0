"""Data scenarios without copy or recompile: ``DataDependencies``.

A data scenario runs callables ``fn(model)`` that change the model's data (a data parameter's
``apply(model, value)``). ``DataDependencies(model, canon)`` records, once, which data each
block of the compile reads (``lumix.expand.record``: a family's bounds, a constraint family's
rows, the objective). ``apply(functions)`` then runs the callables on that same model, in
place, sees which ``(object, attribute)`` they wrote, expands again only the blocks that read
one of them, and returns the numbers that differ from ``canon`` as ``DataChanges`` (for the
persistent solver); ``revert()`` restores the data. ``Fallback`` (with the reason) is raised
where the dependencies cannot follow the change: the caller copies and recompiles instead.

Where the dependencies cannot be known at all (a callable reads a global variable or a class
attribute, or closes over mutable data; a model with goals or non-linear terms), the
constructor raises ``Fallback``. A change cannot be followed when a callable returns another
model, changes the model's declarations (families, expressions, a family's data list),
mutates a list, dict or set the compile read, changes data that instances or keys depend on,
or changes which matrix coefficients are non-zero, an expression's constant or the objective's.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .compile import assemble, assemble_matrix, assemble_objective, assemble_row_bounds
from .core.model import LXModel
from .expand import ColumnBlock, ObjectiveBlock, RowBlock
from .expand.record import (
    STRUCTURE,
    Block,
    Declarations,
    WriteLog,
    capture_writes,
    hold_write_hooks,
    record_expansion,
    reexpand,
    release_write_hooks,
    watch_writes,
)

if TYPE_CHECKING:
    from .compile import LXCanonicalModel

__all__ = ["DataDependencies", "DataChanges", "Fallback", "function_key"]


class Fallback(Exception):
    """A data change that ``DataDependencies`` cannot follow; the message says why."""


@dataclass(frozen=True)
class DataChanges:
    """Numbers of the changed model that differ from the baseline's, by position: column
    bounds, objective coefficients, row bounds and matrix coefficients."""

    cols: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    objective_cols: np.ndarray
    objective: np.ndarray
    rows: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    coef_rows: np.ndarray
    coef_cols: np.ndarray
    coefficients: np.ndarray


def function_key(functions: Sequence[Callable[..., Any]]) -> tuple[Any, ...]:
    """What identifies the code of scenario callables (not their values), equal for copies
    unpickled in each task: per function its file, line, name and bytecode; per callable
    object its class and the code of the functions it holds (a data parameter's ``apply``)."""
    key: list[Any] = []
    for fn in functions:
        if hasattr(fn, "__code__"):
            key.append(_code_key(fn))
            continue
        key.append(type(fn))
        key.extend(_code_key(v) for v in getattr(fn, "__dict__", {}).values() if hasattr(v, "__code__"))
    return tuple(key)


def _code_key(fn: Any) -> tuple[Any, ...]:
    code = fn.__code__
    return (code.co_filename, code.co_firstlineno, code.co_qualname, code.co_code)


# -- the dependencies -----------------------------------------------------------------------------


def _check_linear(expanded: Any) -> None:
    objective = expanded.objective
    if objective is not None and (objective.nonlinear is not None or objective.quadratic is not None):
        raise Fallback("the objective has non-linear terms")
    for block in expanded.rows:
        if block.nonlinear is not None:
            raise Fallback(f"constraint '{block.name}' has non-linear terms")


class DataDependencies:
    """What each block of ``canon`` reads of ``model``'s data, and changes of that data.

    ``model`` is changed in place by ``apply`` (and restored by ``revert``): give a private
    copy. Raises ``Fallback`` when the dependencies cannot be known.
    """

    def __init__(self, model: LXModel, canon: LXCanonicalModel) -> None:
        hold_write_hooks()  # given back by close(), or when this object is collected
        self._release = weakref.finalize(self, release_write_hooks)
        if model._goal_programming_prepared or model.has_goals():
            raise Fallback("the model has goals (goal programming)")
        recording = record_expansion(model)
        if recording.unknown:
            raise Fallback("; ".join(recording.unknown[:3]))
        _check_linear(recording.expanded)
        if assemble(recording.expanded).content_hash != canon.content_hash:
            raise Fallback("the model's data compile to other numbers than the session's model")
        watch_writes(recording.classes)
        self.model = model
        self.canon = canon
        self.recording = recording
        self.declarations = Declarations(model)
        self.row_keys = {block.name: block.keys for block in recording.expanded.rows}
        self.changed_model: LXModel = model  # the model the last callables left (or returned)
        self._writes: WriteLog | None = None
        self._unchanged = True  # declarations and containers as recorded
        self.clean = True  # the model holds its recorded data

    def close(self) -> None:
        """Give back this object's lease on the write hooks (the last one takes them off the
        data classes); the object is not used afterwards."""
        self._release()

    def remember_declarations(self) -> None:
        """Take the model's declarations as they are now as the baseline's (after a compile of
        the model, which keeps what it read of the ORM on the model)."""
        self.declarations = Declarations(self.model)

    def apply(self, functions: Sequence[Callable[[Any], Any]]) -> DataChanges:
        """Run ``functions`` on the model and return what changed in the compiled numbers.

        Always call ``revert()`` afterwards (also when this raises). Raises ``Fallback`` for a
        change that cannot be followed (``changed_model`` is then the model the callables
        left, to compile before ``revert()``); what the callables raise propagates."""
        self.clean = self._unchanged = False
        self.changed_model = self.model
        with capture_writes() as writes:
            self._writes = writes
            for fn in functions:
                returned = fn(self.changed_model)
                if isinstance(returned, LXModel):
                    self.changed_model = returned
        if self.changed_model is not self.model:
            raise Fallback("a callable returns another model")
        self._check_unchanged(writes)
        dirty = self.recording.blocks_of(writes.old)
        if STRUCTURE in dirty:
            raise Fallback("a callable changes data that the instances or keys depend on (a filter, a key)")
        return self._changes(reexpand(self.recording, sorted(dirty, key=repr)))

    def _check_unchanged(self, writes: WriteLog) -> None:
        if self.declarations.changed(writes.old):
            raise Fallback("a callable changes the model's declarations or a family's list of data")
        if self.recording.containers_changed():
            raise Fallback("a callable changes a list, dict or set that the model reads")
        self._unchanged = True

    def revert(self) -> None:
        """Restore the data ``apply`` changed; ``clean`` says whether the model is back as
        recorded (not after a mutation of a list, dict or set, which cannot be undone)."""
        writes, self._writes = self._writes, None
        if writes is not None:
            writes.revert()
        if not self._unchanged:
            changed = self.declarations.changed(()) or self.recording.containers_changed()
            self._unchanged = not changed
        self.clean = self._unchanged

    # -- numbers --------------------------------------------------------------------------------

    def _changes(self, blocks: dict[Block, ColumnBlock | RowBlock | ObjectiveBlock | None]) -> DataChanges:
        parts: dict[str, list[np.ndarray]] = {name: [] for name in DataChanges.__dataclass_fields__}
        for block in blocks.values():
            if isinstance(block, ColumnBlock):
                self._column_changes(block, parts)
            elif isinstance(block, RowBlock):
                self._row_changes(block, parts)
            else:
                self._objective_changes(block, parts)
        return DataChanges(**{name: _join(name, arrays) for name, arrays in parts.items()})

    def _column_changes(self, block: ColumnBlock, parts: dict[str, list[np.ndarray]]) -> None:
        span = slice(block.start, block.start + len(block.keys))
        lower, upper = self.canon.col_lower[span], self.canon.col_upper[span]
        changed = np.flatnonzero((block.lower != lower) | (block.upper != upper))
        parts["cols"].append(changed + block.start)
        parts["col_lower"].append(block.lower[changed])
        parts["col_upper"].append(block.upper[changed])

    def _objective_changes(self, block: ObjectiveBlock | None, parts: dict[str, list[np.ndarray]]) -> None:
        canon = self.canon
        if block is None or block.nonlinear is not None or block.quadratic is not None:
            raise Fallback("a callable changes the objective's form")
        objective, constant, sense = assemble_objective(block, canon.n_cols)
        if constant != canon.objective_constant or sense != canon.sense:
            raise Fallback("a callable changes the objective's constant")
        changed = np.flatnonzero(objective != canon.objective)
        parts["objective_cols"].append(changed)
        parts["objective"].append(objective[changed])

    def _row_changes(self, block: RowBlock, parts: dict[str, list[np.ndarray]]) -> None:
        canon = self.canon
        start = block.positions[block.keys[0]] if block.keys else 0
        span = slice(start, start + len(block.keys))
        if block.keys != self.row_keys[block.name] or block.nonlinear is not None:
            raise Fallback(f"a callable changes the rows of constraint '{block.name}'")
        lower, upper, _, constant = assemble_row_bounds([block])
        if not np.array_equal(constant, canon.row_constant[span]):
            raise Fallback(f"a callable changes an expression's constant in constraint '{block.name}'")
        changed = np.flatnonzero((lower != canon.row_lower[span]) | (upper != canon.row_upper[span]))
        parts["rows"].append(changed + start)
        parts["row_lower"].append(lower[changed])
        parts["row_upper"].append(upper[changed])
        self._coefficient_changes(block, start, parts)

    def _coefficient_changes(self, block: RowBlock, start: int, parts: dict[str, list[np.ndarray]]) -> None:
        matrix = self.canon.matrix
        _, sub = assemble_matrix([block], self.canon.n_cols)
        first, last = matrix.indptr[start], matrix.indptr[start + len(block.keys)]
        same = np.array_equal(sub.indptr, matrix.indptr[start : start + len(block.keys) + 1] - first)
        if not (same and np.array_equal(sub.indices, matrix.indices[first:last])):
            raise Fallback(f"a callable changes which coefficients of constraint '{block.name}' are non-zero")
        changed = np.flatnonzero(sub.data != matrix.data[first:last])
        rows = np.repeat(np.arange(len(block.keys)), np.diff(sub.indptr))
        parts["coef_rows"].append(rows[changed] + start)
        parts["coef_cols"].append(sub.indices[changed].astype(np.int64))
        parts["coefficients"].append(sub.data[changed])

    def numbers_match(self, changes: DataChanges, fresh: LXCanonicalModel) -> bool:
        """Whether the baseline with ``changes`` has the numbers of ``fresh`` (the same model
        copied, changed and recompiled; its structure already known to be the baseline's)."""
        canon = self.canon
        col_lower, col_upper = canon.col_lower.copy(), canon.col_upper.copy()
        col_lower[changes.cols], col_upper[changes.cols] = changes.col_lower, changes.col_upper
        objective = canon.objective.copy()
        objective[changes.objective_cols] = changes.objective
        row_lower, row_upper = canon.row_lower.copy(), canon.row_upper.copy()
        row_lower[changes.rows], row_upper[changes.rows] = changes.row_lower, changes.row_upper
        matrix = canon.matrix.copy()
        matrix[changes.coef_rows, changes.coef_cols] = changes.coefficients
        pairs = (
            (col_lower, fresh.col_lower),
            (col_upper, fresh.col_upper),
            (objective, fresh.objective),
            (row_lower, fresh.row_lower),
            (row_upper, fresh.row_upper),
            (matrix.data, fresh.matrix.data),
        )
        return all(np.array_equal(a, b) for a, b in pairs)


_INDICES = frozenset({"cols", "objective_cols", "rows", "coef_rows", "coef_cols"})


def _join(name: str, arrays: list[np.ndarray]) -> np.ndarray:
    if len(arrays) == 1:
        return arrays[0]
    if arrays:
        return np.concatenate(arrays)
    return np.zeros(0, np.int64 if name in _INDICES else float)
