"""Linearization: non-linear terms as auxiliary variables and linear constraints.

- ``LXLinearizerConfig`` / ``LXLinearizationMethod`` (``config``): the settings.
- ``LXLinearizer`` (``engine``): a model's non-linear terms, per instance, as a linearized
  model (compiled by the linearization pass, ``lumix.passes.linearize``).
- ``LXPiecewiseLinearizer``, ``LXBilinearLinearizer`` (``techniques``): single variables, as
  auxiliary families to add to a model; ``LXNonLinearFunctions`` (``functions``): common
  functions through ``LXPiecewiseLinearizer``.

Every technique is exact except McCormick envelopes (products of two continuous variables),
a relaxation that warns and sets ``solution.relaxation``.
"""

from .config import LXLinearizationMethod, LXLinearizerConfig
from .engine import LXLinearizedModel, LXLinearizer
from .functions import LXNonLinearFunctions
from .techniques import LXBilinearLinearizer, LXPiecewiseLinearizer

__all__ = [
    "LXBilinearLinearizer",
    "LXLinearizationMethod",
    "LXLinearizedModel",
    "LXLinearizer",
    "LXLinearizerConfig",
    "LXNonLinearFunctions",
    "LXPiecewiseLinearizer",
]
