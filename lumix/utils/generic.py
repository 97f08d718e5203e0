"""``Generic`` classes whose instances are copied and pickled through their ``__dict__``."""

from __future__ import annotations

from typing import Any

__all__ = ["TypeArgumentNotState"]


class TypeArgumentNotState:
    """Mixin: ``Cls[T](...)`` stores ``__orig_class__`` on the instance; it is left out of the
    pickled and copied state. The type argument has no runtime effect, and a user's data class
    (e.g. an ORM class defined in a script) must not travel with a pickled scenario or result.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("__orig_class__", None)
        return state
