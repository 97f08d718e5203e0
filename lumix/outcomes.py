"""Outcomes: a few numbers read from each scenario's solution (KPIs), computed where it is solved.

An ``Outcome`` says what to read: a column's value (``Outcome.value("production[7]")``), a
variable family's (or one column's) ``sum`` (optionally weighted), ``max``, ``min`` or
``mean``, a constraint row's ``activity``, ``slack`` or ``shadow_price``
(``"capacity[1]"``), a goal's deviation (``Outcome.goal_deviation("volume", "neg")``), the
``objective``, or any ``fn(solution: LXSolution) -> float`` (``Outcome.from_solution``).

``normalize_outcomes(spec)`` turns what users write into ``{name: Outcome}``: a mapping
``{name: Outcome | str | callable}`` or a list of strings and ``Outcome`` objects. A string is
the value of the column (or scalar variable) it names, or the objective for ``"objective"``;
a callable is ``Outcome.from_solution(fn)``. Names derived
from a list (``default_name``): every run of characters other than letters, digits and ``_``
becomes one ``_`` and leading or trailing ``_`` go (``"production[7]"`` -> ``production_7``);
other kinds add their kind (``production_sum``, ``capacity_1_slack``; a weighted sum
``production_weighted_sum``; a goal deviation ``volume_neg_deviation``); a callable its
``__name__``. Every name must be an identifier: no dots, no brackets.

``ResolvedOutcomes`` holds outcomes resolved once per compiled model to column / row
positions (unknown names raise ``ScenarioError`` with the closest names, as scenario targets
do) and evaluates them on a solve's arrays (``RawSolution``). Conventions, as
``lumix.row_activity``: a row's ``activity`` is its left-hand side without the expression's
constant; ``slack`` is ``rhs - activity`` for ``<=``, ``activity - rhs`` for ``>=`` and
``-|activity - rhs|`` for ``==``, against the scenario's right-hand side and coefficients; a
goal row counts without its deviation columns, with the goal's sense. A goal deviation's
``"total"`` is the sum of its penalised sides (``LXSolution.get_total_deviation``). A shadow
price exists only for an LP solved to optimality; every outcome is NaN when the scenario has
no solution.

Pickling: an ``Outcome`` pickles with cloudpickle (``lumix.utils.pickling``) when it holds
lambdas; resolved outcomes are rebuilt where they are used.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast, get_args

import numpy as np

from .errors import ScenarioError
from .status import Status
from .utils.naming import close_matches, column_name

if TYPE_CHECKING:
    from .compile import LXCanonicalModel
    from .scenario import Resolver
    from .solvers.ortools import RawSolution
    from .solvers.persistent import PersistentSolver
    from .solvers.solution import LXSolution

__all__ = [
    "Outcome",
    "OutcomeKind",
    "OUTCOME_KINDS",
    "GoalSide",
    "GOAL_SIDES",
    "ResolvedOutcomes",
    "normalize_outcomes",
    "derived_name",
]

OutcomeKind = Literal[
    "value",
    "sum",
    "max",
    "min",
    "mean",
    "activity",
    "slack",
    "shadow_price",
    "goal_deviation",
    "objective",
    "function",
]
#: The declarative kinds (what a TOML ``[[outcomes]]`` table's ``kind`` may be).
OUTCOME_KINDS: tuple[str, ...] = tuple(k for k in get_args(OutcomeKind) if k != "function")
GoalSide = Literal["pos", "neg", "total"]
GOAL_SIDES: tuple[str, ...] = get_args(GoalSide)
#: Kinds that read a variable family or one column.
COLUMN_KINDS = ("value", "sum", "max", "min", "mean")
#: Kinds that read one constraint row.
ROW_KINDS = ("activity", "slack", "shadow_price")

Weights = Mapping[Any, float] | Callable[[Any], float]
SolutionFunction = Callable[["LXSolution"], Any]


@dataclass(frozen=True, eq=False)
class Outcome:
    """What to read from a scenario's solution; build it with the class methods.

    ``target`` names a variable family or column (``value``, ``sum``, ``max``, ``min``,
    ``mean``), a constraint row (``activity``, ``slack``, ``shadow_price``) or a goal
    (``goal_deviation``: the goal's name, or one goal row ``"volume[2]"``); ``weights``
    (``sum`` only) are ``{key: weight}`` or ``fn(key) -> weight``: keys missing from a mapping
    weigh 0, and a mapping's key matches a family key equal to it or written the same
    (``"7"`` matches ``7``, as in ``production[7]``); ``side`` is a goal deviation's side.
    """

    kind: OutcomeKind
    target: str = ""
    weights: Weights | None = None
    side: GoalSide = "total"
    function: SolutionFunction | None = None

    def __post_init__(self) -> None:
        if self.kind not in get_args(OutcomeKind):
            expected = ", ".join(OUTCOME_KINDS)
            raise ValueError(f"outcome kind {self.kind!r} is not known; expected one of {expected}")
        if self.kind in (*COLUMN_KINDS, *ROW_KINDS, "goal_deviation"):
            if not isinstance(self.target, str) or not self.target:
                raise ValueError(f"a {self.kind} outcome needs a target name (a str), got {self.target!r}")
        if self.weights is not None and self.kind != "sum":
            raise ValueError(f"weights are for sum outcomes, not {self.kind}")
        if self.weights is not None and not (isinstance(self.weights, Mapping) or callable(self.weights)):
            raise TypeError(f"weights={self.weights!r} must be a mapping {{key: weight}} or fn(key)")
        if self.side not in GOAL_SIDES:
            raise ValueError(f"side={self.side!r} is not known; expected one of {', '.join(GOAL_SIDES)}")
        if self.kind == "function" and not callable(self.function):
            raise TypeError(f"a function outcome needs fn(solution) -> float, got {self.function!r}")

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def value(cls, column: str) -> Outcome:
        """The value of one column (``"production[7]"``) or scalar variable."""
        return cls("value", column)

    @classmethod
    def sum(cls, target: str, weights: Weights | None = None) -> Outcome:
        """The sum of a family's (or one column's) values, weighted by ``weights`` when given."""
        return cls("sum", target, weights=weights)

    @classmethod
    def max(cls, target: str) -> Outcome:
        return cls("max", target)

    @classmethod
    def min(cls, target: str) -> Outcome:
        return cls("min", target)

    @classmethod
    def mean(cls, target: str) -> Outcome:
        return cls("mean", target)

    @classmethod
    def activity(cls, row: str) -> Outcome:
        """A row's left-hand side (without its expression's constant)."""
        return cls("activity", row)

    @classmethod
    def slack(cls, row: str) -> Outcome:
        """A row's slack against the scenario's right-hand side (``>= 0`` when it holds)."""
        return cls("slack", row)

    @classmethod
    def shadow_price(cls, row: str) -> Outcome:
        """A row's dual value (an LP solved to optimality; NaN otherwise)."""
        return cls("shadow_price", row)

    @classmethod
    def goal_deviation(cls, goal: str, side: GoalSide = "total") -> Outcome:
        """A goal's deviation: ``"pos"`` (over target), ``"neg"`` (under) or ``"total"`` (its
        penalised sides), summed over the goal's rows (or of one row, ``"volume[2]"``)."""
        return cls("goal_deviation", goal, side=side)

    @classmethod
    def objective(cls) -> Outcome:
        return cls("objective")

    @classmethod
    def from_solution(cls, fn: SolutionFunction) -> Outcome:
        """``fn(solution: LXSolution) -> float`` on the scenario's named solution (built in the
        worker only for such outcomes); ``None`` counts as NaN."""
        return cls("function", function=fn)

    # -- what it needs -----------------------------------------------------------------------
    @property
    def needs_values(self) -> bool:
        """Whether the solve must read column values (all but the objective)."""
        return self.kind != "objective"

    def default_name(self) -> str:
        """The name this outcome gets in a list (see the module docstring)."""
        if self.kind == "objective":
            return "objective"
        if self.kind == "function":
            return derived_name(getattr(self.function, "__name__", ""), "function outcome")
        base = derived_name(self.target, f"{self.kind} outcome")
        if self.kind == "value":
            return base
        if self.kind == "goal_deviation":
            return f"{base}_{self.side}_deviation"
        if self.kind == "sum" and self.weights is not None:
            return f"{base}_weighted_sum"
        return f"{base}_{self.kind}"


def derived_name(text: str, what: str = "outcome") -> str:
    """``text`` as an identifier: runs of characters other than letters, digits and ``_``
    become one ``_``, and leading or trailing ``_`` go (``"production[7]"`` -> ``production_7``)."""
    name = column_name(text)
    if not name.isidentifier():
        raise ValueError(
            f"cannot derive a column name for {what} {text!r}; give it a name: outcomes={{'name': ...}}"
        )
    return name


def _as_outcome(name: str, given: Any) -> Outcome:
    if isinstance(given, Outcome):
        return given
    if isinstance(given, str):
        return Outcome.objective() if given == "objective" else Outcome.value(given)
    if callable(given):
        return Outcome.from_solution(given)
    raise TypeError(
        f"outcome {name!r} is {type(given).__name__}; expected an Outcome, a column name or fn(solution)"
    )


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        example = column_name(str(name))
        raise ValueError(
            f"outcome name {name!r} is not an identifier (letters, digits and _, no dots or brackets); "
            f"for example {example if example.isidentifier() else 'kpi_1'!r}"
        )
    return name


def normalize_outcomes(spec: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, Outcome]:
    """``{name: Outcome}`` of what users write (see the module docstring).

    Raises ``TypeError`` for something that is not an outcome, ``ValueError`` for a name that
    is not an identifier or is given twice."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return {_checked_name(name): _as_outcome(str(name), given) for name, given in spec.items()}
    if isinstance(spec, str | Outcome) or not isinstance(spec, Sequence):
        raise TypeError(
            f"outcomes={spec!r} must be a mapping {{name: Outcome | column name | fn(solution)}} "
            "or a list of column names and Outcomes"
        )
    named: dict[str, Outcome] = {}
    for item in spec:
        if not isinstance(item, str | Outcome):
            raise TypeError(
                f"outcome {item!r} in a list must be a column name or an Outcome; "
                "name other outcomes with a mapping {name: ...}"
            )
        outcome = _as_outcome(str(item), item)
        name = outcome.default_name()
        if name in named:
            raise ValueError(
                f"two outcomes get the name {name!r}; name them with a mapping {{name: outcome}}"
            )
        named[name] = outcome
    return named


# -- resolved to positions ------------------------------------------------------------------------


class _Resolved(NamedTuple):
    """One outcome with positions: ``cols`` of a family, a column or a goal's deviation sides,
    with ``weights`` for a weighted sum; for row kinds ``row``, its built coefficients
    (``weights``) on ``cols``, its ``sense`` and the goal deviation columns it leaves out
    (``excluded``)."""

    name: str
    kind: str
    cols: np.ndarray
    weights: np.ndarray | None = None
    row: int = -1
    sense: str = ""
    excluded: frozenset[int] = frozenset()
    function: SolutionFunction | None = None


class ResolvedOutcomes:
    """Outcomes resolved to positions of one compiled model; ``evaluate`` reads them from a solve.

    Invariant: ``names`` are the outcomes' names in the order given; ``evaluate`` returns a
    value (NaN when there is none) for each of them."""

    def __init__(self, named: Mapping[str, Outcome], resolver: Resolver) -> None:
        self.names = tuple(named)
        self._items = [_resolve(name, outcome, resolver) for name, outcome in named.items()]
        self.needs_values = any(outcome.needs_values for outcome in named.values())
        self.needs_solution = any(outcome.kind == "function" for outcome in named.values())

    def __bool__(self) -> bool:
        return bool(self.names)

    def missing(self) -> dict[str, float]:
        """Every outcome NaN: a scenario without a solution."""
        return dict.fromkeys(self.names, math.nan)

    def evaluate(
        self, raw: RawSolution, solver: PersistentSolver, solution: Callable[[], LXSolution]
    ) -> dict[str, float]:
        """The outcomes of ``raw``, solved by ``solver`` (before it reverts: the scenario's
        right-hand sides and coefficients); ``solution()`` names it for callables."""
        if not Status(raw.status).is_feasible:
            return self.missing()
        named = solution() if self.needs_solution else None
        return {item.name: _evaluate(item, raw, solver, named) for item in self._items}


# -- resolving --------------------------------------------------------------------------------------


def _resolve(name: str, outcome: Outcome, resolver: Resolver) -> _Resolved:
    try:
        if outcome.kind in COLUMN_KINDS:
            return _resolve_columns(name, outcome, resolver)
        if outcome.kind in ROW_KINDS:
            return _resolve_row(name, outcome, resolver)
        if outcome.kind == "goal_deviation":
            return _resolve_goal(name, outcome, resolver.canon)
    except ScenarioError as exc:
        raise ScenarioError(f"outcome {name!r}: {exc}") from None
    empty = np.empty(0, dtype=np.int64)
    return _Resolved(name, outcome.kind, empty, function=outcome.function)


def _resolve_columns(name: str, outcome: Outcome, resolver: Resolver) -> _Resolved:
    cols = resolver.positions(outcome.target, "col")
    index = resolver.canon.col_index.get(outcome.target)
    if outcome.kind == "value" and cols.size != 1:
        raise ScenarioError(
            f"a value outcome reads one column, and variable family {outcome.target!r} has {cols.size}; "
            f"name one (e.g. {next(iter(resolver.canon.col_names[j] for j in cols), 'x[1]')!r}) "
            f"or use Outcome.sum / max / min / mean"
        )
    weights = None
    if outcome.weights is not None:
        if index is None:
            raise ScenarioError(f"weights need a variable family; {outcome.target!r} is one column")
        weights = _weights(outcome.weights, list(index), outcome.target)
    return _Resolved(name, outcome.kind, cols, weights)


def _weights(weights: Weights, keys: list[Any], family: str) -> np.ndarray:
    """One weight per key of ``family`` (in its column order)."""
    if not isinstance(weights, Mapping):
        out = []
        for key in keys:
            try:
                weight = weights(key)
            except Exception as exc:
                raise ScenarioError(f"weights({key!r}) raised {type(exc).__name__}: {exc}") from exc
            out.append(_number(weight, f"weights({key!r})"))
        return np.asarray(out, dtype=float)
    known = set(keys)
    by_text = {str(key): key for key in keys}
    found: dict[Any, float] = {}
    for given, weight in weights.items():
        if given not in known and str(given) not in by_text:
            close = close_matches(str(given), by_text, n=3, cutoff=0.5)
            hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
            raise ScenarioError(f"weights name key {given!r}, which variable family {family!r} lacks{hint}")
        key = given if given in known else by_text[str(given)]
        found[key] = _number(weight, f"the weight of {given!r}")
    return np.asarray([found.get(key, 0.0) for key in keys], dtype=float)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ScenarioError(f"{what} is {value!r}; expected a finite number")
    return float(value)


def _goal_of_row(canon: LXCanonicalModel, row: int) -> Any:
    """The ``GoalDeviation`` whose goal rows include ``row``, or ``None``."""
    for goal in canon.goal_deviations:
        if row in canon.row_index.get(goal.goal, {}).values():
            return goal
    return None


#: A goal's sense from the sides its objective penalises.
_GOAL_SENSE = {frozenset({"pos"}): "<=", frozenset({"neg"}): ">=", frozenset({"pos", "neg"}): "=="}


def _deviation_columns(canon: LXCanonicalModel, goal: Any) -> np.ndarray:
    return np.asarray(
        [j for family in (goal.pos, goal.neg) for j in canon.col_index.get(family, {}).values()],
        dtype=np.int64,
    )


def _resolve_row(name: str, outcome: Outcome, resolver: Resolver) -> _Resolved:
    rows = resolver.positions(outcome.target, "row")
    canon = resolver.canon
    if rows.size != 1:
        example = canon.row_names[int(rows[0])] if rows.size else "capacity[1]"
        raise ScenarioError(
            f"a {outcome.kind} outcome reads one row, and constraint family {outcome.target!r} has "
            f"{rows.size}; name one, e.g. {example!r}"
        )
    row = int(rows[0])
    start, end = canon.matrix.indptr[row], canon.matrix.indptr[row + 1]
    cols, coefficients = canon.matrix.indices[start:end].astype(np.int64), canon.matrix.data[start:end]
    sense = str(canon.row_sense[row])
    excluded: frozenset[int] = frozenset()
    goal = _goal_of_row(canon, row)
    if goal is not None:  # the goal itself: without its deviation columns, with its sense
        deviations = _deviation_columns(canon, goal)
        keep = ~np.isin(cols, deviations)
        cols, coefficients = cols[keep], coefficients[keep]
        sense = _GOAL_SENSE.get(frozenset(goal.undesired), "==")
        excluded = frozenset(deviations.tolist())
    return _Resolved(name, outcome.kind, cols, np.asarray(coefficients, dtype=float), row, sense, excluded)


def _resolve_goal(name: str, outcome: Outcome, canon: LXCanonicalModel) -> _Resolved:
    goals = {goal.goal: goal for goal in canon.goal_deviations}
    family, bracket, _ = outcome.target.partition("[")
    goal = goals.get(outcome.target) or (goals.get(family) if bracket else None)
    if goal is None:
        close = close_matches(outcome.target, goals, n=3, cutoff=0.5)
        hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
        known = ", ".join(goals) or "none (no constraint is a goal with priority >= 1)"
        raise ScenarioError(f"unknown goal {outcome.target!r} in model '{canon.name}'{hint} (goals: {known})")
    pos = np.fromiter(canon.col_index[goal.pos].values(), dtype=np.int64)
    neg = np.fromiter(canon.col_index[goal.neg].values(), dtype=np.int64)
    if outcome.target != goal.goal:  # one goal row: its own deviation pair
        try:
            row = canon.row(outcome.target)
        except KeyError:
            raise ScenarioError(f"goal {goal.goal!r} has no row {outcome.target!r}") from None
        in_row = canon.matrix.indices[canon.matrix.indptr[row] : canon.matrix.indptr[row + 1]]
        pos, neg = pos[np.isin(pos, in_row)], neg[np.isin(neg, in_row)]
    side = {"pos": pos, "neg": neg}
    counted = (outcome.side,) if outcome.side != "total" else tuple(s for s in side if s in goal.undesired)
    cols = np.concatenate([side[s] for s in counted]) if counted else pos[:0]
    return _Resolved(name, "goal_deviation", cols)


# -- evaluating -------------------------------------------------------------------------------------


def _evaluate(item: _Resolved, raw: RawSolution, solver: PersistentSolver, named: LXSolution | None) -> float:
    kind = item.kind
    if kind == "objective":
        return math.nan if raw.objective_value is None else float(raw.objective_value)
    if kind == "function":
        return _call(item, cast("LXSolution", named))
    if kind == "shadow_price":
        optimal = raw.status == Status.OPTIMAL and raw.duals is not None
        return float(raw.duals[item.row]) if optimal else math.nan  # type: ignore[index]
    x = raw.x
    if x is None:
        return math.nan
    if kind in ("activity", "slack"):
        return _row_outcome(item, x, solver)
    if kind == "goal_deviation":
        return float(np.abs(x[item.cols]).sum())
    return _reduce(item, x[item.cols])


def _reduce(item: _Resolved, values: np.ndarray) -> float:
    if item.kind == "sum":
        return float(values.sum() if item.weights is None else item.weights @ values)
    if not values.size:
        return math.nan
    reduce: Callable[[np.ndarray], Any] = _REDUCE[item.kind]
    return float(reduce(values))


#: How ``value``, ``max``, ``min`` and ``mean`` reduce their columns' values.
_REDUCE: dict[str, Callable[[np.ndarray], Any]] = {
    "value": np.sum,
    "max": np.max,
    "min": np.min,
    "mean": np.mean,
}


def _row_outcome(item: _Resolved, x: np.ndarray, solver: PersistentSolver) -> float:
    """A row's activity or slack with the scenario's coefficients and right-hand side."""
    assert item.weights is not None  # the row's coefficients on ``cols``
    activity = float(item.weights @ x[item.cols])
    for (row, col), built in solver.changed_coefficients.items():  # the scenario's coefficients
        if row == item.row and col not in item.excluded:
            activity += (solver.coefficient(row, col) - built) * float(x[col])
    if item.kind == "activity":
        return activity
    if item.sense == "<=":
        return float(solver.row_upper[item.row]) - activity
    if item.sense == ">=":
        return activity - float(solver.row_lower[item.row])
    return -abs(activity - float(solver.row_upper[item.row]))


def _call(item: _Resolved, solution: LXSolution) -> float:
    assert item.function is not None
    try:
        value = item.function(solution)
    except Exception as exc:
        raise ScenarioError(f"outcome {item.name!r}: {type(exc).__name__}: {exc}") from exc
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioError(
            f"outcome {item.name!r} returned {value!r} ({type(value).__name__}); expected a number"
        )
    return float(value)
