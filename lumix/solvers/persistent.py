"""What every persistent solver backend offers (``PersistentSolver``), and the base they share.

A persistent solver is built once from an ``LXCanonicalModel``'s arrays, changed in place
(row and column bounds, objective and matrix coefficients, objective sense), solved warm, and
reverted to the model as built. ``lumix.scenario`` drives every backend through these methods
only: ``ORToolsSolver`` (``ortools.py``), ``CPSATSolver`` (``cpsat.py``), ``GurobiSolver``
(``gurobi.py``) and ``CplexSolver`` (``cplex.py``). Each subclasses ``TrackedSolver``, which
keeps the numbers and the change log and records every change; a backend only pushes one
change to its engine (``_set_row``, ``_set_col``, ``_set_objective``, ``_set_coefficient``,
``_set_sense``), builds, and solves.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..core.enums import LXObjectiveSense
from .solution import LXSolution

if TYPE_CHECKING:
    import numpy as np
    import scipy.sparse as sp

    from ..compile import LXCanonicalModel
    from .capabilities import LXSolverCapability
    from .ortools import RawSolution

__all__ = [
    "PersistentSolver",
    "TrackedSolver",
    "to_solution",
    "native_name",
    "refuse_quadratic",
    "solver_logger",
    "ChangeLog",
    "matrix_entry",
]


class PersistentSolver(Protocol):
    """A solver of one compiled model, changed in place and reverted.

    ``row_lower`` .. ``objective`` hold the current numbers (the canonical arrays plus the
    changes since the last ``revert()``); ``backend`` names the engine (``"GLOP"``,
    ``"CP-SAT"``, ``"Gurobi"``, ...) for messages. Thread-safety: one per thread.
    """

    canon: LXCanonicalModel
    backend: str
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    objective: np.ndarray

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None: ...

    def set_col_bounds(self, col: int, lower: float, upper: float) -> None: ...

    def set_objective_coefficient(self, col: int, value: float) -> None: ...

    def set_objective(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Set the objective coefficients of columns ``cols`` to ``values`` in one call."""
        ...

    def set_coefficient(self, row: int, col: int, value: float) -> None: ...

    def coefficient(self, row: int, col: int) -> float: ...

    def set_objective_sense(self, maximize: bool) -> None: ...

    @property
    def changed(self) -> bool: ...

    @property
    def changed_coefficients(self) -> Mapping[tuple[int, int], float]: ...

    def revert(self) -> None: ...

    def solve(self, values: bool = True) -> RawSolution: ...

    def to_solution(self, raw: RawSolution) -> LXSolution: ...


class ChangeLog:
    """The values changed since the last revert, first value kept: ``rows[i] = (lower,
    upper)``, ``cols[j] = (lower, upper)``, ``objective[j]``, ``coefficients[(i, j)]`` and
    ``maximize`` (the sense as built, or ``None`` when unchanged)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[float, float]] = {}
        self.cols: dict[int, tuple[float, float]] = {}
        self.objective: dict[int, float] = {}
        self.coefficients: dict[tuple[int, int], float] = {}
        self.maximize: bool | None = None

    def __bool__(self) -> bool:
        return bool(
            self.rows or self.cols or self.objective or self.coefficients or self.maximize is not None
        )

    def keep_objective(self, cols: list[int], current: np.ndarray) -> None:
        """Remember the objective coefficients of ``cols`` (``current`` before a change)."""
        saved = self.objective
        for col in cols:
            if col not in saved:
                saved[col] = current.item(col)

    def clear(self) -> None:
        self.rows.clear()
        self.cols.clear()
        self.objective.clear()
        self.coefficients.clear()
        self.maximize = None


def solver_logger(capability: LXSolverCapability) -> logging.Logger:
    """The logger LumiX uses for a backend: ``lumix.{capability.name}``."""
    return logging.getLogger(f"lumix.{capability.name}")


def refuse_quadratic(canon: LXCanonicalModel, capability: LXSolverCapability) -> None:
    """Raise ``ValueError`` when ``canon`` has a quadratic objective the solver cannot take."""
    if canon.objective_quadratic is not None and not capability.can_solve_quadratic():
        raise ValueError(
            f"{capability.name} has no quadratic objective; call enable_linearization() to turn the "
            "products into linear constraints, or use 'gurobi' or 'cplex'"
        )


def native_name(name: Any, limit: int = 255) -> str:
    """A label every solver accepts: control characters become ``_``; a name over ``limit``
    bytes is cut and ends in ``~`` and 16 hex digits of its SHA-1 (distinct names stay distinct)."""
    text = "".join(ch if ch.isprintable() else "_" for ch in str(name))
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    digest = hashlib.sha1(encoded).hexdigest()[:16]
    head = encoded[: limit - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def matrix_entry(matrix: sp.csr_matrix, row: int, col: int) -> float:
    """``matrix[row, col]`` of a CSR matrix (duplicates summed), without scipy's indexing cost."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    hits = (matrix.indices[start:end] == col).nonzero()[0]
    return float(matrix.data[start + hits[0]]) if hits.size else 0.0


class TrackedSolver(ABC):
    """The base of the persistent backends: the numbers as they now stand, the change log, and
    the recording ``set_*`` methods, ``changed`` and ``revert()`` of ``PersistentSolver``.

    Invariant: ``row_lower`` .. ``objective`` and ``_maximize`` are the canonical model's plus
    every change since the last ``revert()``; ``_changes`` holds each changed item's value as of
    that revert. Each ``set_*`` records the value it replaces, pushes the change to the engine
    through a hook (``_set_row``, ``_set_col``, ``_set_objective``, ``_set_coefficient``,
    ``_set_sense``), then updates the arrays, so a hook that raises leaves them as they were.
    ``revert()`` replays the log through the same hooks (``_restore_coefficients`` for the
    matrix), skipping objective coefficients already back at their value.
    """

    capability: ClassVar[LXSolverCapability]
    backend: str

    def __init__(self, canon: LXCanonicalModel) -> None:
        self.canon = canon
        self.logger = solver_logger(self.capability)
        self.row_lower = canon.row_lower.copy()
        self.row_upper = canon.row_upper.copy()
        self.col_lower = canon.col_lower.copy()
        self.col_upper = canon.col_upper.copy()
        self.objective = canon.objective.copy()
        self._maximize = canon.sense is LXObjectiveSense.MAXIMIZE
        self._changes = ChangeLog()

    # -- hooks: one change, pushed to the engine --------------------------------------------
    @abstractmethod
    def _set_row(self, row: int, lower: float, upper: float) -> None:
        """Make row ``row`` read ``lower <= row <= upper`` in the engine."""

    @abstractmethod
    def _set_col(self, col: int, lower: float, upper: float) -> None:
        """Give column ``col`` the bounds ``lower .. upper`` in the engine."""

    @abstractmethod
    def _set_objective(self, cols: list[int], values: list[float]) -> None:
        """Set the objective coefficients of ``cols`` to ``values`` (maybe none) in the engine."""

    @abstractmethod
    def _set_coefficient(self, row: int, col: int, value: float) -> None:
        """Set the matrix coefficient of ``col`` in ``row`` in the engine."""

    @abstractmethod
    def _set_sense(self, maximize: bool) -> None:
        """Make the engine maximize (``True``) or minimize the objective."""

    def _set_objective_coefficient(self, col: int, value: float) -> None:
        """``_set_objective`` of one column (a backend may do it faster)."""
        self._set_objective([col], [value])

    def _restore_coefficients(self, saved: dict[tuple[int, int], float]) -> None:
        """Put back the matrix coefficients ``saved`` as ``{(row, col): value}``."""
        for (row, col), value in saved.items():
            self._set_coefficient(row, col, value)

    @abstractmethod
    def coefficient(self, row: int, col: int) -> float:
        """The matrix coefficient of ``col`` in ``row`` as it now stands."""

    @abstractmethod
    def solve(self, values: bool = True) -> RawSolution:
        """Solve the model as it now stands; ``values=False`` reads the objective only."""

    # -- changes ----------------------------------------------------------------------------
    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        saved = self._changes.rows
        if row not in saved:
            saved[row] = (self.row_lower.item(row), self.row_upper.item(row))
        self._set_row(row, lower, upper)
        self.row_lower[row], self.row_upper[row] = lower, upper

    def set_col_bounds(self, col: int, lower: float, upper: float) -> None:
        saved = self._changes.cols
        if col not in saved:
            saved[col] = (self.col_lower.item(col), self.col_upper.item(col))
        self._set_col(col, lower, upper)
        self.col_lower[col], self.col_upper[col] = lower, upper

    def set_objective_coefficient(self, col: int, value: float) -> None:
        saved = self._changes.objective
        if col not in saved:
            saved[col] = self.objective.item(col)
        self._set_objective_coefficient(col, value)
        self.objective[col] = value

    def set_objective(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Set the objective coefficients of columns ``cols`` to ``values`` in one call."""
        columns = cols.tolist()
        self._changes.keep_objective(columns, self.objective)
        self._set_objective(columns, values.tolist())
        self.objective[cols] = values

    def set_coefficient(self, row: int, col: int, value: float) -> None:
        saved = self._changes.coefficients
        if (row, col) not in saved:
            saved[(row, col)] = self.coefficient(row, col)
        self._set_coefficient(row, col, value)

    def set_objective_sense(self, maximize: bool) -> None:
        """Maximize (``True``) or minimize the objective; ``revert()`` restores the sense."""
        if self._changes.maximize is None:
            self._changes.maximize = self._maximize
        self._set_sense(maximize)
        self._maximize = maximize

    @property
    def changed(self) -> bool:
        return bool(self._changes)

    @property
    def changed_coefficients(self) -> Mapping[tuple[int, int], float]:
        """``{(row, col): value as built}`` of the matrix coefficients changed since the last
        ``revert()`` (read-only view; ``coefficient(row, col)`` gives the current value)."""
        return MappingProxyType(self._changes.coefficients)

    def revert(self) -> None:
        """Undo every change since construction or the last ``revert()``."""
        changes = self._changes
        row_lower, row_upper = self.row_lower, self.row_upper
        for row, (lower, upper) in changes.rows.items():
            self._set_row(row, lower, upper)
            row_lower[row], row_upper[row] = lower, upper
        col_lower, col_upper = self.col_lower, self.col_upper
        for col, (lower, upper) in changes.cols.items():
            self._set_col(col, lower, upper)
            col_lower[col], col_upper[col] = lower, upper
        if changes.objective:
            self._revert_objective(changes.objective)
        if changes.coefficients:
            self._restore_coefficients(changes.coefficients)
        if changes.maximize is not None:
            self._set_sense(changes.maximize)
            self._maximize = changes.maximize
        changes.clear()

    def _revert_objective(self, saved: dict[int, float]) -> None:
        """Put back the ``saved`` objective coefficients that differ now (a staged solve
        restores most of them itself)."""
        objective = self.objective
        cols = [col for col, value in saved.items() if objective.item(col) != value]
        values = [saved[col] for col in cols]
        self._set_objective(cols, values)
        objective[cols] = values

    # -- parameters and results -------------------------------------------------------------
    def _apply_parameters(
        self,
        settings: Mapping[str, Any],
        apply: Callable[[str, Any], object],
        errors: tuple[type[Exception], ...],
    ) -> None:
        """``apply(name, value)`` for each setting; one that raises one of ``errors`` logs
        LumiX's warning ``Failed to set {backend} parameter '{name}': ...`` and is skipped."""
        for name, value in settings.items():
            try:
                apply(name, value)
            except errors as exc:
                self.logger.warning(f"Failed to set {self.backend} parameter '{name}': {exc}")

    def to_solution(self, raw: RawSolution) -> LXSolution:
        return to_solution(self.canon, raw)


def to_solution(canon: LXCanonicalModel, raw: RawSolution) -> LXSolution:
    """Name a ``RawSolution``'s values by family / key and by row and column names."""
    solution = LXSolution(raw.objective_value, raw.status, raw.solve_time, gap=raw.gap)
    solution.iterations, solution.nodes = raw.iterations, raw.nodes
    solution.relaxation = bool(canon.relaxation_terms)  # McCormick envelopes were used
    if raw.x is not None:
        x = raw.x.tolist()
        for family, positions in canon.col_index.items():
            if family in canon.scalar_variables:
                solution.variables[family] = x[positions[None]]
            else:
                solution.variables[family] = {k: x[j] for k, j in positions.items()}
    if raw.duals is not None:
        solution.shadow_prices = dict(zip(canon.row_names, raw.duals.tolist(), strict=True))
    if raw.reduced_costs is not None:
        solution.reduced_costs = dict(zip(canon.col_names, raw.reduced_costs.tolist(), strict=True))
    if raw.x is not None:
        for goal in canon.goal_deviations:
            solution.goal_deviations[goal.goal] = {
                "pos": solution.variables[goal.pos],
                "neg": solution.variables[goal.neg],
            }
            solution._undesired_deviations[goal.goal] = goal.undesired
    solution.goal_stages = list(raw.goal_stages)
    return solution
