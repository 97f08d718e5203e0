"""``LXModel``: variable families, constraint families and an objective."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from ..errors import ModelError
from ..passes.goals import goal_mode_value
from ..utils import orm
from ..utils.naming import close_matches
from ._copying import CopyContext, Detachable, copy_context
from .constraints import LXConstraint
from .enums import LXObjectiveSense
from .expressions import LXLinearExpression
from .nonlinear import LXNonLinearExpression, LXQuadraticExpression
from .variables import LXVariable

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..goal_programming.goal import LXGoalMetadata
    from ..goal_programming.relaxation import RelaxedConstraint
    from ..linearization.config import LXLinearizerConfig
    from ..solvers.solution import LXSolution

__all__ = ["LXModel"]

#: What ``minimize()`` / ``maximize()`` take.
Objective = LXLinearExpression | LXQuadraticExpression | LXNonLinearExpression
OBJECTIVE_TYPES = (LXLinearExpression, LXQuadraticExpression, LXNonLinearExpression)


def _unknown(kind: str, name: str, model: str, known: list[str]) -> ModelError:
    close = close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return ModelError(
        f"model '{model}' has no {kind} named {name!r}{hint} (known: {', '.join(known) or 'none'})"
    )


TModel = TypeVar("TModel")


class LXModel(Detachable, Generic[TModel]):
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
        "goal_mode",
        "_relaxed_constraints",
        "_goal_programming_prepared",
        "_goal_prepared_mode",
    )
    #: Goal programming: ``"weighted"`` or ``"sequential"`` (``None``: weighted when prepared).
    goal_mode: str | None = None
    _goal_programming_prepared = False
    _goal_prepared_mode: str | None = None

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.variables: list[LXVariable] = []
        self.constraints: list[LXConstraint] = []
        self.objective_sense = LXObjectiveSense.MAXIMIZE
        self._objective_expr: Objective | None = None
        self._objective_from_costs = False
        self._orm_reads: dict[tuple[int, type], list[Any]] | None = None
        self.goal_mode = None
        self._relaxed_constraints: list[RelaxedConstraint[Any]] = []
        self._goal_programming_prepared = False
        self._goal_prepared_mode = None

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

    def maximize(self, expr: Objective | None = None) -> Self:
        return self._set_objective(LXObjectiveSense.MAXIMIZE, expr)

    def minimize(self, expr: Objective | None = None) -> Self:
        return self._set_objective(LXObjectiveSense.MINIMIZE, expr)

    def _set_objective(self, sense: LXObjectiveSense, expr: Objective | None) -> Self:
        """Linear, quadratic (Gurobi / CPLEX, or with a linearization) or with non-linear
        terms (with a linearization)."""
        if expr is not None and not isinstance(expr, OBJECTIVE_TYPES):
            raise TypeError(
                "the objective must be an LXLinearExpression, LXQuadraticExpression or "
                f"LXNonLinearExpression, got {type(expr).__name__}"
            )
        self.objective_sense = sense
        self._objective_expr = expr
        self._objective_from_costs = expr is None
        return self

    @property
    def objective_expr(self) -> Objective | None:
        """The objective; with ``maximize()`` / ``minimize()`` alone, the variables' costs."""
        if self._objective_from_costs:
            return self.cost_objective()
        return self._objective_expr

    @objective_expr.setter
    def objective_expr(self, expr: Objective | None) -> None:
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

    # -- goal programming -------------------------------------------------------------------
    def set_goal_mode(self, mode: str) -> Self:
        """``"weighted"``: one solve, priorities as weights ``10 ** (7 - p)``; ``"sequential"``:
        one solve per priority, each earlier one held at its optimum."""
        if mode not in ("weighted", "sequential"):
            raise ValueError(f"Invalid goal mode: {mode}. Must be 'weighted' or 'sequential'")
        self.goal_mode = mode
        return self

    def has_goals(self) -> bool:
        """Whether a constraint is a goal not yet relaxed (``as_goal``)."""
        return any(c.is_goal() for c in self.constraints)

    def prepare_goal_programming(self) -> Self:
        """Relax the goals in this model (solving relaxes them on a copy otherwise).

        Each goal of priority >= 1 is replaced by its relaxed row and its deviation families
        ``{goal}_pos_dev`` / ``{goal}_neg_dev`` are added (pos, then neg); priority-0 goals
        leave the constraints and become terms of the final objective, with the model's own
        objective. Weighted mode minimizes the weighted deviations plus the final objective
        (in min-form); sequential mode keeps the final objective with its sense for the last
        stage. The numbers are made when the model is compiled (``lumix.passes.goals``).
        Idempotent; a model without goals is unchanged.

        Raises:
            ModelError: a priority that is not an integer >= 0, a priority-0 goal that is
                indexed, uses ``.eq()`` or has non-linear terms, a goal without expression,
                a non-linear model objective, or a deviation family name already taken.
        """
        if self._goal_programming_prepared:
            return self
        goals = [c for c in self.constraints if c.is_goal()]
        if not goals:
            return self
        from ..goal_programming.objective_builder import final_objective
        from ..goal_programming.relaxation import relax_constraint

        checked = [(goal, _checked_metadata(goal)) for goal in goals]
        final = final_objective(self, [goal for goal, meta in checked if meta.priority == 0])
        relaxed = [relax_constraint(goal, meta) for goal, meta in checked if meta.priority > 0]
        self._add_deviations(relaxed)
        by_name = {r.constraint.name: r.constraint for r in relaxed}
        self.constraints = [
            by_name.get(c.name, c) for c in self.constraints if c.name in by_name or not c.is_goal()
        ]
        self._relaxed_constraints = relaxed
        self.goal_mode = self.goal_mode or "weighted"
        mode = goal_mode_value(self.goal_mode)
        self._set_final_objective(final, minimize_all=mode == "weighted")
        self._goal_prepared_mode = mode
        self._goal_programming_prepared = True
        return self

    def _add_deviations(self, relaxed: list[RelaxedConstraint[Any]]) -> None:
        """Add the deviation families of ``relaxed`` (pos, then neg, goal by goal), all or none."""
        before = list(self.variables)
        try:
            for r in relaxed:
                self.add_variable(r.pos_deviation)
                self.add_variable(r.neg_deviation)
        except ModelError:
            self.variables = before
            raise

    def _set_final_objective(self, final: tuple[Any, LXObjectiveSense] | None, minimize_all: bool) -> None:
        """The objective after the goals: in min-form when everything is minimized (weighted
        mode, which adds the deviations when compiled), else with its own sense; none at all
        is a minimization of the deviations alone."""
        expr, sense = final if final is not None else (None, LXObjectiveSense.MINIMIZE)
        if minimize_all and sense is LXObjectiveSense.MAXIMIZE and expr is not None:
            expr, sense = -expr, LXObjectiveSense.MINIMIZE
        self.objective_sense, self._objective_expr, self._objective_from_costs = sense, expr, False

    def populate_goal_deviations(self, solution: LXSolution) -> LXSolution:
        """Fill ``solution.goal_deviations`` (``{goal: {"pos": {id: v}, "neg": {id: v}}}``) and
        the penalised sides from the deviation families' values, for a prepared model and a
        solution with values (``LXOptimizer`` fills them on every solve)."""
        if not self._goal_programming_prepared or not self._relaxed_constraints or not solution.variables:
            return solution
        for r in self._relaxed_constraints:
            name, meta = r.constraint.name, r.goal_metadata
            solution.goal_deviations[name] = {
                "pos": solution.get_variable(r.pos_deviation),
                "neg": solution.get_variable(r.neg_deviation),
            }
            solution._undesired_deviations[name] = frozenset(meta.undesired_deviations)
        return solution

    # -- compiling --------------------------------------------------------------------------
    def to_canonical(
        self, *, linearization: LXLinearizerConfig | None = None, keep_quadratic: bool = False
    ) -> LXCanonicalModel:
        """Expand the model into arrays (see ``lumix.compile``): with ``linearization``, its
        non-linear terms become linear rows and columns (a quadratic objective too, unless
        ``keep_quadratic``).

        The one place the core reaches up to the compiler, so the import is deferred to the
        call: ``lumix.compile`` builds on ``lumix.expand`` and the passes, never on the core.
        """
        from ..compile import compile_model

        canon, reads = compile_model(
            self, with_reads=True, linearization=linearization, keep_quadratic=keep_quadratic
        )
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

    def __copy__(self) -> LXModel:
        """A shallow copy: the same families, lists and data (``copy.deepcopy`` detaches)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def summary(self) -> str:
        text = (
            f"LXModel: {self.name}\n"
            f"  Variable Families: {len(self.variables)}\n"
            f"  Constraint Families: {len(self.constraints)}\n"
            f"  Objective: {self.objective_sense.value}\n"
        )
        if self.has_goals():
            text += f"  Goal Constraints: {sum(1 for c in self.constraints if c.is_goal())}\n"
            if self.goal_mode:
                text += f"  Goal Mode: {self.goal_mode}\n"
        return text


def _checked_metadata(goal: LXConstraint) -> LXGoalMetadata:
    """A goal's metadata once its priority is known to be an integer >= 0 (``2.0`` is taken
    as 2; ``True`` is not a priority)."""
    meta = goal.goal_metadata
    assert meta is not None
    p: Any = meta.priority
    integral = isinstance(p, numbers.Real) and not isinstance(p, bool) and float(p).is_integer()
    if not integral or p < 0:
        raise ModelError(f"Goal '{goal.name}' has priority {p!r}; priorities are integers >= 0")
    meta.priority = int(p)
    return meta
