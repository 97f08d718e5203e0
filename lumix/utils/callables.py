"""Inspection of user callables: arity and a readable description. Never calls them."""

from __future__ import annotations

import hashlib
import inspect
import os
from collections.abc import Callable
from typing import Any

__all__ = ["positional_arity", "describe_callable", "callable_key"]

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
    """A stable key of a callable across processes: qualname, bytecode, constants and the
    simple values it captures (numbers, strings, tuples of them)."""
    parts: list[Any] = [getattr(func, "__qualname__", repr(type(func)))]
    code = getattr(func, "__code__", None)
    if code is not None:
        parts += [code.co_code, repr(code.co_consts)]
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, int | float | str | bool | tuple | type(None)):
                parts.append(repr(value))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
