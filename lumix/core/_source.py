"""Data-source plumbing shared by variables, constraints and index dimensions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from ..utils import orm

__all__ = ["declared_model_type", "split_from_model_args", "DataBacked"]


def declared_model_type(obj: Any) -> type | None:
    """The data type given as ``LXVariable[Type, ...]`` / ``LXConstraint[Type]``, if any."""
    alias = getattr(obj, "__orig_class__", None)
    args = getattr(alias, "__args__", ())
    if args and isinstance(args[0], type):
        return args[0]
    return None


def split_from_model_args(owner: Any, what: str, model: Any, session: Any) -> tuple[type, Any]:
    """Accept both ``from_model(Type, session=...)`` and the guide's ``from_model(session)``."""
    if isinstance(model, type):
        return model, session
    if model is not None and session is None and orm.is_session(model):
        declared = declared_model_type(owner) or orm.source_type(model)
        if declared is None:
            raise TypeError(
                f"{what}: from_model(session) needs the data type, either as "
                f"{type(owner).__name__}[Type, ...](name) or as from_model(Type, session=session)"
            )
        return declared, model
    raise TypeError(
        f"{what}: from_model() takes a model class (and optionally session=...), got {type(model).__name__}"
    )


class DataBacked:
    """Builder methods shared by variable and constraint families: where the instances come
    from and how they are keyed. ``_copy_owner()`` names the family in messages."""

    _data: list[Any] | None
    _session: Any
    model_type: type | None
    index_func: Callable[[Any], Any] | None
    #: ``True`` when an empty data source is meant (zero columns / rows); a class default so
    #: families pickled before the flag existed read as ``False``.
    _allow_empty: bool = False

    def _copy_owner(self) -> str:
        raise NotImplementedError

    def from_data(self, data: Any, *, allow_empty: bool = False) -> Self:
        """Instances from a list; an empty one is a ``ModelError`` at compile time unless
        ``allow_empty=True`` (then the family has no columns / rows)."""
        self._data = list(data)
        self._session = None
        self._allow_empty = bool(allow_empty)
        return self

    def from_model(self, model: Any, session: Any = None, *, allow_empty: bool = False) -> Self:
        """Read instances from an ORM: ``from_model(Type, session=s)`` or ``from_model(s)``.
        A table without rows is a ``ModelError`` at compile time unless ``allow_empty=True``."""
        self.model_type, self._session = split_from_model_args(self, self._copy_owner(), model, session)
        self._data = None
        self._allow_empty = bool(allow_empty)
        return self

    def indexed_by(self, func: Callable[[Any], Any]) -> Self:
        self.index_func = func
        return self
