"""``LXConstraint``: one constraint or a family of rows expanded from data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from ..errors import ModelError
from ..expand import constraint_instances
from ._copying import Detachable
from ._source import DataBacked
from .enums import LXConstraintSense
from .expressions import LXLinearExpression
from .nonlinear import LXNonLinearExpression, LXQuadraticExpression

if TYPE_CHECKING:
    from ..goal_programming.goal import LXGoalMetadata

__all__ = ["LXConstraint"]

TModel = TypeVar("TModel")


class LXConstraint(DataBacked, Detachable, Generic[TModel]):
    """``lhs (<=|>=|==) rhs``; with data and ``indexed_by`` one row per instance.

    Rows are named ``f"{name}[{key}]"``. ``rhs_value`` (a number) applies to every row and
    may be assigned directly, e.g. on a copy: ``copy.get_constraint("demand").rhs_value *= 1.2``.
    """

    _STATE_KEYS = (
        "name",
        "lhs",
        "sense",
        "rhs_value",
        "rhs_func",
        "model_type",
        "index_func",
        "_data",
        "_session",
        "_allow_empty",
        "goal_metadata",
    )
    #: Set by ``as_goal``: a soft constraint (a relaxed goal row has none, see ``lumix.goal_programming``).
    goal_metadata: LXGoalMetadata | None = None

    def _copy_owner(self) -> str:
        return f"constraint '{self.name}'"

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"LXConstraint needs a non-empty name, got {name!r}")
        self.name = name
        self.lhs: LXLinearExpression | LXNonLinearExpression | None = None
        self.sense = LXConstraintSense.LE
        self.rhs_value: float | None = None
        self.rhs_func: Callable[[TModel], float] | None = None
        self.model_type: type | None = None
        self.index_func: Callable[[TModel], Any] | None = None
        self._data: list[Any] | None = None
        self._session: Any = None
        self.goal_metadata = None

    def __repr__(self) -> str:
        return f"LXConstraint({self.name!r}, {self.sense.value})"

    def expression(self, expr: LXLinearExpression | LXNonLinearExpression) -> Self:
        """The left-hand side: linear, or with non-linear terms (those need a linearization).

        Raises:
            ModelError: ``expr`` is quadratic (quadratic expressions are for objectives only).
        """
        if isinstance(expr, LXQuadraticExpression):
            raise ModelError(
                f"Constraint '{self.name}' is quadratic; quadratic expressions are supported only in the "
                "objective"
            )
        if not isinstance(expr, LXLinearExpression | LXNonLinearExpression):
            raise TypeError(
                f"constraint '{self.name}': expression() takes an LXLinearExpression or an "
                f"LXNonLinearExpression, got {type(expr).__name__}"
            )
        self.lhs = expr
        return self

    def le(self) -> Self:
        self.sense = LXConstraintSense.LE
        return self

    def ge(self) -> Self:
        self.sense = LXConstraintSense.GE
        return self

    def eq(self) -> Self:
        self.sense = LXConstraintSense.EQ
        return self

    def rhs(self, value: float | Callable[[TModel], float]) -> Self:
        """A number for every row, or ``f(row_instance)`` per row."""
        if callable(value):
            self.rhs_func, self.rhs_value = value, None
        else:
            self.rhs_func, self.rhs_value = None, value
        return self

    def as_goal(self, priority: int, weight: float = 1.0) -> Self:
        """Make the constraint a goal: a soft constraint of ``priority`` (1 is the highest; 0
        makes it a term of the objective, maximized for ``.ge()``, minimized for ``.le()``)
        and ``weight`` within its priority. The sense is read when the goal is relaxed, so
        this may come before ``.le()`` / ``.ge()`` / ``.eq()``; priorities are checked then."""
        from ..goal_programming.goal import LXGoalMetadata

        self.goal_metadata = LXGoalMetadata(priority, weight, constraint_sense=self.sense)
        return self

    def is_goal(self) -> bool:
        return self.goal_metadata is not None

    @property
    def is_indexed(self) -> bool:
        return (
            self.index_func is not None
            or self._data is not None
            or self._session is not None
            or self.model_type is not None
        )

    def get_instances(self) -> list[Any]:
        """The row instances (reads the ORM when bound to one); ``[None]`` for one constraint."""
        return constraint_instances(self)
