"""Pickling of models: cloudpickle with ORM detachment and a refusal of database handles.

``dumps(obj)`` serialises with a cloudpickle ``Pickler`` whose ``reducer_override`` detaches
ORM instances still attached to a session and raises ``DetachError`` on a session, engine,
connection or QuerySet. The runner ships models with the same function.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import cloudpickle

from ..errors import DetachError
from . import orm
from .copy_utils import detach_orm_object

__all__ = ["dumps", "loads", "DetachingPickler"]


def _identity(obj: Any) -> Any:
    return obj


class DetachingPickler(cloudpickle.Pickler):
    """cloudpickle ``Pickler`` that never lets a database handle or attached ORM object through."""

    def __init__(self, file: Any, protocol: int | None = None) -> None:
        super().__init__(file, protocol=protocol)
        self._detach_memo: dict[int, Any] = {}

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type):
            if orm.is_model_class(obj):
                return NotImplemented  # by reference, even from __main__: a mapper cannot be copied
            return super().reducer_override(obj)
        reduce = getattr(type(obj), "_lumix_reduce", None)
        if reduce is not None:
            return reduce(obj)
        handle = orm.live_handle(obj)
        if handle is not None:
            raise DetachError(
                f"cannot pickle {handle}: a pickled model must not hold a database handle; "
                "capture the data the callable needs instead"
            )
        if orm.is_attached(obj):
            return _identity, (detach_orm_object(obj, self._detach_memo),)
        return super().reducer_override(obj)


def dumps(obj: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
    buffer = io.BytesIO()
    DetachingPickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """Only for trusted data: unpickling runs code."""
    return pickle.loads(data)
