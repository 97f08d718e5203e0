"""Declarative scenarios: ``LXScenario`` and ``LXScenarioModification``.

A modification names a target by family (``"capacity"``) or instance (``"capacity[2]"``) and
changes numbers only: a constraint's right-hand side, a variable's bounds, an objective
coefficient or a matrix coefficient. ``lumix.scenario`` resolves targets against a
compiled model and applies them to a persistent solver.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, Literal, Self

from typing_extensions import TypeVar

from ..core.enums import LXObjectiveSense
from ..scenario import BASELINE
from ..solvers.base import LXOptimizer
from ..utils.generic import TypeArgumentNotState
from ..utils.keys import ContentKeyer, digest
from ..utils.naming import column_name
from ._executor import Executor, solve_scenarios
from ._sense import solved_sense
from .report import pct_change

__all__ = ["LXScenario", "LXScenarioModification", "MODIFICATION_TYPES"]

TModel = TypeVar("TModel", default=Any)  # the type argument is optional: LXScenario("name")

TargetType = Literal["constraint", "variable", "objective", "coefficient"]

MODIFICATION_TYPES: dict[str, frozenset[str]] = {
    "constraint": frozenset({"rhs_set", "rhs_add", "rhs_multiply", "rhs_add_percent"}),
    "variable": frozenset({"bound_lower", "bound_upper", "bound_lower_multiply", "bound_upper_multiply"}),
    "objective": frozenset({"obj_set", "obj_multiply"}),
    "coefficient": frozenset({"coef_set", "coef_multiply"}),
}

#: The only kinds whose value may be infinite: a set bound or right-hand side of +-inf means
#: "no limit" (NaN is refused everywhere; an infinite factor, step or coefficient has no meaning).
_INFINITE_OK = frozenset({"rhs_set", "bound_lower", "bound_upper"})


@dataclass(frozen=True)
class LXScenarioModification:
    """One change: ``target_type`` / ``target_name`` / ``modification_type`` / ``value``.

    ``variable_name`` is the column side of a ``"coefficient"`` (matrix) change, whose
    ``target_name`` is the constraint (row) side.
    """

    target_type: str
    target_name: str
    modification_type: str
    value: float
    description: str = ""
    variable_name: str | None = None

    def __post_init__(self) -> None:
        allowed = MODIFICATION_TYPES.get(self.target_type)
        if allowed is None:  # checked first: the rest assumes a known target type
            raise ValueError(
                f"target_type={self.target_type!r} is not known; expected one of {sorted(MODIFICATION_TYPES)}"
            )
        if self.modification_type not in allowed:
            raise ValueError(
                f"modification_type={self.modification_type!r} does not apply to a "
                f"{self.target_type}; expected one of {sorted(allowed)}"
            )
        value_type = type(self.value)
        if value_type is not float and (value_type is bool or not isinstance(self.value, numbers.Real)):
            raise TypeError(
                f"{self.target_type} {self.target_name!r}: value must be a number, got "
                f"{self.value!r}; use a callable scenario fn(model) for data-driven changes"
            )
        if not math.isfinite(self.value):
            self._check_infinite()
        if self.target_type == "coefficient" and not self.variable_name:
            raise ValueError("a coefficient modification needs variable_name (the column side)")

    def _check_infinite(self) -> None:
        where = f"{self.target_type} {self.target_name!r}: {self.modification_type}"
        if math.isnan(self.value):
            raise ValueError(f"{where} value nan is not a number; give a finite number")
        if self.modification_type not in _INFINITE_OK:
            raise ValueError(
                f"{where} value {self.value!r} is infinite; only {', '.join(sorted(_INFINITE_OK))} "
                "may be +-inf (no limit); give a finite number"
            )

    @cached_property
    def spec(self) -> tuple[Any, ...]:
        """The numbers and names that define the change (for keys and shipping; computed once:
        the modification is frozen)."""
        return (
            self.target_type,
            self.target_name,
            self.modification_type,
            float(self.value),
            self.variable_name,
        )

    @property
    def parameter(self) -> str:
        """Column name of this change in a results table, by ``lumix.utils.naming.column_name``:
        ``capacity_2_rhs_multiply`` for ``capacity[2]``, ``capacity_production_1_coef_set`` for a
        coefficient of ``production[1]`` in ``capacity``."""
        return column_name(self.target_name, self.variable_name or "", self.modification_type)


#: What a builder method writes when it is given no description (LumiX's texts for the RHS and
#: bound changes; the values as given, ``str()`` of the number).
_DEFAULT_DESCRIPTIONS = {
    "rhs_set": "Set {name} RHS to {value}",
    "rhs_add": "Add {value} to {name} RHS",
    "rhs_multiply": "Multiply {name} RHS by {value}",
    "rhs_add_percent": "Add {percent}% to {name} RHS",
    "bound_lower": "Set {name} lower bound to {value}",
    "bound_upper": "Set {name} upper bound to {value}",
    "obj_set": "Set {name} objective coefficient to {value}",
    "obj_multiply": "Multiply {name} objective coefficient by {value}",
    "coef_set": "Set coefficient of {variable} in {name} to {value}",
    "coef_multiply": "Multiply coefficient of {variable} in {name} by {value}",
}


def _described(
    target_type: str, name: str, kind: str, value: Any, description: str, variable: str | None = None
) -> LXScenarioModification:
    """A builder's modification, with the default description when none is given."""
    if not description:
        percent = f"{value * 100:g}" if isinstance(value, numbers.Real) else value
        description = _DEFAULT_DESCRIPTIONS[kind].format(
            name=name, value=value, percent=percent, variable=variable
        )
    return LXScenarioModification(target_type, name, kind, value, description, variable)


def _one(name: str, **options: Any) -> tuple[str, float]:
    given = [(k, v) for k, v in options.items() if v is not None]
    if len(given) != 1:
        raise ValueError(f"{name}: give exactly one of {', '.join(options)}")
    return given[0]


@dataclass
class LXScenario(TypeArgumentNotState, Generic[TModel]):
    """A named set of modifications; ``parameters`` become columns of the results table.

    Targets may name a whole family (``"capacity"``) or one instance (``"capacity[2]"``).
    """

    name: str
    modifications: list[LXScenarioModification] = field(default_factory=list)
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    model_changes: list[Callable[[Any], Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"LXScenario name must be a str, got {self.name!r} ({type(self.name).__name__})")
        if not self.name.strip():
            raise ValueError(f"LXScenario name must not be empty, got {self.name!r}")

    def describe(self, description: str) -> Self:
        self.description = description
        return self

    def modify_constraint_rhs(
        self,
        constraint_name: str,
        set_value: float | None = None,
        add: float | None = None,
        multiply: float | None = None,
        description: str = "",
        add_percent: float | None = None,
    ) -> Self:
        """Set, add to or multiply the right-hand side of a family or one row;
        ``add_percent=0.1`` adds 10 % of each row's own ``|rhs|``."""
        how, value = _one(
            f"modify_constraint_rhs({constraint_name!r})",
            set_value=set_value,
            add=add,
            multiply=multiply,
            add_percent=add_percent,
        )
        kind = {
            "set_value": "rhs_set",
            "add": "rhs_add",
            "multiply": "rhs_multiply",
            "add_percent": "rhs_add_percent",
        }[how]
        return self.add_custom_modification(
            _described("constraint", constraint_name, kind, value, description)
        )

    def modify_variable_bound(
        self,
        variable_name: str,
        lower: float | None = None,
        upper: float | None = None,
        description: str = "",
    ) -> Self:
        if lower is None and upper is None:
            raise ValueError(f"modify_variable_bound({variable_name!r}): give lower and/or upper")
        for kind, value in (("bound_lower", lower), ("bound_upper", upper)):
            if value is not None:
                self.add_custom_modification(_described("variable", variable_name, kind, value, description))
        return self

    def modify_objective_coefficient(
        self,
        variable: Any,
        set_value: float | None = None,
        multiply: float | None = None,
        description: str = "",
    ) -> Self:
        """Change objective coefficients of a family (``"production"``) or an instance
        (``"production[3]"``); ``variable`` may also be the ``LXVariable``."""
        name = variable if isinstance(variable, str) else variable.name
        how, value = _one(f"modify_objective_coefficient({name!r})", set_value=set_value, multiply=multiply)
        kind = "obj_set" if how == "set_value" else "obj_multiply"
        return self.add_custom_modification(_described("objective", name, kind, value, description))

    def modify_coefficient(
        self,
        constraint: str,
        variable: Any,
        set_value: float | None = None,
        multiply: float | None = None,
        description: str = "",
    ) -> Self:
        """Change matrix coefficients of ``variable`` (family or instance) in ``constraint``
        (family or instance). Setting a coefficient that is zero in the model adds it."""
        var_name = variable if isinstance(variable, str) else variable.name
        how, value = _one(
            f"modify_coefficient({constraint!r}, {var_name!r})", set_value=set_value, multiply=multiply
        )
        kind = "coef_set" if how == "set_value" else "coef_multiply"
        return self.add_custom_modification(
            _described("coefficient", constraint, kind, value, description, var_name)
        )

    def modify_model(self, fn: Callable[[Any], Any]) -> Self:
        """Also change the model itself: ``fn(model)`` runs on the scenario's own copy of the
        model (e.g. to change data attributes) before the declarative modifications; the
        copy is recompiled. ``fn`` may return a replacement model."""
        if not callable(fn):
            raise TypeError(f"scenario {self.name!r}: modify_model() takes a callable fn(model)")
        self.model_changes.append(fn)
        return self

    def add_custom_modification(self, modification: LXScenarioModification) -> Self:
        if not isinstance(modification, LXScenarioModification):
            raise TypeError(
                f"scenario {self.name!r}: expected an LXScenarioModification, "
                f"got {type(modification).__name__}"
            )
        self.modifications.append(modification)
        return self

    @property
    def spec(self) -> tuple[Any, ...]:
        return tuple(m.spec for m in self.modifications)

    @property
    def key(self) -> str:
        """A stable key of the scenario's name and changes, by value (see ``content_key``)."""
        return self.content_key(ContentKeyer())

    def content_key(
        self, keyer: ContentKeyer, name: str | None = None, spec: tuple[Any, ...] | None = None
    ) -> str:
        """The key of ``name`` (by default the scenario's own) with this scenario's changes:
        its modifications (``spec``, when the caller has computed it) and its ``modify_model``
        callables by value (code, captured values, the module globals they read). Raises
        ``lumix.utils.keys.Unkeyable``."""
        functions = [keyer.key(fn) for fn in self.model_changes] if self.model_changes else []
        changes = self.spec if spec is None else spec
        return digest((self.name if name is None else name, changes, functions))

    def parameter_values(self) -> dict[str, Any]:
        """``parameters`` if given, else one entry per modification."""
        if self.parameters:
            return dict(self.parameters)
        return {m.parameter: m.value for m in self.modifications}


class LXScenarioAnalyzer(Generic[TModel]):
    """Runs named scenarios of a base model; results are ``{name: LXSolution}``.

    ``n_jobs=1`` (the default, as LumiX) solves serially in this process, in one persistent
    solver (``lumix.scenario.ScenarioSession``). ``executor=runner.run_scenarios`` or a larger
    ``n_jobs`` solves in parallel through the scenario runner.
    """

    def __init__(
        self,
        base_model: Any,
        optimizer: Any = None,
        include_baseline: bool = True,
        *,
        n_jobs: int | None = 1,
        executor: Executor | None = None,
    ) -> None:
        self.base_model = base_model
        self.optimizer = optimizer or LXOptimizer()
        self.include_baseline = include_baseline
        self.n_jobs = n_jobs
        self.executor = executor
        self.scenarios: dict[str, LXScenario] = {}
        self.results: dict[str, Any] = {}

    def add_scenario(self, scenario: LXScenario) -> Self:
        self.scenarios[scenario.name] = scenario
        return self

    def add_scenarios(self, *scenarios: LXScenario) -> Self:
        for scenario in scenarios:
            self.add_scenario(scenario)
        return self

    def _run(self, scenarios: list[LXScenario], include_baseline: bool, n_jobs: int | None) -> dict[str, Any]:
        return solve_scenarios(
            self.base_model, scenarios, self.optimizer, n_jobs, include_baseline, self.executor
        )

    def run_scenario(self, scenario_name: str) -> Any:
        if scenario_name not in self.scenarios:
            known = ", ".join(map(repr, self.scenarios)) or "none"
            raise KeyError(f"scenario {scenario_name!r} is not known (known: {known})")
        solution = self._run([self.scenarios[scenario_name]], False, 1)[scenario_name]
        self.results[scenario_name] = solution
        return solution

    def run_all_scenarios(
        self, include_baseline: bool | None = None, *, n_jobs: int | None = None
    ) -> dict[str, Any]:
        """Solve the baseline (optionally) and every scenario; ``{name: LXSolution}``."""
        include = self.include_baseline if include_baseline is None else include_baseline
        self.results.update(
            self._run(list(self.scenarios.values()), include, self.n_jobs if n_jobs is None else n_jobs)
        )
        return dict(self.results)

    def get_result(self, scenario_name: str) -> Any:
        return self.results.get(scenario_name)

    def _maximize(self) -> bool:
        return solved_sense(self.base_model) is LXObjectiveSense.MAXIMIZE  # weighted goal models minimize

    def get_best_scenario(self, maximize: bool | None = None) -> str | None:
        feasible = {n: s for n, s in self.results.items() if s.is_feasible()}
        if not feasible:
            return None
        maximize = self._maximize() if maximize is None else maximize
        pick = max if maximize else min
        return pick(feasible, key=lambda n: feasible[n].objective_value)

    def _ordered(self, names: list[str], by_objective: bool) -> list[str]:
        """``names`` with the feasible results first, best first in the solved sense (stable:
        the baseline, solved first, wins ties), then the others in insertion order."""
        if not by_objective:
            return names
        feasible = [n for n in names if self.results[n].is_feasible()]
        feasible.sort(key=lambda n: self.results[n].objective_value, reverse=self._maximize())
        return feasible + [n for n in names if n not in feasible]

    def compare_scenarios(
        self,
        scenario_names: list[str] | None = None,
        include_baseline: bool = True,
        sort_by_objective: bool = True,
    ) -> str:
        """LumiX's comparison text: objective, status and change against the baseline of each
        result, then the scenarios' descriptions. An infeasible objective reads ``-``."""
        if not self.results:
            return "No results available. Run scenarios first."
        names = list(self.results) if scenario_names is None else scenario_names
        names = [n for n in names if n in self.results and (include_baseline or n != BASELINE)]
        if not names:
            return "No scenarios to compare."
        names = self._ordered(names, sort_by_objective)
        base = self.results.get(BASELINE)
        lines = ["Scenario Comparison", "=" * 80]
        if base is not None:
            shown = f"{base.objective_value:,.2f}" if base.is_feasible() else "-"
            lines += [f"Baseline Objective: {shown} ({base.status})", ""]
        lines += [f"{'Scenario':<30s} {'Objective':>15s} {'Status':>12s} {'vs Baseline':>15s}", "-" * 80]
        for name in names:
            solution = self.results[name]
            shown = f"{solution.objective_value:,.2f}" if solution.is_feasible() else "-"
            change = "-"
            if solution.is_feasible() and name != BASELINE and base is not None and base.is_feasible():
                pct = pct_change(solution.objective_value, base.objective_value)
                change = "N/A" if math.isnan(pct) else f"{pct:+.2f}%"
            lines.append(f"{name:<30s} {shown:>15s} {solution.status:>12s} {change:>15s}")
        return "\n".join([*lines, *self._descriptions(names)])

    def _descriptions(self, names: list[str]) -> list[str]:
        lines = ["", "Scenario Descriptions:", "-" * 80]
        for name in names:
            if name == BASELINE:
                lines.append(f"  {BASELINE}: Original model without modifications")
            elif name in self.scenarios:
                scenario = self.scenarios[name]
                lines.append(f"  {name}: {scenario.description or 'No description'}")
                lines += [f"    • {m.description}" for m in scenario.modifications if m.description]
        return lines

    def sensitivity_to_parameter(
        self,
        parameter_name: str,
        values: list[float],
        modification_type: str = "rhs_multiply",
        target_type: str = "constraint",
        *,
        n_jobs: int | None = None,
    ) -> dict[float, Any]:
        """``{value: LXSolution}`` of one modification swept over ``values``."""
        scenarios = []
        for value in values:
            scenario = LXScenario(f"{parameter_name}_{value}", parameters={parameter_name: value})
            scenario.add_custom_modification(
                LXScenarioModification(target_type, parameter_name, modification_type, value)
            )
            scenarios.append(scenario)
        solved = self._run(scenarios, False, self.n_jobs if n_jobs is None else n_jobs)
        return {value: solved[s.name] for value, s in zip(values, scenarios, strict=True)}
