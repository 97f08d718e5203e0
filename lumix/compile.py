"""Compile an ``LXModel`` into numbers only: the ``LXCanonicalModel``.

Three steps: ``lumix.expand`` expands the model's data into an ``ExpandedModel`` (the only
step that calls user callables), the model's passes (``lumix.passes``) rewrite it, and this
module assembles the arrays, names and key maps. Nothing here calls a user callable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .errors import ModelError
from .expand import ColumnBlock, ExpandedModel, ObjectiveBlock, RowBlock, expand_model
from .passes import apply_passes
from .passes.goals import GoalDeviation, GoalStage, goal_form

if TYPE_CHECKING:
    from .core.enums import LXObjectiveSense
    from .core.model import LXModel
    from .linearization.config import LXLinearizerConfig

__all__ = [
    "LXCanonicalModel",
    "GoalDeviation",
    "GoalStage",
    "compile_model",
    "assemble",
    "assemble_matrix",
    "assemble_row_bounds",
    "assemble_objective",
]


@dataclass(frozen=True, eq=False)
class LXCanonicalModel:
    """A model as arrays.

    Invariants: column ``j`` is ``col_names[j]`` with bounds ``col_lower[j] .. col_upper[j]``
    (``±inf`` when unbounded), integrality ``col_integer[j]`` and objective coefficient
    ``objective[j]``; row ``i`` of ``matrix`` (CSR, explicit zeros removed once, here) is
    ``row_names[i]`` with ``row_lower[i] <= A[i] @ x <= row_upper[i]`` and original sense
    ``row_sense[i]`` (``"<="``, ``">="``, ``"=="``); the row's right-hand side as written is
    its bound plus ``row_constant[i]``, the constant of its expression. ``col_index[family][key]`` and
    ``row_index[family][key]`` give positions; a scalar family has the single key ``None``.
    ``sense`` is ``None`` for a model without an objective.
    """

    name: str
    col_names: tuple[str, ...]
    col_lower: np.ndarray
    col_upper: np.ndarray
    col_integer: np.ndarray
    objective: np.ndarray
    objective_constant: float
    sense: LXObjectiveSense | None
    matrix: sp.csr_matrix
    row_names: tuple[str, ...]
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_sense: np.ndarray
    row_constant: np.ndarray
    col_index: dict[str, dict[Any, int]]
    row_index: dict[str, dict[Any, int]]
    scalar_variables: frozenset[str] = field(default_factory=frozenset)
    scalar_constraints: frozenset[str] = field(default_factory=frozenset)
    #: Goal programming (``lumix.passes.goals``): one ``GoalDeviation`` per relaxed goal.
    goal_deviations: tuple[GoalDeviation, ...] = ()
    #: Sequential goal programming: one ``GoalStage`` per priority, ascending; empty otherwise.
    goal_stages: tuple[GoalStage, ...] = ()
    #: Quadratic objective terms ``(i, j, c)`` with ``i <= j`` (``c * x_i * x_j``), or ``None``.
    objective_quadratic: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    #: Products linearized with McCormick envelopes (a relaxation), as ``"x[k] * y[k]"``.
    relaxation_terms: tuple[str, ...] = ()

    @property
    def scalar_families(self) -> frozenset[str]:
        """Names of scalar variable and constraint families (one column / row each)."""
        return self.scalar_variables | self.scalar_constraints

    @property
    def n_cols(self) -> int:
        return len(self.col_names)

    @property
    def n_rows(self) -> int:
        return len(self.row_names)

    @property
    def is_mip(self) -> bool:
        return bool(self.col_integer.any())

    @cached_property
    def _col_by_name(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.col_names)}

    @cached_property
    def _row_by_name(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.row_names)}

    def column(self, name: str) -> int:
        """Position of the column named ``name`` (``"production[3]"``)."""
        try:
            return self._col_by_name[name]
        except KeyError:
            raise KeyError(f"model '{self.name}' has no column {name!r}") from None

    def row(self, name: str) -> int:
        """Position of the row named ``name`` (``"capacity[2]"``)."""
        try:
            return self._row_by_name[name]
        except KeyError:
            raise KeyError(f"model '{self.name}' has no row {name!r}") from None

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of every number and name: equal models compile to equal hashes."""
        digest = hashlib.sha256()
        arrays = (
            self.col_lower,
            self.col_upper,
            self.col_integer,
            self.objective,
            self.matrix.indptr.astype(np.int64),
            self.matrix.indices.astype(np.int64),
            self.matrix.data,
            self.row_lower,
            self.row_upper,
            self.row_constant,
        )
        for arr in arrays:
            digest.update(np.ascontiguousarray(arr).tobytes())
        sense = None if self.sense is None else self.sense.value
        names = (self.name, self.col_names, self.row_names, self.row_sense.tolist())
        digest.update(repr((names, self.objective_constant, sense)).encode())
        return digest.hexdigest()

    def family_columns(self, family: str) -> np.ndarray:
        return np.fromiter(self.col_index[family].values(), dtype=np.int64)

    def family_rows(self, family: str) -> np.ndarray:
        return np.fromiter(self.row_index[family].values(), dtype=np.int64)


def compile_model(
    model: LXModel,
    *,
    with_reads: bool = False,
    linearization: LXLinearizerConfig | None = None,
    keep_quadratic: bool = False,
) -> Any:
    """Expand ``model`` into an ``LXCanonicalModel``; raises ``ModelError`` on bad input.

    ``linearization`` (from ``LXOptimizer.enable_linearization``) turns non-linear terms
    into linear rows and columns; without it a model with such terms is refused.
    ``keep_quadratic`` keeps a quadratic objective as it is (for Gurobi and CPLEX) instead of
    linearizing its products. With ``with_reads=True`` also return the ORM rows read,
    ``{(id(session), Type): rows}``.
    """
    from .passes.linearize import linearization_settings  # the techniques need lumix.linearization

    model = goal_form(model)  # goals relaxed on a prepared shallow copy (lumix.passes.goals)
    settings = linearization_settings(model, linearization, keep_quadratic)
    expanded = expand_model(model, settings.config if settings is not None else None)
    expanded = apply_passes(model, expanded, settings)
    canon = assemble(expanded)
    return (canon, expanded.reads) if with_reads else canon


def assemble(expanded: ExpandedModel) -> LXCanonicalModel:
    """The arrays of an expanded model: columns in family order, then rows, then the objective."""
    col_names, col_lower, col_upper, col_integer = _column_arrays(expanded.columns)
    _check_unique(col_names, expanded.columns, "variable", "column")
    n_cols = len(col_names)
    row_names, matrix = assemble_matrix(expanded.rows, n_cols)
    _check_unique(row_names, expanded.rows, "constraint", "row")
    row_lower, row_upper, row_sense, row_constant = assemble_row_bounds(expanded.rows)
    objective, constant, sense = assemble_objective(expanded.objective, n_cols)
    return LXCanonicalModel(
        name=expanded.name,
        col_names=tuple(col_names),
        col_lower=col_lower,
        col_upper=col_upper,
        col_integer=col_integer,
        objective=objective,
        objective_constant=constant,
        sense=sense,
        matrix=matrix,
        row_names=tuple(row_names),
        row_lower=row_lower,
        row_upper=row_upper,
        row_sense=row_sense,
        row_constant=row_constant,
        col_index={block.name: block.positions for block in expanded.columns},
        row_index={block.name: block.positions for block in expanded.rows},
        scalar_variables=frozenset(block.name for block in expanded.columns if block.scalar),
        scalar_constraints=frozenset(block.name for block in expanded.rows if block.scalar),
        goal_deviations=tuple(expanded.goal_deviations),
        goal_stages=tuple(expanded.goal_stages),
        objective_quadratic=expanded.objective_quadratic,
        relaxation_terms=tuple(expanded.relaxation_terms),
    )


def _check_unique(names: list[str], blocks: list[ColumnBlock] | list[RowBlock], kind: str, what: str) -> None:
    """Raise ``ModelError`` when two columns (rows) get the same name, e.g. keys ``1`` and
    ``"1"`` of one family, or a family named ``"x[1]"`` beside family ``x`` with key 1: a
    scenario or a lookup by that name would silently hit only one of them."""
    if len(set(names)) == len(names):
        return
    seen: dict[str, tuple[str, Any, bool]] = {}
    for block in blocks:
        for name, key in zip(block.names, block.keys, strict=True):
            first = seen.setdefault(name, (block.name, key, block.scalar))
            if first == (block.name, key, block.scalar):
                continue
            if first[0] == block.name:
                raise ModelError(
                    f"{kind} '{block.name}': keys {first[1]!r} and {key!r} both give the {what} "
                    f"name '{name}'; make the keys distinct"
                )
            raise ModelError(
                f"{what} '{name}' of {_source(kind, block.name, key, block.scalar)} collides with "
                f"{_source(kind, *first)}; rename one of the families"
            )


def _source(kind: str, family: str, key: Any, scalar: bool) -> str:
    return f"{kind} family '{family}'" if scalar else f"{kind} '{family}' key {key!r}"


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def _column_arrays(blocks: list[ColumnBlock]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Column names, lower and upper bounds and integrality, family after family."""
    names = [name for block in blocks for name in block.names]
    lower = _concat([block.lower for block in blocks], float)
    upper = _concat([block.upper for block in blocks], float)
    integer = _concat([np.full(len(block.keys), block.integer) for block in blocks], bool)
    return names, lower, upper, integer


def assemble_matrix(blocks: list[RowBlock], n_cols: int) -> tuple[list[str], sp.csr_matrix]:
    """Row names and the constraint matrix (CSR, duplicates summed, explicit zeros removed)."""
    names = [name for block in blocks for name in block.names]
    cols = [c for block in blocks for c in block.cols]
    shape = (len(names), n_cols)
    if cols:
        rows = np.repeat(np.arange(len(names), dtype=np.int64), [len(c) for c in cols])
        vals = np.concatenate([v for block in blocks for v in block.vals])
        matrix = sp.csr_matrix((vals, (rows, np.concatenate(cols))), shape=shape)
    else:
        matrix = sp.csr_matrix(shape)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return names, matrix


def assemble_row_bounds(blocks: list[RowBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row lower and upper bounds (the right-hand side less the expression's constant, open
    on the side the sense leaves free), senses and constants."""
    sense = np.repeat(np.asarray([b.sense for b in blocks], dtype="<U2"), [len(b.keys) for b in blocks])
    rhs = np.asarray([r for block in blocks for r in block.rhs], dtype=float)
    constant = np.asarray([c for block in blocks for c in block.constants], dtype=float)
    bound = rhs - constant
    lower = np.where(sense != "<=", bound, -np.inf)
    upper = np.where(sense != ">=", bound, np.inf)
    return lower, upper, sense, constant


def assemble_objective(
    block: ObjectiveBlock | None, n_cols: int
) -> tuple[np.ndarray, float, LXObjectiveSense | None]:
    """Objective coefficients per column (duplicates summed), constant and sense."""
    if block is None:
        return np.zeros(n_cols), 0.0, None
    objective = np.bincount(block.cols, weights=block.vals, minlength=n_cols).astype(float)
    return objective, block.constant, block.sense
