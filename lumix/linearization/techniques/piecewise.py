"""``LXPiecewiseLinearizer``: a piecewise-linear approximation of a function of one variable,
as auxiliary families to add to a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from ...expand import piecewise_table
from .._families import AuxiliaryFamilies
from .._formulation import Formulation
from .._warn import warn_user
from ._pwl import piecewise

if TYPE_CHECKING:
    from ...core.constraints import LXConstraint
    from ...core.variables import LXVariable
    from ..config import LXLinearizerConfig

__all__ = ["LXPiecewiseLinearizer"]


class LXPiecewiseLinearizer:
    """Piecewise-linear approximations of functions of single variables.

    Each call adds its auxiliary families to ``auxiliary_vars`` and ``auxiliary_constraints``
    (they accumulate; add them to the model); tags are numbered per linearizer
    (``aux_pwl_x_1``, ``aux_pwl_x_2``). Terms of an ``LXNonLinearExpression`` are linearized
    per instance by ``LXLinearizer`` instead.
    """

    def __init__(self, config: LXLinearizerConfig) -> None:
        self.config = config
        self._aux = AuxiliaryFamilies()
        self.auxiliary_vars: list[LXVariable] = self._aux.variables
        self.auxiliary_constraints: list[LXConstraint] = self._aux.constraints

    def approximate_function(
        self,
        func: Callable[[float], float],
        var: LXVariable,
        num_segments: int | None = None,
        x_min: float | None = None,
        x_max: float | None = None,
        method: Literal["sos2", "incremental", "logarithmic"] | None = None,
        adaptive: bool | None = None,
        *,
        breakpoints: Sequence[float] | None = None,
    ) -> LXVariable:
        """The output family ``y = func(var)`` (``aux_pwl_{var}_{n}_out``); ``None`` settings
        come from the config, the domain from the variable's bounds, and the domain
        constrains ``var`` (a ``UserWarning`` when it is narrower than the bounds).

        Raises:
            ValueError: ``var`` is not a single variable; the domain is unknown; bad
                breakpoints; ``func`` raises or is not finite at a breakpoint; an unknown method.
        """
        x = self._aux.input(var, "approximate_function")
        points, values, note = piecewise_table(
            func, float(x.lower[0]), float(x.upper[0]), self.config, name=var.name, num_segments=num_segments,
            x_min=x_min, x_max=x_max, adaptive=adaptive, breakpoints=breakpoints,
        )  # fmt: skip
        if note:
            warn_user(note)
        f = Formulation(self._aux, self._aux.tag("pwl", [var.name]), 1)
        out = piecewise(f, x, np.array([points]), np.array([values]), method or self.config.pwl_method)
        return self._aux.variable(out)
