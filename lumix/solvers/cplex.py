"""CPLEX backend (the ``cplex`` extra): a persistent ``cplex.Cplex`` problem of canonical arrays.

``CplexSolver(canon)`` adds every column with one ``variables.add`` and every row with one
``linear_constraints.add`` (a ``SparsePair`` per CSR row; a row with two finite bounds is a
range row). A model without integer columns stays an LP, so it has duals. Changes go to the
loaded problem (senses, right-hand sides, ranges, bounds, objective, coefficients, sense) and
CPLEX re-solves from its previous basis. The logs are off unless ``verbose=True``.

Parameters: ``time_limit``, ``gap_tolerance``, ``threads``, ``verbose``, ``mip_emphasis``,
``preprocessing_presolve``, ``lpmethod``, ``solution_limit``, ``output_clonelog``; any other
name is read as a parameter path with ``_`` for ``.`` (``mip_limits_cutsfactor``); an unknown
one logs ``Unknown CPLEX parameter '{name}', skipping``. Thread-safety: one solver per thread.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import TYPE_CHECKING, Any

import cplex
import numpy as np
from cplex.exceptions import CplexError

from ..core.enums import LXObjectiveSense
from ..errors import SolverError
from ..status import Status
from .capabilities import CPLEX_CAPABILITIES
from .ortools import RawSolution
from .persistent import TrackedSolver, native_name

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["CplexSolver"]

#: LumiX's named parameters and their CPLEX paths (others are read as ``a_b_c`` paths).
_PARAMETERS = {
    "time_limit": "timelimit",
    "gap_tolerance": "mip.tolerances.mipgap",
    "threads": "threads",
    "mip_emphasis": "emphasis.mip",
    "preprocessing_presolve": "preprocessing.presolve",
    "lpmethod": "lpmethod",
    "solution_limit": "mip.limits.solutions",
    "output_clonelog": "output.clonelog",
}
_INTEGER_PARAMETERS = {"solution_limit", "output_clonelog"}
NONCONVEX_ERROR = "5002"  # CPLEX error: the quadratic objective is not convex


def _finite(value: float) -> float:
    return max(-cplex.infinity, min(cplex.infinity, value))


def row_sense(lower: float, upper: float) -> tuple[str, float, float]:
    """CPLEX's sense, right-hand side and range of ``lower <= row <= upper``."""
    if lower == upper:
        return "E", lower, 0.0
    if lower == -math.inf:
        return "L", _finite(upper), 0.0
    if upper == math.inf:
        return "G", lower, 0.0
    return "R", lower, upper - lower


def _parameter(parameters: Any, name: str) -> Any:
    """The CPLEX parameter at ``name`` read as a path (``mip_limits_cutsfactor``), or None;
    a part of the path may itself contain ``_``."""

    def walk(node: Any, parts: list[str]) -> Any:
        if not parts:
            return node if hasattr(node, "set") else None
        for i in range(len(parts), 0, -1):
            child = getattr(node, "_".join(parts[:i]), None)
            found = None if child is None else walk(child, parts[i:])
            if found is not None:
                return found
        return None

    return walk(parameters, name.split("_"))


class CplexSolver(TrackedSolver):
    """A persistent CPLEX problem of one ``LXCanonicalModel`` (see the module docstring)."""

    capability = CPLEX_CAPABILITIES
    backend = "CPLEX"

    def __init__(self, canon: LXCanonicalModel, *, verbose: bool = False, **params: Any) -> None:
        super().__init__(canon)
        self.model = cplex.Cplex()
        if not verbose:
            for stream in ("log", "error", "warning", "results"):
                getattr(self.model, f"set_{stream}_stream")(None)
        try:
            self._build()
        except CplexError as exc:
            raise SolverError(f"CPLEX could not load model '{canon.name}': {exc}") from exc
        self._set_params({k: v for k, v in params.items() if v is not None})

    def _build(self) -> None:
        canon, m = self.canon, self.model
        m.set_problem_name(native_name(canon.name))
        columns: dict[str, Any] = {
            "lb": [_finite(v) for v in canon.col_lower.tolist()],
            "ub": [_finite(v) for v in canon.col_upper.tolist()],
            "obj": canon.objective.tolist(),
            "names": [native_name(n) for n in canon.col_names],
        }
        if canon.is_mip:  # column types make the problem a MIP: an LP keeps its duals
            integer, continuous = m.variables.type.integer, m.variables.type.continuous
            columns["types"] = [integer if i else continuous for i in canon.col_integer.tolist()]
        if canon.n_cols:
            m.variables.add(**columns)
        if canon.n_rows:
            self._add_rows()
        m.objective.set_offset(canon.objective_constant)
        if canon.objective_quadratic is not None:
            i, j, c = (a.tolist() for a in canon.objective_quadratic)
            m.objective.set_quadratic_coefficients(
                [(a, b, 2 * v if a == b else v) for a, b, v in zip(i, j, c, strict=True)]
            )
        maximize = canon.sense is LXObjectiveSense.MAXIMIZE
        m.objective.set_sense(m.objective.sense.maximize if maximize else m.objective.sense.minimize)

    def _add_rows(self) -> None:
        canon = self.canon
        matrix = canon.matrix
        indptr, indices, data = matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tolist()
        rows = [
            cplex.SparsePair(ind=indices[indptr[i] : indptr[i + 1]], val=data[indptr[i] : indptr[i + 1]])
            for i in range(canon.n_rows)
        ]
        senses = [
            row_sense(lo, up) for lo, up in zip(self.row_lower.tolist(), self.row_upper.tolist(), strict=True)
        ]
        self.model.linear_constraints.add(
            lin_expr=rows,
            senses="".join(s for s, _, _ in senses),
            rhs=[r for _, r, _ in senses],
            range_values=[span for _, _, span in senses],
            names=[native_name(n) for n in canon.row_names],
        )

    def _set_params(self, params: dict[str, Any]) -> None:
        self._apply_parameters(params, self._set_param, (CplexError, TypeError, ValueError))

    def _set_param(self, name: str, value: Any) -> None:
        path = _PARAMETERS.get(name)
        parameter = _parameter(self.model.parameters, path.replace(".", "_") if path else name)
        if parameter is None:
            self.logger.warning(f"Unknown CPLEX parameter '{name}', skipping")
            return
        parameter.set(int(value) if name in _INTEGER_PARAMETERS else value)

    @property
    def native(self) -> cplex.Cplex:
        """The ``cplex.Cplex`` problem (changes made there are not reverted)."""
        return self.model

    # -- changes (recorded by TrackedSolver) ------------------------------------------------
    def _set_row(self, row: int, lower: float, upper: float) -> None:
        sense, rhs, span = row_sense(lower, upper)
        rows = self.model.linear_constraints
        rows.set_senses(row, sense)
        rows.set_rhs(row, rhs)
        if sense == "R":
            rows.set_range_values(row, span)

    def _set_col(self, col: int, lower: float, upper: float) -> None:
        self.model.variables.set_lower_bounds(col, _finite(lower))
        self.model.variables.set_upper_bounds(col, _finite(upper))

    def _set_objective(self, cols: list[int], values: list[float]) -> None:
        if cols:
            self.model.objective.set_linear(list(zip(cols, values, strict=True)))

    def _set_coefficient(self, row: int, col: int, value: float) -> None:
        self.model.linear_constraints.set_coefficients(row, col, value)

    def _restore_coefficients(self, saved: dict[tuple[int, int], float]) -> None:
        entries = [(row, col, value) for (row, col), value in saved.items()]
        self.model.linear_constraints.set_coefficients(entries)

    def _set_sense(self, maximize: bool) -> None:
        objective = self.model.objective
        objective.set_sense(objective.sense.maximize if maximize else objective.sense.minimize)

    def coefficient(self, row: int, col: int) -> float:
        return float(self.model.linear_constraints.get_coefficients(row, col))

    # -- solving ----------------------------------------------------------------------------
    def solve(self, values: bool = True) -> RawSolution:
        """Solve the problem as it now stands; ``values=False`` reads the objective only."""
        start = time.perf_counter()
        try:
            self._optimize()
            if self._undecided():
                self._solve_without_presolve()
        except CplexError as exc:
            raise SolverError(f"CPLEX failed on model '{self.canon.name}': {exc}") from exc
        raw = self._read(values)
        raw.solve_time = time.perf_counter() - start
        return raw

    def _optimize(self) -> None:
        try:
            self.model.solve()
        except CplexError as exc:
            if NONCONVEX_ERROR not in str(exc):
                raise
            self.model.parameters.optimalitytarget.set(3)  # the global optimum of a non-convex QP
            self.model.solve()

    def _undecided(self) -> bool:
        st = self.model.solution.status
        code = self.model.solution.get_status()
        return code in (st.infeasible_or_unbounded, st.MIP_infeasible_or_unbounded, st.unbounded)

    def _solve_without_presolve(self) -> None:
        """Solve again with presolve off (and primal simplex for an LP), which tells infeasible
        from unbounded, then restore both parameters."""
        parameters = self.model.parameters
        presolve, lpmethod = parameters.preprocessing.presolve.get(), parameters.lpmethod.get()
        parameters.preprocessing.presolve.set(0)
        if not self.canon.is_mip:
            parameters.lpmethod.set(parameters.lpmethod.values.primal)
        try:
            self._optimize()
        finally:
            parameters.preprocessing.presolve.set(presolve)
            parameters.lpmethod.set(lpmethod)

    def _has_solution(self) -> bool:
        solution = self.model.solution
        st, code = solution.status, solution.get_status()
        no_point = {
            st.unbounded,
            st.MIP_unbounded,
            st.infeasible_or_unbounded,
            st.MIP_infeasible_or_unbounded,
        }
        no_point |= {st.infeasible, st.MIP_infeasible}
        if solution.get_solution_type() == solution.type.none or code in no_point:
            return False
        return bool(solution.is_primal_feasible())  # an LP stopped by a limit keeps an infeasible point

    def _status(self, has_solution: bool) -> Status:
        solution = self.model.solution
        st, code = solution.status, solution.get_status()
        if code == st.relaxation_unbounded:
            warnings.warn(
                "CPLEX could not bound the objective (its relaxation is unbounded); the model may be "
                "unbounded, and any point returned is only feasible",
                UserWarning,
                stacklevel=4,
            )
        if code in (st.optimal, st.MIP_optimal, st.optimal_tolerance):
            return Status.OPTIMAL
        if code in (st.infeasible, st.MIP_infeasible):
            return Status.INFEASIBLE
        if code in (st.unbounded, st.MIP_unbounded):
            return Status.UNBOUNDED
        if has_solution:
            return Status.FEASIBLE
        if code in (st.abort_time_limit, st.MIP_time_limit_infeasible):
            return Status.TIME_LIMIT
        return Status.UNKNOWN

    def _read(self, values: bool) -> RawSolution:
        m = self.model
        solution = m.solution
        has_solution = self._has_solution()
        raw = RawSolution(self._status(has_solution), None, 0.0)
        raw.iterations = int(solution.progress.get_num_iterations())
        if self.canon.is_mip:
            raw.nodes = int(solution.progress.get_num_nodes_processed())
        if not has_solution or not raw.status.is_feasible:
            return raw
        raw.objective_value = float(solution.get_objective_value())
        if self.canon.is_mip:
            raw.gap = float(solution.MIP.get_mip_relative_gap())
        if values:
            raw.x = np.asarray(solution.get_values(), dtype=float)
            if raw.status is Status.OPTIMAL and not self.canon.is_mip:
                try:
                    raw.duals = np.asarray(solution.get_dual_values(), dtype=float)
                    raw.reduced_costs = np.asarray(solution.get_reduced_costs(), dtype=float)
                except CplexError:  # a non-convex QP solved globally has no duals
                    raw.duals = raw.reduced_costs = None
        return raw
