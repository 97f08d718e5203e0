"""``LXConstraint``: one constraint or a family of rows expanded from data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from ..expand import constraint_instances
from ._copying import Detachable
from ._source import DataBacked
from .enums import LXConstraintSense
from .expressions import LXLinearExpression

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
    )

    def _copy_owner(self) -> str:
        return f"constraint '{self.name}'"

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"LXConstraint needs a non-empty name, got {name!r}")
        self.name = name
        self.lhs: LXLinearExpression | None = None
        self.sense = LXConstraintSense.LE
        self.rhs_value: float | None = None
        self.rhs_func: Callable[[TModel], float] | None = None
        self.model_type: type | None = None
        self.index_func: Callable[[TModel], Any] | None = None
        self._data: list[Any] | None = None
        self._session: Any = None

    def __repr__(self) -> str:
        return f"LXConstraint({self.name!r}, {self.sense.value})"

    def expression(self, expr: LXLinearExpression) -> Self:
        if not isinstance(expr, LXLinearExpression):
            raise TypeError(
                f"constraint '{self.name}': expression() takes an LXLinearExpression, "
                f"got {type(expr).__name__}"
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
