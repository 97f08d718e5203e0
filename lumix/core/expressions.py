"""``LXLinearExpression``: linear terms over variable families, with data-driven coefficients.

As in LumiX, ``terms`` is a mutable dict ``{family name: (LXVariable, coeff, where)}`` (a
second ``add_term`` on a family merges into its entry) and ``_multi_terms`` a list of
``(LXVariable, coeff, where)``. Entries may be moved between expressions or written by hand;
``lumix.expand`` reads each one through ``term_parts``, the one place that knows how numbers,
scaled (``2 * expr``), merged and keyed terms are stored.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, Self, TypeVar

from ..utils.callables import positional_arity
from ._copying import CopyContext, Detachable, copy_context, copy_value

if TYPE_CHECKING:
    from .variables import LXVariable

__all__ = [
    "LXKeyFilter",
    "LXLinearExpression",
    "LXMultiTerm",
    "LXRowKeyFilter",
    "LXTerm",
    "TermPart",
    "term_parts",
]

TModel = TypeVar("TModel")

Coefficient = float | Callable[..., float]

_NO_ROW: Any = object()  # a term callable called without a constraint row


def _call(func: Callable[..., Any], instance: Any, row: Any) -> Any:
    """``func(instance, row)`` when it takes a row and there is one, else ``func(instance)``
    (how a user calling a stored coefficient or filter by hand gets LumiX's behaviour)."""
    if func is None:  # a hand-written multi-term entry without a filter
        return True
    return func(instance, row) if row is not _NO_ROW and _arity(func) >= 2 else func(instance)


# -- what terms store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Constant:
    """A number stored as a coefficient (LumiX stores ``lambda _: c``)."""

    value: float
    _lumix_arity: ClassVar[int] = 1

    def __call__(self, *args: Any) -> float:
        return self.value


@dataclass(frozen=True)
class _Always:
    """The filter of a term without ``where`` (LumiX stores ``lambda _: True``)."""

    _lumix_arity: ClassVar[int] = 1

    def __call__(self, *args: Any) -> bool:
        return True


_ALWAYS = _Always()


@dataclass(frozen=True)
class _Scaled:
    """``factor * func(...)``: a coefficient of a scaled expression (``2 * expr``)."""

    func: Callable[..., Any]
    factor: float

    @property
    def _lumix_arity(self) -> int:
        return _arity(self.func)

    def __call__(self, *args: Any) -> float:
        return self.func(*args) * self.factor

    def __deepcopy__(self, memo: dict[Any, Any]) -> _Scaled:
        return _Scaled(_copy_callable(self.func, memo, copy_context(memo), "coefficient"), self.factor)


Pairs = tuple[tuple[Callable[..., Any], Callable[..., Any]], ...]


@dataclass(frozen=True)
class _Merged:
    """The coefficient of terms added on one family: an instance gets the sum of the
    coefficients whose filter keeps it (LumiX's merge rule). Each ``(coeff, where)`` pair
    keeps its own row rule when compiled."""

    parts: Pairs

    @property
    def _lumix_arity(self) -> int:
        return max(max(_arity(c), _arity(w)) for c, w in self.parts)

    def __call__(self, instance: Any, row: Any = _NO_ROW) -> float:
        return sum(_call(c, instance, row) for c, w in self.parts if _call(w, instance, row))

    def __deepcopy__(self, memo: dict[Any, Any]) -> _Merged:
        return _Merged(_copy_pairs(self.parts, memo, copy_context(memo)))


@dataclass(frozen=True)
class _AnyOf:
    """The filter of merged terms: an instance is kept when any part keeps it."""

    parts: Pairs

    @property
    def _lumix_arity(self) -> int:
        return max(_arity(w) for _, w in self.parts)

    def __call__(self, instance: Any, row: Any = _NO_ROW) -> bool:
        return any(_call(w, instance, row) for _, w in self.parts)

    def __deepcopy__(self, memo: dict[Any, Any]) -> _AnyOf:
        return _AnyOf(_copy_pairs(self.parts, memo, copy_context(memo)))


def _arity(func: Any) -> int:
    return getattr(func, "_lumix_arity", None) or positional_arity(func)


def _check_var(var: Any, method: str) -> None:
    # A variable family is what has a var_type (variables build expressions, so this module
    # does not import them).
    if not hasattr(var, "var_type") or not hasattr(var, "name"):
        raise TypeError(f"{method}() takes an LXVariable, got {type(var).__name__}")


class LXKeyFilter:
    """A ``where`` keeping the instances whose index key is in ``keys`` (``keys=`` of
    ``add_term`` / ``add_multi_term`` / ``sum_over``). The compiler looks the keys up in the
    family instead of calling it; called by hand, it tests one instance.

    Raises:
        TypeError: ``keys`` is a string, holds unhashable keys, or (for an
            ``indexed_by_product`` family) holds keys that are not tuples of its width.
    """

    _lumix_arity: ClassVar[int] = 1

    def __init__(self, var: LXVariable, keys: Iterable[Any]) -> None:
        _check_var(var, "LXKeyFilter")
        if isinstance(keys, str | bytes):
            raise TypeError(
                "keys must be an iterable of index keys, not a single string; "
                "wrap a single key in a list: keys=[key]"
            )
        if not isinstance(keys, Iterable):
            raise TypeError(f"keys must be an iterable of index keys, got {type(keys).__name__}")
        try:
            key_set = frozenset(keys)
        except TypeError as err:
            raise TypeError(
                "keys must be hashable; write indexed_by_product keys as tuples, "
                "not lists, e.g. keys=[(plant.id, customer.id)]"
            ) from err
        if var.index_func is None and var._cartesian is not None:
            width = len(var._cartesian.dimensions)
            if any(not isinstance(k, tuple) or len(k) != width for k in key_set):
                raise TypeError(
                    f"keys for the indexed_by_product variable {var.name!r} must be a "
                    f"list of tuples with {width} dimension keys each, "
                    "e.g. keys=[(plant.id, customer.id)]"
                )
        self.var = var
        self.keys = key_set

    def __call__(self, *instance: Any) -> bool:
        item = instance[0] if len(instance) == 1 else instance
        return self.var.index_key(item) in self.keys

    def __repr__(self) -> str:
        return f"LXKeyFilter({self.var.name!r}, {len(self.keys)} keys)"

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXKeyFilter:
        new = LXKeyFilter.__new__(LXKeyFilter)
        new.var = copy.deepcopy(self.var, memo)
        new.keys = self.keys
        return new


class LXRowKeyFilter:
    """A row-aware ``where``: in constraint row ``r`` it keeps the instance of ``var`` whose
    index key is ``row_key(r)`` (looked up by key when compiled); without a row it keeps
    every instance."""

    _lumix_arity: ClassVar[int] = 2

    def __init__(self, var: LXVariable, row_key: Callable[[Any], Any]) -> None:
        _check_var(var, "LXRowKeyFilter")
        if not callable(row_key):
            raise TypeError(f"LXRowKeyFilter({var.name!r}): row_key must be callable, got {row_key!r}")
        self.var = var
        self.row_key = row_key

    def __call__(self, instance: Any, row: Any = _NO_ROW) -> bool:
        if row is _NO_ROW:
            return True
        return bool(self.var.index_key(instance) == self.row_key(row))

    def __repr__(self) -> str:
        return f"LXRowKeyFilter({self.var.name!r})"

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXRowKeyFilter:
        new = LXRowKeyFilter.__new__(LXRowKeyFilter)
        new.var = copy.deepcopy(self.var, memo)
        new.row_key = _copy_callable(self.row_key, memo, copy_context(memo), "row key")
        return new


def _copy_callable(value: Any, memo: dict[Any, Any], ctx: CopyContext, role: str) -> Any:
    """A stored coefficient or filter, copied with the user callables inside it detached."""
    if value is None or isinstance(value, _Constant | _Always):
        return value
    if isinstance(value, _Scaled):
        return _Scaled(_copy_callable(value.func, memo, ctx, role), value.factor)
    if isinstance(value, _Merged | _AnyOf):
        return type(value)(_copy_pairs(value.parts, memo, ctx))
    if isinstance(value, LXKeyFilter | LXRowKeyFilter):
        return copy.deepcopy(value, memo)
    return copy_value(value, memo, ctx, role)


def _copy_pairs(pairs: Pairs, memo: dict[Any, Any], ctx: CopyContext) -> Pairs:
    return tuple(
        (_copy_callable(c, memo, ctx, "coefficient"), _copy_callable(w, memo, ctx, "where filter"))
        for c, w in pairs
    )


def _copy_term(term: Any, memo: dict[Any, Any]) -> Any:
    ctx = copy_context(memo)
    name = getattr(term.var, "name", "?")
    return type(term)(
        copy.deepcopy(term.var, memo),
        _copy_callable(term.coeff, memo, ctx, f"coefficient of {name}"),
        _copy_callable(term.where, memo, ctx, f"where filter of {name}"),
    )


class LXTerm(NamedTuple):
    """A ``terms`` entry, LumiX's ``(LXVariable, coeff, where)``: ``coeff(instance)`` or
    ``coeff(instance, row)`` times the columns that pass ``where``.

    A one-argument term inside a constraint family whose rows are instances of the
    variable's own data type contributes only the row's own column (matched by index key).
    """

    var: Any
    coeff: Callable[..., Any]
    where: Callable[..., Any]

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXTerm:
        return _copy_term(self, memo)


class LXMultiTerm(NamedTuple):
    """A ``_multi_terms`` entry ``(LXVariable, coeff, where)``, not row-dependent; for
    multi-indexed families ``coeff`` and ``where`` receive one argument per dimension."""

    var: Any
    coeff: Callable[..., Any]
    where: Callable[..., Any] | None

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXMultiTerm:
        return _copy_term(self, memo)


# -- how the compiler reads a term ---------------------------------------------------------------


class TermPart(NamedTuple):
    """One added term as ``lumix.expand`` evaluates it: ``scale * coeff`` (a number or a user
    callable) for the instances that pass ``where`` (a user callable, or ``None``: all), that
    have an index key in ``keys`` when it is set, and, with ``row_key``, whose key is
    ``row_key(row)`` in each constraint row."""

    coeff: float | Callable[..., Any]
    where: Callable[..., Any] | None
    scale: float = 1.0
    keys: frozenset[Any] | None = None
    row_key: Callable[[Any], Any] | None = None


def term_parts(term: Any) -> tuple[Any, tuple[TermPart, ...]]:
    """The family of a ``terms`` / ``_multi_terms`` entry and its parts, one per added term.

    Raises:
        TypeError: the entry is not ``(LXVariable, coefficient, where)``.
    """
    try:
        var, coeff, where = term
    except (TypeError, ValueError):
        raise TypeError(f"expected a tuple (LXVariable, coefficient, where), got {term!r}") from None
    _check_var(var, "a term")
    return var, tuple(_flatten(coeff, where, 1.0))


def _flatten(coeff: Any, where: Any, scale: float) -> Iterator[TermPart]:
    if isinstance(coeff, _Scaled):
        yield from _flatten(coeff.func, where, scale * coeff.factor)
    elif isinstance(coeff, _Merged):
        for c, w in coeff.parts:
            yield from _flatten(c, w, scale)
    else:
        yield _part(coeff, where, scale)


def _part(coeff: Any, where: Any, scale: float) -> TermPart:
    if isinstance(coeff, _Constant):
        coeff = coeff.value
    if not callable(coeff) and not isinstance(coeff, numbers.Real):
        raise TypeError(f"the coefficient must be a number or a callable, got {coeff!r}")
    if where is None or isinstance(where, _Always):
        return TermPart(coeff, None, scale)
    if isinstance(where, LXKeyFilter):
        return TermPart(coeff, None, scale, keys=where.keys)
    if isinstance(where, LXRowKeyFilter):
        return TermPart(coeff, None, scale, row_key=where.row_key)
    if not callable(where):
        raise TypeError(f"the where filter must be a callable or None, got {where!r}")
    return TermPart(coeff, where, scale)


# -- building ------------------------------------------------------------------------------------


def _check_coeff(coeff: Any, method: str, var: LXVariable) -> None:
    if not callable(coeff) and not isinstance(coeff, numbers.Real):
        raise TypeError(
            f"{method}({var.name}): the coefficient must be a number or a callable, "
            f"got {type(coeff).__name__}"
        )


def _stored(coeff: Any) -> Callable[..., Any]:
    return coeff if callable(coeff) else _Constant(coeff)


def _key_or_where(var: LXVariable, where: Callable[..., bool] | None, keys: Iterable[Any] | None) -> Any:
    if keys is None:
        return where
    if where is not None:
        raise ValueError("Pass either where= or keys=, not both")
    return LXKeyFilter(var, keys)


def _pairs(term: Any) -> Pairs:
    coeff = term[1]
    return coeff.parts if isinstance(coeff, _Merged) else ((coeff, term[2]),)


def _merge(first: Any, second: Any) -> LXTerm:
    """One entry for two terms on the same family (LumiX's merge rule, see ``_Merged``)."""
    parts = _pairs(first) + _pairs(second)
    return LXTerm(first[0], _Merged(parts), _AnyOf(parts))


def _scaled(coeff: Any, factor: float) -> _Scaled:
    if isinstance(coeff, _Scaled):
        return _Scaled(coeff.func, coeff.factor * factor)
    return _Scaled(_stored(coeff), factor)


class LXLinearExpression(Detachable, Generic[TModel]):
    """A sum of terms plus a constant; supports ``+ - *`` with numbers and ``sum([...])``
    (each returns a new expression; ``+=`` and ``*=`` change this one).

    ``terms`` is ``{family name: (LXVariable, coeff, where)}`` (``LXTerm``) and
    ``_multi_terms`` a list of ``LXMultiTerm``; both may be edited like LumiX's
    (``profit.terms = revenue.terms.copy()``). A number coefficient is stored as a callable
    returning it, a missing ``where`` of a term as one returning ``True``.
    """

    _STATE_KEYS = ("terms", "constant", "_multi_terms")

    term_parts = staticmethod(term_parts)

    def __init__(
        self,
        terms: dict[str, Any] | None = None,
        constant: float = 0.0,
        _multi_terms: list[Any] | None = None,
    ) -> None:
        self.terms: dict[str, Any] = {} if terms is None else terms
        self.constant: float = float(constant)
        self._multi_terms: list[Any] = [] if _multi_terms is None else _multi_terms

    def __repr__(self) -> str:
        names = list(self.terms) + [getattr(t[0], "name", "?") for t in self._multi_terms]
        return f"LXLinearExpression(vars={names}, constant={self.constant})"

    # -- builders ---------------------------------------------------------------------------
    def add_term(
        self,
        var: LXVariable,
        coeff: Coefficient = 1.0,
        where: Callable[..., bool] | None = None,
        keys: Iterable[Any] | None = None,
    ) -> Self:
        """Add ``coeff * var``; ``coeff`` is a number, ``f(inst)`` or ``f(inst, row)``.

        ``keys`` keeps only the instances with those index keys (looked up by key); it
        cannot be combined with ``where``. A second term on the same family merges with the
        first: an instance gets the sum of the coefficients whose filters keep it.
        """
        _check_var(var, "add_term")
        _check_coeff(coeff, "add_term", var)
        term = LXTerm(var, _stored(coeff), _key_or_where(var, where, keys) or _ALWAYS)
        old = self.terms.get(var.name)
        self.terms[var.name] = term if old is None else _merge(old, term)
        return self

    def add_multi_term(
        self,
        var: LXVariable,
        coeff: Coefficient = 1.0,
        where: Callable[..., bool] | None = None,
        keys: Iterable[Any] | None = None,
    ) -> Self:
        """Add ``coeff(*parts) * var`` for every instance (one argument per dimension);
        ``keys`` as in ``add_term`` (tuples of dimension keys for ``indexed_by_product``)."""
        _check_var(var, "add_multi_term")
        _check_coeff(coeff, "add_multi_term", var)
        self._multi_terms.append(LXMultiTerm(var, _stored(coeff), _key_or_where(var, where, keys)))
        return self

    def sum_over(
        self, var: LXVariable, where: Callable[..., bool] | None = None, keys: Iterable[Any] | None = None
    ) -> Self:
        """Add the sum of all of the family's columns (those passing ``where`` / in ``keys``)."""
        return self.add_multi_term(var, 1.0, where, keys)

    def add_constant(self, value: float) -> Self:
        self.constant += float(value)
        return self

    def copy(self) -> LXLinearExpression:
        return LXLinearExpression(dict(self.terms), self.constant, list(self._multi_terms))

    # -- arithmetic -------------------------------------------------------------------------
    def __iadd__(self, other: Any) -> Self:
        if isinstance(other, numbers.Real):
            self.constant += float(other)
            return self
        if isinstance(other, LXLinearExpression):
            for name, term in list(other.terms.items()):
                old = self.terms.get(name)
                self.terms[name] = term if old is None else _merge(old, term)
            self._multi_terms.extend(list(other._multi_terms))
            self.constant += other.constant
            return self
        return NotImplemented

    def __add__(self, other: Any) -> LXLinearExpression:
        if not isinstance(other, numbers.Real | LXLinearExpression):
            return NotImplemented
        result = self.copy()
        result += other
        return result

    def __radd__(self, other: Any) -> LXLinearExpression:
        return self + other

    def __imul__(self, scalar: Any) -> Self:
        if not isinstance(scalar, numbers.Real):
            return NotImplemented
        s = float(scalar)
        for name, (var, coeff, where) in list(self.terms.items()):
            self.terms[name] = LXTerm(var, _scaled(coeff, s), where)
        self._multi_terms = [
            LXMultiTerm(var, _scaled(coeff, s), where) for var, coeff, where in self._multi_terms
        ]
        self.constant *= s
        return self

    def __mul__(self, scalar: Any) -> LXLinearExpression:
        if not isinstance(scalar, numbers.Real):
            return NotImplemented
        result = self.copy()
        result *= scalar
        return result

    __rmul__ = __mul__

    def __neg__(self) -> LXLinearExpression:
        return self * -1.0

    def __sub__(self, other: Any) -> LXLinearExpression:
        if isinstance(other, numbers.Real):
            return self + (-float(other))
        if isinstance(other, LXLinearExpression):
            return self + other * -1.0
        return NotImplemented

    def __rsub__(self, other: Any) -> LXLinearExpression:
        return self * -1.0 + other
