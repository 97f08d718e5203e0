"""Non-linear terms (``LXNonLinearExpression``, ``LXQuadraticExpression``) expanded per instance."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from .blocks import ColumnBlock, IndicatorTerm, NonlinearPart, NonlinearTerm
from .data import SPREAD, _call_all, _call_error, _not_a_number, _numbers, _same_data_type, logger
from .piecewise import piecewise_table

if TYPE_CHECKING:
    from ..core.variables import LXVariable
    from .model import _ModelExpander


_NO_ITEMS = np.zeros(0, np.int64)
#: The variables of each kind of non-linear term, by attribute (min / max read ``vars``).
_TERM_VARIABLES = {"abs": ("var",), "product": ("var1", "var2"), "piecewise": ("var",)}
_TERM_COEFFICIENT = {"abs": "abs()", "product": "product"}


def _capital(where: str) -> str:
    return where[:1].upper() + where[1:]


def _split(ex: _ModelExpander, expr: Any, where: str) -> tuple[Any, float, NonlinearPart | None]:
    """The linear part of a constraint's ``expr``, the constant beside it, and its non-linear
    terms (``None`` when there are none)."""
    if hasattr(expr, "quadratic_terms"):
        raise ModelError(
            f"{_capital(where)} is quadratic; quadratic expressions are supported only in the objective"
        )
    if not hasattr(expr, "nonlinear_terms"):
        return expr, 0.0, None
    part = _nonlinear_part(ex, expr.nonlinear_terms, where) if expr.nonlinear_terms else None
    return expr.linear_terms, float(expr.constant), part


def _objective_parts(
    ex: _ModelExpander, expr: Any
) -> tuple[Any, float, NonlinearPart | None, tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """The objective's linear part, the constant beside it, its non-linear terms and its
    quadratic products."""
    if hasattr(expr, "quadratic_terms"):
        return expr.linear_terms, float(expr.constant), None, _quadratic(ex, expr)
    if hasattr(expr, "nonlinear_terms"):
        part = _nonlinear_part(ex, expr.nonlinear_terms, "the objective") if expr.nonlinear_terms else None
        return expr.linear_terms, float(expr.constant), part, None
    return expr, 0.0, None, None


def _nonlinear_part(ex: _ModelExpander, terms: list[Any], where: str) -> NonlinearPart:
    part = NonlinearPart(where, [], [])
    for index, term in enumerate(terms):
        kind = getattr(term, "kind", None)
        if kind == "indicator":
            part.indicators.append(_indicator(ex, term, index, where))
        elif kind in ("abs", "product", "piecewise", "minmax"):
            part.terms.append(_nonlinear_term(ex, term, kind, index, where))
        else:
            raise ModelError(f"{_capital(where)}: unsupported nonlinear term type {type(term).__name__}")
    return part


def _nonlinear_term(ex: _ModelExpander, term: Any, kind: str, index: int, where: str) -> NonlinearTerm:
    """A term's items: one per instance key of its families (single variables broadcast)."""
    if kind == "minmax":
        variables, op = list(term.vars), term.operation
        if op not in ("min", "max") or not variables:
            raise ModelError(
                f"{_capital(where)}: a min/max term needs operation 'min' or 'max' and variables"
            )
    else:
        variables, op = [getattr(term, name) for name in _TERM_VARIABLES[kind]], kind
    families = [ex._family(v, where) for v in variables]
    keys, cols = _aligned(ex, families, where)
    owners = tuple(dict.fromkeys(v.name for v in families if len(ex.keys(v)) != 1))
    item = NonlinearTerm(op, index, tuple(v.name for v in families), keys, cols, owners)
    if kind in _TERM_COEFFICIENT:
        item.coeff = _term_coefficient(term.coefficient, _TERM_COEFFICIENT[kind], where)
    elif kind == "minmax":
        item.coefficients = _minmax_coefficients(term, op, len(variables), where)
    else:
        _piecewise_items(ex, item, term, families[0])
    return item


def _minmax_coefficients(term: Any, op: str, n: int, where: str) -> tuple[float, ...]:
    coefficients = list(term.coefficients or [1.0] * n)
    if len(coefficients) != n:
        raise ModelError(f"{_capital(where)}: {op}() has {n} variables but {len(coefficients)} coefficients")
    return tuple(_term_coefficient(c, f"{op}()", where) for c in coefficients)


def _term_coefficient(value: Any, what: str, where: str) -> float:
    try:
        if _not_a_number(value):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{_capital(where)}: {what} coefficient {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ModelError(f"{_capital(where)}: {what} coefficient is {number}")
    return number


def _aligned(ex: _ModelExpander, families: list[LXVariable], where: str) -> tuple[list[Any], np.ndarray]:
    """Item keys and ``(items, variables)`` columns of a term: the families with more than one
    instance must share their keys; single variables are used for every item."""
    blocks = [ex._blocks[v.name] for v in families]
    multi = [b for b in blocks if len(b.keys) != 1]
    if not multi:
        return [None], np.array([[b.start for b in blocks]], dtype=np.int64)
    keys = multi[0].keys
    if any(b.keys != keys and set(b.positions) != set(keys) for b in multi[1:]):
        names = ", ".join(sorted({b.name for b in blocks}))
        raise ModelError(
            f"{_capital(where)}: a nonlinear term combines variable families with different index "
            f"keys ({names}); use families over the same keys, or single variables"
        )
    return list(keys), np.column_stack([_item_columns(b, keys) for b in blocks])


def _item_columns(block: ColumnBlock, keys: list[Any]) -> np.ndarray:
    """The column of ``block`` for each item key (its only column when it has one)."""
    if len(block.keys) == 1:
        return np.full(len(keys), block.start, np.int64)
    return np.fromiter((block.positions[k] for k in keys), np.int64, len(keys))


def _piecewise_items(ex: _ModelExpander, item: NonlinearTerm, term: Any, var: LXVariable) -> None:
    """Breakpoints and ``func`` at them for each item, from its column's bounds (one table per
    distinct pair of bounds). Left empty without a linearization, which refuses the term."""
    config = ex.linearization
    if config is None:
        return
    item.method = term.method or config.pwl_method
    block = ex._blocks[var.name]
    rows = item.cols[:, 0] - block.start
    tables: dict[tuple[float, float], tuple[list[float], list[float]]] = {}
    notes: dict[str, None] = {}
    for lo, up in zip(block.lower[rows].tolist(), block.upper[rows].tolist(), strict=True):
        if (lo, up) not in tables:
            points, values, note = piecewise_table(
                term.func, lo, up, config, name=var.name, num_segments=term.num_segments,
                x_min=term.x_min, x_max=term.x_max, adaptive=term.adaptive, breakpoints=term.breakpoints,
            )  # fmt: skip
            tables[(lo, up)] = (points, values)
            if note:
                notes[note] = None
    pairs = zip(block.lower[rows].tolist(), block.upper[rows].tolist(), strict=True)
    chosen = [tables[pair] for pair in pairs]
    item.breakpoints = np.array([t[0] for t in chosen], dtype=float).reshape(len(chosen), -1)
    item.values = np.array([t[1] for t in chosen], dtype=float).reshape(len(chosen), -1)
    item.notes = tuple(notes)


def _indicator(ex: _ModelExpander, term: Any, index: int, where: str) -> IndicatorTerm:
    """An indicator: its binary column and its linear expression (no row context)."""
    var = ex._family(term.binary_var, where)
    keys = ex.keys(var)
    if len(keys) != 1:
        raise ModelError(
            f"An indicator's binary_var takes a single variable; '{var.name}' has {len(keys)} "
            "instances. LXNonLinearExpression terms apply to every instance of a family"
        )
    if var.var_type.value != "binary":
        raise ModelError(f"An indicator needs a binary variable; '{var.name}' is {var.var_type.value}")
    cols, vals, constant = ex.expression(
        term.linear_expr, None, False, f"{where} (indicator on '{var.name}')"
    )
    rhs = _term_coefficient(term.rhs, "indicator right-hand side", where)
    binary = ex._blocks[var.name].start
    return IndicatorTerm(index, var.name, binary, cols, vals, constant, term.sense, rhs, bool(term.condition))


def _picks(
    ex: _ModelExpander, part: NonlinearPart, row: Any, indexed: bool, where: str
) -> list[np.ndarray | None]:
    """The items each term gives one row: all (``None``) unless the constraint is indexed."""
    if not indexed:
        return [None] * len(part.terms)
    return [_pick(ex, term, row, where, part.where) for term in part.terms]


def _pick(ex: _ModelExpander, term: NonlinearTerm, row: Any, where: str, family: str) -> np.ndarray | None:
    """A row (``where``) that is an instance of one of the term's multi-instance families (by
    key) takes that item; a row of such a family's data type that is not one of its instances
    takes nothing (logged once per constraint ``family``); any other row takes every item."""
    outside = None
    for name in term.owners:
        var = ex._families[name]
        instances = ex.instances(var)
        if not instances or not _same_data_type(row, instances[0]):
            continue
        try:
            key = ex.key_func(var)(row)
        except Exception as exc:
            raise _call_error(where, f"index key of {var.name} for the row", var.index_func, exc) from exc
        try:
            item = term.item_index.get(key)
        except TypeError:
            item = None
        if item is not None:
            return np.array([item], dtype=np.int64)
        outside = outside or name
    if outside is None:
        return None
    if (family, outside) not in ex.warned:
        ex.warned.add((family, outside))
        logger.warning(
            "Rows of %s are of the same type as variable '%s' but not among the instances of '%s'; "
            "its nonlinear terms contribute nothing there",
            family, outside, outside,
        )  # fmt: skip
    return _NO_ITEMS


def _quadratic(ex: _ModelExpander, expr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The objective's products ``(i, j, c)``: ``i <= j``, summed, zeros dropped, sorted."""
    found = [_quadratic_term(ex, term) for term in expr.quadratic_terms]
    if not found:
        return None
    first = np.concatenate([f[0] for f in found])
    second = np.concatenate([f[1] for f in found])
    coeffs = np.concatenate([f[2] for f in found])
    n = sum(len(b.keys) for b in ex._blocks.values()) or 1
    pairs = np.minimum(first, second) * n + np.maximum(first, second)
    unique, inverse = np.unique(pairs, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=coeffs, minlength=len(unique))
    keep = sums != 0
    if not keep.any():
        return None
    return unique[keep] // n, unique[keep] % n, sums[keep]


def _quadratic_term(ex: _ModelExpander, term: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns and coefficients of one ``LXQuadraticTerm``: every pair of instances, or one
    square per instance (``diagonal``)."""
    where = "the objective"
    v1, v2 = ex._family(term.var1, where), ex._family(term.var2, where)
    b1, b2 = ex._blocks[v1.name], ex._blocks[v2.name]
    first = b1.start + np.arange(len(b1.keys))
    if term.diagonal:
        missing = [k for k in b1.keys if k not in b2.positions]
        if missing:
            raise ModelError(f"{where}: squared term of '{v1.name}': '{v2.name}' has no key {missing[0]!r}")
        second = np.fromiter((b2.positions[k] for k in b1.keys), np.int64, len(b1.keys))
        sides: tuple[LXVariable, ...] = (v1,)
    else:
        n2 = len(b2.keys)
        first, second = np.repeat(first, n2), np.tile(b2.start + np.arange(n2), len(b1.keys))
        sides = (v1, v2)
    label = f"quadratic coefficient of '{v1.name}' x '{v2.name}'"
    if callable(term.coefficient):
        pairs = list(itertools.product(*(ex.instances(v) for v in sides)))
        coeffs = _quadratic_coefficients(ex, term.coefficient, sides, pairs, label)
    else:
        coeffs = np.full(len(first), _term_coefficient(term.coefficient, "quadratic", where))
    return first, second, coeffs


def _quadratic_coefficients(
    ex: _ModelExpander,
    coeff: Callable[..., Any],
    sides: tuple[LXVariable, ...],
    pairs: list[tuple[Any, ...]],
    label: str,
) -> np.ndarray:
    """A callable quadratic coefficient per pair of instances (one instance for a square): it
    gets the instances, or their parts on multi-indexed families when it takes one argument
    per part."""
    where = "the objective"
    multi = [v.is_multi_indexed for v in sides]
    n_parts = sum(len(p) if m else 1 for m, p in zip(multi, pairs[0], strict=True)) if pairs else 0
    args = pairs
    if n_parts != len(sides) and ex.arity(coeff) == n_parts:
        args = [
            tuple(x for m, p in zip(multi, pair, strict=True) for x in (p if m else (p,))) for pair in pairs
        ]
    fail = lambda i, exc: _call_error(where, f"{label} for {args[i]!r}", coeff, exc)
    raw = _call_all(coeff, args, range(len(args)), SPREAD, None, fail)
    values = _numbers(raw, where, label, coeff, lambda j: args[j])
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ModelError(f"The objective: {label} is {values[bad[0]]}")
    return values
