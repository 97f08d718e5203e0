"""Pickling of models: cloudpickle with ORM detachment and a refusal of database handles.

``dumps(obj)`` serialises with a cloudpickle ``Pickler`` whose ``reducer_override`` detaches
ORM instances still attached to a session and raises ``DetachError`` on a session, engine,
connection or QuerySet. The runner ships models with the same function.
"""

from __future__ import annotations

import io
import pickle
import re
import types
import warnings
from collections.abc import Iterator
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
        reduced = super().reducer_override(obj)
        if reduced is not NotImplemented and isinstance(obj, types.FunctionType):
            _warn_of_passwords(obj)  # pickled by value: what it captures travels with it
        return reduced


#: ``scheme://user:password@`` (a database URL with its password).
_URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@]*:[^\s@/]+@")


def _has_password(value: Any) -> bool:
    return (
        isinstance(value, str) and "://" in value and "@" in value and bool(_URL_WITH_PASSWORD.search(value))
    )


def _captured(func: types.FunctionType) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` of what a function pickled by value carries: closure variables,
    defaults, and the module globals its code names (one level into tuples, lists, dicts)."""
    code = func.__code__
    for name, cell in zip(code.co_freevars, func.__closure__ or (), strict=False):
        try:
            yield name, cell.cell_contents
        except ValueError:  # an empty cell
            continue
    yield from ((f"default #{i}", v) for i, v in enumerate(func.__defaults__ or ()))
    yield from (func.__kwdefaults__ or {}).items()
    names = set(code.co_names)
    for const in code.co_consts:  # the names of nested functions (lambdas, comprehensions)
        if isinstance(const, types.CodeType):
            names.update(const.co_names)
    module_globals = func.__globals__
    yield from ((name, module_globals[name]) for name in names if name in module_globals)


def _warn_of_passwords(func: types.FunctionType) -> None:
    """A ``UserWarning`` when ``func`` carries a URL with a password (never showing it)."""
    for name, value in _captured(func):
        inner = (
            list(value.values())
            if isinstance(value, dict)
            else value
            if isinstance(value, tuple | list)
            else ()
        )
        if _has_password(value) or any(_has_password(v) for v in inner):
            where = getattr(func, "__module__", None) or "?"
            warnings.warn(
                f"{where}.{func.__qualname__} captures {name!r}, a URL with a password: it is "
                "pickled with the callable and sent to every worker; leave the password out of "
                "the URL (libpq reads $PGPASSWORD or ~/.pgpass) or pass it another way",
                UserWarning,
                stacklevel=2,
            )
            return


def dumps(obj: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
    buffer = io.BytesIO()
    DetachingPickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    """Only for trusted data: unpickling runs code."""
    return pickle.loads(data)
