"""Non-linear terms of an ``LXNonLinearExpression`` (LumiX's ``lumix.nonlinear``).

Each term applies to every instance of its variable families (``|x|`` on a family is
``sum(|x[i]|)``); ``lumix.expand`` expands it per instance and the linearization pass
(``lumix.passes.linearize``) replaces it by auxiliary columns and linear rows. The ``kind``
class attribute names the term for the expander, which reads terms by attribute.

Copying: a term's variables, expressions and callables (a piecewise ``func``) are copied
detached, like the terms of ``LXLinearExpression``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..core._copying import copy_context, copy_value

if TYPE_CHECKING:
    from ..core.expressions import LXLinearExpression
    from ..core.variables import LXVariable

__all__ = [
    "LXAbsoluteTerm",
    "LXBilinearTerm",
    "LXIndicatorTerm",
    "LXMinMaxTerm",
    "LXPiecewiseLinearTerm",
    "INDICATOR_SENSES",
]

#: The senses of an indicator's conditional row.
INDICATOR_SENSES = ("<=", ">=", "==")


def _copy_fields(term: Any, memo: dict[Any, Any]) -> Any:
    """A copy of a term dataclass with its variables and callables detached."""
    ctx = copy_context(memo)
    new = object.__new__(type(term))
    memo[id(term)] = new
    label = f"the {term.kind} term on {_variable_names(term)}"
    for f in dataclasses.fields(term):
        value = getattr(term, f.name)
        object.__setattr__(new, f.name, copy_value(value, memo, ctx, f"{f.name} of {label}"))
    return new


def _variable_names(term: Any) -> str:
    variables = [getattr(term, n) for n in ("var", "var1", "var2", "binary_var") if hasattr(term, n)]
    variables += list(getattr(term, "vars", ()))
    return ", ".join(getattr(v, "name", "?") for v in variables)


@dataclasses.dataclass
class LXAbsoluteTerm:
    """``coefficient * |var|``, summed over the instances of ``var``."""

    var: LXVariable
    coefficient: float = 1.0
    kind: ClassVar[str] = "abs"

    __deepcopy__ = _copy_fields


@dataclasses.dataclass
class LXMinMaxTerm:
    """``min`` or ``max`` of ``coefficients[i] * vars[i]``, per instance of the families."""

    vars: list[LXVariable]
    operation: Literal["min", "max"]
    coefficients: list[float]
    kind: ClassVar[str] = "minmax"

    __deepcopy__ = _copy_fields


@dataclasses.dataclass
class LXBilinearTerm:
    """``coefficient * var1 * var2``, per instance of the families."""

    var1: LXVariable
    var2: LXVariable
    coefficient: float = 1.0
    kind: ClassVar[str] = "product"

    __deepcopy__ = _copy_fields


@dataclasses.dataclass
class LXIndicatorTerm:
    """If ``binary_var == condition`` then ``linear_expr (sense) rhs``: rows only, no value.

    Raises:
        ValueError: ``sense`` is not ``"<="``, ``">="`` or ``"=="``.
    """

    binary_var: LXVariable
    condition: bool
    linear_expr: LXLinearExpression
    sense: Literal["<=", ">=", "=="] = "<="
    rhs: float = 0.0
    kind: ClassVar[str] = "indicator"

    __deepcopy__ = _copy_fields

    def __post_init__(self) -> None:
        if self.sense not in INDICATOR_SENSES:
            raise ValueError(f"LXIndicatorTerm: sense must be '<=', '>=' or '==', not {self.sense!r}")


@dataclasses.dataclass
class LXPiecewiseLinearTerm:
    """``func(var)``, interpolated linearly between breakpoints, per instance of ``var``.

    ``None`` settings come from ``LXLinearizerConfig`` (``pwl_num_segments``,
    ``adaptive_breakpoints``, ``pwl_method``); the domain ``[x_min, x_max]`` defaults to the
    variable's bounds and constrains it. ``breakpoints`` replace ``num_segments``,
    ``adaptive``, ``x_min`` and ``x_max``.
    """

    var: LXVariable
    func: Callable[[float], float]
    num_segments: int | None = None
    x_min: float | None = None
    x_max: float | None = None
    adaptive: bool | None = None
    method: Literal["sos2", "incremental", "logarithmic"] | None = None
    breakpoints: Sequence[float] | None = None
    kind: ClassVar[str] = "piecewise"

    __deepcopy__ = _copy_fields
