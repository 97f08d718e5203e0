"""Sweep generators: scenario lists from parameter specs.

A ``Parameter`` says what one number of a sweep changes: a constraint's right-hand side, a
variable's lower or upper bound, an objective or matrix coefficient (each by family,
``"capacity"``, or by instance, ``"capacity[2]"``), or a data attribute of the model through a
callable ``apply(model, value)``. A generator turns ``{Parameter: values}`` into
``LXScenario`` objects for ``run_scenarios``; each scenario's ``parameters`` are
``{parameter.name: value}``, which become columns of the results table.

Generators are deterministic: the same specs (and seed) give the same scenarios with the same
names, ``f"{prefix}-{i:05d}"`` in generation order, so a journaled sweep can be resumed.

Pickling: scenarios hold plain modifications and, for data parameters, a small module-level
callable (``DataChange``) with the user's ``apply`` and the value; they ship to worker
processes with cloudpickle (lambdas included).
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from lumix import LXModel
from lumix.analysis import LXScenario, LXScenarioModification
from lumix.utils.callables import describe_callable

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "Parameter",
    "DataChange",
    "param",
    "data_param",
    "scenario_for",
    "grid",
    "one_at_a_time",
    "latin_hypercube",
    "monte_carlo",
    "ON_VALUES",
    "HOW_VALUES",
    "ALLOWED_HOW",
]

On = Literal["rhs", "lower", "upper", "objective", "coefficient", "data"]
How = Literal["set", "multiply", "add"]
#: What a parameter changes (``on``) and how (``how``), in the order the docs list them.
ON_VALUES: tuple[str, ...] = get_args(On)
HOW_VALUES: tuple[str, ...] = get_args(How)

#: Which ``how`` each ``on`` allows (``data`` ignores ``how``: ``apply`` decides).
ALLOWED_HOW: dict[str, frozenset[str]] = {
    on: frozenset(HOW_VALUES if on in ("rhs", "data") else ("set", "multiply")) for on in ON_VALUES
}


@dataclass(frozen=True)
class Parameter:
    """One swept number: what it changes (``target``, ``on``, ``how``) and its column ``name``.

    ``on="coefficient"`` changes the matrix coefficients of ``variable`` (column side) in the
    constraint ``target`` (row side). ``on="data"`` calls ``apply(model, value)`` on the
    scenario's own copy of the model (to change data attributes; the copy is recompiled).

    Frozen and hashable: parameters are the keys of the ``{Parameter: values}`` specs.

    Raises
    ------
    ValueError : an unknown ``on``, a ``how`` that ``on`` does not allow, an empty name or
        target, a coefficient without ``variable``, a data parameter without ``apply``.
    """

    name: str
    target: str = ""
    on: On = "rhs"
    how: How = "multiply"
    variable: str | None = None
    apply: Callable[[LXModel, float], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Parameter name must be a non-empty string, got {self.name!r}")
        where = f"parameter {self.name!r}"
        if self.on not in ALLOWED_HOW:
            raise ValueError(f"{where}: on={self.on!r} is not known; expected one of {sorted(ALLOWED_HOW)}")
        if self.how not in ALLOWED_HOW[self.on]:
            raise ValueError(
                f"{where}: how={self.how!r} does not apply to on={self.on!r}; "
                f"expected one of {sorted(ALLOWED_HOW[self.on])}"
            )
        if self.on == "data":
            self._check_data(where)
        else:
            self._check_target(where)

    def _check_data(self, where: str) -> None:
        if self.apply is None or not callable(self.apply):
            raise ValueError(
                f"{where}: on='data' needs apply=fn(model, value), a callable that changes the "
                f"model's data; got {self.apply!r} (use data_param(name, apply))"
            )

    def _check_target(self, where: str) -> None:
        if self.apply is not None:
            raise ValueError(f"{where}: apply is only used with on='data', not on={self.on!r}")
        if not isinstance(self.target, str) or not self.target:
            raise ValueError(
                f"{where}: on={self.on!r} needs a target such as 'capacity' or 'capacity[2]', "
                f"got {self.target!r}"
            )
        if self.on == "coefficient" and not self.variable:
            raise ValueError(
                f"{where}: on='coefficient' needs variable= (the column side, e.g. 'production')"
            )
        if self.on != "coefficient" and self.variable is not None:
            raise ValueError(f"{where}: variable is only used with on='coefficient', not on={self.on!r}")

    def __repr__(self) -> str:
        if self.on == "data":
            return f"Parameter({self.name!r}, on='data', apply={describe_callable(self.apply)})"
        target = f"{self.target}/{self.variable}" if self.variable else self.target
        return f"Parameter({self.name!r}, {target!r}, on={self.on!r}, how={self.how!r})"

    def add_to(self, scenario: LXScenario, value: float) -> None:
        """Add this parameter's change at ``value`` to ``scenario``."""
        if self.on == "data":
            assert self.apply is not None, "a data parameter has apply (checked when made)"
            scenario.modify_model(DataChange(self.name, self.apply, value))
            return
        target_type, kind = _KINDS[self.on, self.how]
        scenario.add_custom_modification(
            LXScenarioModification(
                target_type, self.target, kind, value, f"{self.name} = {value:g}", self.variable
            )
        )


#: ``(on, how) -> (LXScenarioModification target_type, modification_type)``.
_KINDS: dict[tuple[str, str], tuple[str, str]] = {
    ("rhs", "set"): ("constraint", "rhs_set"),
    ("rhs", "add"): ("constraint", "rhs_add"),
    ("rhs", "multiply"): ("constraint", "rhs_multiply"),
    ("lower", "set"): ("variable", "bound_lower"),
    ("lower", "multiply"): ("variable", "bound_lower_multiply"),
    ("upper", "set"): ("variable", "bound_upper"),
    ("upper", "multiply"): ("variable", "bound_upper_multiply"),
    ("objective", "set"): ("objective", "obj_set"),
    ("objective", "multiply"): ("objective", "obj_multiply"),
    ("coefficient", "set"): ("coefficient", "coef_set"),
    ("coefficient", "multiply"): ("coefficient", "coef_multiply"),
}


def param(
    target: str,
    on: On = "rhs",
    how: How = "multiply",
    *,
    name: str | None = None,
    variable: str | None = None,
) -> Parameter:
    """A parameter on a model element; ``name`` defaults to ``"<target>.<on>_<how>"``
    (``"capacity.rhs_multiply"``, ``"capacity/production.coefficient_set"``)."""
    if name is None:
        shown = f"{target}/{variable}" if variable else target
        name = f"{shown}.{on}_{how}"
    return Parameter(name, target, on, how, variable)


def data_param(name: str, apply: Callable[[LXModel, float], Any]) -> Parameter:
    """A parameter that changes the model's data: ``apply(model, value)`` runs on the
    scenario's own copy of the model (it may also return a replacement model)."""
    return Parameter(name, on="data", how="set", apply=apply)


class DataChange:
    """The picklable ``fn(model)`` of a data parameter: calls ``apply(model, value)``.

    Journal keys take it by value (its name, ``apply`` and value; ``lumix.utils.keys``).
    """

    def __init__(self, name: str, apply: Callable[[LXModel, float], Any], value: float) -> None:
        self.name = name
        self.apply = apply
        self.value = value

    def __call__(self, model: LXModel) -> LXModel | None:
        returned = self.apply(model, self.value)
        return returned if isinstance(returned, LXModel) else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataChange):
            return NotImplemented
        return (self.name, self.apply, self.value) == (other.name, other.apply, other.value)

    def __hash__(self) -> int:
        return hash((self.name, self.value))

    def __repr__(self) -> str:
        return f"DataChange({self.name!r}, {describe_callable(self.apply)}, {self.value!r})"


# -- validation helpers ---------------------------------------------------------------------------


def _number(value: Any, where: str) -> float:
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: value {value!r} is not a finite number")
    return value


def _parameters(spec: Mapping[Parameter, Any], what: str) -> list[Parameter]:
    if not isinstance(spec, Mapping):
        raise TypeError(f"{what}: expected a mapping {{Parameter: ...}}, got {type(spec).__name__}")
    if not spec:
        raise ValueError(f"{what}: needs at least one parameter, got an empty mapping")
    names: set[str] = set()
    for p in spec:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"{what}: keys must be Parameter objects (from param() or data_param()), "
                f"got {type(p).__name__} {p!r}"
            )
        if p.name in names:
            raise ValueError(f"{what}: two parameters are named {p.name!r}; names must be unique")
        names.add(p.name)
    return list(spec)


def _values(values: Any, where: str) -> list[float]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"{where}: expected a sequence of values such as [0.8, 1.0, 1.2], got {values!r}")
    out = [_number(v, where) for v in values]
    if not out:
        raise ValueError(f"{where}: needs at least one value, got an empty sequence")
    return out


def _count(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what}: n must be an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"{what}: n={n} must be >= 1")
    return int(n)


def _prefix(prefix: Any, what: str) -> str:
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"{what}: prefix must be a non-empty string, got {prefix!r}")
    return prefix


def _names(prefix: str, n: int) -> list[str]:
    width = max(5, len(str(n - 1)))
    return [f"{prefix}-{i:0{width}d}" for i in range(n)]


def _scenario(name: str, parameters: list[Parameter], row: Sequence[float]) -> LXScenario:
    """The scenario of validated ``parameters`` at the floats of ``row``."""
    scenario = LXScenario(name)
    for p, value in zip(parameters, row, strict=True):
        p.add_to(scenario, value)
        scenario.parameters[p.name] = value
    return scenario


def _scenarios(prefix: str, parameters: list[Parameter], rows: Iterable[Sequence[float]]) -> list[LXScenario]:
    rows = list(rows)
    return [
        _scenario(name, parameters, row) for name, row in zip(_names(prefix, len(rows)), rows, strict=True)
    ]


# -- generators -------------------------------------------------------------------------------------


def scenario_for(name: str, values: Mapping[Parameter, float]) -> LXScenario:
    """One scenario that sets every parameter of ``values`` to its value, in order;
    ``parameters`` is ``{p.name: value}``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"scenario_for(): name must be a non-empty string, got {name!r}")
    parameters = _parameters(values, f"scenario {name!r}")
    row = [_number(values[p], f"scenario {name!r}, parameter {p.name!r}") for p in parameters]
    return _scenario(name, parameters, row)


def grid(values: Mapping[Parameter, Sequence[float]], *, prefix: str = "grid") -> list[LXScenario]:
    """The cartesian product of every parameter's values (the last parameter varies fastest).

    ``grid({param("capacity"): [0.8, 1.0, 1.2], param("production", "objective"): [0.9, 1.1]})``
    gives 6 scenarios ``grid-00000`` .. ``grid-00005``.
    """
    prefix = _prefix(prefix, "grid()")
    parameters = _parameters(values, "grid()")
    axes = [_values(values[p], f"grid(), parameter {p.name!r}") for p in parameters]
    return _scenarios(prefix, parameters, itertools.product(*axes))


def one_at_a_time(
    base: Mapping[Parameter, float],
    ranges: Mapping[Parameter, Sequence[float]],
    *,
    prefix: str = "oat",
    include_base: bool = True,
) -> list[LXScenario]:
    """One-at-a-time (tornado) sweep: each parameter of ``ranges`` moves through its values
    while every other parameter stays at its ``base`` value.

    The first scenario, ``f"{prefix}-base"``, has every parameter at its base value (the
    reference of a tornado chart; leave it out with ``include_base=False``); then
    ``f"{prefix}-00000"`` .. in the order of ``ranges`` and its values. Every scenario's
    ``parameters`` carry all parameters of ``base``.
    """
    prefix = _prefix(prefix, "one_at_a_time()")
    parameters = _parameters(base, "one_at_a_time() base")
    moved = _parameters(ranges, "one_at_a_time() ranges")
    missing = [p.name for p in moved if p not in base]
    if missing:
        raise ValueError(
            f"one_at_a_time(): parameter(s) {', '.join(map(repr, missing))} have a range but no base "
            "value; give every parameter of ranges a value in base"
        )
    center = [_number(base[p], f"one_at_a_time() base, parameter {p.name!r}") for p in parameters]
    rows = []
    for p in moved:
        column = parameters.index(p)
        for value in _values(ranges[p], f"one_at_a_time() ranges, parameter {p.name!r}"):
            row = list(center)
            row[column] = value
            rows.append(row)
    scenarios = _scenarios(prefix, parameters, rows)
    if include_base:
        scenarios.insert(0, _scenario(f"{prefix}-base", parameters, center))
    return scenarios


def _ranges(ranges: Mapping[Parameter, tuple[float, float]], what: str) -> tuple[list[Parameter], np.ndarray]:
    parameters = _parameters(ranges, what)
    bounds = []
    for p in parameters:
        where = f"{what}, parameter {p.name!r}"
        pair = ranges[p]
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"{where}: expected a (low, high) pair, got {pair!r}")
        low, high = (_number(v, where) for v in pair)
        if low > high:
            raise ValueError(f"{where}: low={low:g} > high={high:g}; give the range as (low, high)")
        bounds.append((low, high))
    return parameters, np.array(bounds, dtype=float)


def _latin_hypercube_sampler(d: int, rng: np.random.Generator) -> Any:
    from scipy.stats import qmc

    # scipy >= 1.15 names the random state ``rng`` (``seed`` before).
    keyword = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    return qmc.LatinHypercube(d=d, **{keyword: rng})


def latin_hypercube(
    ranges: Mapping[Parameter, tuple[float, float]],
    n: int,
    seed: int | None = None,
    *,
    prefix: str = "lhs",
) -> list[LXScenario]:
    """``n`` scenarios from a Latin hypercube (``scipy.stats.qmc.LatinHypercube``) over
    ``{Parameter: (low, high)}``: each parameter's range is cut into ``n`` equal strata and
    every stratum holds exactly one scenario. The same ``seed`` gives the same scenarios."""
    prefix = _prefix(prefix, "latin_hypercube()")
    n = _count(n, "latin_hypercube()")
    parameters, bounds = _ranges(ranges, "latin_hypercube()")
    unit = _latin_hypercube_sampler(len(parameters), np.random.default_rng(seed)).random(n)
    low, high = bounds[:, 0], bounds[:, 1]
    sample = np.clip(low + unit * (high - low), low, high)
    return _scenarios(prefix, parameters, sample.tolist())


def _draw(dist: Any, n: int, rng: np.random.Generator, where: str) -> np.ndarray:
    if hasattr(dist, "rvs"):
        drawn = dist.rvs(size=n, random_state=rng)
    elif callable(dist):
        drawn = dist(rng, n)
    else:
        raise TypeError(
            f"{where}: expected a frozen scipy.stats distribution (e.g. scipy.stats.norm(1, 0.1)) "
            f"or a callable fn(rng, n) -> array, got {type(dist).__name__} {dist!r}"
        )
    try:
        values = np.asarray(drawn, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: the draws are not numbers: {drawn!r}") from exc
    if values.shape != (n,):
        raise ValueError(f"{where}: expected {n} draws of shape ({n},), got shape {values.shape}")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"{where}: draw #{bad[0]} is {float(values[bad[0]])!r}, not a finite number")
    return values


def monte_carlo(
    distributions: Mapping[Parameter, Any],
    n: int,
    seed: int | None = None,
    *,
    prefix: str = "mc",
) -> list[LXScenario]:
    """``n`` scenarios with each parameter drawn independently from its distribution: a frozen
    ``scipy.stats`` distribution (``scipy.stats.norm(1.0, 0.1)``, drawn with ``.rvs``) or a
    callable ``fn(rng, n)`` returning ``n`` numbers. One ``numpy`` generator seeded with
    ``seed`` draws the parameters in order, so the same seed gives the same scenarios."""
    prefix = _prefix(prefix, "monte_carlo()")
    n = _count(n, "monte_carlo()")
    parameters = _parameters(distributions, "monte_carlo()")
    rng = np.random.default_rng(seed)
    columns = [_draw(distributions[p], n, rng, f"monte_carlo(), parameter {p.name!r}") for p in parameters]
    return _scenarios(prefix, parameters, np.column_stack(columns).tolist())
