"""``LXLinearizer``: a model with non-linear terms as a model a linear solver takes.

The linearized model is a shallow copy of the user's (the same variable and constraint
families and objective) that carries its linearization: compiling it runs the linearization
pass (``lumix.passes.linearize``), which builds the auxiliary columns and rows. Its auxiliary
families are declared too, as LumiX's are (``aux_prod_x_y_1_z``, one scalar constraint per
auxiliary row), so that ``len(model.variables)`` and lookups by name agree; the pass, not the
expander, builds them. The solution holds their values like any family's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..core.constraints import LXConstraint
from ..core.model import LXModel
from ..core.nonlinear import LXNonLinearExpression, LXQuadraticExpression
from ..core.variables import LXVariable
from ..expand import expand_model
from .config import LXLinearizerConfig

if TYPE_CHECKING:
    from ..expand import ColumnBlock, RowBlock
    from ..passes.linearize import LinearizationReport

__all__ = ["LXLinearizer", "LXLinearizedModel"]

STATISTICS = ("bilinear", "piecewise", "absolute", "minmax", "indicator")


def _same(key: Any) -> Any:
    return key


class _AuxiliaryVariable(LXVariable):
    """An auxiliary family, declared; the linearization pass builds its columns."""

    _pass_made: ClassVar[bool] = True


class _AuxiliaryConstraint(LXConstraint):
    """An auxiliary row, declared; the linearization pass builds it."""

    _pass_made: ClassVar[bool] = True


def _declared_variable(block: ColumnBlock, kind: str) -> LXVariable:
    """An auxiliary family as LumiX declares it: one bound range for all its instances."""
    var: LXVariable = _AuxiliaryVariable(block.name)
    {"binary": var.binary, "integer": var.integer, "continuous": var.continuous}[kind]()
    if kind != "binary":
        lo, up = float(np.min(block.lower)), float(np.max(block.upper))
        var.bounds(lower=lo if np.isfinite(lo) else None, upper=up if np.isfinite(up) else None)
    if not block.scalar:
        var.from_data(list(block.keys)).indexed_by(_same)
    return var


def _declared_rows(blocks: list[RowBlock]) -> list[LXConstraint]:
    """One scalar constraint per auxiliary row of a term, named ``{tag}_{role}[{key}]``, in
    LumiX's order: item after item, each with all its rows."""
    found: list[LXConstraint] = []
    names = [block.names for block in blocks]
    for i in range(len(blocks[0].keys) if blocks else 0):
        for block, block_names in zip(blocks, names, strict=True):
            row: LXConstraint = _AuxiliaryConstraint(block_names[i])
            {"<=": row.le, ">=": row.ge, "==": row.eq}[block.sense]()
            found.append(row.rhs(block.rhs[i]))
    return found


class LXLinearizedModel(LXModel):
    """What ``LXLinearizer.linearize_model()`` returns: the user's families and objective,
    the auxiliary families declared, and the linearization its compiles apply
    (``linearization``, a ``lumix.passes.linearize.LinearizationSettings``).
    ``relaxation_terms`` lists the products linearized with McCormick envelopes."""

    _STATE_KEYS = (*LXModel._STATE_KEYS, "linearization", "relaxation_terms")  # type: ignore[assignment]

    linearization: Any = None
    relaxation_terms: list[str]


class LXLinearizer:
    """Linearizes a model's non-linear terms (and, for a solver without quadratic objectives,
    its quadratic objective) with auxiliary variables and linear constraints.

    Example::

        linearizer = LXLinearizer(model, ORTOOLS_CAPABILITIES, LXLinearizerConfig())
        if linearizer.needs_linearization():
            model = linearizer.linearize_model()
    """

    def __init__(
        self, model: LXModel, solver_capability: Any, config: LXLinearizerConfig | None = None
    ) -> None:
        self.model = model
        self.capability = solver_capability
        self.config = config or LXLinearizerConfig()
        self.auxiliary_vars: list[LXVariable] = []
        self.auxiliary_constraints: list[LXConstraint] = []
        self.relaxation_terms: list[str] = []
        self._counts = dict.fromkeys(STATISTICS, 0)

    def needs_linearization(self) -> bool:
        """True when the objective or a constraint has non-linear terms, or the objective is
        quadratic and the solver cannot take it."""
        objective = self.model.objective_expr
        if isinstance(objective, LXNonLinearExpression) and objective.nonlinear_terms:
            return True
        if (
            isinstance(objective, LXQuadraticExpression)
            and objective.quadratic_terms
            and not self.capability.can_solve_quadratic()
        ):
            return True
        return any(
            isinstance(c.lhs, LXNonLinearExpression) and c.lhs.nonlinear_terms for c in self.model.constraints
        )

    def linearize_model(self) -> LXModel:
        """A new model ``f"{name}_linearized"`` whose compile is linear; the user's model is
        not changed. Expands the model once (its callables run) to name and count the
        auxiliary families.

        Raises:
            ValueError: a technique lacks the bounds it needs (see ``lumix.passes.linearize``).
        """
        from ..passes.linearize import LinearizationSettings, linearize

        settings = LinearizationSettings(self.config, not self.capability.can_solve_quadratic())
        _, report = linearize(expand_model(self.model, self.config), settings)
        self._record(report)
        linearized = LXLinearizedModel.__new__(LXLinearizedModel)
        linearized.__dict__.update(self.model.__dict__)
        linearized.name = f"{self.model.name}_linearized"
        linearized.variables = [v for v in self.model.variables if not getattr(v, "_pass_made", False)]
        linearized.variables += self.auxiliary_vars
        linearized.constraints = [c for c in self.model.constraints if not getattr(c, "_pass_made", False)]
        linearized.constraints += self.auxiliary_constraints
        linearized.linearization = settings._replace(warn=False)  # warned about once, here
        linearized.relaxation_terms = list(self.relaxation_terms)
        return linearized

    def _record(self, report: LinearizationReport) -> None:
        self.auxiliary_vars = [_declared_variable(block, kind) for block, kind in report.columns]
        self.auxiliary_constraints = [row for blocks in report.rows for row in _declared_rows(blocks)]
        self.relaxation_terms = list(report.relaxation_terms)
        self._counts = dict(report.counts)

    def get_statistics(self) -> dict[str, int]:
        """Items linearized per kind (indicators per term) and the auxiliary families and rows."""
        return {
            "bilinear_terms": self._counts["bilinear"],
            "piecewise_terms": self._counts["piecewise"],
            "absolute_terms": self._counts["absolute"],
            "minmax_terms": self._counts["minmax"],
            "indicator_terms": self._counts["indicator"],
            "auxiliary_variables": len(self.auxiliary_vars),
            "auxiliary_constraints": len(self.auxiliary_constraints),
        }
