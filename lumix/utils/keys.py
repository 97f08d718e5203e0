"""Content keys: a stable digest of a value *by value*, callables included.

A journal must not resume a result whose inputs changed. ``ContentKeyer.key(obj)`` digests
everything the object holds: numbers, strings, containers (sets and dicts in a canonical
order, so the key does not depend on hash seeds), arrays, ORM instances (their loaded values,
through ``lumix.utils.orm``), objects' attributes, and for a function its code, the values it
captures or takes as defaults and the module globals its code reads, recursively. Modules and
classes count by name. What cannot be known by value (a live database handle, an object that
cannot be serialized) makes the key ``None``. Never calls user code.

Keys are equal across processes for equal content. One ``ContentKeyer`` memoizes by object
identity, so a sweep's thousands of scenarios that share a function digest it once.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import hashlib
import marshal
import pickle
import types
import uuid
from typing import Any

import numpy as np

from . import orm
from .callables import code_key

__all__ = ["ContentKeyer", "Unkeyable", "content_key", "digest"]

_REPR_TYPES = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    enum.Enum,
    range,
)


class Unkeyable(Exception):
    """A value that cannot be known by value; ``what`` says which."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class ContentKeyer:
    """Digests values by content; reuse one instance for many keys of one sweep."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, str]] = {}  # id -> (the object, kept alive; its digest)
        self._active: set[int] = set()

    def key(self, obj: Any) -> str:
        """The hex digest of ``obj``'s content; raises ``Unkeyable``."""
        return self._digest(obj)

    def _digest(self, obj: Any) -> str:
        if isinstance(obj, _REPR_TYPES):
            return digest(("v", type(obj).__qualname__, repr(obj)))
        ident = id(obj)
        hit = self._memo.get(ident)
        if hit is not None:
            return hit[1]
        if ident in self._active:  # a cycle: the object's own key is being computed
            return digest(("cycle", type(obj).__qualname__))
        self._active.add(ident)
        try:
            key = digest(self._parts(obj))
        finally:
            self._active.discard(ident)
        self._memo[ident] = (obj, key)
        return key

    def _parts(self, obj: Any) -> tuple[Any, ...]:
        for kinds, parts in _PARTS:
            if isinstance(obj, kinds):
                return parts(self, obj)
        return self._object(obj)

    def _sequence(self, obj: list[Any] | tuple[Any, ...]) -> tuple[Any, ...]:
        return (type(obj).__qualname__, [self._digest(v) for v in obj])

    def _mapping(self, obj: dict[Any, Any]) -> tuple[Any, ...]:
        return ("dict", sorted((self._digest(k), self._digest(v)) for k, v in obj.items()))

    def _set(self, obj: set[Any] | frozenset[Any]) -> tuple[Any, ...]:
        return ("set", sorted(self._digest(v) for v in obj))

    def _array(self, obj: np.ndarray) -> tuple[Any, ...]:
        data = np.ascontiguousarray(obj)
        return ("ndarray", str(obj.dtype), obj.shape, hashlib.sha256(data.tobytes()).hexdigest())

    def _partial(self, obj: functools.partial[Any]) -> tuple[Any, ...]:
        args = [self._digest(a) for a in obj.args]
        keywords = sorted((k, self._digest(v)) for k, v in obj.keywords.items())
        return ("partial", self._digest(obj.func), args, keywords)

    def _method(self, obj: types.MethodType) -> tuple[Any, ...]:
        return ("method", self._digest(obj.__self__), self._digest(obj.__func__))

    def _function(self, func: types.FunctionType) -> tuple[Any, ...]:
        captured = [self._digest(v) for v in _captured(func)]
        reads = [(name, self._digest(value)) for name, value in _globals_read(func)]
        code = repr(code_key(func.__code__))
        return ("function", func.__module__, func.__qualname__, code, captured, reads)

    def _object(self, obj: Any) -> tuple[Any, ...]:
        handle = orm.live_handle(obj)
        if handle is not None:
            raise Unkeyable(handle)
        values = orm.loaded_values(obj) if orm.is_orm_instance(obj) else _attributes(obj)
        if values is not None:
            return ("object", type(obj).__module__, type(obj).__qualname__, self._parts(values))
        if isinstance(obj, types.BuiltinFunctionType | types.BuiltinMethodType):
            return ("builtin", getattr(obj, "__module__", None), obj.__qualname__)
        try:
            data = pickle.dumps(obj, protocol=5)
        except Exception as exc:
            raise Unkeyable(f"a {type(obj).__qualname__} ({type(exc).__name__}: {exc})") from None
        return ("pickle", type(obj).__qualname__, hashlib.sha256(data).hexdigest())


#: How each kind of value is digested, in order (the first match wins); other objects by
#: their attributes, an ORM instance by its loaded values, anything else by its pickle.
_PARTS: list[tuple[Any, Any]] = [
    ((list, tuple), ContentKeyer._sequence),
    (dict, ContentKeyer._mapping),
    ((set, frozenset), ContentKeyer._set),
    (np.ndarray, ContentKeyer._array),
    (types.ModuleType, lambda keyer, obj: ("module", obj.__name__)),
    (type, lambda keyer, obj: ("class", obj.__module__, obj.__qualname__)),
    (functools.partial, ContentKeyer._partial),
    (types.FunctionType, ContentKeyer._function),
    (types.MethodType, ContentKeyer._method),
]


def content_key(obj: Any) -> str | None:
    """``ContentKeyer().key(obj)``, or ``None`` when ``obj`` cannot be keyed by value."""
    try:
        return ContentKeyer().key(obj)
    except Unkeyable:
        return None


def digest(parts: Any) -> str:
    """A short hex digest (32 characters) of ``parts`` made of digests, names and numbers, by
    value: their ``marshal`` encoding (version 2: no back-references, so equal values encode
    alike whatever their identity; floats in binary), or their ``repr`` for what marshal does
    not take (e.g. numpy scalars)."""
    try:
        encoded = b"m" + marshal.dumps(parts, 2)
    except ValueError:
        encoded = b"r" + repr(parts).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def _captured(func: types.FunctionType) -> list[Any]:
    values: list[Any] = []
    for cell in func.__closure__ or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    values += list(func.__defaults__ or ())
    values += sorted((func.__kwdefaults__ or {}).items())
    return values


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _globals_read(func: types.FunctionType) -> list[tuple[str, Any]]:
    """The module globals ``func``'s code (and its nested code) may read, by name."""
    namespace = func.__globals__
    return [(name, namespace[name]) for name in sorted(_code_names(func.__code__)) if name in namespace]


def _attributes(obj: Any) -> dict[str, Any] | None:
    """An object's instance attributes (``__dict__`` and slots), or ``None`` without any."""
    values: dict[str, Any] = dict(getattr(obj, "__dict__", {}) or {})
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if isinstance(slot, str) and hasattr(obj, slot) and slot not in ("__dict__", "__weakref__"):
                values[slot] = getattr(obj, slot)
    if not values and not hasattr(obj, "__dict__"):
        return None
    return values
