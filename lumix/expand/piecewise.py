"""Breakpoints and function values of piecewise-linear terms."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError

if TYPE_CHECKING:
    from ..linearization.config import LXLinearizerConfig


def piecewise_table(
    func: Callable[[float], float],
    lower: float,
    upper: float,
    config: LXLinearizerConfig,
    *,
    name: str,
    num_segments: int | None = None,
    x_min: float | None = None,
    x_max: float | None = None,
    adaptive: bool | None = None,
    breakpoints: Sequence[float] | None = None,
) -> tuple[list[float], list[float], str | None]:
    """Breakpoints of a piecewise-linear term on ``name`` (bounds ``lower .. upper``, ``±inf``
    when open), ``func`` at them, and the warning to give when the domain is narrower than the
    bounds. Settings left ``None`` come from ``config``.

    Raises:
        ModelError (a ``ValueError``): bad breakpoints or segments, no domain, or ``func``
            raising or not finite at a point.
    """
    lo = None if math.isinf(lower) else lower
    up = None if math.isinf(upper) else upper
    if breakpoints is not None:
        if x_min is not None or x_max is not None:
            raise ModelError(f"Give either breakpoints or x_min/x_max for {name}, not both")
        points = _given_breakpoints(breakpoints, name)
        x_min, x_max = points[0], points[-1]
    else:
        segments = _segments(config.pwl_num_segments if num_segments is None else num_segments, name)
        x_min, x_max = _domain(name, lo if x_min is None else x_min, up if x_max is None else x_max)
        use_adaptive = config.adaptive_breakpoints if adaptive is None else adaptive
        points = _breakpoints(func, float(x_min), float(x_max), segments, bool(use_adaptive))
    return points, _finite_values(func, points, (x_min, x_max), name), _narrower(name, lo, up, x_min, x_max)


def _narrower(name: str, lo: float | None, up: float | None, x_min: float, x_max: float) -> str | None:
    """The warning for a domain narrower than the variable's bounds (it constrains the variable)."""
    if lo is None or lo < x_min or up is None or up > x_max:
        return (
            f"The piecewise-linear term restricts {name} to [{x_min}, {x_max}], narrower than its "
            f"bounds [{lo}, {up}]"
        )
    return None


def _segments(segments: Any, name: str) -> int:
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ModelError(f"num_segments must be an integer >= 1 for {name}, got {segments!r}")
    return segments


def _given_breakpoints(breakpoints: Sequence[float], name: str) -> list[float]:
    points = [float(b) for b in breakpoints]
    if len(points) < 2 or any(b <= a for a, b in itertools.pairwise(points)):
        raise ModelError(
            f"breakpoints for {name} must contain at least two strictly increasing values, got {points}"
        )
    return points


def _domain(name: str, x_min: float | None, x_max: float | None) -> tuple[float, float]:
    if x_min is None or x_max is None:
        raise ModelError(
            f"Cannot determine domain for piecewise-linear approximation of {name}. Detected: "
            f"[{x_min}, {x_max}]. Please specify x_min/x_max or set bounds on the variable."
        )
    return x_min, x_max


def _finite_values(
    func: Callable[[float], float], points: list[float], domain: tuple[float, float], name: str
) -> list[float]:
    values = _function_values(func, points, domain)
    bad = [(p, v) for p, v in zip(points, values, strict=True) if not math.isfinite(v)]
    if bad:
        raise ModelError(
            f"The function of {name} at breakpoint {bad[0][0]} is not finite ({bad[0][1]}); restrict "
            "the domain to where it is finite"
        )
    return values


def _function_values(
    func: Callable[[float], float], points: Sequence[float], domain: tuple[Any, Any]
) -> list[float]:
    try:
        return [float(func(p)) for p in points]
    except Exception as exc:
        raise ModelError(
            f"Failed to evaluate function at breakpoints: {exc}. Ensure function is defined over "
            f"domain [{domain[0]}, {domain[1]}]."
        ) from exc


def _breakpoints(
    func: Callable[[float], float], x_min: float, x_max: float, n: int, adaptive: bool
) -> list[float]:
    """``n + 1`` strictly increasing points on ``[x_min, x_max]``: uniform, or, ``adaptive``,
    denser where ``|f''|`` is large (quantiles of a density mixing the curvature of ``10 n + 1``
    samples with a uniform floor); uniform when the curvature is negligible or the result is
    not strictly increasing."""
    uniform = [float(b) for b in np.linspace(x_min, x_max, n + 1)]
    if not adaptive or n == 1:
        return uniform
    xs = np.linspace(x_min, x_max, 10 * n + 1)
    ys = np.array(_function_values(func, xs.tolist(), (x_min, x_max)))
    density = np.concatenate([[0.0], np.abs(np.diff(ys, 2)), [0.0]])
    total = float(density.sum())
    if not math.isfinite(total) or total <= 1e-9 * (float(np.max(np.abs(ys))) + 1.0):
        return uniform
    density = 0.5 * density / total + 0.5 / len(xs)
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cdf /= cdf[-1]
    inner = np.interp(np.arange(1, n) / n, cdf, xs)
    points = [float(x_min), *(float(v) for v in inner), float(x_max)]
    if any(b <= a for a, b in itertools.pairwise(points)):
        return uniform
    return points
