"""``LXRationalConverter``: floats as fractions with a bounded denominator.

Three searches for the fraction ``p/q`` (``q <= max_denominator``) nearest a float:

- ``"farey"``: mediants between ``floor(x)`` and ``ceil(x)`` (``0/1`` and ``1/1`` below 1)
  until the next denominator would pass the maximum; stops early on a mediant equal to ``x``
  within the tolerance, else returns the closer of the two bounds (the lower one on a tie).
- ``"continued_fraction"``: the last convergent whose denominator is within the maximum.
- ``"stern_brocot"``: the same mediant walk, returning the closest mediant seen.

A value within the tolerance of an integer is that integer over 1. The sign is applied last.
The CP-SAT backend uses only ``max_denominator`` (with ``Fraction.limit_denominator``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Literal, TypeVar, overload

__all__ = ["LXRationalConverter", "RationalMethod"]

RationalMethod = Literal["farey", "continued_fraction", "stern_brocot"]
_METHODS: tuple[RationalMethod, ...] = ("farey", "continued_fraction", "stern_brocot")
K = TypeVar("K")


class LXRationalConverter:
    """Converts floats to ``Fraction``s with denominators up to ``max_denominator``."""

    def __init__(
        self,
        max_denominator: int = 10000,
        method: RationalMethod = "farey",
        float_tolerance: float = 1e-9,
    ) -> None:
        self.max_denominator = max_denominator
        self.method = method
        self.float_tolerance = float_tolerance

    @overload
    def to_rational(self, value: float, return_error: Literal[False] = False) -> Fraction: ...

    @overload
    def to_rational(self, value: float, return_error: Literal[True]) -> tuple[Fraction, float]: ...

    def to_rational(self, value: float, return_error: bool = False) -> Fraction | tuple[Fraction, float]:
        """The fraction nearest ``value`` by ``method``; with ``return_error`` also
        ``|fraction - value|``. Raises ``ValueError`` for an unknown method."""
        search = self._searches().get(self.method)
        if search is None:
            raise ValueError(f"Unknown method: {self.method}")
        nearest = round(value)
        if self._close(value, float(nearest)):
            numerator, denominator = int(nearest), 1
        else:
            numerator, denominator = search(abs(value))
            numerator = numerator if value >= 0 else -numerator
        fraction = Fraction(numerator, denominator)
        return (fraction, abs(numerator / denominator - value)) if return_error else fraction

    def convert_coefficients(self, coefficients: Mapping[K, float]) -> tuple[dict[K, int], int]:
        """Integer coefficients over one common denominator (the LCM of the fractions')."""
        fractions = {k: self.to_rational(v) for k, v in coefficients.items()}
        common = math.lcm(*(f.denominator for f in fractions.values())) if fractions else 1
        return {k: f.numerator * (common // f.denominator) for k, f in fractions.items()}, common

    def compare_methods(self, value: float) -> dict[str, tuple[Fraction, float, float]]:
        """``{method: (fraction, error, seconds)}`` for each of the three methods."""
        results: dict[str, tuple[Fraction, float, float]] = {}
        for method in _METHODS:
            converter = LXRationalConverter(self.max_denominator, method, self.float_tolerance)
            start = time.perf_counter()
            fraction, error = converter.to_rational(value, return_error=True)
            results[method] = (fraction, error, time.perf_counter() - start)
        return results

    # -- searches on |x| (not within the tolerance of an integer) ---------------------------
    def _searches(self) -> dict[str, Callable[[float], tuple[int, int]]]:
        return {
            "farey": self._farey,
            "continued_fraction": self._continued_fraction,
            "stern_brocot": self._stern_brocot,
        }

    def _close(self, a: float, b: float, absolute_only: bool = False) -> bool:
        tol = self.float_tolerance
        return math.isclose(a, b, rel_tol=0.0 if absolute_only else tol, abs_tol=tol * 1e-3)

    @staticmethod
    def _start(x: float) -> tuple[int, int, int, int]:
        whole = math.floor(x)
        return (0, 1, 1, 1) if whole == 0 else (whole, 1, whole + 1, 1)

    def _farey(self, x: float) -> tuple[int, int]:
        ln, ld, un, ud = self._start(x)
        while ld + ud <= self.max_denominator:
            mn, md = ln + un, ld + ud
            if self._close(mn / md, x):
                return mn, md
            if mn / md < x:
                ln, ld = mn, md
            else:
                un, ud = mn, md
        return (ln, ld) if abs(ln / ld - x) <= abs(un / ud - x) else (un, ud)

    def _stern_brocot(self, x: float) -> tuple[int, int]:
        ln, ld, un, ud = self._start(x)
        best = min(((ln, ld), (un, ud)), key=lambda f: abs(f[0] / f[1] - x))
        while ld + ud <= self.max_denominator:
            mn, md = ln + un, ld + ud
            if abs(mn / md - x) < abs(best[0] / best[1] - x):
                best = (mn, md)
            if self._close(mn / md, x):
                return mn, md
            if mn / md < x:
                ln, ld = mn, md
            else:
                un, ud = mn, md
        return best

    def _continued_fraction(self, x: float) -> tuple[int, int]:
        whole = math.floor(x)
        rest = x - whole
        if self._close(rest, 0.0, absolute_only=True):
            return whole, 1
        # convergents p/q of the fractional part, seeded with 0/1 and 1/0
        p_prev, q_prev, p, q = 0, 1, 1, 0
        while True:
            a = math.floor(rest)
            p_next, q_next = a * p + p_prev, a * q + q_prev
            if q_next > self.max_denominator:
                return whole * q + p, q
            if self._close(rest, float(a)):
                return whole * q_next + p_next, q_next
            p_prev, q_prev, p, q = p, q, p_next, q_next
            rest = 1.0 / (rest - a)
