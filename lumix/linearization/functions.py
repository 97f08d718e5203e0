"""``LXNonLinearFunctions``: piecewise-linear approximations of common functions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..expand import variable_columns

if TYPE_CHECKING:
    from ..core.variables import LXVariable
    from .techniques.piecewise import LXPiecewiseLinearizer

__all__ = ["LXNonLinearFunctions"]


def _log(base: float) -> Callable[[float], float]:
    def log(x: float) -> float:
        if x <= 0:
            raise ValueError(f"log is undefined at x = {x}; restrict the variable to x > 0")
        return math.log(x, base)

    return log


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError(f"sqrt is undefined at x = {x}; restrict the variable to x >= 0")
    return math.sqrt(x)


def _power(exponent: float) -> Callable[[float], float]:
    def power(x: float) -> float:
        if x < 0 and not float(exponent).is_integer():
            raise ValueError(f"x**{exponent} is not real for x = {x} < 0; restrict the variable to x >= 0")
        return float(x**exponent)

    return power


def _sigmoid(x: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # exp(-x) overflows for very negative x
        return 0.0


class LXNonLinearFunctions:
    """Approximations of common functions of one variable, each through
    ``linearizer.approximate_function`` (``segments=None`` takes the config's
    ``pwl_num_segments``; adaptive breakpoints follow the config). A function undefined on
    part of the variable's domain raises ``ValueError`` ("Failed to evaluate ...")."""

    @staticmethod
    def exp(var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None) -> LXVariable:
        """``e ** var``."""
        return linearizer.approximate_function(math.exp, var, num_segments=segments)

    @staticmethod
    def log(
        var: LXVariable, linearizer: LXPiecewiseLinearizer, base: float = math.e, segments: int | None = None
    ) -> LXVariable:
        """``log_base(var)``, for ``var > 0``."""
        return linearizer.approximate_function(_log(base), var, num_segments=segments)

    @staticmethod
    def sqrt(var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None) -> LXVariable:
        """``sqrt(var)``, for ``var >= 0``."""
        return linearizer.approximate_function(_sqrt, var, num_segments=segments)

    @staticmethod
    def power(
        var: LXVariable, exponent: float, linearizer: LXPiecewiseLinearizer, segments: int | None = None
    ) -> LXVariable:
        """``var ** exponent`` (``var >= 0`` for a fractional exponent)."""
        return linearizer.approximate_function(_power(exponent), var, num_segments=segments)

    @staticmethod
    def sigmoid(
        var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None
    ) -> LXVariable:
        """``1 / (1 + e ** -var)``."""
        return linearizer.approximate_function(_sigmoid, var, num_segments=segments)

    @staticmethod
    def sin(var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None) -> LXVariable:
        return linearizer.approximate_function(math.sin, var, num_segments=segments)

    @staticmethod
    def cos(var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None) -> LXVariable:
        return linearizer.approximate_function(math.cos, var, num_segments=segments)

    @staticmethod
    def tan(var: LXVariable, linearizer: LXPiecewiseLinearizer, segments: int | None = None) -> LXVariable:
        """``tan(var)``.

        Raises:
            ValueError: a pole ``pi/2 + k pi`` lies within the variable's bounds.
        """
        block = variable_columns(var)
        if len(block.keys) == 1 and math.isfinite(block.lower[0]) and math.isfinite(block.upper[0]):
            lo, hi = float(block.lower[0]), float(block.upper[0])
            pole = math.pi / 2 + math.ceil((lo - math.pi / 2) / math.pi) * math.pi
            if pole <= hi:
                raise ValueError(
                    f"tan has a pole at {pole:.6g} inside [{lo}, {hi}]; restrict the variable to avoid "
                    "pi/2 + k*pi"
                )
        return linearizer.approximate_function(math.tan, var, num_segments=segments)

    @staticmethod
    def custom(
        var: LXVariable,
        func: Callable[[float], float],
        linearizer: LXPiecewiseLinearizer,
        segments: int | None = None,
        adaptive: bool | None = None,
    ) -> LXVariable:
        """``func(var)``."""
        return linearizer.approximate_function(func, var, num_segments=segments, adaptive=adaptive)
