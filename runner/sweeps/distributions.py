"""Marginal distributions of swept parameters: each maps the numbers of a unit-cube design
(Latin hypercube, Monte Carlo, quasi-random, Sobol, Morris) to a parameter's values by its
inverse CDF, so that every design takes every distribution.

``uniform``, ``normal``, ``lognormal``, ``triangular`` and ``truncated(any frozen
scipy.stats distribution)`` give floats (ints for a discrete scipy distribution), truncated to
``[low, high]`` when given; ``integer`` gives ints, ``boolean`` bools and ``categorical`` one of
its levels. A ``(low, high)`` pair is ``uniform(low, high)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .parameters import LEVEL_TYPES, Parameter, number, shown

__all__ = [
    "Distribution",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "truncated",
    "integer",
    "boolean",
    "categorical",
    "as_distribution",
]


class Distribution:
    """A parameter's marginal: ``values(u)`` maps unit-cube numbers ``u`` in [0, 1] to values.

    ``kind`` is ``"float"``, ``"int"``, ``"bool"`` or ``"categorical"`` (the type of the values);
    ``low`` / ``high`` bound the values (``None`` on an unbounded side); ``levels`` are the
    values a discrete distribution takes, in order (``None`` for a continuous one);
    ``description`` is readable (``"normal(mean=1, std=0.5, low=0)"``). Values grow with ``u``.

    Pickling: plain numbers and, for the scipy-based ones, a frozen scipy distribution.
    """

    kind: str = "float"
    low: float | None = None
    high: float | None = None
    levels: tuple[Any, ...] | None = None
    description: str = ""

    def values(self, u: np.ndarray) -> list[Any]:
        """The values at the unit-cube numbers ``u`` (a 1-D array), as Python objects."""
        raise NotImplementedError

    @property
    def bounded(self) -> bool:
        return self.low is not None and self.high is not None

    def __repr__(self) -> str:
        return self.description


class _Scipy(Distribution):
    """A frozen scipy distribution, truncated to ``[low, high]`` (inverse CDF of the
    renormalised interval; the upper tail through the survival function, for precision)."""

    def __init__(self, frozen: Any, low: float | None, high: float | None, description: str) -> None:
        self.frozen = frozen
        self.discrete = hasattr(frozen.dist, "pmf")
        support_low, support_high = (float(v) for v in frozen.support())
        self.low = _finite_or_none(support_low if low is None else max(low, support_low))
        self.high = _finite_or_none(support_high if high is None else min(high, support_high))
        self.kind = "int" if self.discrete else "float"
        self.description = description
        below = -math.inf if self.low is None else self.low - (1 if self.discrete else 0)
        self.lower_tail = (
            float(frozen.cdf(below)),
            float(frozen.cdf(math.inf if self.high is None else self.high)),
        )
        self.upper_tail = (
            float(frozen.sf(below)),
            float(frozen.sf(math.inf if self.high is None else self.high)),
        )
        mass = max(self.lower_tail[1] - self.lower_tail[0], self.upper_tail[0] - self.upper_tail[1])
        if not mass > 0:
            raise ValueError(f"{description}: the interval [{self.low}, {self.high}] has probability 0")

    def values(self, u: np.ndarray) -> list[Any]:
        u = np.asarray(u, dtype=float)
        (c0, c1), (s0, s1) = self.lower_tail, self.upper_tail
        if c0 > 0.5:  # the interval lies in the upper tail: cdf ~ 1 loses digits there
            x = self.frozen.isf(s0 - u * (s0 - s1))
        else:
            x = self.frozen.ppf(c0 + u * (c1 - c0))
        x = np.clip(x, -np.inf if self.low is None else self.low, np.inf if self.high is None else self.high)
        if self.low is not None:  # the ends of [0, 1] are the bounds exactly, not up to round-off
            x[u <= 0] = self.low
        if self.high is not None:
            x[u >= 1] = self.high
        if not np.isfinite(x).all():
            bad = float(u[~np.isfinite(x)][0])
            raise ValueError(f"{self.description}: the value at u={bad:g} is not finite; give low= and high=")
        return [int(v) for v in np.rint(x).tolist()] if self.discrete else np.asarray(x, dtype=float).tolist()


class _Levels(Distribution):
    """Finitely many ``levels`` with ``weights``: the level whose share of [0, 1] holds ``u``."""

    def __init__(
        self, levels: tuple[Any, ...], weights: tuple[float, ...], kind: str, description: str
    ) -> None:
        self.levels = self.choices = levels
        self.weights = weights
        self.kind = kind
        self.description = description
        numeric = kind in ("int", "float")
        self.low = min(levels) if numeric else None
        self.high = max(levels) if numeric else None
        self.edges = np.cumsum(weights)[:-1] / sum(weights)

    def values(self, u: np.ndarray) -> list[Any]:
        index = np.searchsorted(self.edges, np.asarray(u, dtype=float), side="right")
        return [self.choices[i] for i in index.tolist()]

    @property
    def bounded(self) -> bool:
        return True


# -- constructors -------------------------------------------------------------------------------------


def uniform(low: float, high: float) -> Distribution:
    """Uniform on ``[low, high]`` (``low == high`` is a constant)."""
    low, high = _pair("uniform", low, high)
    from scipy import stats

    if low == high:
        return _Levels((low,), (1.0,), "float", f"uniform({low:g}, {high:g})")
    return _Scipy(stats.uniform(low, high - low), None, None, f"uniform({low:g}, {high:g})")


def normal(mean: float, std: float, *, low: float | None = None, high: float | None = None) -> Distribution:
    """Normal with ``mean`` and ``std``, truncated to ``[low, high]`` when given (a truncated
    normal: never below ``low`` or above ``high``)."""
    where = f"normal(mean={mean!r}, std={std!r})"
    mean, std = number(mean, where), _positive(std, "std", where)
    from scipy import stats

    return _truncated(stats.norm(mean, std), low, high, f"normal(mean={mean:g}, std={std:g}")


def lognormal(
    mu: float, sigma: float, *, low: float | None = None, high: float | None = None
) -> Distribution:
    """Lognormal whose logarithm is normal with mean ``mu`` and std ``sigma``, truncated to
    ``[low, high]`` when given."""
    where = f"lognormal(mu={mu!r}, sigma={sigma!r})"
    mu, sigma = number(mu, where), _positive(sigma, "sigma", where)
    from scipy import stats

    frozen = stats.lognorm(s=sigma, scale=math.exp(mu))
    return _truncated(frozen, low, high, f"lognormal(mu={mu:g}, sigma={sigma:g}")


def triangular(low: float, mode: float, high: float) -> Distribution:
    """Triangular on ``[low, high]`` with its peak at ``mode``."""
    where = f"triangular({low!r}, {mode!r}, {high!r})"
    low, high = _pair("triangular", low, high)
    mode = number(mode, where)
    if not low < high or not low <= mode <= high:
        raise ValueError(f"{where}: needs low < high and low <= mode <= high")
    from scipy import stats

    frozen = stats.triang((mode - low) / (high - low), loc=low, scale=high - low)
    return _Scipy(frozen, None, None, f"triangular({low:g}, {mode:g}, {high:g})")


def truncated(dist: Any, *, low: float | None = None, high: float | None = None) -> Distribution:
    """Any frozen ``scipy.stats`` distribution (``scipy.stats.gamma(2, scale=0.5)``),
    truncated to ``[low, high]`` when given; a discrete one (``poisson``) gives ints."""
    if not (hasattr(dist, "ppf") and hasattr(dist, "dist")):
        raise TypeError(
            f"expected a frozen scipy.stats distribution (e.g. scipy.stats.norm(1, 0.1)), got {dist!r}"
        )
    return _truncated(dist, low, high, _scipy_name(dist))


def _truncated(dist: Any, low: float | None, high: float | None, name: str) -> Distribution:
    """``dist`` truncated; ``name`` is its description without the closing parenthesis."""
    where = f"{name})"
    low = None if low is None else number(low, f"{where}: low")
    high = None if high is None else number(high, f"{where}: high")
    if low is not None and high is not None and not low < high:
        raise ValueError(f"{where}: low={low:g} must be below high={high:g}")
    cut = "".join(f", {k}={v:g}" for k, v in (("low", low), ("high", high)) if v is not None)
    return _Scipy(dist, low, high, f"{name}{cut})")


def integer(low: int, high: int) -> Distribution:
    """The integers ``low .. high`` (both included), equally likely."""
    where = f"integer({low!r}, {high!r})"
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{where}: low and high must be whole numbers, got {value!r}")
    if low > high:
        raise ValueError(f"{where}: low={low} > high={high}")
    levels = tuple(range(int(low), int(high) + 1))
    return _Levels(levels, (1.0,) * len(levels), "int", f"integer({low}, {high})")


def boolean(p: float = 0.5) -> Distribution:
    """``True`` with probability ``p`` (for ``u >= 1 - p``), else ``False``."""
    p = number(p, f"boolean(p={p!r})")
    if not 0 <= p <= 1:
        raise ValueError(f"boolean(p={p:g}): p must be in [0, 1]")
    return _Levels((False, True), (1.0 - p, p), "bool", f"boolean(p={p:g})")


def categorical(levels: Sequence[Any] | None = None, weights: Any = None) -> Distribution:
    """One of ``levels`` (names, ints, floats or bools), with ``weights`` (a sequence in the
    order of the levels, or ``{level: weight}``; equal by default). Without ``levels`` it takes
    the levels of the ``choice_param`` it is given to."""
    if levels is None:
        return _Pending(weights)
    if isinstance(levels, str | bytes) or not isinstance(levels, Sequence) or not levels:
        raise TypeError(f"categorical(): levels must be a non-empty sequence, got {levels!r}")
    for level in levels:
        if not isinstance(level, LEVEL_TYPES) or (isinstance(level, float) and not math.isfinite(level)):
            raise TypeError(
                f"categorical(): level {level!r} must be a string, a bool, an int or a finite float"
            )
    if len({(type(level), level) for level in levels}) != len(levels):
        raise ValueError(f"categorical(): levels {list(levels)!r} repeat a level")
    shares = _weights(levels, weights)
    kind = kind_of(levels)
    text = ", ".join(
        shown(level) if weights is None else f"{shown(level)}: {w:g}"
        for level, w in zip(levels, shares, strict=True)
    )
    return _Levels(tuple(levels), shares, kind, f"categorical({text})")


class _Pending(Distribution):
    """``categorical(weights=...)`` waiting for the levels of its ``choice_param``."""

    def __init__(self, weights: Any) -> None:
        self.weights = weights
        self.description = "categorical()" if weights is None else f"categorical(weights={weights!r})"


# -- for a parameter ----------------------------------------------------------------------------------


def as_distribution(spec: Any, p: Parameter, where: str, *, also: str = "") -> Distribution:
    """The distribution of ``spec`` for parameter ``p``: a ``Distribution``, a frozen scipy
    distribution or a ``(low, high)`` pair; its values must suit ``p`` (numbers for a
    declarative change, the levels of a choice). ``also`` names what else the caller takes."""
    if isinstance(spec, _Pending):
        if p.on != "choice":
            raise ValueError(f"{where}: categorical() without levels needs a choice_param; give the levels")
        spec = categorical(list(p.levels), spec.weights)
    elif isinstance(spec, Distribution):
        pass
    elif hasattr(spec, "ppf") and hasattr(spec, "dist"):
        spec = truncated(spec)
    elif isinstance(spec, Sequence) and not isinstance(spec, str | bytes) and len(spec) == 2:
        low, high = (number(v, where) for v in spec)
        if low > high:
            raise ValueError(f"{where}: low={low:g} > high={high:g}; give the range as (low, high)")
        spec = uniform(low, high)
    else:
        raise TypeError(
            f"{where}: expected a frozen scipy.stats distribution (e.g. scipy.stats.norm(1, 0.1)), a "
            f"distribution (runner.normal(1, 0.1), runner.categorical([...]), ...), a (low, high) pair"
            f"{', or ' + also if also else ''}; got {type(spec).__name__} {spec!r}"
        )
    _check_suits(spec, p, where)
    return spec


def _check_suits(dist: Distribution, p: Parameter, where: str) -> None:
    if p.on == "choice":
        for level in dist.levels or ():
            p.check_value(level, where)
        if dist.levels is None:
            raise ValueError(f"{where}: a choice takes its levels (categorical() or boolean()), not {dist!r}")
    elif p.numeric and dist.kind not in ("float", "int"):
        raise ValueError(
            f"{where}: {dist!r} gives {dist.kind} values, but a change of {p.on} needs numbers; "
            "use choice_param() (fragments) or data_param() for non-numeric values"
        )


# -- helpers ------------------------------------------------------------------------------------------


def _pair(what: str, low: Any, high: Any) -> tuple[float, float]:
    where = f"{what}({low!r}, {high!r})"
    low, high = number(low, where), number(high, where)
    if low > high:
        raise ValueError(f"{where}: low={low:g} > high={high:g}; give the range as (low, high)")
    return low, high


def _positive(value: Any, name: str, where: str) -> float:
    value = number(value, where)
    if value <= 0:
        raise ValueError(f"{where}: {name} must be > 0")
    return value


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _scipy_name(dist: Any) -> str:
    """``gamma(2, scale=0.5`` (the closing parenthesis follows the truncation)."""
    args = [f"{a:g}" if isinstance(a, float) else repr(a) for a in dist.args]
    args += [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in dist.kwds.items()]
    return f"{dist.dist.name}({', '.join(args)}"


def _weights(levels: Sequence[Any], weights: Any) -> tuple[float, ...]:
    where = f"categorical({list(levels)!r})"
    if weights is None:
        return (1.0,) * len(levels)
    if isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in levels]
        if unknown:
            raise ValueError(f"{where}: weights name {unknown!r}, which are not levels")
        weights = [weights.get(level, 0.0) for level in levels]
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence) or len(weights) != len(levels):
        raise ValueError(f"{where}: weights must give one number per level, got {weights!r}")
    shares = tuple(number(w, f"{where}: weight") for w in weights)
    if min(shares) < 0 or sum(shares) <= 0:
        raise ValueError(f"{where}: weights must be >= 0 with a positive sum, got {list(shares)!r}")
    return shares


def kind_of(levels: Sequence[Any]) -> str:
    """The type of the values: ``bool``, ``int`` or ``float`` when all levels are, else ``categorical``."""
    if all(isinstance(v, bool) for v in levels):
        return "bool"
    if any(isinstance(v, bool | str) for v in levels):
        return "categorical"
    return "int" if all(isinstance(v, int) for v in levels) else "float"
