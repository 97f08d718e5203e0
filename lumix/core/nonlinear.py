"""Expressions beyond linear: ``LXNonLinearExpression`` and the quadratic objective.

``LXNonLinearExpression`` holds a linear part and non-linear terms (``lumix.nonlinear``):
absolute values, min / max, products, indicators and piecewise-linear functions. A term on
a family applies to every instance. Compiling such a model needs a linearization
(``LXOptimizer().enable_linearization()`` or ``LXLinearizer(...).linearize_model()``).

``LXQuadraticExpression`` is for objectives only: Gurobi and CPLEX solve it as it is; with a
linearization its products become linear rows.

Copying: both are ``Detachable`` (explicit state keys, detached deep copies, pickling of
lambdas); their terms copy their callables detached.
"""

from __future__ import annotations

import copy
import inspect
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from ..errors import ModelError
from ..nonlinear.terms import (
    INDICATOR_SENSES,
    LXAbsoluteTerm,
    LXBilinearTerm,
    LXIndicatorTerm,
    LXMinMaxTerm,
    LXPiecewiseLinearTerm,
)
from ._copying import Detachable, copy_context, copy_value
from .expressions import LXLinearExpression
from .variables import LXVariable

__all__ = ["LXNonLinearExpression", "LXQuadraticExpression", "LXQuadraticTerm"]

QuadraticCoefficient = float | Callable[..., float]


def _require_variable(value: Any, method: str) -> None:
    """Non-linear terms act on variables; an expression must be named by a variable first."""
    if not isinstance(value, LXVariable):
        raise TypeError(
            f"{method}() takes an LXVariable, got {type(value).__name__}. To apply it to an "
            "expression, add a variable equal to the expression (a constraint "
            "'d - expression == 0') and pass that variable"
        )


def _require_linear(value: Any, method: str) -> None:
    if not isinstance(value, LXLinearExpression):
        raise TypeError(f"{method}() takes an LXLinearExpression, got {type(value).__name__}")


@dataclass(eq=False)
class LXNonLinearExpression(Detachable):
    """``linear_terms + nonlinear_terms + constant``; built with ``add_*``, no arithmetic.

    Each non-linear term applies to every instance of its variable families and the results
    are summed (``add_abs(x)`` on a family is ``sum(|x[i]|)``); in an indexed constraint a row
    that is an instance of a term's family takes only its own instance's value.
    """

    linear_terms: LXLinearExpression = field(default_factory=LXLinearExpression)
    nonlinear_terms: list[Any] = field(default_factory=list)
    constant: float = 0.0

    _STATE_KEYS = ("linear_terms", "nonlinear_terms", "constant")

    def add_linear(self, expr: LXLinearExpression) -> Self:
        """Add linear terms: ``linear_terms = linear_terms + expr``."""
        _require_linear(expr, "add_linear")
        self.linear_terms = self.linear_terms + expr
        return self

    def add_abs(self, var: LXVariable, coeff: float = 1.0) -> Self:
        """Add ``coeff * |var|``."""
        _require_variable(var, "add_abs")
        self.nonlinear_terms.append(LXAbsoluteTerm(var, coeff))
        return self

    def add_min(self, *vars: LXVariable, coefficients: list[float] | None = None) -> Self:
        """Add ``min(coefficients[i] * vars[i])`` (coefficients default to 1)."""
        return self._add_minmax("min", vars, coefficients)

    def add_max(self, *vars: LXVariable, coefficients: list[float] | None = None) -> Self:
        """Add ``max(coefficients[i] * vars[i])`` (coefficients default to 1)."""
        return self._add_minmax("max", vars, coefficients)

    def _add_minmax(
        self, op: Literal["min", "max"], variables: Sequence[LXVariable], coefficients: list[float] | None
    ) -> Self:
        for var in variables:
            _require_variable(var, f"add_{op}")
        coeffs = coefficients or [1.0] * len(variables)
        self.nonlinear_terms.append(LXMinMaxTerm(list(variables), op, list(coeffs)))
        return self

    def add_product(self, var1: LXVariable, var2: LXVariable, coeff: float = 1.0) -> Self:
        """Add ``coeff * var1 * var2`` (exact unless both are continuous: McCormick)."""
        _require_variable(var1, "add_product")
        _require_variable(var2, "add_product")
        self.nonlinear_terms.append(LXBilinearTerm(var1, var2, coeff))
        return self

    def add_indicator(
        self,
        binary_var: LXVariable,
        condition: bool,
        linear_expr: LXLinearExpression,
        sense: Literal["<=", ">=", "=="] = "<=",
        rhs: float = 0.0,
    ) -> Self:
        """Add the row ``linear_expr (sense) rhs`` that holds when ``binary_var == condition``.

        The term adds rows only, nothing to the expression's value.

        Raises:
            ValueError: ``sense`` is not ``"<="``, ``">="`` or ``"=="``.
        """
        _require_variable(binary_var, "add_indicator")
        if sense not in INDICATOR_SENSES:
            raise ValueError(f"add_indicator: sense must be '<=', '>=' or '==', not {sense!r}")
        _require_linear(linear_expr, "add_indicator")
        self.nonlinear_terms.append(LXIndicatorTerm(binary_var, condition, linear_expr, sense, float(rhs)))
        return self

    def add_piecewise(
        self,
        var: LXVariable,
        func: Callable[[float], float],
        num_segments: int | None = None,
        x_min: float | None = None,
        x_max: float | None = None,
        adaptive: bool | None = None,
        method: Literal["sos2", "incremental", "logarithmic"] | None = None,
        breakpoints: Sequence[float] | None = None,
    ) -> Self:
        """Add ``func(var)``, linear between breakpoints; ``None`` settings come from
        ``LXLinearizerConfig``. The domain (``[x_min, x_max]``, else the variable's bounds, or
        the first and last breakpoint) constrains ``var``."""
        _require_variable(var, "add_piecewise")
        if not callable(func):
            raise TypeError(f"add_piecewise({var.name}): func must be callable, got {type(func).__name__}")
        points = None if breakpoints is None else list(breakpoints)
        self.nonlinear_terms.append(
            LXPiecewiseLinearTerm(var, func, num_segments, x_min, x_max, adaptive, method, points)
        )
        return self

    def add_nonlinear_term(self, term: Any) -> Self:
        """Add a term built by hand (``LXAbsoluteTerm(x)``, ...)."""
        self.nonlinear_terms.append(term)
        return self

    def add_nonlinear_terms(self, terms: list[Any]) -> Self:
        self.nonlinear_terms.extend(terms)
        return self


@dataclass(frozen=True)
class _ScaledCoefficient:
    """``factor * func(...)``: a callable coefficient of a scaled quadratic expression; its
    signature is ``func``'s, so the expander passes the same arguments."""

    func: Callable[..., float]
    factor: float

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.func)

    def __call__(self, *args: Any) -> float:
        return self.factor * self.func(*args)

    def __deepcopy__(self, memo: dict[Any, Any]) -> _ScaledCoefficient:
        func = copy_value(self.func, memo, copy_context(memo), "quadratic coefficient")
        return _ScaledCoefficient(func, self.factor)


def _scaled(coefficient: QuadraticCoefficient, factor: float) -> QuadraticCoefficient:
    if callable(coefficient):
        return _ScaledCoefficient(coefficient, factor)
    return float(coefficient) * factor


@dataclass
class LXQuadraticTerm:
    """``coefficient * var1[i] * var2[j]`` over every pair of instances, or, ``diagonal``,
    ``coefficient * var1[i] ** 2`` per instance.

    ``coefficient`` is a number or ``callable(instance1, instance2)`` (``callable(instance)``
    for a diagonal term); on multi-indexed families a callable taking one argument per part
    gets the parts.
    """

    var1: LXVariable
    var2: LXVariable
    coefficient: QuadraticCoefficient = 1.0
    diagonal: bool = False

    def __post_init__(self) -> None:
        _require_variable(self.var1, "LXQuadraticTerm")
        _require_variable(self.var2, "LXQuadraticTerm")
        if not callable(self.coefficient) and not isinstance(self.coefficient, numbers.Real):
            raise TypeError(
                f"LXQuadraticTerm({self.var1.name}, {self.var2.name}): the coefficient must be a "
                f"number or a callable, got {type(self.coefficient).__name__}"
            )

    def __deepcopy__(self, memo: dict[Any, Any]) -> LXQuadraticTerm:
        ctx = copy_context(memo)
        new = object.__new__(LXQuadraticTerm)
        memo[id(self)] = new
        new.var1 = copy.deepcopy(self.var1, memo)
        new.var2 = copy.deepcopy(self.var2, memo)
        role = f"quadratic coefficient of {self.var1.name} x {self.var2.name}"
        new.coefficient = copy_value(self.coefficient, memo, ctx, role)
        new.diagonal = self.diagonal
        return new

    def is_squared_term(self) -> bool:
        """True when both factors are the same family (``x * x``)."""
        return self.var1.name == self.var2.name


@dataclass(eq=False)
class LXQuadraticExpression(Detachable):
    """``linear_terms + sum(quadratic_terms) + constant``, for objectives only.

    Supports ``+`` and ``-`` with quadratic and linear expressions and numbers, ``*`` and
    unary ``-`` with numbers; each returns a new expression.
    """

    linear_terms: LXLinearExpression = field(default_factory=LXLinearExpression)
    quadratic_terms: list[LXQuadraticTerm] = field(default_factory=list)
    constant: float = 0.0

    _STATE_KEYS = ("linear_terms", "quadratic_terms", "constant")

    def add_quadratic(self, var1: LXVariable, var2: LXVariable, coeff: QuadraticCoefficient = 1.0) -> Self:
        """Add ``sum(coeff(i, j) * var1[i] * var2[j])`` over every pair of instances."""
        self.quadratic_terms.append(LXQuadraticTerm(var1, var2, coeff))
        return self

    def add_squared(self, var: LXVariable, coeff: QuadraticCoefficient = 1.0) -> Self:
        """Add ``sum(coeff(i) * var[i] ** 2)`` (one square per instance)."""
        self.quadratic_terms.append(LXQuadraticTerm(var, var, coeff, diagonal=True))
        return self

    def add_quadratic_term(
        self, var1: LXVariable | LXQuadraticTerm, var2: LXVariable | None = None, coefficient: Any = 1.0
    ) -> Self:
        """Add ``coefficient * var1 * var2``, or an ``LXQuadraticTerm``."""
        if isinstance(var1, LXQuadraticTerm):
            self.quadratic_terms.append(var1)
            return self
        if var2 is None:
            raise ModelError("add_quadratic_term needs two variables or an LXQuadraticTerm")
        return self.add_quadratic(var1, var2, coefficient)

    def __add__(self, other: Any) -> LXQuadraticExpression:
        result = LXQuadraticExpression(self.linear_terms.copy(), list(self.quadratic_terms), self.constant)
        if isinstance(other, LXQuadraticExpression):
            result.linear_terms += other.linear_terms
            result.quadratic_terms.extend(other.quadratic_terms)
            result.constant += other.constant
        elif isinstance(other, LXLinearExpression):
            result.linear_terms += other
        elif isinstance(other, numbers.Real):
            result.constant += float(other)
        else:
            return NotImplemented
        return result

    __radd__ = __add__

    def __mul__(self, scalar: Any) -> LXQuadraticExpression:
        if not isinstance(scalar, numbers.Real):
            return NotImplemented
        s = float(scalar)
        terms = [
            LXQuadraticTerm(t.var1, t.var2, _scaled(t.coefficient, s), t.diagonal)
            for t in self.quadratic_terms
        ]
        return LXQuadraticExpression(self.linear_terms * s, terms, self.constant * s)

    __rmul__ = __mul__

    def __neg__(self) -> LXQuadraticExpression:
        return self * -1.0

    def __sub__(self, other: Any) -> LXQuadraticExpression:
        if isinstance(other, numbers.Real | LXLinearExpression | LXQuadraticExpression):
            return self + (-other)
        return NotImplemented

    def __rsub__(self, other: Any) -> LXQuadraticExpression:
        return (-self) + other
