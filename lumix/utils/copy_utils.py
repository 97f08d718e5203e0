"""Model copying and ORM detachment: the public helpers of the reference guide.

``detach_orm_object`` turns an ORM instance into a detached copy that needs no database;
``materialize_and_detach_list`` does it for a family's data; ``copy_function_detaching_closure``
gives a callable whose closure holds detached copies. All three share the ``memo`` of
``copy.deepcopy`` so shared objects and cycles stay shared and cyclic in the copy.
A database handle (session, engine, connection, QuerySet) found where a copy must go raises
``DetachError`` naming the callable and what it captured.
"""

from __future__ import annotations

import copy
import dis
import functools
import types
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ..errors import DetachError
from . import orm
from .callables import describe_callable

__all__ = [
    "detach_orm_object",
    "materialize_and_detach_list",
    "copy_function_detaching_closure",
    "detach_value",
    "global_names",
]

_ATOMIC = (
    int,
    float,
    complex,
    str,
    bytes,
    bool,
    type(None),
    range,
    type,
    types.ModuleType,
    types.BuiltinFunctionType,
)
_UNCHANGED_KEY = "lumix.unchanged"  # ids found to hold nothing to detach, in a deepcopy memo
_EMPTY = object()  # an empty closure cell


def detach_orm_object(obj: Any, memo: dict[Any, Any] | None = None) -> Any:
    """A detached copy of an ORM instance; a plain object (or ``None``) is returned as is.

    Loaded relationships are detached recursively through ``memo`` (cycles preserved).
    """
    if obj is None:
        return None
    memo = {} if memo is None else memo
    done = memo.get(id(obj))
    if done is not None:
        return done
    if not orm.is_orm_instance(obj):
        return obj
    return orm.detach_instance(obj, memo, lambda value: detach_value(value, memo))


def detach_value(value: Any, memo: dict[Any, Any], where: str = "") -> Any:
    """``value`` with every ORM instance inside replaced by its detached copy.

    Walks lists, tuples, sets, dicts and functions' closures; other objects are kept as they
    are (ORM instances inside plain objects are detached when those are deep-copied). Raises
    ``DetachError`` for a database handle, naming ``where``.
    """
    if isinstance(value, _ATOMIC):
        return value
    done = memo.get(id(value))
    if done is not None:
        return done
    if orm.is_orm_instance(value):  # first: the common case, and never a database handle
        return orm.detach_instance(value, memo, lambda v: detach_value(v, memo))
    unchanged: set[int] = memo.setdefault(_UNCHANGED_KEY, set())
    if id(value) in unchanged:
        return value
    handle = orm.live_handle(value)
    if handle is not None:
        raise _handle_error(where, handle)
    if isinstance(value, types.FunctionType):
        return copy_function_detaching_closure(value, memo)
    if isinstance(value, list | tuple | set | frozenset):
        return _detach_items(value, memo, where, unchanged)
    if isinstance(value, dict):
        return _detach_dict(value, memo, where, unchanged)
    return value


def _handle_error(where: str, handle: str) -> DetachError:
    return DetachError(
        f"{where or 'a value'} is {handle}; a copied or pickled model cannot hold a database "
        "handle. Read what the callable needs before building the model (e.g. "
        "prices = {p.id: p.price for p in rows}) and capture that instead"
    )


def _detach_items(
    value: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any],
    memo: dict[Any, Any],
    where: str,
    unchanged: set[int],
) -> Any:
    """``detach_value`` of a list, tuple or set: ``value`` itself (noted in ``unchanged``)
    when no item changed, else a container of its type (memoized)."""
    items = [detach_value(v, memo, where) for v in value]
    if all(a is b for a, b in zip(items, value, strict=True)):
        unchanged.add(id(value))
        return value
    result = items if isinstance(value, list) else _rebuild(value, items)
    memo[id(value)] = result
    return result


def _detach_dict(value: dict[Any, Any], memo: dict[Any, Any], where: str, unchanged: set[int]) -> Any:
    """``detach_value`` of a dict: ``value`` itself (noted in ``unchanged``) when no value
    changed, else a new dict (memoized)."""
    pairs = [(k, detach_value(v, memo, where)) for k, v in value.items()]
    if all(v is value[k] for k, v in pairs):
        unchanged.add(id(value))
        return value
    result = dict(pairs)
    memo[id(value)] = result
    return result


def _rebuild(original: tuple[Any, ...] | set[Any] | frozenset[Any], items: list[Any]) -> Any:
    """A container of ``original``'s type holding ``items`` (named tuples keep their class)."""
    if hasattr(original, "_make"):
        return type(original)._make(items)
    return type(original)(items)


def materialize_and_detach_list(items: list[Any] | None, memo: dict[Any, Any]) -> list[Any] | None:
    """A new list of the same length and order: ORM instances detached, plain ones deep-copied."""
    if items is None:
        return None
    return _materialize(items, memo)


def _materialize(items: Iterable[Any], memo: dict[Any, Any]) -> list[Any]:
    """``materialize_and_detach_list`` of items that are there; tuples item by item."""
    out = []
    for item in items:
        if orm.is_orm_instance(item):
            out.append(detach_orm_object(item, memo))
        elif isinstance(item, tuple):
            out.append(_rebuild(item, _materialize(item, memo)))
        else:
            out.append(copy.deepcopy(item, memo))
    return out


@functools.lru_cache(maxsize=4096)
def global_names(code: types.CodeType) -> frozenset[str]:
    """Names a code object (and the code nested in it) reads as globals."""
    names = {
        ins.argval
        for ins in dis.get_instructions(code)
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL")
    }
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return frozenset(names)


def copy_function_detaching_closure(func: Callable[..., Any], memo: dict[Any, Any]) -> Callable[..., Any]:
    """``func`` with ORM objects in its closure, defaults and the globals it reads replaced
    by detached copies.

    Keeps defaults, keyword-only defaults, ``__dict__``, name, qualname and module. A function
    that holds no ORM object is returned unchanged. Raises ``DetachError`` naming the function
    and the variable when it holds or reads a database handle.
    """
    if not isinstance(func, types.FunctionType):
        return func
    done = memo.get(id(func))
    if done is not None:
        return done
    unchanged: set[int] = memo.setdefault(_UNCHANGED_KEY, set())
    if id(func) in unchanged:
        return func
    new_cells = tuple(types.CellType() for _ in func.__closure__ or ())
    new = _new_function(func, func.__globals__, new_cells)
    memo[id(func)] = new  # recursive functions refer to the copy
    parts = _detach_parts(func, memo)
    if parts.same_as(func):
        del memo[id(func)]
        unchanged.add(id(func))
        return func
    if parts.overrides:
        new = _new_function(func, {**func.__globals__, **parts.overrides}, new_cells)
        memo[id(func)] = new
    _fill_copy(new, func, new_cells, parts)
    return new


class _FunctionParts(NamedTuple):
    """What a function holds: its closure's values (``_EMPTY`` for an empty cell) and, detached,
    those values, its defaults, keyword-only defaults, and the globals it reads whose copies
    differ."""

    captured: list[Any]
    closure: list[Any]
    defaults: tuple[Any, ...]
    kwdefaults: dict[str, Any]
    overrides: dict[str, Any]

    def same_as(self, func: types.FunctionType) -> bool:
        """True when nothing ``func`` holds had to be copied."""
        return (
            not self.overrides
            and _all_identical(self.closure, self.captured)
            and _all_identical(self.defaults, func.__defaults__ or ())
            and _all_identical(self.kwdefaults.values(), (func.__kwdefaults__ or {}).values())
        )


def _detach_parts(func: types.FunctionType, memo: dict[Any, Any]) -> _FunctionParts:
    """Detach what ``func`` holds, in order: closure, defaults, keyword-only defaults, globals."""
    where = describe_callable(func)
    code = func.__code__
    captured = _cell_values(func)
    closure = [
        value if value is _EMPTY else detach_value(value, memo, f"{where}: its captured {name!r}")
        for name, value in zip(code.co_freevars, captured, strict=True)
    ]
    given = func.__defaults__ or ()
    params = code.co_varnames[code.co_argcount - len(given) : code.co_argcount]
    defaults = tuple(
        detach_value(d, memo, f"{where}: its default {name!r}") for name, d in zip(params, given, strict=True)
    )
    kwdefaults = {
        k: detach_value(v, memo, f"{where}: its default {k!r}")
        for k, v in (func.__kwdefaults__ or {}).items()
    }
    return _FunctionParts(captured, closure, defaults, kwdefaults, _global_overrides(func, memo, where))


def _cell_values(func: types.FunctionType) -> list[Any]:
    """The values in ``func``'s closure cells, ``_EMPTY`` for an empty cell."""
    values = []
    for cell in func.__closure__ or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell
            values.append(_EMPTY)
    return values


def _global_overrides(func: types.FunctionType, memo: dict[Any, Any], where: str) -> dict[str, Any]:
    """Detached copies of the globals ``func`` reads, for those that are not the originals."""
    namespace = func.__globals__
    overrides = {}
    for name in global_names(func.__code__):
        if name in namespace:
            value = namespace[name]
            copied = detach_value(value, memo, f"{where}: the global {name!r} it reads")
            if copied is not value:
                overrides[name] = copied
    return overrides


def _all_identical(left: Iterable[Any], right: Iterable[Any]) -> bool:
    return all(a is b for a, b in zip(left, right, strict=True))


def _new_function(
    func: types.FunctionType, namespace: dict[str, Any], cells: tuple[types.CellType, ...]
) -> types.FunctionType:
    """A function of ``func``'s code and name over ``namespace`` and ``cells``."""
    return types.FunctionType(func.__code__, namespace, func.__name__, None, cells or None)


def _fill_copy(
    new: types.FunctionType,
    func: types.FunctionType,
    cells: tuple[types.CellType, ...],
    parts: _FunctionParts,
) -> None:
    """Give ``new`` the detached closure, defaults and keyword defaults, and ``func``'s
    ``__dict__``, qualname, module, docstring and annotations."""
    for cell, value in zip(cells, parts.closure, strict=True):
        if value is not _EMPTY:
            cell.cell_contents = value
    new.__defaults__ = parts.defaults or None
    new.__kwdefaults__ = parts.kwdefaults or None
    new.__dict__.update(func.__dict__)
    new.__qualname__ = func.__qualname__
    new.__module__ = func.__module__
    new.__doc__ = func.__doc__
    new.__annotations__ = dict(func.__annotations__)
