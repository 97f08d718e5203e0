"""``|x|``, ``min`` and ``max`` of columns, for all items of a term at once (exact).

``convex`` says the value is pushed the way the epigraph rows alone are exact: a minimized
``|x|`` or ``max``, a maximized ``min`` (and the same in ``<=`` / ``>=`` rows). Other uses get
binaries and need finite bounds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...errors import ModelError
from .._formulation import Formulation, Ref, scaled_bounds, value_kind

__all__ = ["absolute", "minmax"]


def absolute(f: Formulation, x: Ref, convex: bool) -> Ref:
    """``z = |x|``."""
    z = f.var("z", value_kind([x]), 0.0, np.maximum(np.abs(x.lower), np.abs(x.upper)))
    f.row("ge_pos", [(z, 1.0), (x, -1.0)], ">=", 0.0)
    f.row("ge_neg", [(z, 1.0), (x, 1.0)], ">=", 0.0)
    if convex:
        return z
    open_ = np.flatnonzero(~x.bounded)
    if open_.size:
        raise ModelError(
            f"|{x.label(int(open_[0]))}| is used where it must be exact (maximized, with a negative "
            f"weight, or in an equality); that needs finite bounds on '{x.family}'"
        )
    m_neg, m_pos = 2 * np.maximum(0.0, -x.lower), 2 * np.maximum(0.0, x.upper)
    pos = f.var("pos", "binary")  # 1 when x >= 0
    f.row("le_pos", [(z, 1.0), (x, -1.0), (pos, m_neg)], "<=", m_neg)
    f.row("le_neg", [(z, 1.0), (x, 1.0), (pos, -m_pos)], "<=", 0.0)
    return z


def minmax(f: Formulation, op: str, refs: Sequence[Ref], coefficients: Sequence[float], convex: bool) -> Ref:
    """``z = min(c_i * x_i)`` (``op="min"``) or ``max(c_i * x_i)``."""
    spans = [scaled_bounds(c, r) for r, c in zip(refs, coefficients, strict=True)]
    pick = np.minimum if op == "min" else np.maximum
    lower = pick.reduce([s[0] for s in spans])
    upper = pick.reduce([s[1] for s in spans])
    z = f.var("z", value_kind(refs, coefficients), lower, upper)
    sense = "<=" if op == "min" else ">="
    for i, (r, c) in enumerate(zip(refs, coefficients, strict=True)):
        f.row(f"bound{i}", [(z, 1.0), (r, -c)], sense, 0.0)
    if convex:
        return z
    open_ = [r.label(int(np.flatnonzero(~r.bounded)[0])) for r, c in zip(refs, coefficients, strict=True)
             if c and not r.bounded.all()]  # fmt: skip
    if open_:
        raise ModelError(
            f"{op}() is used where it must be exact; that needs finite bounds on {', '.join(open_)}"
        )
    picks = [f.var(f"pick{i}", "binary") for i in range(len(refs))]
    f.row("pick_one", [(p, 1.0) for p in picks], "==", 1.0)
    floor = np.minimum.reduce([s[0] for s in spans])
    ceiling = np.maximum.reduce([s[1] for s in spans])
    for i, ((r, c), (lo_i, hi_i)) in enumerate(zip(zip(refs, coefficients, strict=True), spans, strict=True)):
        if op == "min":  # z >= c_i x_i - M (1 - pick_i)
            m = hi_i - floor
            f.row(f"tight{i}", [(z, 1.0), (r, -c), (picks[i], -m)], ">=", -m)
        else:  # z <= c_i x_i + M (1 - pick_i)
            m = ceiling - lo_i
            f.row(f"tight{i}", [(z, 1.0), (r, -c), (picks[i], m)], "<=", m)
    return z
