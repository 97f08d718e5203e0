"""Inspection of user callables: arity and a readable description. Never calls them."""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import types
from collections.abc import Callable
from typing import Any

__all__ = ["positional_arity", "describe_callable", "callable_key", "code_key"]

VARIADIC = 1_000_000


def positional_arity(func: Callable[..., Any]) -> int:
    """Required positional parameters of ``func``; ``VARIADIC`` when it takes ``*args``.

    Callables without a signature (some builtins) count as one-argument callables.
    """
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return 1
    count = 0
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            return VARIADIC
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            count += 1
    return count


def describe_callable(func: Any) -> str:
    """``"build.<locals>.<lambda> at plan.py:42"`` for a function, ``repr`` otherwise."""
    code = getattr(func, "__code__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if code is None:
        return name or repr(func)
    return f"{name} at {os.path.basename(code.co_filename)}:{code.co_firstlineno}"


def callable_key(func: Any) -> str:
    """A stable key of a callable across processes: qualname, bytecode, constants, and the
    simple values (numbers, strings, tuples of them) it captures or takes as defaults; a
    ``functools.partial`` adds its function and simple arguments. Module globals the callable
    reads and values that are not simple are not part of the key."""
    if isinstance(func, functools.partial):
        return _partial_key(func)
    parts: list[Any] = [getattr(func, "__qualname__", repr(type(func)))]
    code = getattr(func, "__code__", None)
    if code is not None:
        parts.append(code_key(code))
        parts += [repr(v) for v in _captured(func) if _simple(v)]
    return _digest(parts)


def _partial_key(func: functools.partial[Any]) -> str:
    """``callable_key`` of a partial: its function's key and its simple arguments."""
    args = [repr(a) for a in func.args if _simple(a)]
    kwargs = sorted((k, repr(v)) for k, v in func.keywords.items() if _simple(v))
    return _digest(["partial", callable_key(func.func), args, kwargs])


def _captured(func: Any) -> list[Any]:
    """What a function holds: its closure's values (empty cells skipped), its defaults, and
    its keyword-only defaults as sorted ``(name, value)`` pairs."""
    captured = []
    for cell in getattr(func, "__closure__", None) or ():
        try:
            captured.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    captured += list(getattr(func, "__defaults__", None) or ())
    captured += sorted((getattr(func, "__kwdefaults__", None) or {}).items())
    return captured


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def code_key(code: types.CodeType) -> tuple[Any, ...]:
    """Bytecode, names and constants; nested code (lambdas, comprehensions) by content, since
    its repr carries a memory address, and frozensets sorted, since their order is hashed."""
    consts = tuple(
        code_key(c) if isinstance(c, types.CodeType)
        else sorted(map(repr, c)) if isinstance(c, frozenset)
        else repr(c)
        for c in code.co_consts
    )  # fmt: skip
    return (code.co_code, code.co_names, consts)


def _simple(value: Any) -> bool:
    """Numbers, strings, booleans, ``None`` and tuples of them: values with a stable repr."""
    if isinstance(value, tuple):
        return all(_simple(v) for v in value)
    return isinstance(value, int | float | str | bool | type(None))
