"""``z = x * y`` for all items of a product term at once; the case follows the types.

1. binary x binary: AND rows (``b * b`` of one column is ``b`` itself);
2. binary x bounded: four bound rows (an unbounded side takes ``big_m_value``, with a warning);
3. integer x (integer | continuous): binary expansion of the integer factor, then case 2;
4. continuous x continuous: McCormick envelopes, a relaxation (a warning, and the items are
   listed in ``relaxation``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...errors import ModelError
from .._formulation import Formulation, Ref, value_kind

if TYPE_CHECKING:
    from ..config import LXLinearizerConfig

__all__ = ["product"]


def product(f: Formulation, x: Ref, y: Ref, config: LXLinearizerConfig, relaxation: list[str]) -> Ref:
    """``z = x * y`` (the term's coefficient is applied where ``z`` is used)."""
    if x.kind == "binary" and y.kind == "binary":
        return _and(f, x, y)
    if x.kind == "binary" or y.kind == "binary":
        b, other = (x, y) if x.kind == "binary" else (y, x)
        return _binary_times(f, b, other, config)
    ints = [r for r in (x, y) if r.kind == "integer"]
    if ints:
        primary = min(ints, key=lambda r: (not r.bounded.all(), float(np.max(r.upper - r.lower))))
        return _expansion(f, primary, y if primary is x else x, config)
    return _mccormick(f, x, y, relaxation)


def _and(f: Formulation, x: Ref, y: Ref) -> Ref:
    if np.array_equal(x.cols, y.cols):
        return x  # b * b = b
    z = f.var("z", "binary")
    f.row("le_x", [(z, 1.0), (x, -1.0)], "<=", 0.0)
    f.row("le_y", [(z, 1.0), (y, -1.0)], "<=", 0.0)
    f.row("ge_sum", [(z, 1.0), (x, -1.0), (y, -1.0)], ">=", -1.0)
    return z


def _binary_times(f: Formulation, b: Ref, y: Ref, config: LXLinearizerConfig) -> Ref:
    """``z = b * y`` for ``y`` in [lo, hi]: ``z = y`` when ``b = 1``, else 0."""
    lo, hi = y.lower, y.upper
    open_ = np.flatnonzero(~y.bounded)
    if open_.size:
        i = int(open_[0])
        f.warn(
            ("big_m", y.family, b.family),
            f"'{y.label(i)}' has no finite bounds; its product with binary '{b.label(i)}' uses "
            f"big_m_value={config.big_m_value} (LXLinearizerConfig) as the bound",
        )
        lo = np.where(np.isfinite(lo), lo, -config.big_m_value)
        hi = np.where(np.isfinite(hi), hi, config.big_m_value)
    z = f.var("z", value_kind([y]), np.minimum(lo, 0.0), np.maximum(hi, 0.0))
    f.row("ub", [(z, 1.0), (b, -hi)], "<=", 0.0)  # z <= hi b
    f.row("lb", [(z, 1.0), (b, -lo)], ">=", 0.0)  # z >= lo b
    f.row("ub_y", [(z, 1.0), (y, -1.0), (b, -lo)], "<=", -lo)  # z <= y - lo (1 - b)
    f.row("lb_y", [(z, 1.0), (y, -1.0), (b, -hi)], ">=", -hi)  # z >= y - hi (1 - b)
    return z


def _expansion(f: Formulation, x: Ref, y: Ref, config: LXLinearizerConfig) -> Ref:
    """``z = x * y`` for integer ``x`` in [L, U]: ``x = L + sum 2^k d_k``, so
    ``z = L y + sum 2^k (d_k y)``, each ``d_k y`` exact as a binary product."""
    open_ = np.flatnonzero(~x.bounded)
    if open_.size:
        i = int(open_[0])
        raise ModelError(
            f"The product {x.label(i)} * {y.label(i)} needs finite bounds on the integer variable "
            f"'{x.family}' (binary expansion)"
        )
    low, spans = x.lower, (x.upper - x.lower).astype(np.int64)
    widest = int(np.argmax(spans))
    bits = int(spans[widest]).bit_length()
    if bits > config.binary_expansion_bits:
        raise ModelError(
            f"{x.label(widest)} takes {int(spans[widest]) + 1} values; its binary expansion needs {bits} "
            f"bits, more than LXLinearizerConfig.binary_expansion_bits={config.binary_expansion_bits}. "
            "Raise it, or, in the objective, write the product with add_quadratic and solve it on "
            "Gurobi or CPLEX"
        )
    digits = [f.var(f"bit{k}", "binary") for k in range(bits)]
    f.row("expand", [(x, 1.0)] + [(d, -float(2**k)) for k, d in enumerate(digits)], "==", low)
    corners = np.stack([a * c for a in (x.lower, x.upper) for c in (y.lower, y.upper)])
    finite = np.isfinite(corners).all(axis=0)
    lower = np.where(finite, corners.min(axis=0), -np.inf)
    upper = np.where(finite, corners.max(axis=0), np.inf)
    z = f.var("z", value_kind([y]), lower, upper)
    terms: list[tuple[Ref, float | np.ndarray]] = [(z, 1.0), (y, -low)]
    for k, d in enumerate(digits):
        terms.append((_binary_times(f.sub(f"{f.tag}_bit{k}"), d, y, config), -float(2**k)))
    f.row("sum", terms, "==", 0.0)
    return z


def _mccormick(f: Formulation, x: Ref, y: Ref, relaxation: list[str]) -> Ref:
    both = x.bounded & y.bounded
    if not both.all():
        i = int(np.flatnonzero(~both)[0])
        raise ModelError(
            "McCormick envelopes require bounds on both variables. "
            f"Detected: {x.label(i)} ∈ [{float(x.lower[i])}, {float(x.upper[i])}], "
            f"{y.label(i)} ∈ [{float(y.lower[i])}, {float(y.upper[i])}]. "
            "Please specify bounds using .bounds(lower=..., upper=...)"
        )
    relaxation.extend(f"{x.label(i)} * {y.label(i)}" for i in range(f.items))
    more = f" (and {f.items - 1} more instances)" if f.items > 1 else ""
    f.warn(
        ("mccormick", x.family, y.family),
        f"The product {x.label(0)} * {y.label(0)}{more} of two continuous variables is linearized with "
        "McCormick envelopes, a relaxation: the reported optimum may not be attainable "
        "(solution.relaxation is True). Make a factor integer or binary, or, in the objective, write "
        f"it as an LXQuadraticExpression (add_quadratic({x.family}, {y.family})) to solve it exactly "
        "on Gurobi or CPLEX",
    )
    xl, xu, yl, yu = x.lower, x.upper, y.lower, y.upper
    corners = np.stack([xl * yl, xl * yu, xu * yl, xu * yu])
    z = f.var("z", "continuous", corners.min(axis=0), corners.max(axis=0))
    f.row("mc1", [(z, 1.0), (y, -xl), (x, -yl)], ">=", -xl * yl)
    f.row("mc2", [(z, 1.0), (y, -xu), (x, -yu)], ">=", -xu * yu)
    f.row("mc3", [(z, 1.0), (y, -xl), (x, -yu)], "<=", -xl * yu)
    f.row("mc4", [(z, 1.0), (y, -xu), (x, -yl)], "<=", -xu * yl)
    return z
