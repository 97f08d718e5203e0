"""Index dimensions for ``indexed_by_product`` families."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from ..expand import dimension_instances
from ._copying import Detachable
from ._source import split_from_model_args

__all__ = ["LXIndexDimension", "LXCartesianProduct"]

TModel = TypeVar("TModel")
TModel1 = TypeVar("TModel1")
TModel2 = TypeVar("TModel2")


class LXIndexDimension(Detachable, Generic[TModel]):
    """One dimension of a multi-index: a data type, its key function, data and a filter."""

    _STATE_KEYS = ("model_type", "key_func", "filter_func", "label", "_data", "_session", "_allow_empty")
    _allow_empty: bool = False  # class default: dimensions pickled before the flag read False

    def _copy_owner(self) -> str:
        return f"dimension {self!r}"

    def __init__(
        self,
        model_type: type[TModel],
        key_func: Callable[[TModel], Any],
        filter_func: Callable[[TModel], bool] | None = None,
        label: str | None = None,
    ) -> None:
        self.model_type = model_type
        self.key_func = key_func
        self.filter_func = filter_func
        self.label = label
        self._data: list[Any] | None = None
        self._session: Any = None

    def __repr__(self) -> str:
        return f"LXIndexDimension({getattr(self.model_type, '__name__', self.model_type)})"

    def from_data(self, data: Any, *, allow_empty: bool = False) -> Self:
        """Instances from a list; empty is a ``ModelError`` unless ``allow_empty=True``."""
        self._data = list(data)
        self._session = None
        self._allow_empty = bool(allow_empty)
        return self

    def from_model(self, session: Any, model: type | None = None, *, allow_empty: bool = False) -> Self:
        """Read this dimension's instances from an ORM session (type from the constructor);
        a table without rows is a ``ModelError`` unless ``allow_empty=True``."""
        model_type, self._session = split_from_model_args(
            self, f"dimension {self!r}", model or self.model_type, session
        )
        self.model_type = model_type
        self._data = None
        self._allow_empty = bool(allow_empty)
        return self

    def where(self, predicate: Callable[[TModel], bool]) -> Self:
        self.filter_func = predicate
        return self

    def get_instances(self) -> list[Any]:
        """The dimension's instances after its filter (reads the ORM when bound to one).

        Raises:
            ModelError: (a ``ValueError``) no ``from_data`` / ``from_model`` source was given.
        """
        return dimension_instances(self)


class LXCartesianProduct(Detachable, Generic[TModel1, TModel2]):
    """The dimensions of an ``indexed_by_product`` family, in order, and an optional cross
    filter (``where``) over their combinations."""

    _STATE_KEYS = ("dimensions", "_cross_filter")
    _cross_filter: Callable[..., bool] | None = None  # class default: products pickled before it

    def __init__(self, *dimensions: LXIndexDimension) -> None:
        for dim in dimensions:
            if not isinstance(dim, LXIndexDimension):
                raise TypeError(
                    f"indexed_by_product() takes LXIndexDimension objects, got {type(dim).__name__}"
                )
        self.dimensions: list[LXIndexDimension] = list(dimensions)
        self._cross_filter = None

    def add_dimension(self, dim: LXIndexDimension) -> Self:
        self.dimensions.append(dim)
        return self

    def where(self, predicate: Callable[..., bool]) -> Self:
        """Keep the combinations for which ``predicate(inst1, inst2, ...)`` (one argument per
        dimension, in order) is true; applied when the family's instances are expanded."""
        if not callable(predicate):
            raise TypeError(f"LXCartesianProduct.where() takes a callable, got {type(predicate).__name__}")
        self._cross_filter = predicate
        return self
