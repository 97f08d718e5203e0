"""``y = f(x)`` through given breakpoints, for all items of a term at once.

Every method is exact for the piecewise-linear interpolant of the breakpoints:

- ``sos2``: convex-combination weights ``lam`` with adjacency enforced by segment binaries;
- ``incremental``: one binary per segment selects it, ``delta`` is the position inside it;
- ``logarithmic``: ``lam`` as in sos2 with ``ceil(log2(segments))`` Gray-code binaries.

``breakpoints[i]`` and ``values[i]`` are item ``i``'s points (the same count for every item).
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import ModelError
from .._formulation import Formulation, Ref

__all__ = ["piecewise", "PWL_METHODS"]

PWL_METHODS = ("sos2", "incremental", "logarithmic")


def piecewise(f: Formulation, x: Ref, breakpoints: np.ndarray, values: np.ndarray, method: str) -> Ref:
    """The output ``y`` of ``f(x)`` by ``method``.

    Raises:
        ModelError: an unknown method.
    """
    if method == "sos2":
        return _sos2(f, x, breakpoints, values)
    if method == "incremental":
        return _incremental(f, x, breakpoints, values)
    if method == "logarithmic":
        return _logarithmic(f, x, breakpoints, values)
    raise ModelError(f"Unknown piecewise-linear method: {method}")


def _lambdas(f: Formulation, x: Ref, bps: np.ndarray, values: np.ndarray) -> tuple[list[Ref], Ref]:
    """Weights ``lam`` with ``sum(lam) = 1``, ``x = sum(lam * b)`` and ``y = sum(lam * v)``."""
    lam = [f.var(f"lam{i}", "continuous", 0.0, 1.0) for i in range(bps.shape[1])]
    y = f.var("out", "continuous", values.min(axis=1), values.max(axis=1))
    f.row("convex", [(v, 1.0) for v in lam], "==", 1.0)
    f.row("x", [(x, 1.0)] + [(v, -bps[:, i]) for i, v in enumerate(lam)], "==", 0.0)
    f.row("y", [(y, 1.0)] + [(v, -values[:, i]) for i, v in enumerate(lam)], "==", 0.0)
    return lam, y


def _sos2(f: Formulation, x: Ref, bps: np.ndarray, values: np.ndarray) -> Ref:
    """Only the two weights of the chosen segment can be nonzero."""
    lam, y = _lambdas(f, x, bps, values)
    segments = len(lam) - 1
    if segments == 1:
        return y
    z = [f.var(f"sos{s}", "binary") for s in range(segments)]
    f.row("sos_one", [(v, 1.0) for v in z], "==", 1.0)
    for i, weight in enumerate(lam):
        adjacent = [(z[s], -1.0) for s in (i - 1, i) if 0 <= s < segments]
        f.row(f"adj{i}", [(weight, 1.0), *adjacent], "<=", 0.0)
    return y


def _incremental(f: Formulation, x: Ref, bps: np.ndarray, values: np.ndarray) -> Ref:
    n = bps.shape[1] - 1
    seg = [f.var(f"seg{i}", "binary") for i in range(n)]
    delta = [f.var(f"delta{i}", "continuous", 0.0, 1.0) for i in range(n)]
    y = f.var("out", "continuous", values.min(axis=1), values.max(axis=1))
    f.row("one", [(s, 1.0) for s in seg], "==", 1.0)
    for i in range(n):
        f.row(f"active{i}", [(delta[i], 1.0), (seg[i], -1.0)], "<=", 0.0)
    for role, out, points in (("x", x, bps), ("y", y, values)):
        steps = np.diff(points, axis=1)
        terms = (
            [(out, 1.0)]
            + [(seg[i], -points[:, i]) for i in range(n)]
            + [(delta[i], -steps[:, i]) for i in range(n)]
        )
        f.row(role, terms, "==", 0.0)
    return y


def _logarithmic(f: Formulation, x: Ref, bps: np.ndarray, values: np.ndarray) -> Ref:
    """Segments padded to a power of two with zero-width copies of the last point."""
    segments = bps.shape[1] - 1
    bits = math.ceil(math.log2(segments)) if segments > 1 else 0
    padded = 2**bits
    pad = padded - segments
    bps = np.hstack([bps, np.repeat(bps[:, -1:], pad, axis=1)])
    values = np.hstack([values, np.repeat(values[:, -1:], pad, axis=1)])
    lam, y = _lambdas(f, x, bps, values)
    codes = [s ^ (s >> 1) for s in range(padded)]
    for level in range(bits):
        g = f.var(f"gray{level}", "binary")
        ones, zeros = [(g, -1.0)], [(g, 1.0)]
        for j, weight in enumerate(lam):
            adjacent = [codes[s] >> level & 1 for s in (j - 1, j) if 0 <= s < padded]
            if all(adjacent):
                ones.append((weight, 1.0))
            elif not any(adjacent):
                zeros.append((weight, 1.0))
        f.row(f"gray_one{level}", ones, "<=", 0.0)
        f.row(f"gray_zero{level}", zeros, "<=", 1.0)
    return y
