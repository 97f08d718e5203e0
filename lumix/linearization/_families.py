"""Auxiliary families as model declarations, for the standalone linearizers
(``LXPiecewiseLinearizer``, ``LXBilinearLinearizer``): each technique's columns become scalar
``LXVariable`` families and its rows scalar ``LXConstraint`` s, for the caller to add to a
model (LumiX's ``auxiliary_vars`` / ``auxiliary_constraints``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.constraints import LXConstraint
from ..core.expressions import LXLinearExpression
from ..core.variables import LXVariable
from ..errors import ModelError
from ..expand import variable_columns
from ._formulation import Kind, Ref
from ._warn import warn_user

__all__ = ["AuxiliaryFamilies"]


class AuxiliaryFamilies:
    """The auxiliary families of one standalone linearizer (a ``Sink`` of one item).

    ``variables`` and ``constraints`` accumulate across calls; tags are numbered per
    linearizer (``aux_pwl_x_1``, then ``aux_pwl_x_2``)."""

    def __init__(self) -> None:
        self.variables: list[LXVariable] = []
        self.constraints: list[LXConstraint] = []
        self._terms = 0
        self._handles: list[LXVariable] = []
        self._by_id: dict[int, int] = {}

    def tag(self, kind: str, names: list[str]) -> str:
        self._terms += 1
        return f"aux_{kind}_{'_'.join(names)}_{self._terms}"

    def _handle(self, var: LXVariable) -> np.ndarray:
        handle = self._by_id.get(id(var))
        if handle is None:
            handle = self._by_id[id(var)] = len(self._handles)
            self._handles.append(var)
        return np.array([handle], dtype=np.int64)

    def input(self, var: LXVariable, what: str) -> Ref:
        """A single variable (a scalar or a family with one instance) as an input.

        Raises:
            ModelError (a ``ValueError``): ``var`` has another number of instances.
        """
        block = variable_columns(var)
        if len(block.keys) != 1:
            raise ModelError(
                f"{what} takes a single variable; '{var.name}' has {len(block.keys)} instances. "
                "LXNonLinearExpression terms apply to every instance of a family"
            )
        kind: Kind = "binary" if block.binary else "integer" if block.integer else "continuous"
        label = block.names[0]
        return Ref(self._handle(var), block.lower, block.upper, kind, var.name, lambda i: label)

    def variable(self, ref: Ref) -> LXVariable:
        """The family behind an output."""
        return self._handles[int(ref.cols[0])]

    # -- Sink -------------------------------------------------------------------------------
    def column(
        self, name: str, kind: Kind, lower: np.ndarray, upper: np.ndarray
    ) -> tuple[np.ndarray, Callable[[int], str]]:
        var: LXVariable = LXVariable(name)
        if kind == "binary":
            var.binary()
        else:
            lo, up = float(lower[0]), float(upper[0])
            var = var.integer() if kind == "integer" else var.continuous()
            var.bounds(lower=lo if np.isfinite(lo) else None, upper=up if np.isfinite(up) else None)
        self.variables.append(var)
        return self._handle(var), lambda i: name

    def row(self, name: str, sense: str, cols: np.ndarray, vals: np.ndarray, rhs: np.ndarray) -> None:
        expr: LXLinearExpression = LXLinearExpression()
        for handle, coeff in zip(cols[0].tolist(), vals[0].tolist(), strict=True):
            if coeff:
                expr.add_term(self._handles[handle], coeff)
        constraint: LXConstraint = LXConstraint(name).expression(expr)
        {"<=": constraint.le, ">=": constraint.ge, "==": constraint.eq}[sense]()
        self.constraints.append(constraint.rhs(float(rhs[0])))

    def warn(self, key: tuple[str, ...], message: str) -> None:
        warn_user(message)
