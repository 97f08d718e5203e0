"""``LXSensitivityAnalyzer``: shadow prices, reduced costs, binding rows and RHS ranging.

RHS ranging comes from the optimal LP basis: with row activities ``s = A x`` as variables,
a binding row's right-hand side moves its activity by ``d`` and the basic variables by
``d * B^-1 e_i``; the allowable increase / decrease is how far ``d`` can go before a basic
variable hits a bound (the shadow price holds over that range). A row that is not binding
can move by its slack towards the activity and without limit away from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu
from typing_extensions import TypeVar

from ..status import Status

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel
    from ..solvers.solution import LXSolution

__all__ = ["LXSensitivityAnalyzer", "LXVariableSensitivity", "LXConstraintSensitivity", "rhs_ranges"]

TOL = 1e-7

TModel = TypeVar("TModel", default=Any)


@dataclass
class LXVariableSensitivity:
    name: str
    value: float
    reduced_cost: float | None = None
    allowable_increase: float | None = None
    allowable_decrease: float | None = None
    is_basic: bool = False
    is_at_bound: bool = False


@dataclass
class LXConstraintSensitivity:
    """``allowable_increase`` / ``allowable_decrease``: how far the right-hand side may move
    while the shadow price holds (``inf`` when unlimited)."""

    name: str
    shadow_price: float | None = None
    slack: float | None = None
    activity: float | None = None
    allowable_increase: float | None = None
    allowable_decrease: float | None = None
    is_binding: bool = False
    is_active: bool = False


def _ratio(values: np.ndarray, lower: np.ndarray, upper: np.ndarray, step: np.ndarray) -> float:
    """Largest t >= 0 with lower <= values + t * step <= upper (``inf`` if unlimited)."""
    limit = math.inf
    up = step > TOL
    down = step < -TOL
    if up.any():
        limit = min(limit, float(np.min((upper[up] - values[up]) / step[up])))
    if down.any():
        limit = min(limit, float(np.min((lower[down] - values[down]) / step[down])))
    return max(limit, 0.0)


def rhs_ranges(canon: LXCanonicalModel) -> dict[str, tuple[float, float]]:
    """``{row name: (allowable decrease, allowable increase)}`` of each right-hand side at the
    optimal basis of the LP ``canon`` (solved here once)."""
    from ..errors import SolverError
    from ..solvers.ortools import ORToolsSolver

    if canon.is_mip:
        raise SolverError(f"RHS ranging needs an LP; model '{canon.name}' has integer columns")
    solver = ORToolsSolver(canon, warm=False)  # GLOP's defaults, as LXOptimizer.solve: the same basis
    raw = solver.solve()
    if raw.status is not Status.OPTIMAL:
        raise SolverError(f"RHS ranging needs an optimal LP, model '{canon.name}' is {raw.status!r}")
    col_status, row_status = solver.basis()
    from ortools.linear_solver import pywraplp

    basic = pywraplp.Solver.BASIC
    x = raw.x
    activity = canon.matrix @ x
    m, n = canon.n_rows, canon.n_cols
    # Variables: columns x (0..n-1) and row activities s (n..n+m-1), with A x - s = 0.
    values = np.concatenate([x, activity])
    lower = np.concatenate([canon.col_lower, canon.row_lower])
    upper = np.concatenate([canon.col_upper, canon.row_upper])
    basic_ids = np.concatenate([np.flatnonzero(col_status == basic), n + np.flatnonzero(row_status == basic)])
    full = sp.hstack([canon.matrix, -sp.identity(m, format="csr")], format="csc")
    ranges: dict[str, tuple[float, float]] = {}
    if len(basic_ids) != m:  # no usable basis (e.g. empty model): fall back to slack only
        basic_ids = np.zeros(0, dtype=np.int64)
    lu = splu(full[:, basic_ids].tocsc()) if len(basic_ids) else None
    b_lower, b_upper, b_values = lower[basic_ids], upper[basic_ids], values[basic_ids]
    for i, name in enumerate(canon.row_names):
        sense = canon.row_sense[i]
        if row_status[i] == basic or lu is None:
            slack_up = canon.row_upper[i] - activity[i]
            slack_down = activity[i] - canon.row_lower[i]
            if sense == "<=":
                ranges[name] = (float(slack_up), math.inf)
            elif sense == ">=":
                ranges[name] = (math.inf, float(slack_down))
            else:
                ranges[name] = (0.0, 0.0)
            continue
        # Moving s_i by d: B dx_B = -(column of s_i) d = e_i d.
        unit = np.zeros(m)
        unit[i] = 1.0
        step = lu.solve(unit)
        increase = _ratio(b_values, b_lower, b_upper, step)
        decrease = _ratio(b_values, b_lower, b_upper, -step)
        ranges[name] = (decrease, increase)
    return ranges


def _row_activity(canon: LXCanonicalModel, x: np.ndarray) -> np.ndarray:
    """``A x``, with a goal row read as the goal itself: without its deviation columns, so a
    goal row is binding when the goal is met exactly."""
    activity = canon.matrix @ x
    if canon.goal_deviations:
        goals = canon.goal_deviations
        deviations = np.concatenate([canon.family_columns(f) for g in goals for f in (g.pos, g.neg)])
        rows = np.concatenate([canon.family_rows(g.goal) for g in goals])
        without = x.copy()
        without[deviations] = 0.0
        activity[rows] = canon.matrix[rows] @ without
    return activity


def _entries(solution: LXSolution) -> dict[str, float]:
    out = {}
    for family, value in solution.variables.items():
        if isinstance(value, dict):
            out.update({f"{family}[{k}]": float(v) for k, v in value.items()})
        else:
            out[family] = float(value)
    return out


class LXSensitivityAnalyzer(Generic[TModel]):
    """Sensitivity of a solved LP: per variable and per row, with RHS ranging."""

    def __init__(self, model: LXModel, solution: LXSolution) -> None:
        self.model = model
        self.solution = solution
        self._canon: LXCanonicalModel | None = None
        self._ranges: dict[str, tuple[float, float]] | None = None
        self._values = _entries(solution)
        self._row_activity: np.ndarray | None = None

    @property
    def canon(self) -> LXCanonicalModel:
        if self._canon is None:
            self._canon = self.model.to_canonical()
        return self._canon

    @property
    def _activity(self) -> np.ndarray | None:
        """Row activities ``A x`` of the solution (``None`` without values)."""
        if not self._values:
            return None
        if self._row_activity is None:
            x = np.array([self._values[name] for name in self.canon.col_names])
            self._row_activity = _row_activity(self.canon, x)
        return self._row_activity

    def rhs_ranging(self) -> dict[str, tuple[float, float]]:
        """``{row: (allowable decrease, allowable increase)}`` of every right-hand side."""
        if self._ranges is None:
            self._ranges = rhs_ranges(self.canon)
        return self._ranges

    # -- variables --------------------------------------------------------------------------
    def analyze_variable(self, var_name: str) -> LXVariableSensitivity:
        canon = self.canon
        if var_name in canon.col_index and var_name not in canon.scalar_variables:
            columns = canon.col_index[var_name]
            first = canon.col_names[next(iter(columns.values()))] if columns else f"{var_name}[...]"
            raise ValueError(
                f"Variable '{var_name}' is indexed ({len(columns)} instances); analyze one "
                f"instance, e.g. analyze_variable('{first}'), or use analyze_variable_family('{var_name}')"
            )
        if var_name not in self._values:
            raise KeyError(f"variable {var_name!r} is not in the solution")
        j = canon.column(var_name)
        value = self._values[var_name]
        rc = self.solution.get_reduced_cost(var_name)
        lo, up = canon.col_lower[j], canon.col_upper[j]
        at_bound = any(math.isfinite(b) and abs(value - b) < 1e-6 for b in (lo, up))
        return LXVariableSensitivity(
            var_name, value, rc, is_basic=rc is None or abs(rc) < 1e-6, is_at_bound=at_bound
        )

    def analyze_variable_family(self, var_name: str) -> dict[Any, LXVariableSensitivity]:
        positions = self.canon.col_index.get(var_name)
        if positions is None:
            raise KeyError(f"model '{self.model.name}' has no variable family {var_name!r}")
        return {k: self.analyze_variable(self.canon.col_names[j]) for k, j in positions.items()}

    def analyze_all_variables(self) -> dict[str, LXVariableSensitivity]:
        return {name: self.analyze_variable(name) for name in self.canon.col_names}

    # -- constraints ------------------------------------------------------------------------
    def analyze_constraint(self, constraint_name: str) -> LXConstraintSensitivity:
        canon = self.canon
        if constraint_name in canon.row_index and constraint_name not in canon.scalar_constraints:
            rows = canon.row_index[constraint_name]
            first = canon.row_names[next(iter(rows.values()))] if rows else f"{constraint_name}[...]"
            raise ValueError(
                f"Constraint '{constraint_name}' is indexed ({len(rows)} rows); analyze one row, "
                f"e.g. analyze_constraint('{first}'), or use analyze_constraint_family('{constraint_name}')"
            )
        i = canon.row(constraint_name)
        activity = None if self._activity is None else float(self._activity[i])
        dual = self.solution.get_shadow_price(constraint_name)
        slack = None
        # Binding (as LumiX): slack within 1e-6 of the right-hand side as written (the bound plus
        # the expression's constant); by the shadow price when there is no activity.
        binding = dual is not None and abs(dual) > 1e-6
        if activity is not None:
            bound = canon.row_lower[i] if canon.row_sense[i] == ">=" else canon.row_upper[i]
            slack = abs(bound - activity)
            binding = slack <= 1e-6 * max(1.0, abs(bound + canon.row_constant[i]))
        decrease = increase = None
        if self.solution.shadow_prices and not canon.is_mip:
            decrease, increase = self.rhs_ranging()[constraint_name]
        return LXConstraintSensitivity(
            constraint_name, dual, slack, activity, increase, decrease, binding, binding
        )

    def analyze_constraint_family(self, constraint_name: str) -> dict[Any, LXConstraintSensitivity]:
        positions = self.canon.row_index.get(constraint_name)
        if positions is None:
            raise KeyError(f"model '{self.model.name}' has no constraint {constraint_name!r}")
        return {k: self.analyze_constraint(self.canon.row_names[i]) for k, i in positions.items()}

    def analyze_all_constraints(self) -> dict[str, LXConstraintSensitivity]:
        return {name: self.analyze_constraint(name) for name in self.canon.row_names}

    def get_binding_constraints(self, threshold: float | None = None) -> dict[str, LXConstraintSensitivity]:
        return {
            n: s
            for n, s in self.analyze_all_constraints().items()
            if s.is_binding
            and (threshold is None or (s.shadow_price is not None and abs(s.shadow_price) > threshold))
        }

    def get_non_basic_variables(self, threshold: float = 1e-6) -> dict[str, LXVariableSensitivity]:
        return {
            n: s
            for n, s in self.analyze_all_variables().items()
            if s.reduced_cost is not None and abs(s.reduced_cost) > threshold
        }

    def get_most_sensitive_constraints(self, top_n: int = 10) -> list[tuple[str, LXConstraintSensitivity]]:
        """Rows with a shadow price, largest ``|price|`` first (ties, to 9 digits, in model order)."""
        rows = [(n, s) for n, s in self.analyze_all_constraints().items() if s.shadow_price is not None]
        return sorted(rows, key=lambda item: _magnitude(item[1].shadow_price), reverse=True)[:top_n]

    def get_most_sensitive_variables(self, top_n: int = 10) -> list[tuple[str, LXVariableSensitivity]]:
        """Columns with a reduced cost, largest ``|cost|`` first (ties, to 9 digits, in model order)."""
        cols = [(n, s) for n, s in self.analyze_all_variables().items() if s.reduced_cost is not None]
        return sorted(cols, key=lambda item: _magnitude(item[1].reduced_cost), reverse=True)[:top_n]

    def identify_bottlenecks(self, shadow_price_threshold: float = 0.01) -> list[str]:
        """Binding rows whose ``|shadow price|`` is at least ``shadow_price_threshold``, in model
        order (LumiX's order; ``get_most_sensitive_constraints`` ranks them)."""
        return [
            n
            for n, s in self.get_binding_constraints().items()
            if s.shadow_price is not None and abs(s.shadow_price) >= shadow_price_threshold
        ]

    # -- reports (LumiX 0.3.2's layouts) ------------------------------------------------------
    def generate_report(
        self,
        include_variables: bool = True,
        include_constraints: bool = True,
        include_binding_only: bool = False,
        top_n: int | None = None,
    ) -> str:
        """LumiX's sensitivity report: header, shadow prices, reduced costs, bottlenecks.

        Rows are listed by ``|shadow price|`` and columns by ``|reduced cost|``, largest first
        (ties in model order); ``top_n`` keeps that many of each, ``include_binding_only``
        only the binding rows. The objective reads ``n/a`` when the solution has none.
        """
        sol = self.solution
        objective = "n/a" if sol.objective_value is None else f"{sol.objective_value:,.2f}"
        lines = [
            "Sensitivity Analysis Report",
            RULE,
            "",
            f"Model: {self.model.name}",
            f"Objective Value: {objective}",
            f"Status: {sol.status}",
            f"Solve Time: {sol.solve_time:.3f}s",
        ]
        if include_constraints:
            lines += self._constraint_section(include_binding_only, top_n)
        if include_variables:
            lines += self._variable_section(top_n)
        bottlenecks = self.identify_bottlenecks()
        if bottlenecks:
            lines += ["", "Identified Bottlenecks", RULE, f"Found {len(bottlenecks)} bottleneck constraints:"]
            prices = self.analyze_all_constraints()
            lines += [f"  • {n}: shadow price = {_rounded(prices[n].shadow_price):.6f}" for n in bottlenecks]
        return "\n".join(lines)

    def _constraint_section(self, binding_only: bool, top_n: int | None) -> list[str]:
        lines = ["", "Constraint Sensitivity (Shadow Prices)", RULE]
        rows = self.get_binding_constraints() if binding_only else self.analyze_all_constraints()
        if binding_only:
            lines.append(f"Showing {len(rows)} binding constraints")
        ranked = sorted(rows.items(), key=lambda item: _magnitude(item[1].shadow_price), reverse=True)
        if top_n is not None:
            ranked = ranked[:top_n]
            lines.append(f"Showing top {top_n} by shadow price magnitude")
        lines += ["", f"{'Constraint':<30s} {'Shadow Price':>15s} {'Status':>12s}", "-" * 80]
        for name, s in ranked:
            status = "Binding" if s.is_binding else "Non-binding"
            lines.append(f"{name:<30s} {_number(s.shadow_price):>15s} {status:>12s}")
        return [*lines, "", "Interpretation:", *_CONSTRAINT_NOTES]

    def _variable_section(self, top_n: int | None) -> list[str]:
        lines = ["", "Variable Sensitivity (Reduced Costs)", RULE]
        columns = self.analyze_all_variables()
        ranked = sorted(columns.items(), key=lambda item: _magnitude(item[1].reduced_cost), reverse=True)
        if top_n is not None:
            ranked = ranked[:top_n]
            lines.append(f"Showing top {top_n} by reduced cost magnitude")
        lines += ["", f"{'Variable':<30s} {'Value':>15s} {'Reduced Cost':>15s} {'Status':>12s}", "-" * 80]
        for name, v in ranked:
            status = "At bound" if v.is_at_bound else "Interior"
            lines.append(f"{name:<30s} {v.value:>15.6f} {_number(v.reduced_cost):>15s} {status:>12s}")
        return [*lines, "", "Interpretation:", *_VARIABLE_NOTES]

    def generate_summary(self) -> str:
        """LumiX's short summary: counts of binding rows, bottlenecks and non-basic columns,
        then the three rows with the largest ``|shadow price|`` when there are bottlenecks."""
        bottlenecks = self.identify_bottlenecks()
        lines = [
            "Sensitivity Summary",
            RULE,
            f"Binding constraints: {len(self.get_binding_constraints())}",
            f"Bottlenecks (high shadow price): {len(bottlenecks)}",
            f"Non-basic variables: {len(self.get_non_basic_variables())}",
        ]
        if bottlenecks:
            lines += ["", "Top bottlenecks to address:"]
            lines += [
                f"  • {n}: shadow price = {_rounded(s.shadow_price):.4f}"
                for n, s in self.get_most_sensitive_constraints(top_n=3)
            ]
        return "\n".join(lines)


RULE = "=" * 80

_CONSTRAINT_NOTES = (
    "  • Shadow price = marginal value of relaxing constraint by 1 unit",
    "  • Positive = relaxing increases objective (for maximization)",
    "  • Binding = constraint is tight at optimum",
)
_VARIABLE_NOTES = (
    "  • Reduced cost = opportunity cost of forcing variable to increase",
    "  • Zero reduced cost = variable in optimal basis",
    "  • Non-zero = variable at bound, not economical to change",
)


def _magnitude(value: float | None) -> float:
    """``|value|`` to 9 significant digits, and 0 below 1e-9: solver round-off (a dual of
    ``9.999999999999968``) must not decide the order of rows that tie, which stay in model
    order as in LumiX."""
    if value is None or abs(value) < 1e-9:
        return 0.0
    return float(f"{abs(value):.9g}")


def _rounded(value: float | None) -> float:
    """A price to print: round-off below 1e-9 is 0 (``0.0000``, not ``-0.0000``)."""
    return 0.0 if value is None or abs(value) < 1e-9 else value


def _number(value: float | None) -> str:
    """A shadow price or reduced cost as LumiX prints it (``0.000000`` when there is none, or
    below 1e-9: round-off, not ``-0.000000``)."""
    return f"{_rounded(value):.6f}" if value else "0.000000"
