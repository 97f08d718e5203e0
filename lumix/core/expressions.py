"""``LXLinearExpression``: linear terms over variable families, with data-driven coefficients."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from ._copying import Detachable

if TYPE_CHECKING:
    from .variables import LXVariable

__all__ = ["LXLinearExpression", "LXTerm", "LXMultiTerm"]

TModel = TypeVar("TModel")

Coefficient = float | Callable[..., float]


def _copy_term(term: Any, memo: dict[Any, Any]) -> Any:
    from ._copying import copy_context, copy_value

    ctx = copy_context(memo)
    name = term.var.name
    return replace(
        term,
        var=copy.deepcopy(term.var, memo),
        coeff=copy_value(term.coeff, memo, ctx, f"coefficient of {name}"),
        where=copy_value(term.where, memo, ctx, f"where filter of {name}"),
    )


@dataclass(frozen=True)
class LXTerm:
    """``scale * coeff * var[instance]`` for the instances that pass ``where``.

    ``coeff`` / ``where`` take ``(instance)`` or ``(instance, row)``: with two arguments they
    receive the constraint row's instance too. A one-argument term inside a constraint family
    whose rows are instances of the variable's own data type contributes only the row's own
    column (matched by index key).
    """

    var: LXVariable
    coeff: Coefficient = 1.0
    where: Callable[..., bool] | None = None
    scale: float = 1.0

    __deepcopy__ = _copy_term


@dataclass(frozen=True)
class LXMultiTerm:
    """``scale * coeff(*parts) * var[instance]`` over all instances (not row-dependent).

    For multi-indexed families ``coeff`` and ``where`` receive one argument per dimension.
    """

    var: LXVariable
    coeff: Coefficient = 1.0
    where: Callable[..., bool] | None = None
    scale: float = 1.0

    __deepcopy__ = _copy_term


def _check_var(var: Any, method: str) -> None:
    # A variable family is what has a var_type (variables build expressions, so this module
    # does not import them).
    if not hasattr(var, "var_type") or not hasattr(var, "name"):
        raise TypeError(f"{method}() takes an LXVariable, got {type(var).__name__}")


def _check_coeff(coeff: Any, method: str, var: LXVariable) -> None:
    if not callable(coeff) and not isinstance(coeff, numbers.Real):
        raise TypeError(
            f"{method}({var.name}): the coefficient must be a number or a callable, "
            f"got {type(coeff).__name__}"
        )


class LXLinearExpression(Detachable, Generic[TModel]):
    """A sum of terms plus a constant; supports ``+ - *`` with numbers and ``sum([...])``."""

    _STATE_KEYS = ("terms", "multi_terms", "constant")

    def __init__(self) -> None:
        self.terms: list[LXTerm] = []
        self.multi_terms: list[LXMultiTerm] = []
        self.constant: float = 0.0

    def __repr__(self) -> str:
        names = [t.var.name for t in self.terms] + [t.var.name for t in self.multi_terms]
        return f"LXLinearExpression(vars={names}, constant={self.constant})"

    # -- builders ---------------------------------------------------------------------------
    def add_term(
        self,
        var: LXVariable,
        coeff: Coefficient = 1.0,
        where: Callable[..., bool] | None = None,
    ) -> Self:
        """Add ``coeff * var``; ``coeff`` is a number, ``f(inst)`` or ``f(inst, row)``."""
        _check_var(var, "add_term")
        _check_coeff(coeff, "add_term", var)
        self.terms.append(LXTerm(var, coeff, where))
        return self

    def add_multi_term(
        self,
        var: LXVariable,
        coeff: Coefficient = 1.0,
        where: Callable[..., bool] | None = None,
    ) -> Self:
        """Add ``coeff(*parts) * var`` for every instance (one argument per dimension)."""
        _check_var(var, "add_multi_term")
        _check_coeff(coeff, "add_multi_term", var)
        self.multi_terms.append(LXMultiTerm(var, coeff, where))
        return self

    def sum_over(self, var: LXVariable, where: Callable[..., bool] | None = None) -> Self:
        """Add the sum of all of the family's columns (those passing ``where``)."""
        return self.add_multi_term(var, 1.0, where)

    def add_constant(self, value: float) -> Self:
        self.constant += float(value)
        return self

    def copy(self) -> LXLinearExpression:
        new: LXLinearExpression[Any] = LXLinearExpression()
        new.terms = list(self.terms)
        new.multi_terms = list(self.multi_terms)
        new.constant = self.constant
        return new

    # -- arithmetic -------------------------------------------------------------------------
    def __iadd__(self, other: Any) -> Self:
        if isinstance(other, numbers.Real):
            self.constant += float(other)
            return self
        if isinstance(other, LXLinearExpression):
            self.terms.extend(other.terms)
            self.multi_terms.extend(other.multi_terms)
            self.constant += other.constant
            return self
        return NotImplemented

    def __add__(self, other: Any) -> LXLinearExpression:
        if not isinstance(other, numbers.Real | LXLinearExpression):
            return NotImplemented
        result = self.copy()
        result += other
        return result

    def __radd__(self, other: Any) -> LXLinearExpression:
        return self + other

    def __imul__(self, scalar: Any) -> Self:
        if not isinstance(scalar, numbers.Real):
            return NotImplemented
        s = float(scalar)
        self.terms = [replace(t, scale=t.scale * s) for t in self.terms]
        self.multi_terms = [replace(t, scale=t.scale * s) for t in self.multi_terms]
        self.constant *= s
        return self

    def __mul__(self, scalar: Any) -> LXLinearExpression:
        if not isinstance(scalar, numbers.Real):
            return NotImplemented
        result = self.copy()
        result *= scalar
        return result

    __rmul__ = __mul__

    def __neg__(self) -> LXLinearExpression:
        return self * -1.0

    def __sub__(self, other: Any) -> LXLinearExpression:
        if isinstance(other, numbers.Real):
            return self + (-float(other))
        if isinstance(other, LXLinearExpression):
            return self + other * -1.0
        return NotImplemented

    def __rsub__(self, other: Any) -> LXLinearExpression:
        return self * -1.0 + other
