"""``LXBilinearLinearizer``: the product of two single variables, as auxiliary families."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._families import AuxiliaryFamilies
from .._formulation import Formulation
from ._products import product

if TYPE_CHECKING:
    from ...core.constraints import LXConstraint
    from ...core.variables import LXVariable
    from ...nonlinear.terms import LXBilinearTerm
    from ..config import LXLinearizerConfig

__all__ = ["LXBilinearLinearizer"]


class LXBilinearLinearizer:
    """Products of two single variables: exact when a factor is binary or integer, McCormick
    envelopes (a relaxation, listed in ``relaxation_terms``) for two continuous ones.

    Each call adds its auxiliary families to ``auxiliary_vars`` and ``auxiliary_constraints``
    (add them to the model)."""

    def __init__(self, config: LXLinearizerConfig) -> None:
        self.config = config
        self._aux = AuxiliaryFamilies()
        self.auxiliary_vars: list[LXVariable] = self._aux.variables
        self.auxiliary_constraints: list[LXConstraint] = self._aux.constraints
        self.relaxation_terms: list[str] = []

    def linearize_bilinear(self, term: LXBilinearTerm) -> LXVariable:
        """The family holding ``term.var1 * term.var2`` (the coefficient is not applied).

        Raises:
            ValueError: a factor is not a single variable, or lacks the bounds its case needs.
        """
        x = self._aux.input(term.var1, "linearize_bilinear")
        y = self._aux.input(term.var2, "linearize_bilinear")
        f = Formulation(self._aux, self._aux.tag("prod", [term.var1.name, term.var2.name]), 1)
        return self._aux.variable(product(f, x, y, self.config, self.relaxation_terms))
