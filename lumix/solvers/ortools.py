"""OR-Tools backend: build the solver from canonical arrays, solve, and re-solve in place.

``ORToolsSolver(canon)`` loads the whole model into OR-Tools at once (an ``MPModelProto``
filled from the arrays, no per-term Python calls), GLOP for LPs and SCIP for MIPs. It stays
alive: row bounds, column bounds, objective and matrix coefficients can be changed in place,
re-solved warm (GLOP's dual simplex without presolve, from the previous basis) and reverted.

Thread-safety: one ``ORToolsSolver`` per thread; ``solve_canonical`` builds a fresh one.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from ..core.enums import LXObjectiveSense
from ..errors import ModelError, SolverError
from ..goal_programming.solver import solve_goal_stages
from ..status import Status
from .capabilities import ORTOOLS_CAPABILITIES
from .persistent import TrackedSolver, to_solution

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from .solution import LXSolution

__all__ = ["ORToolsSolver", "RawSolution", "solve_canonical", "to_solution", "SOLVERS"]

SolverName = Literal["glop", "scip", "cp-sat", "pdlp"]
SOLVERS: dict[str, str] = {"glop": "GLOP", "scip": "SCIP", "cp-sat": "CP_SAT", "pdlp": "PDLP"}
WARM_LP_PARAMETERS = "use_preprocessing:false use_dual_simplex:true"
SCIP_INFINITY_ARTIFACT = 1e18

_STATUS = {
    pywraplp.Solver.OPTIMAL: Status.OPTIMAL,
    pywraplp.Solver.FEASIBLE: Status.FEASIBLE,
    pywraplp.Solver.INFEASIBLE: Status.INFEASIBLE,
    pywraplp.Solver.UNBOUNDED: Status.UNBOUNDED,
    pywraplp.Solver.ABNORMAL: Status.ABNORMAL,
    pywraplp.Solver.NOT_SOLVED: Status.NOT_SOLVED,
}


@dataclass
class RawSolution:
    """A solve's outcome as arrays in canonical column / row order (compact to ship)."""

    status: Status
    objective_value: float | None
    solve_time: float
    x: np.ndarray | None = None
    duals: np.ndarray | None = None
    reduced_costs: np.ndarray | None = None
    gap: float | None = None
    iterations: int | None = None
    nodes: int | None = None
    #: Sequential goal programming: the ``LXGoalStage`` of each stage solved (see
    #: ``lumix.goal_programming.solver.solve_goal_stages``).
    goal_stages: tuple[Any, ...] = ()

    @property
    def has_values(self) -> bool:
        return self.x is not None


def build_proto(canon: LXCanonicalModel) -> linear_solver_pb2.MPModelProto:
    """The ``MPModelProto`` of a canonical model (bounds ``±inf`` mean unbounded)."""
    proto = linear_solver_pb2.MPModelProto()
    proto.maximize = canon.sense is LXObjectiveSense.MAXIMIZE
    proto.objective_offset = canon.objective_constant
    for lo, up, obj, integer in zip(
        canon.col_lower.tolist(),
        canon.col_upper.tolist(),
        canon.objective.tolist(),
        canon.col_integer.tolist(),
        strict=True,
    ):
        v = proto.variable.add()
        v.lower_bound, v.upper_bound, v.objective_coefficient, v.is_integer = lo, up, obj, integer
    matrix = canon.matrix
    indptr, indices, data = matrix.indptr, matrix.indices.tolist(), matrix.data.tolist()
    for i, (lo, up) in enumerate(zip(canon.row_lower.tolist(), canon.row_upper.tolist(), strict=True)):
        c = proto.constraint.add()
        c.lower_bound, c.upper_bound = lo, up
        start, end = indptr[i], indptr[i + 1]
        c.var_index.extend(indices[start:end])
        c.coefficient.extend(data[start:end])
    return proto


def _free_rows(lower: np.ndarray, upper: np.ndarray) -> list[int]:
    """Positions of the rows without bounds (``-inf .. +inf``)."""
    return np.flatnonzero(np.isneginf(lower) & np.isposinf(upper)).tolist()


def _backend(canon: LXCanonicalModel, solver: str | None) -> str:
    if solver is None:
        return "SCIP" if canon.is_mip else "GLOP"
    try:
        return SOLVERS[solver.lower()]
    except KeyError:
        raise ValueError(f"solver={solver!r} is not known; expected one of {sorted(SOLVERS)}") from None


class ORToolsSolver(TrackedSolver):
    """A persistent OR-Tools model of one ``LXCanonicalModel``.

    ``set_*`` change the loaded model and remember the original values; ``revert()`` puts
    them back. ``solve()`` returns a ``RawSolution``; ``to_solution()`` names its values.
    """

    capability = ORTOOLS_CAPABILITIES

    def __init__(
        self,
        canon: LXCanonicalModel,
        *,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        threads: int | None = None,
        solver: SolverName | None = None,
        warm: bool = True,
    ) -> None:
        if canon.objective_quadratic is not None:
            raise ModelError(
                "OR-Tools has no quadratic objective; call enable_linearization() to turn the products "
                "into linear constraints, or use 'gurobi' or 'cplex'"
            )
        super().__init__(canon)
        self.backend = _backend(canon, solver)
        self._is_lp = self.backend in ("GLOP", "PDLP")
        self._warm = warm
        self._time_limit = time_limit
        self._threads = threads
        self._params = pywraplp.MPSolverParameters()
        if gap_tolerance is not None:
            self._params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, gap_tolerance)
        self._load(build_proto(canon), _free_rows(canon.row_lower, canon.row_upper))

    def _load(self, proto: linear_solver_pb2.MPModelProto, free_rows: list[int]) -> None:
        """Create the OR-Tools solver of ``proto`` with this solver's options. OR-Tools drops
        rows without bounds when it loads a model (``free_rows``, e.g. the bound rows of
        sequential goal stages), so they are loaded bounded and freed afterwards."""
        self._solver = pywraplp.Solver.CreateSolver(self.backend)
        if self._solver is None:
            raise SolverError(f"OR-Tools could not create the {self.backend} solver")
        for row in free_rows:
            proto.constraint[row].upper_bound = 0.0
        error = self._solver.LoadModelFromProto(proto)
        if error:
            raise SolverError(f"OR-Tools rejected model '{self.canon.name}': {self._named(error)}")
        if self._warm and self.backend == "GLOP":
            self._solver.SetSolverSpecificParametersAsString(WARM_LP_PARAMETERS)
        if self._time_limit is not None:
            self._solver.SetTimeLimit(max(1, int(self._time_limit * 1000)))
        if self._threads is not None:
            self._solver.SetNumThreads(int(self._threads))
        self._vars = self._solver.variables()
        self._rows = self._solver.constraints()
        for row in free_rows:
            self._rows[row].SetBounds(-math.inf, math.inf)
        self._objective = self._solver.Objective()
        # SCIP makes an integer column whose bounds lie in [0, 1] a binary one and then
        # rejects wider bounds for it, leaving the solver ABNORMAL for good. Widening such a
        # column therefore loads a fresh solver before the next solve (see set_col_bounds).
        if self.backend == "SCIP":
            lower = np.fromiter((v.lower_bound for v in proto.variable), float, len(proto.variable))
            upper = np.fromiter((v.upper_bound for v in proto.variable), float, len(proto.variable))
            self._maybe_binary = self.canon.col_integer & (lower > -1) & (upper < 2)
        else:
            self._maybe_binary = np.zeros(len(self._vars), dtype=bool)
        self._reload = False

    def _named(self, error: str) -> str:
        """OR-Tools' message with ``constraint #3`` / ``variable #3`` followed by the row's or
        column's name (scenarios can still set a right-hand side the compile refuses)."""

        def name(match: re.Match[str]) -> str:
            kind, pos = match.group(1), int(match.group(2))
            names = self.canon.row_names if kind == "constraint" else self.canon.col_names
            return f"{match.group(0)} ('{names[pos]}')" if pos < len(names) else match.group(0)

        return re.sub(r"\b(constraint|variable) #(\d+)", name, error)

    def _reload_if_needed(self) -> None:
        """Load a fresh solver of the model as it now stands (after a SCIP binary widened)."""
        if not self._reload:
            return
        proto = linear_solver_pb2.MPModelProto()
        self._solver.ExportModelToProto(proto)
        for v, lo, up in zip(proto.variable, self.col_lower.tolist(), self.col_upper.tolist(), strict=True):
            v.lower_bound, v.upper_bound = lo, up
        self._load(proto, _free_rows(self.row_lower, self.row_upper))

    # -- changes (recorded by TrackedSolver) ------------------------------------------------
    def _set_row(self, row: int, lower: float, upper: float) -> None:
        self._rows[row].SetBounds(lower, upper)

    def _set_col(self, col: int, lower: float, upper: float) -> None:
        if self._maybe_binary[col] and (lower < 0 or upper > 1):
            self._reload = True
        if not self._reload:
            self._vars[col].SetBounds(lower, upper)

    def _set_objective(self, cols: list[int], values: list[float]) -> None:
        set_coefficient, variables = self._objective.SetCoefficient, self._vars
        for col, value in zip(cols, values, strict=True):
            set_coefficient(variables[col], value)

    def _set_objective_coefficient(self, col: int, value: float) -> None:
        self._objective.SetCoefficient(self._vars[col], value)

    def _set_coefficient(self, row: int, col: int, value: float) -> None:
        self._rows[row].SetCoefficient(self._vars[col], value)

    def _set_sense(self, maximize: bool) -> None:
        self._objective.SetOptimizationDirection(maximize)

    def coefficient(self, row: int, col: int) -> float:
        return self._rows[row].GetCoefficient(self._vars[col])

    # -- solving ----------------------------------------------------------------------------
    def solve(self, values: bool = True) -> RawSolution:
        """Solve the model as it now stands; ``values=False`` reads the objective only."""
        start = time.perf_counter()
        self._reload_if_needed()
        code = self._solver.Solve(self._params)
        if code == pywraplp.Solver.INFEASIBLE or (self._is_lp and code == pywraplp.Solver.ABNORMAL):
            code = self._confirm_infeasible(code)  # a MIP's "abnormal" stays abnormal
        status = self._status(code)
        if not status.is_feasible:
            return RawSolution(status, None, time.perf_counter() - start)
        objective = self._solver.Objective()
        value = float(objective.Value())
        raw = RawSolution(status, value, 0.0)
        if values:
            self._read_values(raw)
        raw.solve_time = time.perf_counter() - start
        if self._is_lp:
            return raw
        return self._checked_mip(raw, value, objective)

    def _read_values(self, raw: RawSolution) -> None:
        """Fill ``raw``'s column values, and an optimal LP's duals and reduced costs."""
        response = linear_solver_pb2.MPSolutionResponse()
        self._solver.FillSolutionResponseProto(response)
        raw.x = np.asarray(response.variable_value, dtype=float)
        if self._is_lp and raw.status is Status.OPTIMAL:
            raw.duals = np.asarray(response.dual_value, dtype=float)
            raw.reduced_costs = np.asarray(response.reduced_cost, dtype=float)

    @staticmethod
    def _checked_mip(raw: RawSolution, value: float, objective: pywraplp.Objective) -> RawSolution:
        """A MIP's solution (objective ``value``) with its gap to the best bound, or
        ``UNBOUNDED`` where the objective or a column value is SCIP's stand-in for infinity."""
        x = raw.x
        if abs(value) >= 10 * SCIP_INFINITY_ARTIFACT or (
            x is not None and x.size and np.abs(x).max() >= SCIP_INFINITY_ARTIFACT
        ):
            return RawSolution(Status.UNBOUNDED, None, raw.solve_time)
        bound = objective.BestBound()
        if math.isfinite(bound):
            raw.gap = abs(value - bound) / max(abs(value), 1e-10)
        return raw

    def _status(self, code: int) -> Status:
        if code == pywraplp.Solver.NOT_SOLVED and self._time_limit is not None:
            return Status.TIME_LIMIT
        return _STATUS.get(code, Status.UNKNOWN)

    def _confirm_infeasible(self, code: int) -> int:
        """Tell infeasible from unbounded where the first answer may mean either."""
        if self._is_lp:
            params = pywraplp.MPSolverParameters()
            params.SetIntegerParam(
                pywraplp.MPSolverParameters.PRESOLVE, pywraplp.MPSolverParameters.PRESOLVE_OFF
            )
            return self._solver.Solve(params)
        # A MIP solver may answer INFEASIBLE for "infeasible or unbounded": look for any
        # feasible point with the objective switched off.
        coeffs = [self._objective.GetCoefficient(v) for v in self._vars]
        self._objective.Clear()
        try:
            feasible = self._solver.Solve(self._params) in (
                pywraplp.Solver.OPTIMAL,
                pywraplp.Solver.FEASIBLE,
            )
        finally:
            for v, c in zip(self._vars, coeffs, strict=True):
                if c:
                    self._objective.SetCoefficient(v, c)
            self._objective.SetOffset(self.canon.objective_constant)
            self._objective.SetOptimizationDirection(self._maximize)
        return pywraplp.Solver.UNBOUNDED if feasible else code

    @property
    def native(self) -> pywraplp.Solver:
        """The ``pywraplp.Solver`` (changes made there are not reverted)."""
        return self._solver

    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """Basis status of columns and rows after an LP solve: ``pywraplp.Solver.BASIC``,
        ``AT_LOWER_BOUND``, ``AT_UPPER_BOUND``, ``FIXED_VALUE`` or ``FREE`` codes."""
        if not self._is_lp:
            raise SolverError(f"a basis exists only for LPs; model '{self.canon.name}' is a MIP")
        cols = np.fromiter((v.basis_status() for v in self._vars), dtype=np.int8, count=len(self._vars))
        rows = np.fromiter((c.basis_status() for c in self._rows), dtype=np.int8, count=len(self._rows))
        return cols, rows


def solve_canonical(canon: LXCanonicalModel, **options: Any) -> LXSolution:
    """Build a fresh OR-Tools model of ``canon``, solve it once (stage by stage for a
    sequential goal model) and name the result.

    LPs use the same GLOP settings as re-solves, so a degenerate LP gets the same basis (and
    duals) here as in the runner's first solve.
    """
    solver = ORToolsSolver(canon, **options)
    return solver.to_solution(solve_goal_stages(solver))
