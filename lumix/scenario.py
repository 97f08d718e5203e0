"""Solving scenarios of one compiled model: ``ScenarioSession``, and declarative changes.

A ``ScenarioSession`` holds a compiled model in a persistent solver (OR-Tools, CP-SAT, Gurobi or
CPLEX, built by ``lumix.solvers.registry``). A scenario is a list of declarative changes
(right-hand sides, bounds, objective and matrix coefficients, by family or by instance) and,
optionally, callables that change the model's data. Declarative changes are
resolved to row / column positions (``Resolver``), applied in place (``apply_changes``),
solved warm and reverted. Callables run on the session's private copy of the model, where
``lumix.dependencies`` knows which numbers read which data: only those are recomputed and
applied to the persistent solver, and the data are restored (``"data"``). Where the
dependencies cannot be known or followed (a callable reading a global, a change of the model's
declarations, see ``lumix.dependencies``), or with ``LXOptimizer.data_scenarios("recompile")``,
the callables run on a fresh copy of the model, which is recompiled and either diffed into the
persistent solver (``"incremental"``) or solved by a solver of its own (``"rebuilt"``). For
the first scenario of each callable's code, the changed copy is also compiled and its numbers
compared (the callables still run once); a difference sends that code the second way from then
on. A session's outcomes (``lumix.outcomes``: a
column's value, a family's sum, a row's slack, ...) are read from each solve's arrays before
the solver reverts, so they see the scenario's right-hand sides and coefficients.

This is the one place a scenario is solved: the analyzers use it in-process, the runner's
workers in their processes. Right-hand sides follow the written form: for a row
``expr + c <= rhs`` the solver bound is ``rhs - c``.

Bad numbers come back explained: a scenario whose changes cross a column's or a row's bounds
(lower above upper, a lower bound of ``+inf`` or an upper bound of ``-inf``) is ``infeasible``
without a solve, with a ``reason`` naming the column or row and both values (only the changed
columns and rows are checked; a callable's recompiled model is checked by the compiler); every
non-feasible solver status gets a ``reason`` too.

Thread-safety: one session per thread (the solver is stateful).
"""

from __future__ import annotations

import copy
import functools
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from .core.model import LXModel
from .dependencies import DataChanges, DataDependencies, Fallback, function_key
from .errors import ScenarioError
from .goal_programming.solver import solve_goal_stages
from .outcomes import Outcome, ResolvedOutcomes, normalize_outcomes
from .solvers.base import DATA_SCENARIO_MODES, DATA_SCENARIOS_KEY
from .solvers.ortools import RawSolution, to_solution
from .solvers.registry import compile_for, create_solver
from .solvers.solution import LXSolution
from .status import Status
from .utils.naming import close_matches

if TYPE_CHECKING:
    from .analysis.scenario import LXScenario
    from .compile import LXCanonicalModel
    from .solvers.persistent import PersistentSolver

__all__ = [
    "ScenarioSession",
    "ScenarioOutcome",
    "BASELINE",
    "ResolvedChange",
    "Resolver",
    "apply_changes",
    "Keep",
    "KEEP_VALUES",
    "SOLVER_SAID",
    "METHODS",
    "apply_data_changes",
]

logger = logging.getLogger("lumix.scenario")

#: The name of the unmodified model among scenarios (analyzers and sweeps).
BASELINE = "baseline"

Keep = Literal["summary", "values", "full"]
#: What a scenario's solution keeps: the objective only, variable values, or also duals.
KEEP_VALUES: tuple[Keep, ...] = ("summary", "values", "full")

#: How a scenario was solved (``ScenarioOutcome.method``): ``"incremental"`` declarative changes
#: (or a recompiled copy's differences) in the persistent solver; ``"data"`` the numbers that
#: read the changed data, recomputed and applied to the persistent solver; ``"rebuilt"`` a
#: recompiled copy of another structure, in a solver of its own.
METHODS: tuple[str, ...] = ("incremental", "data", "rebuilt")

Spec = tuple[Any, ...]
ModelChange = Callable[[Any], Any]


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
        self._groups: dict[int, tuple[Spec, ...]] = {}  # check_group's, kept: their ids stay theirs

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
        close = close_matches(name, families + list(names), n=3, cutoff=0.5)
        hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
        where = f"scenario {scenario!r}: " if scenario else ""
        return ScenarioError(
            f"{where}unknown {kind} {name!r} in model '{canon.name}'{hint} "
            f"({kind} families: {', '.join(families) or 'none'})"
        )

    def resolve(self, spec: Spec, scenario: str = "") -> ResolvedChange:
        """Resolve a modification's ``spec``: (target type, target, kind, value, variable)."""
        target_type, target, kind, value, variable = spec
        if target_type == "constraint":
            return ResolvedChange(kind, value, rows=self.positions(target, "row", scenario))
        if target_type in ("variable", "objective"):
            return ResolvedChange(kind, value, cols=self.positions(target, "col", scenario))
        rows = self.positions(target, "row", scenario)
        cols = self.positions(variable or "", "col", scenario)
        return ResolvedChange(kind, value, rows=rows, cols=cols)

    def resolve_all(self, specs: Iterable[Spec], scenario: str = "") -> list[ResolvedChange]:
        return [self.resolve(spec, scenario) for spec in specs]

    def resolve_scenario(self, scenario: LXScenario) -> list[ResolvedChange]:
        return self.resolve_all(scenario.spec, scenario.name)

    def check_scenario(self, scenario: LXScenario) -> None:
        """Raise ``ScenarioError`` for a target of ``scenario`` that the model lacks, as
        ``resolve_scenario`` would (see ``check_specs``)."""
        self.check_specs([m.spec for m in scenario.modifications], scenario.name)

    def check_specs(self, specs: Iterable[Spec], scenario: str = "") -> None:
        """Raise ``ScenarioError`` for a target of the modification ``specs`` (of scenario
        ``scenario``) that the model lacks; each distinct target is looked up once per resolver
        (a sweep repeats the same targets in every scenario)."""
        checked = self._checked
        for spec in specs:
            target = (spec[0], spec[1], spec[4])
            if target not in checked:
                self.resolve(spec, scenario)
                checked.add(target)

    def check_group(self, specs: tuple[Spec, ...], scenario: str = "") -> None:
        """``check_specs`` of a tuple of specs that many scenarios share (a design's targets),
        the first time this very tuple is met."""
        if id(specs) not in self._groups:
            self.check_specs(specs, scenario)
            self._groups[id(specs)] = specs


# -- applying changes to a persistent solver ---------------------------------------------------


def _crossed(what: str, name: str, lower: float, upper: float) -> str:
    """Why bounds ``lower .. upper`` of a column or row admit no value."""
    bounds = f"lower bound {lower:.12g}", f"upper bound {upper:.12g}"
    if lower > upper:
        return f"{what} {name!r} {bounds[0]} is above its {bounds[1]}"
    if math.isnan(lower) or math.isnan(upper):
        return (
            f"{what} {name!r} gets an undefined bound ({bounds[0]}, {bounds[1]}): an infinite bound times 0?"
        )
    side = bounds[0] if lower == math.inf else bounds[1]
    return f"{what} {name!r} {side} leaves no value (its bounds are {lower:.12g} .. {upper:.12g})"


def _apply_rhs(solver: PersistentSolver, ch: ResolvedChange) -> str | None:
    const, sense = solver.canon.row_constant, solver.canon.row_sense
    row_lower, row_upper = solver.row_lower, solver.row_upper
    kind, v = ch.kind, ch.value
    inf = math.inf
    assert ch.rows is not None
    for row in ch.rows.tolist():  # runs once per changed row per scenario: kept flat
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
        lower, upper = (bound if s != "<=" else lower), (bound if s != ">=" else upper)
        if not (lower <= upper and lower < inf and upper > -inf):  # also False for NaN
            return _crossed("constraint", solver.canon.row_names[row], lower + c, upper + c)
        solver.set_row_bounds(row, lower, upper)
    return None


def _apply_bound(solver: PersistentSolver, ch: ResolvedChange) -> str | None:
    kind, v = ch.kind, ch.value
    inf = math.inf
    assert ch.cols is not None
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
        if not (lower <= upper and lower < inf and upper > -inf):  # also False for NaN
            return _crossed("variable", solver.canon.col_names[col], lower, upper)
        solver.set_col_bounds(col, lower, upper)
    return None


def _apply_objective(solver: PersistentSolver, ch: ResolvedChange) -> None:
    assert ch.cols is not None
    for col in ch.cols.tolist():
        value = ch.value if ch.kind == "obj_set" else solver.objective[col] * ch.value
        solver.set_objective_coefficient(col, value)


def _apply_coefficient(solver: PersistentSolver, ch: ResolvedChange) -> None:
    assert ch.rows is not None and ch.cols is not None
    for row in ch.rows.tolist():
        for col in ch.cols.tolist():
            if ch.kind == "coef_set":
                solver.set_coefficient(row, col, ch.value)
            else:
                current = solver.coefficient(row, col)
                if current:
                    solver.set_coefficient(row, col, current * ch.value)


_APPLY = {"rhs": _apply_rhs, "bound": _apply_bound, "obj": _apply_objective, "coef": _apply_coefficient}


def apply_changes(solver: PersistentSolver, changes: Iterable[ResolvedChange]) -> str | None:
    """Apply resolved changes in order to ``solver`` (each on top of the previous ones).

    Returns ``None``, or why the first changed column or row whose bounds cross admits no
    value; the changes after it are then not applied (the caller reverts the solver)."""
    for ch in changes:
        crossed = _APPLY[ch.kind.partition("_")[0]](solver, ch)
        if crossed is not None:
            return crossed
    return None


def apply_data_changes(solver: PersistentSolver, data: DataChanges) -> None:
    """Apply the numbers a data scenario changed (``lumix.dependencies``) to ``solver``."""
    cols = zip(data.cols.tolist(), data.col_lower.tolist(), data.col_upper.tolist(), strict=True)
    for col, lower, upper in cols:
        solver.set_col_bounds(col, lower, upper)
    if data.objective_cols.size:
        solver.set_objective(data.objective_cols, data.objective)
    rows = zip(data.rows.tolist(), data.row_lower.tolist(), data.row_upper.tolist(), strict=True)
    for row, lower, upper in rows:
        solver.set_row_bounds(row, lower, upper)
    entries = zip(data.coef_rows.tolist(), data.coef_cols.tolist(), data.coefficients.tolist(), strict=True)
    for row, col, value in entries:
        solver.set_coefficient(row, col, value)


def diff_into(solver: PersistentSolver, base: LXCanonicalModel, new: LXCanonicalModel) -> bool:
    """Apply the numeric differences of ``new`` to a solver of ``base``; False (and nothing
    changed) when the structure (names, types, sparsity, sense, constants) differs."""
    if not _same_structure(base, new):
        return False
    for i in np.flatnonzero((base.row_lower != new.row_lower) | (base.row_upper != new.row_upper)):
        solver.set_row_bounds(int(i), new.row_lower[i], new.row_upper[i])
    for j in np.flatnonzero((base.col_lower != new.col_lower) | (base.col_upper != new.col_upper)):
        solver.set_col_bounds(int(j), new.col_lower[j], new.col_upper[j])
    cols = np.flatnonzero(base.objective != new.objective)
    solver.set_objective(cols, new.objective[cols])
    changed = np.flatnonzero(base.matrix.data != new.matrix.data)
    if changed.size:
        rows = np.repeat(np.arange(base.n_rows), np.diff(base.matrix.indptr))
        for k in changed:
            solver.set_coefficient(int(rows[k]), int(base.matrix.indices[k]), new.matrix.data[k])
    return True


def _same_structure(base: LXCanonicalModel, new: LXCanonicalModel) -> bool:
    return (
        base.col_names == new.col_names
        and base.row_names == new.row_names
        and base.sense == new.sense
        and base.objective_constant == new.objective_constant
        and _same_stages(base, new)
        and all(
            np.array_equal(a, b)
            for a, b in (
                (base.col_integer, new.col_integer),
                (base.row_sense, new.row_sense),
                (base.row_constant, new.row_constant),
                (base.matrix.indptr, new.matrix.indptr),
                (base.matrix.indices, new.matrix.indices),
            )
        )
    )


def _same_stages(base: LXCanonicalModel, new: LXCanonicalModel) -> bool:
    """The same sequential goal stages (priorities, bound rows, objectives): a solver of
    ``base`` runs the stages of ``base``."""
    return len(base.goal_stages) == len(new.goal_stages) and all(
        (a.priority, a.bound_row) == (b.priority, b.bound_row) and np.array_equal(a.objective, b.objective)
        for a, b in zip(base.goal_stages, new.goal_stages, strict=True)
    )


# -- the session --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioOutcome:
    """What solving one scenario gave: the solver's status and objective, how it was solved
    (``method``, one of ``METHODS``), the named solution when the
    session keeps values, and ``reason``: why a non-feasible status (crossed bounds found
    before solving, or what the solver said); ``None`` for a feasible one."""

    status: Status
    objective_value: float | None
    solve_time: float
    method: str
    solution: LXSolution | None = None
    reason: str | None = None
    #: The session's outcomes ``{name: value}`` (NaN without a solution; see ``lumix.outcomes``).
    outcomes: dict[str, float] = field(default_factory=dict)


#: What each non-feasible solver status means, for ``ScenarioOutcome.reason``.
SOLVER_SAID = {
    Status.INFEASIBLE: "the solver reported infeasible: no point meets every constraint and bound",
    Status.UNBOUNDED: "the solver reported unbounded: the objective improves without limit",
    Status.ABNORMAL: "the solver reported abnormal: it stopped without an answer "
    "(numerical trouble or invalid numbers in the model)",
    Status.NOT_SOLVED: "the solver reported not_solved: it stopped before solving",
    Status.TIME_LIMIT: "the solver reported time_limit: it reached its time limit without a solution",
    Status.UNKNOWN: "the solver reported unknown: an answer OR-Tools does not name",
}


class ScenarioSession:
    """Solves scenarios of one compiled model in a persistent solver.

    ``canon`` is the compiled model; ``model`` the ``LXModel`` it came from (needed only for
    scenarios with callables, which change a copy of it: ``model`` itself is never changed);
    ``solver_options`` are ``LXOptimizer.options`` (backend, parameters, linearization:
    callables' copies are recompiled with the same configuration; ``data_scenarios``); ``keep``
    says what each outcome's ``solution`` holds; ``outcomes`` (``{name: Outcome | str |
    fn(solution)}`` or a list, see ``lumix.outcomes``) are read from every solve into
    ``ScenarioOutcome.outcomes``, resolved here once (a ``ScenarioError`` for a name the model
    lacks) and again for a rebuilt model.

    ``data_unusable`` says why data scenarios are copied and recompiled (``None`` while the
    ``"data"`` way is open), ``data_fallbacks`` why the callables of a code are, by
    ``lumix.dependencies.function_key``.
    """

    def __init__(
        self,
        canon: LXCanonicalModel,
        model: LXModel | None = None,
        solver_options: dict[str, Any] | None = None,
        keep: Keep = "summary",
        outcomes: Mapping[str, Any] | Sequence[Any] | None = None,
    ) -> None:
        if keep not in KEEP_VALUES:
            raise ValueError(f"keep={keep!r} is not known; expected one of {', '.join(KEEP_VALUES)}")
        self.canon = canon
        self.model = model
        self.solver_options = dict(solver_options or {})
        mode = self.solver_options.pop(DATA_SCENARIOS_KEY, "auto")
        if mode not in DATA_SCENARIO_MODES:
            raise ValueError(
                f"{DATA_SCENARIOS_KEY}={mode!r}: expected one of {', '.join(DATA_SCENARIO_MODES)}"
            )
        self.data_unusable: str | None = None if mode == "auto" else f'{DATA_SCENARIOS_KEY}="{mode}"'
        self.data_fallbacks: dict[tuple[Any, ...], str] = {}
        self._dependencies: DataDependencies | None = None
        self._verified: set[tuple[Any, ...]] = set()
        self.keep = keep
        self.resolver = Resolver(canon)
        self.outcomes: dict[str, Outcome] = normalize_outcomes(outcomes)
        self.resolved_outcomes = ResolvedOutcomes(self.outcomes, self.resolver)
        self.solver = create_solver(canon, self.solver_options)

    def solve_scenario(self, scenario: LXScenario) -> ScenarioOutcome:
        """Solve an ``LXScenario`` (declarative changes and ``modify_model`` callables)."""
        return self.solve(scenario.spec, tuple(scenario.model_changes), scenario.name)

    def solve(
        self, changes: Sequence[Spec] = (), functions: Sequence[ModelChange] = (), name: str = ""
    ) -> ScenarioOutcome:
        """Solve the model with ``functions`` applied to a copy of it, then ``changes``
        (modification specs, ``LXScenarioModification.spec``); the base model is untouched."""
        if functions:
            return self._solve_changed_model(changes, functions, name)
        resolved = self.resolver.resolve_all(changes, name)
        return self._solve_in_place(self.solver, self.canon, resolved, "incremental", name)

    def _solve_in_place(
        self,
        solver: PersistentSolver,
        canon: LXCanonicalModel,
        changes: list[ResolvedChange],
        method: str,
        name: str,
        outcomes: ResolvedOutcomes | None = None,
        data: DataChanges | None = None,
    ) -> ScenarioOutcome:
        """Apply ``data`` (a data scenario's numbers) and ``changes``, solve, read the outcomes
        (``outcomes``: resolved for ``canon``, by default the session's) while the solver still
        holds the scenario, and revert."""
        outcomes = self.resolved_outcomes if outcomes is None else outcomes
        raw: RawSolution | None = None
        values: dict[str, float] = {}
        try:
            if data is not None:
                apply_data_changes(solver, data)
            crossed = apply_changes(solver, changes)
            if crossed is None:  # crossed bounds: infeasible without asking the solver
                # stage by stage for sequential goals
                raw = solve_goal_stages(solver, self.keep != "summary" or outcomes.needs_values)
                if outcomes:
                    values = outcomes.evaluate(raw, solver, functools.partial(to_solution, canon, raw))
        finally:
            solver.revert()
        if raw is None:
            return self._crossed_outcome(canon, method, name, crossed or "", outcomes.missing())
        return self._outcome(raw, canon, method, solver.backend, values)

    def _crossed_outcome(
        self, canon: LXCanonicalModel, method: str, name: str, crossed: str, values: dict[str, float]
    ) -> ScenarioOutcome:
        """``infeasible`` without a solve, saying which bounds cross."""
        reason = f"scenario {name!r}: {crossed}" if name else crossed
        raw = RawSolution(Status.INFEASIBLE, None, 0.0)
        kept = self._kept(raw, canon)
        return ScenarioOutcome(Status.INFEASIBLE, None, 0.0, method, kept, reason, values)

    def _solve_changed_model(
        self, changes: Sequence[Spec], functions: Sequence[ModelChange], name: str
    ) -> ScenarioOutcome:
        """Callables by their data dependencies (``"data"``) where known, else on a copy."""
        key = function_key(functions)
        deps = None if key in self.data_fallbacks else self._data_dependencies()
        if deps is None:
            return self._solve_recompiled(changes, functions, name)
        data, canon = self._apply_data(deps, functions, key)
        if data is not None:
            resolved = self.resolver.resolve_all(changes, name)
            return self._solve_in_place(self.solver, self.canon, resolved, "data", name, data=data)
        return self._solve_recompiled(changes, functions, name, canon)

    def _apply_data(
        self, deps: DataDependencies, functions: Sequence[ModelChange], key: tuple[Any, ...]
    ) -> tuple[DataChanges | None, LXCanonicalModel | None]:
        """Run the callables once, on the session's copy: their numbers by the data
        dependencies, and (the first time for their code, or where the dependencies cannot
        follow them) the changed copy compiled; the data restored afterwards."""
        data = canon = None
        try:
            try:
                data = deps.apply(functions)
            except Fallback as why:
                self._fall_back(key, str(why))
            if data is None or key not in self._verified:
                canon = compile_for(deps.changed_model, self.solver_options)
        finally:
            deps.revert()
            if not deps.clean:
                self._drop_dependencies()
        if data is not None and canon is not None and not self._verify(deps, data, canon, key):
            data = None
        return data, canon

    def _data_dependencies(self) -> DataDependencies | None:
        """The data dependencies of a private copy of the model, recorded when first needed;
        ``None`` where they cannot be known (``data_unusable`` says why)."""
        if self._dependencies is None and self.data_unusable is None and self.model is not None:
            try:
                self._dependencies = DataDependencies(copy.deepcopy(self.model), self.canon)
            except Exception as exc:  # Fallback, or the copy's recording failed: copy and recompile
                self.data_unusable = str(exc) if isinstance(exc, Fallback) else f"{type(exc).__name__}: {exc}"
                logger.info("model '%s': data scenarios are copied and recompiled: %s", self.canon.name, exc)
        return self._dependencies

    def _drop_dependencies(self) -> None:
        """Forget the data dependencies (recorded again from a fresh copy when next needed),
        giving back their hold on the data classes' write hooks."""
        if self._dependencies is not None:
            self._dependencies.close()
            self._dependencies = None

    def close(self) -> None:
        """Release what the session holds beyond memory: its data dependencies' write hooks on
        the model's data classes (taken off when no session needs them). The session stays
        usable: data scenarios record the dependencies again."""
        self._drop_dependencies()

    def _fall_back(self, key: tuple[Any, ...], why: str) -> None:
        self.data_fallbacks[key] = why
        logger.info("model '%s': a scenario's callables are copied and recompiled: %s", self.canon.name, why)

    def _verify(
        self, deps: DataDependencies, data: DataChanges, fresh: LXCanonicalModel, key: tuple[Any, ...]
    ) -> bool:
        """The first scenario of a callables' code: are its numbers those of the changed copy
        recompiled (``fresh``), and does the restored copy compile to the baseline again?"""
        same = _same_structure(self.canon, fresh) and deps.numbers_match(data, fresh)
        restored = deps.clean and compile_for(deps.model, self.solver_options).content_hash == (
            self.canon.content_hash
        )
        if deps is self._dependencies:
            deps.remember_declarations()  # the compile keeps its ORM reads on the model
        if not restored:
            self._drop_dependencies()
        if same and restored:
            self._verified.add(key)
            return True
        self._fall_back(key, "its numbers differ from those of the copy recompiled")
        return False

    def _compile_changed(self, functions: Sequence[ModelChange], name: str) -> LXCanonicalModel:
        return compile_for(self._changed_model(functions, name), self.solver_options)

    def _solve_recompiled(
        self,
        changes: Sequence[Spec],
        functions: Sequence[ModelChange],
        name: str,
        canon: LXCanonicalModel | None = None,
    ) -> ScenarioOutcome:
        """The callables on a fresh copy of the model (``canon``: its compile, if done),
        recompiled and diffed into the persistent solver, or solved by a solver of its own."""
        canon = canon if canon is not None else self._compile_changed(functions, name)
        solver = self.solver
        try:
            incremental = diff_into(solver, self.canon, canon)
            if incremental:
                resolved = self.resolver.resolve_all(changes, name)
                return self._solve_in_place(solver, self.canon, resolved, "incremental", name)
        finally:
            if solver.changed:
                solver.revert()
        fresh = create_solver(canon, self.solver_options)
        resolver = Resolver(canon)
        resolved = resolver.resolve_all(changes, name)
        outcomes = ResolvedOutcomes(self.outcomes, resolver) if self.outcomes else None
        return self._solve_in_place(fresh, canon, resolved, "rebuilt", name, outcomes)

    def _changed_model(self, functions: Sequence[ModelChange], name: str) -> LXModel:
        """A fresh copy of the model with the scenario's callables applied (a callable may
        return a replacement model)."""
        if self.model is None:
            where = f"scenario {name!r}: " if name else ""
            raise ScenarioError(
                f"{where}changing the model needs the LXModel; give ScenarioSession(canon, model)"
            )
        model = copy.deepcopy(self.model)
        for fn in functions:
            returned = fn(model)
            if isinstance(returned, LXModel):
                model = returned
        return model

    def _outcome(
        self, raw: RawSolution, canon: LXCanonicalModel, method: str, backend: str, values: dict[str, float]
    ) -> ScenarioOutcome:
        status = Status(raw.status)
        reason = None
        if not status.is_feasible:
            said = SOLVER_SAID.get(status, f"the solver reported {status}")
            reason = f"{said} ({backend})"
        kept = self._kept(raw, canon)
        return ScenarioOutcome(status, raw.objective_value, raw.solve_time, method, kept, reason, values)

    def _kept(self, raw: RawSolution, canon: LXCanonicalModel) -> LXSolution | None:
        if self.keep == "summary":
            return None
        if self.keep == "values":
            raw = RawSolution(
                raw.status,
                raw.objective_value,
                raw.solve_time,
                x=raw.x,
                gap=raw.gap,
                goal_stages=raw.goal_stages,
            )
        return to_solution(canon, raw)
