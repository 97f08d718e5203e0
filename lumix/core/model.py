"""``LXModel``: variable families, constraint families and an objective."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from ..errors import ModelError
from ..utils import orm
from ..utils.naming import close_matches
from ._copying import CopyContext, Detachable, copy_context
from .constraints import LXConstraint
from .enums import LXObjectiveSense
from .expressions import LXLinearExpression
from .variables import LXVariable

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel

__all__ = ["LXModel"]


def _unknown(kind: str, name: str, model: str, known: list[str]) -> ModelError:
    close = close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return ModelError(
        f"model '{model}' has no {kind} named {name!r}{hint} (known: {', '.join(known) or 'none'})"
    )


class LXModel(Detachable):
    """An optimization model. ``maximize()`` / ``minimize()`` without an argument use the
    sum of the variables' ``cost()`` expressions, read when the model is compiled.

    Copying: ``copy.deepcopy(model)`` and ``pickle.dumps(model)`` give detached copies (see
    ``lumix.utils.copy_utils``). A model whose data comes from an ORM is compiled first under
    its live session, so the relationships its callables read are loaded before detaching;
    the rows read by the last compile are reused, so copying a compiled model queries nothing.
    """

    _STATE_KEYS = (
        "name",
        "variables",
        "constraints",
        "objective_sense",
        "_objective_expr",
        "_objective_from_costs",
    )

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.variables: list[LXVariable] = []
        self.constraints: list[LXConstraint] = []
        self.objective_sense = LXObjectiveSense.MAXIMIZE
        self._objective_expr: LXLinearExpression | None = None
        self._objective_from_costs = False
        self._orm_reads: dict[tuple[int, type], list[Any]] | None = None

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
            raise TypeError(f"add_constraint() takes an LXConstraint, got {type(constraint).__name__}")
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
            raise TypeError(f"the objective must be an LXLinearExpression, got {type(expr).__name__}")
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
        """Expand the model into arrays (see ``lumix.compile``).

        The one place the core reaches up to the compiler, so the import is deferred to the
        call: ``lumix.compile`` builds on ``lumix.expand`` and the passes, never on the core.
        """
        from ..compile import compile_model

        canon, reads = compile_model(self, with_reads=True)
        self._orm_reads = reads
        return canon

    # -- copying ----------------------------------------------------------------------------
    def _copy_owner(self) -> str:
        return f"model '{self.name}'"

    def _families(self) -> list[Any]:
        found: list[Any] = [*self.variables, *self.constraints]
        for var in self.variables:
            if var._cartesian is not None:
                found.extend(var._cartesian.dimensions)
        return found

    def _uses_orm(self) -> bool:
        for family in self._families():
            if family._session is not None:
                return True
            data = family._data
            if data is None and family.model_type is not None:
                return True
            if data and orm.is_orm_instance(data[0] if not isinstance(data[0], tuple) else data[0][0]):
                return True
        return False

    def _preloaded_reads(self) -> dict[tuple[int, type], list[Any]]:
        """ORM rows of the last compile; compiles first when there is none (or it is stale),
        which loads every relationship the callables read while the session is alive."""
        reads = self.__dict__.get("_orm_reads")
        stale = reads is None or any(orm.is_stale(r) for rows in reads.values() for r in rows)
        if stale and self._uses_orm():
            self.to_canonical()
            reads = self._orm_reads
        return reads or {}

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXModel:
        copy_context(memo).reads.update(self._preloaded_reads())
        return Detachable.__deepcopy__(self, memo)

    def _pickle_context(self) -> CopyContext:
        return CopyContext(self._preloaded_reads())

    def summary(self) -> str:
        return (
            f"LXModel: {self.name}\n"
            f"  Variable Families: {len(self.variables)}\n"
            f"  Constraint Families: {len(self.constraints)}\n"
            f"  Objective: {self.objective_sense.value}\n"
        )
