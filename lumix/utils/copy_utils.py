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
from collections.abc import Callable
from typing import Any

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


def detach_orm_object(obj: Any, memo: dict[int, Any] | None = None) -> Any:
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


def detach_value(value: Any, memo: dict[int, Any], where: str = "") -> Any:
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
    unchanged = memo.setdefault(_UNCHANGED_KEY, set())
    if id(value) in unchanged:
        return value
    handle = orm.live_handle(value)
    if handle is not None:
        raise DetachError(
            f"{where or 'a value'} is {handle}; a copied or pickled model cannot hold a database "
            "handle. Read what the callable needs before building the model (e.g. "
            "prices = {p.id: p.price for p in rows}) and capture that instead"
        )
    if isinstance(value, types.FunctionType):
        return copy_function_detaching_closure(value, memo)
    if isinstance(value, list | tuple | set | frozenset):
        items = [detach_value(v, memo, where) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            unchanged.add(id(value))
            return value
        result = items if isinstance(value, list) else _rebuild(value, items)
        memo[id(value)] = result
        return result
    if isinstance(value, dict):
        pairs = [(k, detach_value(v, memo, where)) for k, v in value.items()]
        if all(v is value[k] for k, v in pairs):
            unchanged.add(id(value))
            return value
        result = dict(pairs)
        memo[id(value)] = result
        return result
    return value


def _rebuild(original: tuple | set | frozenset, items: list[Any]) -> Any:
    """A container of ``original``'s type holding ``items`` (named tuples keep their class)."""
    if hasattr(original, "_make"):
        return type(original)._make(items)
    return type(original)(items)


def materialize_and_detach_list(items: list[Any] | None, memo: dict[int, Any]) -> list[Any] | None:
    """A new list of the same length and order: ORM instances detached, plain ones deep-copied."""
    if items is None:
        return None
    out = []
    for item in items:
        if orm.is_orm_instance(item):
            out.append(detach_orm_object(item, memo))
        elif isinstance(item, tuple):
            out.append(_rebuild(item, materialize_and_detach_list(list(item), memo)))
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
    unchanged = memo.setdefault(_UNCHANGED_KEY, set())
    if id(func) in unchanged:
        return func
    code = func.__code__
    cells = func.__closure__ or ()
    new_cells = tuple(types.CellType() for _ in cells)
    new = types.FunctionType(code, func.__globals__, func.__name__, None, new_cells or None)
    memo[id(func)] = new  # recursive functions refer to the copy
    where = describe_callable(func)
    contents = []
    for name, cell in zip(code.co_freevars, cells, strict=True):
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            contents.append((cell, _EMPTY, _EMPTY))
            continue
        contents.append((cell, value, detach_value(value, memo, f"{where}: its captured {name!r}")))
    given = func.__defaults__ or ()
    params = code.co_varnames[code.co_argcount - len(given) : code.co_argcount]
    defaults = tuple(
        detach_value(d, memo, f"{where}: its default {name!r}") for name, d in zip(params, given, strict=True)
    )
    kwdefaults = {
        k: detach_value(v, memo, f"{where}: its default {k!r}")
        for k, v in (func.__kwdefaults__ or {}).items()
    }
    overrides = {}
    for name in global_names(code):
        if name in func.__globals__:
            value = func.__globals__[name]
            copied = detach_value(value, memo, f"{where}: the global {name!r} it reads")
            if copied is not value:
                overrides[name] = copied
    same = (
        not overrides
        and all(old is new_ for _, old, new_ in contents)
        and all(a is b for a, b in zip(defaults, func.__defaults__ or (), strict=True))
        and all(kwdefaults[k] is v for k, v in (func.__kwdefaults__ or {}).items())
    )
    if same:
        del memo[id(func)]
        unchanged.add(id(func))
        return func
    if overrides:
        new = types.FunctionType(
            code, {**func.__globals__, **overrides}, func.__name__, None, new_cells or None
        )
        memo[id(func)] = new
    for cell, (_, _, value) in zip(new_cells, contents, strict=True):
        if value is not _EMPTY:
            cell.cell_contents = value
    new.__defaults__ = defaults or None
    new.__kwdefaults__ = kwdefaults or None
    new.__dict__.update(func.__dict__)
    new.__qualname__ = func.__qualname__
    new.__module__ = func.__module__
    new.__doc__ = func.__doc__
    new.__annotations__ = dict(func.__annotations__)
    return new


_EMPTY = object()
