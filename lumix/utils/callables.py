"""Inspection of user callables: arity, a readable description, a key of their code. Never
calls them."""

from __future__ import annotations

import inspect
import os
import types
from collections.abc import Callable
from typing import Any

__all__ = ["positional_arity", "describe_callable", "code_key"]

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
