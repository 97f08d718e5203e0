"""``copy.deepcopy`` and ``pickle`` support for the modeling classes.

A copy is detached: data read through ``from_model`` is materialized once, ORM instances (in
data and in closures) become detached copies, sessions are dropped, and a callable that
captures a database handle raises ``DetachError`` naming the family and the callable.
Pickling deep-copies first, then serialises the detached copy with cloudpickle inside
``__getstate__`` so plain ``pickle`` handles lambdas too.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import types
from collections.abc import Iterator
from typing import Any, ClassVar

from ..errors import DetachError
from ..utils import orm
from ..utils.copy_utils import (
    copy_function_detaching_closure,
    detach_value,
    materialize_and_detach_list,
)

__all__ = ["Detachable", "CopyContext", "copy_context"]

_CONTEXT_KEY = "lumix.copy-context"  # deepcopy memo keys are ints; this one cannot collide

ROLES = {
    "index_func": "index key",
    "key_func": "index key",
    "cost_func": "cost",
    "_multi_cost_func": "cost_multi",
    "_filter": "where filter",
    "filter_func": "where filter",
    "_cross_filter": "cross filter (LXCartesianProduct.where)",
    "_multi_filter": "where_multi filter",
    "lower_bound": "lower bound",
    "upper_bound": "upper bound",
    "rhs_func": "right-hand side",
    "_join_config 'join_func'": "join function",
    "_join_config 'key_func'": "join key",
}


class CopyContext:
    """State shared by one copy operation: ORM reads (once per type and session) and the
    owner named in error messages."""

    def __init__(self, reads: dict[tuple[int, type], list[Any]] | None = None):
        self.reads = dict(reads or {})
        self.owner = "the model"
        self.gc_paused = False

    def read(self, owner: str, model_type: type, session: Any) -> list[Any]:
        key = (id(session), model_type)
        rows = self.reads.get(key)
        if rows is None:
            try:
                rows = orm.read_all(model_type, session)
            except Exception as exc:
                raise DetachError(
                    f"{owner}: reading {model_type.__name__} from the database to copy the "
                    f"model failed ({type(exc).__name__}: {exc}); copy the model while its "
                    "database is reachable"
                ) from exc
            self.reads[key] = rows
        return rows


def copy_context(memo: dict[Any, Any]) -> CopyContext:
    ctx = memo.get(_CONTEXT_KEY)
    if ctx is None:
        ctx = memo[_CONTEXT_KEY] = CopyContext()
    return ctx


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a copy or an unpickling allocates: the tens of
    thousands of objects it makes all survive, so collections meanwhile would only re-scan the
    heap again and again (2-5x the time of copying ORM-backed data). Back on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _restore(cls: Any, state: dict[str, Any]) -> Any:
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj


class Detachable:
    """Mixin: detached ``__deepcopy__``, pickling through cloudpickle, explicit state keys.

    Pickling: ``__getstate__`` holds only ``_STATE_KEYS`` of a detached copy, serialised by
    ``lumix.utils.pickling.dumps``; unpickling is only for trusted data.
    """

    _STATE_KEYS: ClassVar[tuple[str, ...]]

    def _copy_owner(self) -> str | None:
        """How errors name this object; ``None`` keeps the enclosing owner."""
        return None

    def __deepcopy__(self, memo: dict[Any, Any]) -> Any:
        ctx = copy_context(memo)
        if ctx.gc_paused:
            return self._detached_copy(ctx, memo)
        ctx.gc_paused = True
        try:
            with gc_paused():
                return self._detached_copy(ctx, memo)
        finally:
            ctx.gc_paused = False

    def _detached_copy(self, ctx: CopyContext, memo: dict[Any, Any]) -> Any:
        new = _restore(type(self), {})
        memo[id(self)] = new
        outer, owner = ctx.owner, self._copy_owner()
        ctx.owner = owner or outer
        try:
            state = self.__dict__
            for key in self._STATE_KEYS:
                if key not in state:
                    continue
                if key == "_session":
                    value = None
                elif key == "_data":
                    value = self._materialized(ctx, memo)
                else:
                    value = copy_value(state[key], memo, ctx, key)
                new.__dict__[key] = value
        finally:
            ctx.owner = outer
        return new

    def _materialized(self, ctx: CopyContext, memo: dict[Any, Any]) -> list[Any] | None:
        data = self.__dict__.get("_data")
        if data is None:
            session = self.__dict__.get("_session")
            model_type = self.__dict__.get("model_type")
            if model_type is None or (session is None and not orm.reads_without_session(model_type)):
                return None
            data = ctx.read(ctx.owner, model_type, session)
        return materialize_and_detach_list(data, memo)

    def _lumix_reduce(self) -> tuple[Any, ...]:
        state = {k: self.__dict__[k] for k in self._STATE_KEYS if k in self.__dict__}
        return _restore, (type(self), state)

    def __getstate__(self) -> dict[str, Any]:
        from ..utils.pickling import dumps

        memo: dict[Any, Any] = {_CONTEXT_KEY: self._pickle_context()}
        with gc_paused():
            return {"lumix": dumps(copy.deepcopy(self, memo))}

    def _pickle_context(self) -> CopyContext:
        return CopyContext()

    def __setstate__(self, state: dict[str, Any]) -> None:
        from ..utils.pickling import loads

        with gc_paused():
            self.__dict__.update(loads(state["lumix"]).__dict__)


def copy_value(value: Any, memo: dict[Any, Any], ctx: CopyContext, role: str) -> Any:
    """Copy one attribute value of a modeling object, detaching what it holds."""
    if isinstance(value, types.FunctionType):
        return _copy_function(value, memo, ctx, role)
    if isinstance(value, Detachable):
        return _copy_detachable(value, memo, ctx, role)
    if isinstance(value, list):
        return [copy_value(v, memo, ctx, role) for v in value]
    if isinstance(value, dict):
        return {k: copy_value(v, memo, ctx, f"{role} {k!r}") for k, v in value.items()}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(copy_value(v, memo, ctx, role) for v in value)
    return _copy_other(value, memo, ctx, role)


def _copy_function(value: types.FunctionType, memo: dict[Any, Any], ctx: CopyContext, role: str) -> Any:
    """A user callable with its closure detached; a ``DetachError`` names the owner and role."""
    try:
        return copy_function_detaching_closure(value, memo)
    except DetachError as exc:
        raise DetachError(f"{ctx.owner}: {ROLES.get(role, role)}: {exc}") from None


def _copy_detachable(value: Detachable, memo: dict[Any, Any], ctx: CopyContext, role: str) -> Any:
    """A modeling object's copy; errors in the objective name it as the objective."""
    if role != "_objective_expr":
        return copy.deepcopy(value, memo)
    outer, ctx.owner = ctx.owner, f"the objective of {ctx.owner}"
    try:
        return copy.deepcopy(value, memo)
    finally:
        ctx.owner = outer


def _copy_other(value: Any, memo: dict[Any, Any], ctx: CopyContext, role: str) -> Any:
    """Any other value: lumix's own deep-copied, the rest with its ORM objects detached."""
    if type(value).__module__.startswith("lumix."):
        return copy.deepcopy(value, memo)  # terms, enums, dimensions' products
    return detach_value(value, memo, f"{ctx.owner}: {ROLES.get(role, role)}")
