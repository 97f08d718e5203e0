"""``LXModel``: variable families, constraint families and an objective."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Self

from ..errors import ModelError
from .constraints import LXConstraint
from .enums import LXObjectiveSense
from .expressions import LXLinearExpression
from .variables import LXVariable

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["LXModel"]


def _unknown(kind: str, name: str, model: str, known: list[str]) -> ModelError:
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return ModelError(
        f"model '{model}' has no {kind} named {name!r}{hint} (known: {', '.join(known) or 'none'})"
    )


class LXModel:
    """An optimization model. ``maximize()`` / ``minimize()`` without an argument use the
    sum of the variables' ``cost()`` expressions, read when the model is compiled."""

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.variables: list[LXVariable] = []
        self.constraints: list[LXConstraint] = []
        self.objective_sense = LXObjectiveSense.MAXIMIZE
        self._objective_expr: LXLinearExpression | None = None
        self._objective_from_costs = False

    def __repr__(self) -> str:
        return (
            f"LXModel({self.name!r}, {len(self.variables)} variable families, "
            f"{len(self.constraints)} constraint families)"
        )

    # -- building ---------------------------------------------------------------------------
    def add_variable(self, var: LXVariable) -> Self:
        if not isinstance(var, LXVariable):
            raise TypeError(f"add_variable() takes an LXVariable, got {type(var).__name__}")
        if any(v.name == var.name for v in self.variables):
            raise ModelError(f"model '{self.name}' already has a variable family '{var.name}'")
        self.variables.append(var)
        return self

    def add_variables(self, *variables: LXVariable) -> Self:
        for var in variables:
            self.add_variable(var)
        return self

    def add_constraint(self, constraint: LXConstraint) -> Self:
        if not isinstance(constraint, LXConstraint):
            raise TypeError(
                f"add_constraint() takes an LXConstraint, got {type(constraint).__name__}"
            )
        if any(c.name == constraint.name for c in self.constraints):
            raise ModelError(f"model '{self.name}' already has a constraint '{constraint.name}'")
        self.constraints.append(constraint)
        return self

    def add_constraints(self, *constraints: LXConstraint) -> Self:
        for constraint in constraints:
            self.add_constraint(constraint)
        return self

    def maximize(self, expr: LXLinearExpression | None = None) -> Self:
        return self._set_objective(LXObjectiveSense.MAXIMIZE, expr)

    def minimize(self, expr: LXLinearExpression | None = None) -> Self:
        return self._set_objective(LXObjectiveSense.MINIMIZE, expr)

    def _set_objective(self, sense: LXObjectiveSense, expr: LXLinearExpression | None) -> Self:
        if expr is not None and not isinstance(expr, LXLinearExpression):
            raise TypeError(
                f"the objective must be an LXLinearExpression, got {type(expr).__name__}"
            )
        self.objective_sense = sense
        self._objective_expr = expr
        self._objective_from_costs = expr is None
        return self

    @property
    def objective_expr(self) -> LXLinearExpression | None:
        """The objective; with ``maximize()`` / ``minimize()`` alone, the variables' costs."""
        if self._objective_from_costs:
            return self.cost_objective()
        return self._objective_expr

    @objective_expr.setter
    def objective_expr(self, expr: LXLinearExpression | None) -> None:
        self._objective_expr = expr
        self._objective_from_costs = False

    def cost_objective(self) -> LXLinearExpression | None:
        parts = [p for p in (v.cost_expression() for v in self.variables) if p is not None]
        return sum(parts, LXLinearExpression()) if parts else None

    # -- lookup -----------------------------------------------------------------------------
    def get_variable(self, name: str) -> LXVariable:
        for var in self.variables:
            if var.name == name:
                return var
        raise _unknown("variable family", name, self.name, [v.name for v in self.variables])

    def get_constraint(self, name: str) -> LXConstraint:
        for constraint in self.constraints:
            if constraint.name == name:
                return constraint
        raise _unknown("constraint", name, self.name, [c.name for c in self.constraints])

    # -- compiling --------------------------------------------------------------------------
    def to_canonical(self) -> LXCanonicalModel:
        """Expand the model into arrays (see ``lumix.compile``)."""
        from ..compile import compile_model

        return compile_model(self)

    def summary(self) -> str:
        return (
            f"LXModel: {self.name}\n"
            f"  Variable Families: {len(self.variables)}\n"
            f"  Constraint Families: {len(self.constraints)}\n"
            f"  Objective: {self.objective_sense.value}\n"
        )
