"""Linearization techniques.

The user-facing linearizers of single variables, ``LXBilinearLinearizer`` and
``LXPiecewiseLinearizer``, build model families; the private modules (``_absminmax``,
``_products``, ``_pwl``, ``_indicator``) formulate a term for many items at once in numbers
only, for them and for the linearization pass (``lumix.passes.linearize``).
"""

from .bilinear import LXBilinearLinearizer
from .piecewise import LXPiecewiseLinearizer

__all__ = ["LXBilinearLinearizer", "LXPiecewiseLinearizer"]
