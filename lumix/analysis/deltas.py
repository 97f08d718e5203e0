"""Resolve declarative scenario changes against a compiled model and apply them to a solver.

Resolution turns names (``"capacity"``, ``"capacity[2]"``) into row / column positions once;
application changes an ``ORToolsSolver`` in place (``solver.revert()`` undoes it). Right-hand
sides follow the written form: for a row ``expr + c <= rhs`` the solver bound is ``rhs - c``.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..errors import ScenarioError
from .scenario import LXScenario

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..solvers.ortools import ORToolsSolver

__all__ = ["ResolvedChange", "Resolver", "apply_changes"]


class ResolvedChange(NamedTuple):
    """A modification with positions: ``rows`` and/or ``cols`` of the canonical model.

    A named tuple (immutable, and twice as fast to make as a frozen dataclass: workers make
    one per modification per scenario)."""

    kind: str
    value: float
    rows: np.ndarray | None = None
    cols: np.ndarray | None = None


class Resolver:
    """Resolves targets of one canonical model, caching each name's positions."""

    def __init__(self, canon: LXCanonicalModel) -> None:
        self.canon = canon
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._checked: set[tuple[str, str, str | None]] = set()

    def positions(self, name: str, side: str, scenario: str = "") -> np.ndarray:
        """Row (``side="row"``) or column positions of a family or ``family[key]`` name."""
        hit = self._cache.get((side, name))
        if hit is not None:
            return hit
        canon = self.canon
        index = canon.row_index if side == "row" else canon.col_index
        if name in index:
            found = np.fromiter(index[name].values(), dtype=np.int64)
        else:
            lookup = canon.row if side == "row" else canon.column
            try:
                found = np.array([lookup(name)], dtype=np.int64)
            except KeyError:
                raise self._unknown(name, side, scenario) from None
        self._cache[(side, name)] = found
        return found

    def _unknown(self, name: str, side: str, scenario: str) -> ScenarioError:
        canon = self.canon
        kind = "constraint" if side == "row" else "variable"
        families = list(canon.row_index if side == "row" else canon.col_index)
        names = canon.row_names if side == "row" else canon.col_names
        close = difflib.get_close_matches(name, families + list(names), n=3, cutoff=0.5)
        hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
        where = f"scenario {scenario!r}: " if scenario else ""
        return ScenarioError(
            f"{where}unknown {kind} {name!r} in model '{canon.name}'{hint} "
            f"({kind} families: {', '.join(families) or 'none'})"
        )

    def resolve(self, spec: tuple[Any, ...], scenario: str = "") -> ResolvedChange:
        """Resolve a modification's ``spec``: (target type, target, kind, value, variable)."""
        target_type, target, kind, value, variable = spec
        if target_type == "constraint":
            return ResolvedChange(kind, value, rows=self.positions(target, "row", scenario))
        if target_type in ("variable", "objective"):
            return ResolvedChange(kind, value, cols=self.positions(target, "col", scenario))
        rows = self.positions(target, "row", scenario)
        cols = self.positions(variable or "", "col", scenario)
        return ResolvedChange(kind, value, rows=rows, cols=cols)

    def resolve_scenario(self, scenario: LXScenario) -> list[ResolvedChange]:
        return [self.resolve(m.spec, scenario.name) for m in scenario.modifications]

    def check_scenario(self, scenario: LXScenario) -> None:
        """Raise ``ScenarioError`` for a target of ``scenario`` that the model lacks, as
        ``resolve_scenario`` would; each distinct target is looked up once per resolver (a
        sweep repeats the same targets in every scenario)."""
        checked = self._checked
        for m in scenario.modifications:
            target = (m.target_type, m.target_name, m.variable_name)
            if target not in checked:
                self.resolve(m.spec, scenario.name)
                checked.add(target)


def apply_changes(solver: ORToolsSolver, changes: list[ResolvedChange]) -> None:
    """Apply resolved changes in order to ``solver`` (each on top of the previous ones)."""
    const, sense = solver.canon.row_constant, solver.canon.row_sense
    for ch in changes:
        kind, v = ch.kind, ch.value
        if kind.startswith("rhs_"):
            # _current_rhs_bound and _set_rhs inlined: this loop runs once per changed row
            # per scenario in the workers.
            row_lower, row_upper = solver.row_lower, solver.row_upper
            for row in ch.rows.tolist():
                s, c = sense.item(row), const.item(row)
                lower, upper = row_lower.item(row), row_upper.item(row)
                bound = lower if s == ">=" else upper
                if kind == "rhs_set":
                    bound = v - c
                elif kind == "rhs_add":
                    bound = bound + v
                elif kind == "rhs_add_percent":
                    bound = bound + v * abs(bound + c)
                else:
                    bound = (bound + c) * v - c
                solver.set_row_bounds(row, bound if s != "<=" else lower, bound if s != ">=" else upper)
        elif kind.startswith("bound_"):
            for col in ch.cols.tolist():
                lower, upper = solver.col_lower[col], solver.col_upper[col]
                if kind == "bound_lower":
                    lower = v
                elif kind == "bound_upper":
                    upper = v
                elif kind == "bound_lower_multiply":
                    lower = lower * v
                else:
                    upper = upper * v
                solver.set_col_bounds(col, lower, upper)
        elif kind.startswith("obj_"):
            for col in ch.cols.tolist():
                current = solver.objective[col]
                solver.set_objective_coefficient(col, v if kind == "obj_set" else current * v)
        else:
            for row in ch.rows.tolist():
                for col in ch.cols.tolist():
                    current = solver.coefficient(row, col)
                    if kind == "coef_set":
                        solver.set_coefficient(row, col, v)
                    elif current:
                        solver.set_coefficient(row, col, current * v)
