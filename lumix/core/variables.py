"""``LXVariable``: a family of solver variables expanded from data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from ..expand import variable_instances, variable_key
from ._copying import Detachable
from ._source import DataBacked
from .dimensions import LXCartesianProduct, LXIndexDimension
from .enums import LXVarType
from .expressions import LXLinearExpression

__all__ = ["LXVariable"]

TModel = TypeVar("TModel")
TValue = TypeVar("TValue")

Bound = float | Callable[[Any], float] | None


class LXVariable(DataBacked, Detachable, Generic[TModel, TValue]):
    """A variable family: one solver column per data instance, named ``f"{name}[{key}]"``.

    A family without any data source or index is a single scalar variable named ``name``.
    Callables given to the builder (index, bounds, cost, filters) are stored, never called
    here; ``lumix.expand`` evaluates them once per compile.
    """

    _STATE_KEYS = (
        "name",
        "var_type",
        "lower_bound",
        "upper_bound",
        "model_type",
        "index_func",
        "cost_func",
        "_multi_cost_func",
        "_filter",
        "_multi_filter",
        "_data",
        "_session",
        "_allow_empty",
        "_cartesian",
        "_join_config",
    )

    def _copy_owner(self) -> str:
        return f"variable '{self.name}'"

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"LXVariable needs a non-empty name, got {name!r}")
        self.name = name
        self.var_type = LXVarType.CONTINUOUS
        self.lower_bound: Bound = None
        self.upper_bound: Bound = None
        self.model_type: type | None = None
        self.index_func: Callable[[Any], Any] | None = None
        self.cost_func: Callable[..., float] | None = None
        self._multi_cost_func: Callable[..., float] | None = None
        self._filter: Callable[..., bool] | None = None
        self._multi_filter: Callable[..., bool] | None = None
        self._data: list[Any] | None = None
        self._session: Any = None
        self._cartesian: LXCartesianProduct | None = None
        self._join_config: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"LXVariable({self.name!r}, {self.var_type.value})"

    # -- type -------------------------------------------------------------------------------
    def continuous(self) -> Self:
        self.var_type = LXVarType.CONTINUOUS
        return self

    def integer(self) -> Self:
        self.var_type = LXVarType.INTEGER
        return self

    def binary(self) -> Self:
        """Binary column; bounds set before or after are intersected with [0, 1]."""
        self.var_type = LXVarType.BINARY
        return self

    def bounds(self, lower: Bound = None, upper: Bound = None) -> Self:
        """Bounds as numbers for the whole family or callables ``f(instance)`` per instance."""
        self.lower_bound = lower
        self.upper_bound = upper
        return self

    # -- indexing (from_data / from_model / indexed_by come from DataBacked) ----------------
    def indexed_by_product(
        self, dim1: LXIndexDimension, dim2: LXIndexDimension, *dims: LXIndexDimension
    ) -> Self:
        """Columns for every combination of the dimensions' instances (tuples of instances)."""
        self._cartesian = LXCartesianProduct(dim1, dim2, *dims)
        return self

    def indexed_by_join(
        self,
        primary: type,
        related: type,
        join_func: Callable[[Any], Any],
        key_func: Callable[[Any, Any], Any] | None = None,
    ) -> Self:
        """Columns for each ``(primary, related)`` pair with ``related in join_func(primary)``.

        The primary records come from ``from_data`` / ``from_model``.
        """
        self._join_config = {
            "primary": primary,
            "related": related,
            "join_func": join_func,
            "key_func": key_func,
        }
        return self

    # -- objective and filters --------------------------------------------------------------
    def cost(self, func: Callable[..., float]) -> Self:
        self.cost_func = func
        return self

    def cost_multi(self, func: Callable[..., float]) -> Self:
        """Cost of a multi-indexed column, called with one argument per dimension."""
        self._multi_cost_func = func
        return self

    def where(self, predicate: Callable[..., bool]) -> Self:
        self._filter = predicate
        return self

    def where_multi(self, predicate: Callable[..., bool]) -> Self:
        """Filter multi-indexed combinations, called with one argument per dimension."""
        self._multi_filter = predicate
        return self

    # -- introspection ----------------------------------------------------------------------
    @property
    def is_scalar(self) -> bool:
        """True for a single variable: no data source and no index."""
        return (
            self._data is None
            and self._session is None
            and self.model_type is None
            and self._cartesian is None
            and self._join_config is None
            and self.index_func is None
        )

    @property
    def is_multi_indexed(self) -> bool:
        """True when instances are tuples (``indexed_by_product`` / ``indexed_by_join``)."""
        return self.index_func is None and (self._cartesian is not None or self._join_config is not None)

    def get_instances(self) -> list[Any]:
        """The family's instances after filters (reads the ORM when bound to one)."""
        return variable_instances(self)

    def index_key(self, instance: Any) -> Any:
        """The index key of one instance (``indexed_by``, dimension keys or join key)."""
        return variable_key(self, instance)

    def cost_expression(self) -> LXLinearExpression | None:
        """``sum(cost(instance) * self[instance])``, or ``None`` without a cost."""
        if self._multi_cost_func is not None:
            return LXLinearExpression().add_multi_term(self, coeff=self._multi_cost_func)
        if self.cost_func is not None:
            if self.is_multi_indexed:
                return LXLinearExpression().add_multi_term(self, coeff=self.cost_func)
            return LXLinearExpression().add_term(self, self.cost_func)
        return None
