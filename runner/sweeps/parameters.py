"""What a swept parameter changes: ``Parameter`` (made by ``param``, ``data_param`` and
``choice_param``), the scenario ``Fragment`` a choice selects, and the checked values a
parameter takes.

A parameter changes a right-hand side, a variable bound, an objective or matrix coefficient
(declarative, the fast path: the value is a number), the model's data through
``apply(model, value)`` (any value: a number, a bool or a string), or selects one scenario
fragment per value (``choice_param``: a bool, an int or a category's name).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from lumix import LXModel
from lumix.analysis import LXScenario, LXScenarioModification
from lumix.utils.callables import describe_callable

from ..columns import check_column_name, column_name

__all__ = [
    "Parameter",
    "Fragment",
    "DataChange",
    "param",
    "data_param",
    "choice_param",
    "fragment",
    "ON_VALUES",
    "HOW_VALUES",
    "ALLOWED_HOW",
    "LEVEL_TYPES",
]

On = Literal["rhs", "lower", "upper", "objective", "coefficient", "data", "choice"]
How = Literal["set", "multiply", "add"]
#: What a parameter changes (``on``) and how (``how``), in the order the docs list them.
ON_VALUES: tuple[str, ...] = get_args(On)
HOW_VALUES: tuple[str, ...] = get_args(How)

#: Which ``how`` each ``on`` allows (``data`` and ``choice`` ignore ``how``: ``apply`` or the
#: fragment decides).
ALLOWED_HOW: dict[str, frozenset[str]] = {
    on: frozenset(
        HOW_VALUES if on in ("rhs", "data") else ("set",) if on == "choice" else ("set", "multiply")
    )
    for on in ON_VALUES
}
#: The types a choice's levels (and a data parameter's non-numeric values) may have: they are
#: columns of the results table and JSON in its metadata.
LEVEL_TYPES = (str, bool, int, float)


@dataclass(frozen=True)
class Fragment:
    """A named piece of a scenario: declarative ``modifications`` and ``model_changes``
    (callables ``fn(model)`` run on the scenario's own copy of the model), added to a
    scenario as a whole. Made by ``fragment()``; picklable when its callables are."""

    name: str
    modifications: tuple[LXScenarioModification, ...] = ()
    model_changes: tuple[Callable[[LXModel], Any], ...] = ()

    def add_to(self, scenario: LXScenario) -> None:
        for modification in self.modifications:
            scenario.add_custom_modification(modification)
        for fn in self.model_changes:
            scenario.modify_model(fn)


def fragment(name: str, changes: Any) -> Fragment:
    """The ``Fragment`` named ``name`` of ``changes``: ``None`` (no change), an ``LXScenario``
    (its modifications and model changes), ``{Parameter: value}`` (each parameter's change at
    its value), a sequence of ``LXScenarioModification``, or a callable ``fn(model)``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"fragment name must be a non-empty string, got {name!r}")
    if isinstance(changes, Fragment):
        return changes
    if changes is None:
        return Fragment(name)
    scenario = LXScenario(name)
    if isinstance(changes, LXScenario):
        scenario = changes
    elif isinstance(changes, Mapping):
        for p, value in changes.items():
            if not isinstance(p, Parameter) or p.on == "choice":
                raise TypeError(
                    f"fragment {name!r}: keys must be parameters from param() or data_param(), got {p!r}"
                )
            p.add_to(scenario, p.check_value(value, f"fragment {name!r}, parameter {p.name!r}"))
    elif callable(changes):
        scenario.modify_model(changes)
    elif isinstance(changes, Sequence) and not isinstance(changes, str | bytes):
        for modification in changes:
            if not isinstance(modification, LXScenarioModification):
                raise TypeError(
                    f"fragment {name!r}: expected LXScenarioModification items, got {modification!r}"
                )
            scenario.add_custom_modification(modification)
    else:
        raise TypeError(
            f"fragment {name!r}: expected None, an LXScenario, {{Parameter: value}}, a list of "
            f"LXScenarioModification or a callable fn(model), got {type(changes).__name__} {changes!r}"
        )
    return Fragment(name, tuple(scenario.modifications), tuple(scenario.model_changes))


@dataclass(frozen=True)
class Parameter:
    """One swept value: what it changes (``target``, ``on``, ``how``) and its column ``name``.

    ``on="coefficient"`` changes the matrix coefficients of ``variable`` (column side) in the
    constraint ``target`` (row side). ``on="data"`` calls ``apply(model, value)`` on the
    scenario's own copy of the model (to change data attributes; the copy is recompiled).
    ``on="choice"`` adds the fragment of its value (``fragments``: ``{level: Fragment}``).

    Frozen and hashable: parameters are the keys of the ``{Parameter: values}`` specs.

    Raises
    ------
    ValueError : an unknown ``on``, a ``how`` that ``on`` does not allow, an empty name or
        target, a coefficient without ``variable``, a data parameter without ``apply``, a
        choice without levels.
    """

    name: str
    target: str = ""
    on: On = "rhs"
    how: How = "multiply"
    variable: str | None = None
    apply: Callable[[LXModel, Any], Any] | None = None
    fragments: Mapping[Any, Fragment] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Parameter name must be a non-empty string, got {self.name!r}")
        where = f"parameter {self.name!r}"
        check_column_name(self.name, where)
        if self.on not in ALLOWED_HOW:
            raise ValueError(f"{where}: on={self.on!r} is not known; expected one of {sorted(ALLOWED_HOW)}")
        if self.how not in ALLOWED_HOW[self.on]:
            raise ValueError(
                f"{where}: how={self.how!r} does not apply to on={self.on!r}; "
                f"expected one of {sorted(ALLOWED_HOW[self.on])}"
            )
        if self.on == "data":
            self._check_data(where)
        elif self.on == "choice":
            self._check_choice(where)
        else:
            self._check_target(where)

    def _check_data(self, where: str) -> None:
        if self.apply is None or not callable(self.apply):
            raise ValueError(
                f"{where}: on='data' needs apply=fn(model, value), a callable that changes the "
                f"model's data; got {self.apply!r} (use data_param(name, apply))"
            )
        self._check_unused(where, fragments=self.fragments)

    def _check_choice(self, where: str) -> None:
        if not isinstance(self.fragments, Mapping) or not self.fragments:
            raise ValueError(f"{where}: on='choice' needs fragments={{level: fragment}} (use choice_param())")
        for level, piece in self.fragments.items():
            _check_level(level, f"{where}: level")
            if not isinstance(piece, Fragment):
                raise TypeError(
                    f"{where}: level {level!r} maps to {piece!r}, not a Fragment (use fragment())"
                )
        self._check_unused(where, apply=self.apply, target=self.target or None, variable=self.variable)

    def _check_target(self, where: str) -> None:
        self._check_unused(where, apply=self.apply, fragments=self.fragments)
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

    def _check_unused(self, where: str, **given: Any) -> None:
        uses = {
            "apply": "data",
            "fragments": "choice",
            "target": "a model element",
            "variable": "coefficient",
        }
        for key, value in given.items():
            if value is not None:
                raise ValueError(f"{where}: {key} is only used with on={uses[key]!r}, not on={self.on!r}")

    def __repr__(self) -> str:
        if self.on == "data":
            return f"Parameter({self.name!r}, on='data', apply={describe_callable(self.apply)})"
        if self.on == "choice":
            return f"Parameter({self.name!r}, on='choice', levels={list(self.levels)!r})"
        target = f"{self.target}/{self.variable}" if self.variable else self.target
        return f"Parameter({self.name!r}, {target!r}, on={self.on!r}, how={self.how!r})"

    @property
    def levels(self) -> tuple[Any, ...]:
        """A choice's levels, in the order given (empty for other parameters)."""
        return tuple(self.fragments) if self.on == "choice" and self.fragments else ()

    @property
    def numeric(self) -> bool:
        """Whether its values are numbers applied to the model (declarative changes)."""
        return self.on not in ("data", "choice")

    def check_value(self, value: Any, where: str) -> Any:
        """``value`` as this parameter takes it: a number (an int stays an int, other numbers
        become floats), one of the levels for a choice, or also a bool or a string for a data
        parameter."""
        if self.on == "choice":
            if self._level(value) is None:
                raise ValueError(f"{where}: {value!r} is not one of the levels {list(self.levels)!r}")
            return value
        if self.on == "data" and isinstance(value, str | bool):
            return value
        if type(value) is int:
            return value
        return number(value, where)

    def _level(self, value: Any) -> Any:
        """The level equal to ``value`` and of its type (``True`` is not ``1``), else ``None``."""
        return next((level for level in self.levels if type(level) is type(value) and level == value), None)

    def add_to(self, scenario: LXScenario, value: Any) -> None:
        """Add this parameter's change at ``value`` (checked by ``check_value``) to ``scenario``."""
        if self.on == "data":
            assert self.apply is not None, "a data parameter has apply (checked when made)"
            scenario.modify_model(DataChange(self.name, self.apply, value))
            return
        if self.on == "choice":
            assert self.fragments is not None, "a choice has fragments (checked when made)"
            self.fragments[value].add_to(scenario)
            return
        target_type, kind = _KINDS[self.on, self.how]
        scenario.add_custom_modification(
            LXScenarioModification(
                target_type, self.target, kind, float(value), f"{self.name} = {shown(value)}", self.variable
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
    """A parameter on a model element; ``name`` defaults to ``column_name(target, [variable,]
    on, how)`` (``"capacity_rhs_multiply"``, ``"capacity_2_rhs_add"`` for ``"capacity[2]"``,
    ``"capacity_production_coefficient_set"``: ``runner.columns``' rule, no dots)."""
    if name is None:
        name = column_name(target, *([variable] if variable else []), on, how)
    return Parameter(name, target, on, how, variable)


def data_param(name: str, apply: Callable[[LXModel, Any], Any]) -> Parameter:
    """A parameter that changes the model's data: ``apply(model, value)`` runs on the
    scenario's own copy of the model (it may also return a replacement model). Its values
    may be numbers, bools or strings (e.g. a ``categorical`` supplier name)."""
    return Parameter(name, on="data", how="set", apply=apply)


def choice_param(name: str, fragments: Mapping[Any, Any]) -> Parameter:
    """A parameter whose value selects a scenario fragment: ``{level: changes}``, each level a
    bool, an int or a name (``{True: {param("capacity[plant3]", "rhs", "set"): 0}, False:
    None}``, ``{"A": None, "B": use_supplier_b, "C": scenario_c}``; ``changes`` as
    ``fragment()`` takes them). The results column holds the level."""
    if not isinstance(fragments, Mapping) or not fragments:
        raise ValueError(f"choice_param({name!r}): fragments must be a non-empty mapping {{level: changes}}")
    pieces = {}
    for level, changes in fragments.items():
        _check_level(level, f"choice_param({name!r}): level")
        pieces[level] = fragment(f"{name}={shown(level)}", changes)
    return Parameter(name, on="choice", how="set", fragments=pieces)


class DataChange:
    """The picklable ``fn(model)`` of a data parameter: calls ``apply(model, value)``.

    Journal keys take it by value (its name, ``apply`` and value; ``lumix.utils.keys``).
    """

    def __init__(self, name: str, apply: Callable[[LXModel, Any], Any], value: Any) -> None:
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


# -- values -------------------------------------------------------------------------------------------


def number(value: Any, where: str) -> float:
    """``value`` as a finite float; ``TypeError`` / ``ValueError`` naming ``where``."""
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: value {value!r} is not a finite number")
    return value


def shown(value: Any) -> str:
    """A value as messages and descriptions show it (``1.2``, ``True``, ``A``)."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _is_level(value: Any) -> bool:
    return isinstance(value, LEVEL_TYPES) and not (isinstance(value, float) and not math.isfinite(value))


def _check_level(level: Any, where: str) -> None:
    if not _is_level(level) or (isinstance(level, str) and not level):
        raise TypeError(f"{where} {level!r} must be a non-empty string, a bool, an int or a finite float")
