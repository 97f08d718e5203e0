"""Declarative scenarios: ``LXScenario`` and ``LXScenarioModification``.

A modification names a target by family (``"capacity"``) or instance (``"capacity[2]"``) and
changes numbers only: a constraint's right-hand side, a variable's bounds, an objective
coefficient or a matrix coefficient. ``lumix.analysis.deltas`` resolves targets against a
compiled model and applies them to a persistent solver.
"""

from __future__ import annotations

import hashlib
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal, Self

__all__ = ["LXScenario", "LXScenarioModification", "MODIFICATION_TYPES"]

TargetType = Literal["constraint", "variable", "objective", "coefficient"]

MODIFICATION_TYPES: dict[str, frozenset[str]] = {
    "constraint": frozenset({"rhs_set", "rhs_add", "rhs_multiply"}),
    "variable": frozenset({"bound_lower", "bound_upper", "bound_lower_multiply", "bound_upper_multiply"}),
    "objective": frozenset({"obj_set", "obj_multiply"}),
    "coefficient": frozenset({"coef_set", "coef_multiply"}),
}


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
        if allowed is None:
            raise ValueError(
                f"target_type={self.target_type!r} is not known; expected one of {sorted(MODIFICATION_TYPES)}"
            )
        if self.modification_type not in allowed:
            raise ValueError(
                f"modification_type={self.modification_type!r} does not apply to a "
                f"{self.target_type}; expected one of {sorted(allowed)}"
            )
        if not isinstance(self.value, numbers.Real) or isinstance(self.value, bool):
            raise TypeError(
                f"{self.target_type} {self.target_name!r}: value must be a number, got "
                f"{self.value!r}; use a callable scenario fn(model) for data-driven changes"
            )
        if self.target_type == "coefficient" and not self.variable_name:
            raise ValueError("a coefficient modification needs variable_name (the column side)")

    @property
    def spec(self) -> tuple[Any, ...]:
        """The numbers and names that define the change (for keys and shipping)."""
        return (
            self.target_type,
            self.target_name,
            self.modification_type,
            float(self.value),
            self.variable_name,
        )

    @property
    def parameter(self) -> str:
        """Column name of this change in a results table, e.g. ``capacity[2].rhs_multiply``."""
        target = self.target_name
        if self.variable_name:
            target = f"{target}/{self.variable_name}"
        return f"{target}.{self.modification_type}"


def _one(name: str, **options: Any) -> tuple[str, float]:
    given = [(k, v) for k, v in options.items() if v is not None]
    if len(given) != 1:
        raise ValueError(f"{name}: give exactly one of {', '.join(options)}")
    return given[0]


@dataclass
class LXScenario:
    """A named set of modifications; ``parameters`` become columns of the results table.

    Targets may name a whole family (``"capacity"``) or one instance (``"capacity[2]"``).
    """

    name: str
    modifications: list[LXScenarioModification] = field(default_factory=list)
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)

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
    ) -> Self:
        how, value = _one(
            f"modify_constraint_rhs({constraint_name!r})", set_value=set_value, add=add, multiply=multiply
        )
        kind = {"set_value": "rhs_set", "add": "rhs_add", "multiply": "rhs_multiply"}[how]
        return self.add_custom_modification(
            LXScenarioModification("constraint", constraint_name, kind, value, description)
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
        if lower is not None:
            self.add_custom_modification(
                LXScenarioModification("variable", variable_name, "bound_lower", lower, description)
            )
        if upper is not None:
            self.add_custom_modification(
                LXScenarioModification("variable", variable_name, "bound_upper", upper, description)
            )
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
        return self.add_custom_modification(
            LXScenarioModification("objective", name, kind, value, description)
        )

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
            LXScenarioModification("coefficient", constraint, kind, value, description, var_name)
        )

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
        """A stable key of the scenario's name and changes (journal and resume)."""
        return hashlib.sha256(repr((self.name, self.spec)).encode()).hexdigest()[:32]

    def parameter_values(self) -> dict[str, Any]:
        """``parameters`` if given, else one entry per modification."""
        if self.parameters:
            return dict(self.parameters)
        return {m.parameter: m.value for m in self.modifications}
