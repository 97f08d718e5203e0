"""What every persistent solver backend offers (``PersistentSolver``), and small helpers they share.

A persistent solver is built once from an ``LXCanonicalModel``'s arrays, changed in place
(row and column bounds, objective and matrix coefficients, objective sense), solved warm, and
reverted to the model as built. ``lumix.scenario`` drives every backend through these methods
only: ``ORToolsSolver`` (``ortools.py``), ``CPSATSolver`` (``cpsat.py``), ``GurobiSolver``
(``gurobi.py``) and ``CplexSolver`` (``cplex.py``).
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import scipy.sparse as sp

    from ..compile import LXCanonicalModel
    from .capabilities import LXSolverCapability
    from .ortools import RawSolution
    from .solution import LXSolution

__all__ = [
    "PersistentSolver",
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
