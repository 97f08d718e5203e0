"""Non-linear terms (LumiX's ``lumix.nonlinear``): absolute values, min / max, products,
indicators and piecewise-linear functions, used through ``LXNonLinearExpression``."""

from .terms import (
    LXAbsoluteTerm,
    LXBilinearTerm,
    LXIndicatorTerm,
    LXMinMaxTerm,
    LXPiecewiseLinearTerm,
)

__all__ = [
    "LXAbsoluteTerm",
    "LXBilinearTerm",
    "LXIndicatorTerm",
    "LXMinMaxTerm",
    "LXPiecewiseLinearTerm",
]
