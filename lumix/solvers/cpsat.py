"""CP-SAT backend: a persistent ``cp_model`` of canonical arrays, made integral exactly.

CP-SAT takes integers only. ``CPSATSolver(canon)`` fills the ``CpModelProto`` in one pass over
the CSR rows:

- Every row and the objective become integral exactly: each coefficient and bound becomes
  ``Fraction(v).limit_denominator(max_denominator)`` (which must be within a relative 1e-9 of
  ``v``, else ``ValueError``), is divided by its column's scale, and the row is multiplied by
  the LCM of the denominators. Rows of integers on integer columns skip the fractions. Values
  must stay within ``2**62``; ``approximate_coefficients=True`` accepts the nearest fractions
  and, for a row that would overflow, a power-of-ten scale near ``2**40`` (with a warning).
- Continuous columns are refused unless ``rational_conversion=True``
  (``LXOptimizer.enable_rational_conversion()``): each becomes an integer ``x * scaling_factor``
  with bounds ``ceil(lo * s - 1e-9) .. floor(hi * s + 1e-9)``; values are read back divided.
- Open bounds are capped at ``±min(2**40, 2**60 // w)``, ``w`` the column's largest
  ``|integer coefficient| * row length``, so no row can overflow. A solution on a cap is
  ``feasible`` (with a warning), or ``unbounded`` when GLOP finds the LP relaxation unbounded.
- Equalities on scaled columns that leave the model infeasible are solved again as bands one,
  two, then three grid steps wide (with a warning).

Changes to bounds and coefficients rewrite only the rows, columns and objective they touch,
before the next solve; the model (and its solver parameters) stay. No duals: CP-SAT has none.
Parameters: ``time_limit`` (max_time_in_seconds), ``gap_tolerance`` (relative_gap_limit),
``threads`` (num_workers); any other name is set on ``SatParameters`` (a failure logs a
warning). Thread-safety: one solver per thread.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from ortools.sat.python import cp_model

from ..core.enums import LXObjectiveSense
from ..status import Status
from .capabilities import CPSAT_CAPABILITIES
from .ortools import ORToolsSolver, RawSolution
from .persistent import TrackedSolver, matrix_entry, refuse_quadratic

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["CPSATSolver", "INT_LIMIT", "OPEN_BOUND", "ROW_BUDGET"]

#: Largest integer coefficient or bound given to CP-SAT.
INT_LIMIT = 2**62
#: Cap of an open column bound (CP-SAT domains must stay well inside int64).
OPEN_BOUND = 2**40
#: An open bound B of a column keeps |coefficient| * row length * B within this.
ROW_BUDGET = 2**60
_WEIGHT_CEILING = 2**61  # any weight above ROW_BUDGET gives the smallest cap, 1
_EXACT = 1e-9

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.MODEL_INVALID: Status.ABNORMAL,
    cp_model.UNKNOWN: Status.UNKNOWN,
}
_LINEAR_SOLVERS = "('ortools', 'gurobi', 'cplex', 'glpk')"
_BANNER = (
    "",
    "╔════════════════════════════════════════════════════════════╗",
    "║     CP-SAT: RATIONAL CONVERSION (AUTO-SCALING ENABLED)     ║",
    "╠════════════════════════════════════════════════════════════╣",
    "║  Variables scaled: {count:2d}                                        ║",
    "║  Scale factor: {scale:5d}                                      ║",
    "║  Rational max denom: {denominator:5d}                             ║",
    "║                                                            ║",
    "║  Continuous variables will be converted to integers by     ║",
    "║  multiplying by the scale factor. Solution values will be  ║",
    "║  automatically de-scaled back to continuous domain.        ║",
    "║                                                            ║",
    "║  Note: Small rounding errors may occur due to integer      ║",
    "║  approximation. For high-precision needs, use a linear     ║",
    "║  solver ('ortools', 'gurobi', or 'cplex') instead.         ║",
    "╚════════════════════════════════════════════════════════════╝",
    "",
)


def continuous_refusal(families: Sequence[str]) -> ValueError:
    """LumiX's error for continuous columns on CP-SAT without rational conversion."""
    return ValueError(
        "CP-SAT does not support continuous variables. "
        f"Found continuous variables: {', '.join(families)}.\n"
        "Options:\n"
        "  1. Use integer/binary variables only\n"
        "  2. Switch to 'ortools', 'gurobi', or 'cplex' solvers\n"
        "  3. Enable rational conversion: optimizer.enable_rational_conversion()\n"
        "     This will scale continuous variables to integers and de-scale solutions."
    )


def checked_scaling_factor(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not float(value).is_integer()
        or value < 1
    ):
        raise ValueError(f"scaling_factor must be an integer >= 1, got {value!r}")
    return int(value)


@dataclasses.dataclass
class IntegerRow:
    """A row ``lower <= sum(coeffs * x) <= upper`` on the CP-SAT columns (``None``: open)."""

    coeffs: list[int]
    lower: int | None
    upper: int | None
    scale: int


class CPSATSolver(TrackedSolver):
    """A persistent CP-SAT model of one ``LXCanonicalModel`` (see the module docstring)."""

    capability = CPSAT_CAPABILITIES
    backend = "CP-SAT"

    def __init__(
        self,
        canon: LXCanonicalModel,
        *,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        threads: int | None = None,
        rational_conversion: bool = False,
        max_denominator: int = 10000,
        scaling_factor: int = 1000,
        approximate_coefficients: bool = False,
        **params: Any,
    ) -> None:
        refuse_quadratic(canon, self.capability)
        super().__init__(canon)
        self.scaling_factor = checked_scaling_factor(scaling_factor)
        self.max_denominator = int(max_denominator)
        self.approximate = approximate_coefficients
        self._time_limit = time_limit
        self._scales = self._column_scales(rational_conversion)
        self._matrix = canon.matrix.copy()
        self._dirty_rows: set[int] = set()
        self._dirty_cols: set[int] = set()
        self._dirty_objective = False
        self._approximation_error = 0.0
        self._build()
        self._solver = cp_model.CpSolver()
        self._set_params(time_limit, gap_tolerance, threads, params)

    def _column_scales(self, rational_conversion: bool) -> np.ndarray:
        canon = self.canon
        continuous = ~canon.col_integer
        if continuous.any():
            families = sorted(
                f for f, keys in canon.col_index.items() if continuous[list(keys.values())].any()
            )
            if not rational_conversion:
                raise continuous_refusal(families)
            for line in _BANNER:
                self.logger.warning(
                    line.format(
                        count=len(families), scale=self.scaling_factor, denominator=self.max_denominator
                    )
                )
        return np.where(continuous, self.scaling_factor, 1).astype(np.int64)

    def _set_params(
        self,
        time_limit: float | None,
        gap_tolerance: float | None,
        threads: int | None,
        params: dict[str, Any],
    ) -> None:
        named = {
            "max_time_in_seconds": time_limit,
            "relative_gap_limit": gap_tolerance,
            "num_workers": threads,
        }
        settings = {k: v for k, v in named.items() if v is not None} | params
        apply = functools.partial(setattr, self._solver.parameters)
        self._apply_parameters(settings, apply, (AttributeError, TypeError, ValueError))

    @property
    def native(self) -> cp_model.CpModel:
        """The ``CpModel`` (its proto holds the integral rows; changes made there are not reverted)."""
        return self._model

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        canon = self.canon
        self._model = cp_model.CpModel()
        proto = self._proto = self._model.proto
        proto.name = canon.name
        self._weight = np.ones(canon.n_cols, dtype=np.int64)
        ints = self._build_rows()
        self._add_weights(ints, np.repeat(np.diff(self._matrix.indptr), np.diff(self._matrix.indptr)))
        self._write_objective()
        self._base_weight = self._weight.copy()
        self._open: dict[int, int] = {}
        for j, name in enumerate(canon.col_names):
            var = proto.variables.add()
            var.name = name
            var.domain.extend(self._domain(j))
        if self._approximation_error:
            self._warn_approximation()
        problem = self._model.validate()
        if problem:
            raise ValueError(f"CP-SAT rejected the model: {problem}")

    def _build_rows(self) -> np.ndarray:
        """Add every row to the proto; returns the integer coefficients in CSR order."""
        matrix, canon = self._matrix, self.canon
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        fast = self._integer_rows()
        ints = np.where(np.repeat(fast, np.diff(indptr)), data, 0).astype(np.int64)
        lower, upper = self.row_lower.tolist(), self.row_upper.tolist()
        for i, name in enumerate(canon.row_names):
            start, end = indptr[i], indptr[i + 1]
            constraint = self._proto.constraints.add()
            constraint.name = name
            linear = constraint.linear
            linear.vars.extend(indices[start:end].tolist())
            if fast[i]:
                row = IntegerRow(ints[start:end].tolist(), _int_or_none(lower[i]), _int_or_none(upper[i]), 1)
            else:
                row = self._integer_row(indices[start:end], data[start:end], lower[i], upper[i], name)
                ints[start:end] = row.coeffs
            linear.coeffs.extend(row.coeffs)
            linear.domain.extend(_domain_of(row))
        return ints

    def _integer_rows(self) -> np.ndarray:
        """Rows already integral: integer coefficients on unscaled columns, integer bounds."""
        matrix = self._matrix
        data = matrix.data
        good = (data == np.round(data)) & (self._scales[matrix.indices] == 1) & (np.abs(data) <= INT_LIMIT)
        n_rows = self.canon.n_rows
        entry_rows = np.repeat(np.arange(n_rows), np.diff(matrix.indptr))
        bad = np.bincount(entry_rows[~good], minlength=n_rows) > 0
        return ~bad & _integral_bounds(self.row_lower) & _integral_bounds(self.row_upper)

    def _add_weights(self, ints: np.ndarray, lengths: np.ndarray, cols: np.ndarray | None = None) -> None:
        """Raise column weights to ``|coefficient| * row length`` of the given entries."""
        magnitude = np.abs(ints)
        product = np.where(
            magnitude.astype(float) * lengths >= _WEIGHT_CEILING, _WEIGHT_CEILING, magnitude * lengths
        )
        np.maximum.at(self._weight, self._matrix.indices if cols is None else cols, product)

    def _fraction(self, value: float, what: str) -> Fraction:
        fraction = Fraction(value).limit_denominator(self.max_denominator)
        if value == 0:
            return fraction
        error = abs(float(fraction) - value) / abs(value)
        if fraction != 0 and error <= _EXACT:
            return fraction
        if self.approximate and fraction != 0:
            self._approximation_error = max(self._approximation_error, error)
            return fraction
        raise ValueError(
            f"CP-SAT cannot represent {value!r} in {what} with denominators up to {self.max_denominator}; "
            "pass approximate_coefficients=True to solve() or use_solver('cpsat', ...) to accept an "
            "approximation, raise enable_rational_conversion(max_denom=...), or use a linear solver "
            f"{_LINEAR_SOLVERS}"
        )

    def _integer_row(
        self, cols: np.ndarray, values: np.ndarray, lower: float, upper: float, name: str
    ) -> IntegerRow:
        """The exact integral form of ``lower <= sum(values * x[cols]) <= upper`` on the
        CP-SAT columns ``x * scale`` (``name`` is the row's, or ``""`` for the objective)."""
        what = f"constraint '{name}'" if name else "the objective"
        scales = self._scales[cols].tolist()
        fractions = [self._fraction(v, what) / s for v, s in zip(values.tolist(), scales, strict=True)]
        bounds = [None if math.isinf(b) else self._fraction(b, what) for b in (lower, upper)]
        present = [b for b in bounds if b is not None]
        scale = math.lcm(*(f.denominator for f in fractions + present))
        coeffs = [int(f * scale) for f in fractions]
        lo, up = (None if b is None else int(b * scale) for b in bounds)
        if max(map(abs, [*coeffs, *(int(b * scale) for b in present)]), default=0) <= INT_LIMIT:
            return IntegerRow(coeffs, lo, up, scale)
        return self._approximate_row(fractions, bounds, scale, what)

    def _approximate_row(
        self, fractions: list[Fraction], bounds: list[Fraction | None], scale: int, what: str
    ) -> IntegerRow:
        """A row too large for 64 bits: an error, or (``approximate``) a power-of-ten scale
        that keeps its largest value near ``2**40``."""
        present = [b for b in bounds if b is not None]
        if not self.approximate:
            if scale == 1:
                largest = max(abs(int(v)) for v in fractions + present)
                raise ValueError(
                    f"{what[0].upper()}{what[1:]} has the value {largest:.6g}, beyond CP-SAT's 64-bit "
                    f"integer range (|value| <= {INT_LIMIT}); scale the model or use a linear solver "
                    f"{_LINEAR_SOLVERS}"
                )
            raise ValueError(
                f"CP-SAT needs a common denominator of {scale} for {what}, which puts its integer "
                "coefficients beyond the 64-bit range; pass approximate_coefficients=True to solve() or "
                "use_solver('cpsat', ...) to accept an approximation, or use a linear solver "
                f"{_LINEAR_SOLVERS}"
            )
        biggest = float(max(abs(v) for v in fractions + present))
        scale = int(10 ** max(0, math.floor(math.log10(2**40 / biggest))))
        coeffs = [round(f * scale) for f in fractions]
        for f, c in zip(fractions, coeffs, strict=True):
            if f and not c:
                raise ValueError(
                    f"CP-SAT cannot represent coefficient {float(f)!r} in {what}: it is too small next to "
                    "the largest value of the row"
                )
            if f:
                self._approximation_error = max(self._approximation_error, abs(c / scale - f) / abs(f))
        lo, up = (None if b is None else round(b * scale) for b in bounds)
        return IntegerRow(coeffs, lo, up, scale)

    def _warn_approximation(self) -> None:
        self.logger.warning(
            f"CP-SAT: coefficients approximated with denominators up to {self.max_denominator} "
            f"(largest relative error {self._approximation_error:.2e})"
        )
        self._approximation_error = 0.0

    def _write_objective(self) -> None:
        """The objective, integral, in the proto (negated with scaling factor -1 to maximize,
        so that the solver's objective value is the integral objective itself)."""
        proto = self._proto
        proto.clear_objective()
        cols = np.flatnonzero(self.objective)
        self._objective_scale = 1
        if not cols.size:  # no objective (or all zero): a feasibility problem
            self._has_objective = False
            return
        self._has_objective = True
        row = self._integer_row(cols, self.objective[cols], -math.inf, math.inf, "")
        self._objective_scale = row.scale
        sign = -1 if self._maximize else 1
        proto.objective.vars.extend(cols.tolist())
        proto.objective.coeffs.extend([sign * c for c in row.coeffs])
        proto.objective.scaling_factor = float(sign)
        self._add_weights(np.asarray(row.coeffs, dtype=np.int64), np.full(cols.size, cols.size), cols)

    def _domain(self, col: int) -> tuple[int, int]:
        """The column's integer domain on its grid, open sides capped (recorded in ``_open``)."""
        scale = int(self._scales[col])
        cap = max(1, min(OPEN_BOUND, ROW_BUDGET // int(self._weight[col])))
        lower, upper = self.col_lower.item(col), self.col_upper.item(col)
        lo, lo_open = _grid_bound(lower * scale, math.ceil, cap)
        hi, hi_open = _grid_bound(upper * scale, math.floor, cap)
        if lo_open or hi_open:
            self._open[col] = cap
        else:
            self._open.pop(col, None)
        if lo > hi:
            raise ValueError(
                f"Variable '{self.canon.col_names[col]}' has no value on the CP-SAT grid 1/{scale} "
                f"within [{lower}, {upper}]"
            )
        return lo, hi

    # -- changes (recorded by TrackedSolver; the proto is rewritten before the next solve) ----
    def _set_row(self, row: int, lower: float, upper: float) -> None:
        self._dirty_rows.add(row)

    def _set_col(self, col: int, lower: float, upper: float) -> None:
        self._dirty_cols.add(col)

    def _set_objective(self, cols: list[int], values: list[float]) -> None:
        self._dirty_objective = True

    def _set_sense(self, maximize: bool) -> None:
        self._dirty_objective = True

    def _set_coefficient(self, row: int, col: int, value: float) -> None:
        matrix = self._matrix
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        hits = (matrix.indices[start:end] == col).nonzero()[0]
        if hits.size:
            matrix.data[start + hits[0]] = value
        elif value:  # a new entry: rebuild the row structure once
            lil = matrix.tolil()
            lil[row, col] = value
            self._matrix = lil.tocsr()
        self._dirty_rows.add(row)

    def _restore_coefficients(self, saved: dict[tuple[int, int], float]) -> None:
        self._matrix = self.canon.matrix.copy()
        self._dirty_rows.update(row for row, _ in saved)

    def coefficient(self, row: int, col: int) -> float:
        return matrix_entry(self._matrix, row, col)

    def revert(self) -> None:
        """Undo every change since construction or the last ``revert()``, the open-bound caps
        that changed rows narrowed included (the proto is rewritten before the next solve)."""
        super().revert()
        widened = np.flatnonzero(self._weight != self._base_weight)
        self._weight = self._base_weight.copy()
        self._dirty_cols.update(widened.tolist())

    def _sync(self) -> None:
        """Rewrite the rows, objective and column domains changed since the last solve."""
        before = self._weight.copy()
        matrix = self._matrix
        for row in sorted(self._dirty_rows):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            cols, values = matrix.indices[start:end], matrix.data[start:end]
            keep = values != 0
            cols, values = cols[keep], values[keep]
            integral = self._integer_row(
                cols, values, self.row_lower.item(row), self.row_upper.item(row), self.canon.row_names[row]
            )
            linear = self._proto.constraints[row].linear
            for field, items in ((linear.vars, cols.tolist()), (linear.coeffs, integral.coeffs)):
                field.clear()
                field.extend(items)
            linear.domain.clear()
            linear.domain.extend(_domain_of(integral))
            self._add_weights(
                np.asarray(integral.coeffs, dtype=np.int64), np.full(cols.size, cols.size), cols
            )
        if self._dirty_objective:
            self._write_objective()
        for col in sorted(self._dirty_cols | set(np.flatnonzero(self._weight != before).tolist())):
            domain = self._proto.variables[col].domain
            domain[0], domain[1] = self._domain(col)
        if self._approximation_error:
            self._warn_approximation()
        self._dirty_rows.clear()
        self._dirty_cols.clear()
        self._dirty_objective = False

    # -- solving ----------------------------------------------------------------------------
    def solve(self, values: bool = True) -> RawSolution:
        """Solve the model as it now stands; ``values=False`` reads the objective only."""
        self._sync()
        start = time.perf_counter()
        code = self._solver.solve(self._model)
        relaxed = False
        if code == cp_model.INFEASIBLE and self._grid_equalities():
            code, relaxed = self._solve_on_bands(), True
        raw = self._read(code, values, relaxed)
        raw.solve_time = time.perf_counter() - start
        return raw

    def _status(self, code: cp_model.CpSolverStatus) -> Status:
        if code == cp_model.UNKNOWN and self._time_limit is not None:
            return Status.TIME_LIMIT
        if code == cp_model.MODEL_INVALID:
            self.logger.warning(f"CP-SAT rejected model '{self.canon.name}': {self._model.validate()}")
        return _STATUS.get(code, Status.UNKNOWN)

    def _read(self, code: cp_model.CpSolverStatus, values: bool, relaxed: bool) -> RawSolution:
        solver = self._solver
        raw = RawSolution(self._status(code), None, 0.0, nodes=int(solver.num_branches))
        if not raw.status.is_feasible:
            return raw
        x = np.asarray(solver.response_proto.solution, dtype=float) / self._scales
        raw.objective_value = self.canon.objective_constant
        if self._has_objective:
            raw.objective_value += solver.objective_value / self._objective_scale
            bound = solver.best_objective_bound / self._objective_scale + self.canon.objective_constant
            raw.gap = abs(raw.objective_value - bound) / max(abs(raw.objective_value), 1e-10)
        if self._on_cap(x):
            if raw.status is Status.OPTIMAL and self._has_objective and self._relaxation_unbounded():
                self.logger.warning(
                    "CP-SAT: a variable reached the open-bound cap and the LP relaxation is unbounded; "
                    "the model is unbounded"
                )
                return RawSolution(Status.UNBOUNDED, None, 0.0, nodes=raw.nodes)
            raw.status = Status.FEASIBLE  # optimality is proven only inside the caps
        if relaxed:
            self._warn_bands(x)
        if values:
            raw.x = x
        return raw

    def _on_cap(self, x: np.ndarray) -> bool:
        """Warn for each column on its cap; whether there is one."""
        found = False
        for col, cap in self._open.items():
            if abs(x[col] * self._scales[col]) >= cap:
                found = True
                self.logger.warning(
                    f"Variable '{self.canon.col_names[col]}' reached ±{cap}, the bound CP-SAT uses for an "
                    "open bound; the true optimum may lie beyond it or the model may be unbounded"
                )
        return found

    def _relaxation_unbounded(self) -> bool:
        """Whether GLOP finds the LP relaxation of the model as it now stands unbounded."""
        sense = LXObjectiveSense.MAXIMIZE if self._maximize else LXObjectiveSense.MINIMIZE
        relaxed = dataclasses.replace(
            self.canon,
            matrix=self._matrix,
            row_lower=self.row_lower.copy(),
            row_upper=self.row_upper.copy(),
            col_lower=self.col_lower.copy(),
            col_upper=self.col_upper.copy(),
            col_integer=np.zeros(self.canon.n_cols, dtype=bool),
            objective=self.objective.copy(),
            sense=sense,
            objective_quadratic=None,
        )
        return (
            ORToolsSolver(relaxed, solver="glop", warm=False).solve(values=False).status is Status.UNBOUNDED
        )

    # -- equalities on the grid of scaled columns ---------------------------------------------
    def _grid_equalities(self) -> list[int]:
        """Equality rows with a scaled (continuous) column."""
        if not (self._scales > 1).any():
            return []
        matrix = self._matrix
        scaled = (self._scales[matrix.indices] > 1) & (matrix.data != 0)
        rows = np.repeat(np.arange(self.canon.n_rows), np.diff(matrix.indptr))[scaled]
        equal = self.row_lower == self.row_upper
        return sorted(int(r) for r in set(rows.tolist()) if equal[r])

    def _solve_on_bands(self) -> cp_model.CpSolverStatus:
        """Solve with each grid equality as a band of 1, 2, then 3 grid steps, until feasible;
        the rows are put back afterwards."""
        rows = self._grid_equalities()
        exact = {row: list(self._proto.constraints[row].linear.domain) for row in rows}
        code = cp_model.INFEASIBLE
        try:
            for steps in (1, 2, 3):  # rows without a grid solution first, then every such row
                for row in rows:
                    linear = self._proto.constraints[row].linear
                    rhs = exact[row][0]
                    band = _grid_band(list(linear.vars), list(linear.coeffs), rhs, self._scales, steps)
                    linear.domain[0], linear.domain[1] = rhs - band, rhs + band
                code = self._solver.solve(self._model)
                if code != cp_model.INFEASIBLE:
                    break
        finally:
            for row, domain in exact.items():
                linear = self._proto.constraints[row].linear
                linear.domain[0], linear.domain[1] = domain
        return code

    def _warn_bands(self, x: np.ndarray) -> None:
        matrix = self._matrix
        worst = 0.0
        for row in self._grid_equalities():
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            lhs = float(matrix.data[start:end] @ x[matrix.indices[start:end]])
            worst = max(worst, abs(lhs - self.row_lower.item(row)))
        self.logger.warning(
            "CP-SAT: no solution satisfies the equalities on continuous variables exactly on the "
            f"1/{self.scaling_factor} grid; they hold within {worst:.3g} (pass a larger scaling_factor to "
            "solve() or use_solver('cpsat', scaling_factor=...), or use a linear solver)"
        )


def _int_or_none(value: float) -> int | None:
    return None if math.isinf(value) else int(value)


def _integral_bounds(bounds: np.ndarray) -> np.ndarray:
    finite = np.isfinite(bounds)
    safe = np.where(finite, bounds, 0.0)
    return ~finite | ((safe == np.round(safe)) & (np.abs(safe) <= INT_LIMIT))


def _domain_of(row: IntegerRow) -> list[int]:
    return [
        cp_model.INT_MIN if row.lower is None else row.lower,
        cp_model.INT_MAX if row.upper is None else row.upper,
    ]


def _grid_bound(value: float, rounding: Callable[[float], int], cap: int) -> tuple[int, bool]:
    """A bound on the integer grid (``value`` already scaled) and whether it was capped
    (open, or beyond the cap)."""
    if math.isfinite(value) and abs(value) <= cap:
        return int(rounding(value - 1e-9 if rounding is math.ceil else value + 1e-9)), False
    return (cap if value > 0 else -cap), True


def _grid_band(cols: list[int], coeffs: list[int], rhs: int, scales: np.ndarray, steps: int) -> int:
    """Half-width of an equality's band when its scaled columns live on the 1/scale grid:
    rounding each moves the row by at most half its coefficient. ``steps`` 1 widens (by half a
    step) only rows with no integer solution at all, 2 every row by half a step, 3 by a step."""
    total = sum(abs(c) for col, c in zip(cols, coeffs, strict=True) if scales[col] > 1)
    if not total:
        return 0
    if steps == 1 and rhs % math.gcd(*coeffs) == 0:
        return 0
    return total if steps > 2 else (total + 1) // 2
