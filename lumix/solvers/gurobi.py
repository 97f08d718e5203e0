"""Gurobi backend (the ``gurobi`` extra): a persistent ``gurobipy`` model of canonical arrays.

``GurobiSolver(canon)`` adds every column with one ``addMVar`` and every row with one
``addMConstr`` on the CSR matrix, in a quiet environment shared by the process (starting one
checks the licence). Changes go to the loaded model (``Sense``/``RHS``, ``LB``/``UB``,
``Obj``, ``chgCoeff``, ``ModelSense``); Gurobi re-solves from the previous basis or incumbent.

Parameters: ``time_limit`` (TimeLimit), ``gap_tolerance`` (MIPGap), ``threads`` (Threads),
``verbose=True`` or a truthy ``LogToConsole`` (prints the log); any other name goes to
``setParam`` and a failure logs a warning. Thread-safety: one solver per thread.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

import gurobipy as gp
import numpy as np
import scipy.sparse as sp
from gurobipy import GRB

from ..core.enums import LXObjectiveSense
from ..errors import SolverError
from ..status import Status
from .capabilities import GUROBI_CAPABILITIES
from .ortools import RawSolution
from .persistent import TrackedSolver, matrix_entry, native_name

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["GurobiSolver"]

_STATUS = {
    GRB.OPTIMAL: Status.OPTIMAL,
    GRB.SUBOPTIMAL: Status.FEASIBLE,
    GRB.INFEASIBLE: Status.INFEASIBLE,
    GRB.UNBOUNDED: Status.UNBOUNDED,
    GRB.TIME_LIMIT: Status.TIME_LIMIT,
    GRB.NUMERIC: Status.ABNORMAL,
}
#: Stops before an answer (no incumbent): LumiX's iteration_limit, node_limit, ... statuses.
_STOPPED = {
    GRB.CUTOFF,
    GRB.ITERATION_LIMIT,
    GRB.NODE_LIMIT,
    GRB.SOLUTION_LIMIT,
    GRB.INTERRUPTED,
    GRB.USER_OBJ_LIMIT,
    GRB.WORK_LIMIT,
    GRB.MEM_LIMIT,
}
_NO_SOLUTION = {GRB.INFEASIBLE, GRB.INF_OR_UNBD, GRB.UNBOUNDED}


def row_sense(name: str, lower: float, upper: float) -> tuple[str, float]:
    """Gurobi's sense and right-hand side of ``lower <= row <= upper`` (one side open, or an
    equality); a free row is ``<= +inf``."""
    if lower == upper:
        return GRB.EQUAL, lower
    if lower == -math.inf:
        return GRB.LESS_EQUAL, upper
    if upper == math.inf:
        return GRB.GREATER_EQUAL, lower
    raise SolverError(
        f"row '{name}' has two finite bounds ({lower:.12g} .. {upper:.12g}); the Gurobi backend "
        "takes one-sided rows and equalities only"
    )


class GurobiSolver(TrackedSolver):
    """A persistent Gurobi model of one ``LXCanonicalModel`` (see the module docstring)."""

    capability = GUROBI_CAPABILITIES
    backend = "Gurobi"
    _env: ClassVar[gp.Env | None] = None
    _env_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        canon: LXCanonicalModel,
        *,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        threads: int | None = None,
        verbose: bool = False,
        **params: Any,
    ) -> None:
        super().__init__(canon)
        self._coefficients: dict[tuple[int, int], float] = {}
        try:
            self.model = gp.Model(native_name(canon.name), env=self._quiet_env())
            self._build()
        except gp.GurobiError as exc:
            raise SolverError(f"Gurobi could not load model '{canon.name}': {exc}") from exc
        named = {"TimeLimit": time_limit, "MIPGap": gap_tolerance, "Threads": threads}
        self._set_params({k: v for k, v in named.items() if v is not None} | params, verbose)

    @classmethod
    def _quiet_env(cls) -> gp.Env:
        """The process's Gurobi environment, output off (``verbose=True`` turns it on per model)."""
        with cls._env_lock:
            if cls._env is None:
                env = gp.Env(empty=True)
                env.setParam("OutputFlag", 0)
                env.start()
                cls._env = env
            return cls._env

    def _build(self) -> None:
        canon, m = self.canon, self.model
        vtype = np.where(canon.col_integer, GRB.INTEGER, GRB.CONTINUOUS)
        x = self._x = m.addMVar(
            canon.n_cols, lb=canon.col_lower, ub=canon.col_upper, obj=canon.objective, vtype=vtype
        )
        if canon.n_rows:
            pairs = [row_sense(n, lo, up) for n, lo, up in zip(*self._rows_as_lists(), strict=True)]
            senses = np.array([s for s, _ in pairs], dtype="U1")
            m.addMConstr(canon.matrix, x, senses, np.array([r for _, r in pairs], dtype=float))
        maximize = canon.sense is LXObjectiveSense.MAXIMIZE
        m.ModelSense = GRB.MAXIMIZE if maximize else GRB.MINIMIZE
        m.ObjCon = canon.objective_constant
        if canon.objective_quadratic is not None:
            i, j, c = canon.objective_quadratic
            q = sp.coo_matrix((c, (i, j)), shape=(canon.n_cols, canon.n_cols))
            sense = GRB.MAXIMIZE if maximize else GRB.MINIMIZE
            m.setMObjective(q, canon.objective, canon.objective_constant, xQ_L=x, xQ_R=x, xc=x, sense=sense)
            m.Params.NonConvex = 2  # non-convex products are solved to global optimality
        m.update()
        self._vars = m.getVars()
        self._rows = m.getConstrs()
        m.setAttr("VarName", self._vars, [native_name(n) for n in canon.col_names])
        m.setAttr("ConstrName", self._rows, [native_name(n) for n in canon.row_names])

    def _rows_as_lists(self) -> tuple[tuple[str, ...], list[float], list[float]]:
        return self.canon.row_names, self.row_lower.tolist(), self.row_upper.tolist()

    def _set_params(self, params: dict[str, Any], verbose: bool) -> None:
        if verbose or params.get("LogToConsole"):
            self.model.setParam("OutputFlag", 1)  # the environment's OutputFlag=0 wins over LogToConsole
        self._apply_parameters(params, self.model.setParam, (gp.GurobiError, TypeError, ValueError))

    @property
    def native(self) -> gp.Model:
        """The ``gurobipy.Model`` (for what LumiX leaves out; changes made there are not reverted)."""
        return self.model

    # -- changes (recorded by TrackedSolver) ------------------------------------------------
    def _set_row(self, row: int, lower: float, upper: float) -> None:
        sense, rhs = row_sense(self.canon.row_names[row], lower, upper)
        constr = self._rows[row]
        constr.Sense, constr.RHS = sense, rhs

    def _set_col(self, col: int, lower: float, upper: float) -> None:
        var = self._vars[col]
        var.LB, var.UB = lower, upper

    def _set_objective(self, cols: list[int], values: list[float]) -> None:
        self.model.setAttr("Obj", [self._vars[col] for col in cols], values)

    def _set_coefficient(self, row: int, col: int, value: float) -> None:
        self._coefficients[(row, col)] = value
        self.model.chgCoeff(self._rows[row], self._vars[col], value)

    def _restore_coefficients(self, saved: dict[tuple[int, int], float]) -> None:
        super()._restore_coefficients(saved)
        self._coefficients.clear()  # the model holds the coefficients as built again

    def _set_sense(self, maximize: bool) -> None:
        self.model.ModelSense = GRB.MAXIMIZE if maximize else GRB.MINIMIZE

    def coefficient(self, row: int, col: int) -> float:
        found = self._coefficients.get((row, col))
        return matrix_entry(self.canon.matrix, row, col) if found is None else found

    # -- solving ----------------------------------------------------------------------------
    def solve(self, values: bool = True) -> RawSolution:
        """Solve the model as it now stands; ``values=False`` reads the objective only."""
        m = self.model
        start = time.perf_counter()
        try:
            m.optimize()
            if m.Status == GRB.INF_OR_UNBD:  # presolve could not tell: ask without dual reductions
                previous = m.Params.DualReductions
                m.Params.DualReductions = 0
                try:
                    m.optimize()
                finally:
                    m.Params.DualReductions = previous
        except gp.GurobiError as exc:
            raise SolverError(f"Gurobi failed on model '{self.canon.name}': {exc}") from exc
        raw = RawSolution(self._status(), None, 0.0, iterations=int(m.IterCount))
        if m.IsMIP:
            raw.nodes = int(m.NodeCount)
        if raw.status.is_feasible:
            raw.objective_value = float(m.ObjVal)
            if m.IsMIP:
                raw.gap = float(m.MIPGap)
            if values:
                self._read_values(raw)
        raw.solve_time = time.perf_counter() - start
        return raw

    def _status(self) -> Status:
        m = self.model
        code = m.Status
        if m.SolCount > 0 and code not in _NO_SOLUTION and code != GRB.OPTIMAL:
            return Status.FEASIBLE  # a limit stopped the search with an incumbent
        if code in _STOPPED:
            return Status.NOT_SOLVED
        return _STATUS.get(code, Status.UNKNOWN)

    def _read_values(self, raw: RawSolution) -> None:
        """Column values, and an optimal LP's duals and reduced costs."""
        m = self.model
        raw.x = np.asarray(self._x.X, dtype=float)
        if raw.status is Status.OPTIMAL and not m.IsMIP:
            try:
                raw.duals = np.asarray(m.getAttr("Pi", self._rows), dtype=float)
                raw.reduced_costs = np.asarray(self._x.RC, dtype=float)
            except gp.GurobiError:  # a non-convex quadratic objective has no duals
                raw.duals = raw.reduced_costs = None
