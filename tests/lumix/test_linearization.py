"""Non-linear terms and their linearization (``lumix.linearization``, ``lumix.passes.linearize``).

Every technique is solved and checked against an independent answer: a brute-force
enumeration of the integer points, the same model written by hand as a linear model, or
``numpy.interp`` of the same breakpoints. Names, counts and optima marked "LumiX 0.3.2" were
printed by the same script run on lumix-opt 0.3.2 (the reference venv).
"""

from __future__ import annotations

import copy
import itertools
import math
import pickle
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from lumix import (
    LXConstraint,
    LXIndicatorTerm,
    LXLinearExpression,
    LXLinearizationMethod,
    LXLinearizer,
    LXLinearizerConfig,
    LXModel,
    LXNonLinearExpression,
    LXNonLinearFunctions,
    LXOptimizer,
    LXPiecewiseLinearizer,
    LXQuadraticExpression,
    LXQuadraticTerm,
    LXVariable,
    ModelError,
    compile_model,
)
from lumix.linearization import LXBilinearLinearizer
from lumix.nonlinear import LXBilinearTerm
from lumix.scenario import ScenarioSession
from lumix.solvers import GUROBI_CAPABILITIES, ORTOOLS_CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]
CALL = (
    r"call LXOptimizer\(\)\.enable_linearization\(\) or LXLinearizer\(\.\.\.\)\.linearize_model\(\) "
    "before solving"
)


# -- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Row and column data: a constraint over items gives each row its own item's columns."""

    id: int
    target: float = 0.0


def items(*targets):
    return [Item(i + 1, t) for i, t in enumerate(targets)]


def family(name, data, lower=None, upper=None, kind="continuous"):
    """A family over ``Item`` data, keyed by id."""
    v = var(name, lower, upper, kind)
    return v.from_data(data).indexed_by(lambda item: item.id)


def per_item(name, expr, sense, rhs, data):
    c = row(name, expr, sense, rhs)
    return c.from_data(data).indexed_by(lambda item: item.id)


def var(name, lower=None, upper=None, kind="continuous", data=None):
    v = LXVariable(name)
    {"continuous": v.continuous, "integer": v.integer, "binary": v.binary}[kind]()
    if lower is not None or upper is not None:
        v.bounds(lower=lower, upper=upper)
    if data is not None:
        v.from_data(data).indexed_by(lambda k: k)
    return v


def lin(*terms, constant=0.0):
    expr = LXLinearExpression()
    for v, c in terms:
        expr.add_term(v, c)
    return expr.add_constant(constant) if constant else expr


def row(name, expr, sense, rhs):
    c = LXConstraint(name).expression(expr)
    return {"<=": c.le, ">=": c.ge, "==": c.eq}[sense]().rhs(rhs)


def linearized(model, capability=ORTOOLS_CAPABILITIES, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LXLinearizer(model, capability, LXLinearizerConfig(**config)).linearize_model()


def optimum(model):
    solution = LXOptimizer().solve(model)
    assert solution.is_optimal(), solution.status
    return solution


def brute(domains, feasible, objective, maximize):
    """The best objective over the integer points of ``domains`` that are ``feasible``."""
    values = [objective(*p) for p in itertools.product(*domains) if feasible(*p)]
    return max(values) if maximize else min(values)


# -- absolute value -----------------------------------------------------------------------------


def test_abs_convex_minimizes_the_l1_distance():
    # minimize |x1 - 2| + |x2 + 3| with x1 + x2 == 4: by hand, d = x - t split into d+ - d-.
    data = items(2.0, -3.0)
    x, d = family("x", data, -10, 10), family("d", data, -20, 20)
    model = LXModel("l1").add_variables(x, d)
    model.add_constraint(per_item("dev", lin((d, 1.0), (x, -1.0)), "==", lambda i: -i.target, data))
    model.add_constraint(row("sum", LXLinearExpression().sum_over(x), "==", 4.0))
    model.minimize(LXNonLinearExpression().add_abs(d))

    hand_x, pos, neg = family("x", data, -10, 10), family("p", data, 0), family("n", data, 0)
    hand = LXModel("hand").add_variables(hand_x, pos, neg)
    hand.add_constraint(
        per_item("dev", lin((pos, 1.0), (neg, -1.0), (hand_x, -1.0)), "==", lambda i: -i.target, data)
    )
    hand.add_constraint(row("sum", LXLinearExpression().sum_over(hand_x), "==", 4.0))
    hand.minimize(LXLinearExpression().sum_over(pos) + LXLinearExpression().sum_over(neg))

    solution = optimum(linearized(model))
    assert solution.objective_value == pytest.approx(optimum(hand).objective_value)  # 5.0
    assert solution.objective_value == pytest.approx(5.0)
    assert sum(solution.variables["x"].values()) == pytest.approx(4.0)


@pytest.mark.parametrize("slope", [-2.0, -0.5, 0.0, 0.5, 2.0])
def test_abs_where_it_must_be_exact(slope):
    # maximize |x| + slope x over x in [-1, 4] (|x| pushed up: the binaries make it exact); the
    # optimum of a piecewise-linear function lies on the grid's kinks and ends
    x = var("x", -1, 4)
    model = (
        LXModel("m").add_variable(x).maximize(LXNonLinearExpression().add_abs(x).add_linear(lin((x, slope))))
    )
    grid = np.linspace(-1, 4, 501)
    assert optimum(linearized(model)).objective_value == pytest.approx(max(abs(grid) + slope * grid))


@pytest.mark.parametrize("level", [0.5, 2.0, 3.5])
def test_abs_in_an_equality(level):
    # |x| == level with x in [-1, 4]: minimizing and maximizing x find both ends of the solutions
    grid = np.linspace(-1, 4, 501)
    solutions = grid[np.isclose(abs(grid), level)]
    for maximize in (False, True):
        x = var("x", -1, 4)
        model = LXModel("m").add_variable(x)
        model.add_constraint(row("fix", LXNonLinearExpression().add_abs(x), "==", level))
        model.maximize(lin((x, 1.0))) if maximize else model.minimize(lin((x, 1.0)))
        expected = max(solutions) if maximize else min(solutions)
        assert optimum(linearized(model)).objective_value == pytest.approx(expected)


def test_abs_that_must_be_exact_needs_bounds():
    x = var("x", lower=-3)
    model = LXModel("m").add_variable(x).maximize(LXNonLinearExpression().add_abs(x))
    with pytest.raises(ModelError, match=r"\|x\| is used where it must be exact .*finite bounds on 'x'"):
        linearized(model)


# -- min / max ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "maximize", "coefficients"),
    [
        ("min", True, [1.0, 2.0]),
        ("min", False, [1.0, -1.0]),
        ("min", False, [1.0, 1.0]),
        ("max", False, [1.0, 2.0]),
        ("max", True, [2.0, -1.0]),
        ("max", True, [-1.0, 0.5]),
    ],
)
def test_min_max_against_enumeration(op, maximize, coefficients):
    # integer x in [0, 6], y in [-2, 5] with x + y <= 6, x >= 1, y >= -1: optimize op(c0 x, c1 y)
    x, y = var("x", 0, 6, "integer"), var("y", -2, 5, "integer")
    model = LXModel("m").add_variables(x, y)
    model.add_constraint(row("cap", lin((x, 1.0), (y, 1.0)), "<=", 6))
    model.add_constraints(row("x_floor", lin((x, 1.0)), ">=", 1), row("y_floor", lin((y, 1.0)), ">=", -1))
    expr = getattr(LXNonLinearExpression(), f"add_{op}")(x, y, coefficients=coefficients)
    model.maximize(expr) if maximize else model.minimize(expr)
    pick = min if op == "min" else max
    best = brute(
        [range(0, 7), range(-2, 6)],
        lambda a, b: a + b <= 6 and a >= 1 and b >= -1,
        lambda a, b: pick(coefficients[0] * a, coefficients[1] * b),
        maximize,
    )
    lm = linearized(model)
    assert optimum(lm).objective_value == pytest.approx(best)
    canon = lm.to_canonical()
    whole = all(float(c).is_integer() for c in coefficients)
    assert canon.col_integer[canon.column(f"aux_{op}_x_y_1_z")] == whole  # integer auxiliary (value_kind)


def test_min_that_must_be_exact_needs_bounds():
    x, y = var("x", 0, 6), var("y")
    model = LXModel("m").add_variables(x, y).minimize(LXNonLinearExpression().add_min(x, y))
    with pytest.raises(
        ModelError, match=r"min\(\) is used where it must be exact; that needs finite bounds on y"
    ):
        linearized(model)


# -- products -----------------------------------------------------------------------------------


def test_binary_times_binary_against_enumeration():
    # maximize 3 a b + 2 b c - 4 a c - b b + c / 2 (a c pushed down, a b and b c up), every
    # triple of binaries enumerated
    a, b, c = var("a", kind="binary"), var("b", kind="binary"), var("c", kind="binary")
    model = LXModel("m").add_variables(a, b, c)
    expr = (
        LXNonLinearExpression()
        .add_product(a, b, 3.0)
        .add_product(b, c, 2.0)
        .add_product(a, c, -4.0)
        .add_product(b, b, -1.0)  # b * b is b itself: no auxiliary
        .add_linear(lin((c, 0.5)))
    )
    model.maximize(expr)
    best = brute(
        [(0, 1)] * 3,
        lambda p, q, r: True,
        lambda p, q, r: 3 * p * q + 2 * q * r - 4 * p * r - q + 0.5 * r,
        True,
    )
    lm = linearized(model)
    assert optimum(lm).objective_value == pytest.approx(best)
    assert "aux_prod_b_4_z" not in [v.name for v in lm.variables]


def test_binary_times_bounded_and_unbounded_continuous():
    # maximize 5 b y - 3 b - y with y <= 7: b = 1, y = 7 gives 25; a fixed cost on b.
    b, y = var("b", kind="binary"), var("y", 0, 7)
    model = LXModel("m").add_variables(b, y)
    model.maximize(LXNonLinearExpression().add_product(b, y, 5.0).add_linear(lin((b, -3.0), (y, -1.0))))
    best = max(5 * bb * yy - 3 * bb - yy for bb in (0, 1) for yy in (0.0, 7.0))  # linear in y per b
    assert optimum(linearized(model)).objective_value == pytest.approx(best)

    free = var("y", 0, None)  # no upper bound: big_m_value stands in, with a warning
    unbounded = LXModel("m").add_variables(b, free)
    unbounded.add_constraint(row("cap", lin((free, 1.0)), "<=", 7))
    unbounded.maximize(
        LXNonLinearExpression().add_product(b, free, 5.0).add_linear(lin((b, -3.0), (free, -1.0)))
    )
    with pytest.warns(
        UserWarning, match=r"'y' has no finite bounds; its product with binary 'b' uses big_m_value=1000"
    ):
        lm = LXLinearizer(
            unbounded, ORTOOLS_CAPABILITIES, LXLinearizerConfig(big_m_value=1000)
        ).linearize_model()
    assert optimum(lm).objective_value == pytest.approx(best)


@pytest.mark.parametrize("other_kind", ["integer", "continuous"])
def test_integer_products_by_binary_expansion_against_enumeration(other_kind):
    # maximize n m - 3 n - 2 m with n + m <= 7, n in [0, 5] integer, m in [0, 5]
    n, m = var("n", 0, 5, "integer"), var("m", 0, 5, other_kind)
    model = LXModel("m").add_variables(n, m)
    model.add_constraint(row("cap", lin((n, 1.0), (m, 1.0)), "<=", 7))
    model.maximize(LXNonLinearExpression().add_product(n, m).add_linear(lin((n, -3.0), (m, -2.0))))
    # for integer n the objective is linear in m: its optimum is at an integer vertex
    best = brute([range(6), range(6)], lambda a, c: a + c <= 7, lambda a, c: a * c - 3 * a - 2 * c, True)
    lm = linearized(model)
    assert optimum(lm).objective_value == pytest.approx(best)
    names = [v.name for v in lm.variables]
    assert names[2:] == [
        "aux_prod_n_m_1_bit0",
        "aux_prod_n_m_1_bit1",
        "aux_prod_n_m_1_bit2",
        "aux_prod_n_m_1_z",
    ] + [f"aux_prod_n_m_1_bit{k}_z" for k in range(3)]


def test_binary_expansion_limits():
    n, m = var("n", 0, 3000, "integer"), var("m", 0, 5)
    model = LXModel("m").add_variables(n, m).maximize(LXNonLinearExpression().add_product(n, m))
    with pytest.raises(
        ModelError, match=r"n takes 3001 values; its binary expansion needs 12 bits, more than "
    ):
        linearized(model)
    open_n = var("n", 0, None, "integer")
    model = LXModel("m").add_variables(open_n, m).maximize(LXNonLinearExpression().add_product(open_n, m))
    with pytest.raises(
        ModelError, match=r"The product n \* m needs finite bounds on the integer variable 'n'"
    ):
        linearized(model)


def test_mccormick_is_the_envelope_written_by_hand_and_warns_at_the_users_line():
    # maximize x y - x - y with x in [1, 4], y in [2, 6], x + y <= 7
    def build():
        x, y = var("x", 1, 4), var("y", 2, 6)
        model = LXModel("m").add_variables(x, y)
        model.add_constraint(row("cap", lin((x, 1.0), (y, 1.0)), "<=", 7))
        return model, x, y

    model, x, y = build()
    model.maximize(LXNonLinearExpression().add_product(x, y).add_linear(lin((x, -1.0), (y, -1.0))))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        linearizer = LXLinearizer(model, ORTOOLS_CAPABILITIES)
        lm = linearizer.linearize_model()  # the warning names this line
    [warning] = [w for w in caught if "McCormick" in str(w.message)]
    assert warning.filename == __file__
    assert str(warning.message).startswith("The product x * y of two continuous variables is linearized with")
    assert "(add_quadratic(x, y))" in str(warning.message)
    assert linearizer.relaxation_terms == ["x * y"] == lm.relaxation_terms

    hand, hx, hy = build()
    z = var("z", 2, 24)
    hand.add_variable(z)
    xl, xu, yl, yu = 1, 4, 2, 6
    hand.add_constraints(
        row("mc1", lin((z, 1.0), (hy, -xl), (hx, -yl)), ">=", -xl * yl),
        row("mc2", lin((z, 1.0), (hy, -xu), (hx, -yu)), ">=", -xu * yu),
        row("mc3", lin((z, 1.0), (hy, -xl), (hx, -yu)), "<=", -xl * yu),
        row("mc4", lin((z, 1.0), (hy, -xu), (hx, -yl)), "<=", -xu * yl),
    )
    hand.maximize(lin((z, 1.0), (hx, -1.0), (hy, -1.0)))
    solution = optimum(lm)
    assert solution.objective_value == pytest.approx(optimum(hand).objective_value)
    assert solution.relaxation is True
    # a relaxation: at least the true optimum over a fine grid of the feasible box
    grid = [(a, b) for a in np.linspace(1, 4, 61) for b in np.linspace(2, 6, 81) if a + b <= 7 + 1e-9]
    assert solution.objective_value >= max(a * b - a - b for a, b in grid) - 1e-9


def test_mccormick_needs_bounds():
    x, y = var("x", 1, 4), var("y", lower=0)
    model = LXModel("m").add_variables(x, y).maximize(LXNonLinearExpression().add_product(x, y))
    with pytest.raises(
        ModelError,
        match=r"McCormick envelopes require bounds on both variables\. "
        r"Detected: x ∈ \[1\.0, 4\.0\], y ∈ \[0\.0, inf\]",
    ):
        linearized(model)


# -- piecewise ----------------------------------------------------------------------------------


def wiggle(v):
    return math.sin(v) * 3 + 0.2 * (v - 4) ** 2


@pytest.mark.parametrize("method", ["sos2", "incremental", "logarithmic"])
@pytest.mark.parametrize("floor", [0.0, 2.7, 5.3])
def test_piecewise_methods_are_exact_for_the_interpolant(method, floor):
    # minimize f(x) for x >= floor, f non-convex: the interpolant's minimum lies at `floor` or at
    # a breakpoint above it; and at a fixed x, minimizing and maximizing give the interpolant
    # there (a convex combination of breakpoints that are not adjacent would do better)
    points = np.linspace(0, 10, 8)
    values = [wiggle(p) for p in points]

    def build(sense, at):
        x = var("x", 0, 10)
        model = LXModel("m").add_variable(x)
        model.add_constraint(row("at", lin((x, 1.0)), sense, at))
        expr = LXNonLinearExpression().add_piecewise(x, wiggle, num_segments=7, adaptive=False, method=method)
        return model, expr

    model, expr = build(">=", floor)
    model.minimize(expr)
    best = min(np.interp([floor, *points[points >= floor]], points, values))
    assert optimum(linearized(model)).objective_value == pytest.approx(best, abs=1e-7)
    for maximize in (False, True):
        model, expr = build("==", floor + 0.4)
        model.maximize(expr) if maximize else model.minimize(expr)
        expected = np.interp(floor + 0.4, points, values)
        assert optimum(linearized(model)).objective_value == pytest.approx(expected, abs=1e-7)


def test_piecewise_breakpoints_and_per_instance_domains():
    # one term on a family whose instances have their own bounds: each item its own breakpoints
    bounds = {"a": (0.0, 4.0), "b": (2.0, 9.0)}
    x = var("x", data=list(bounds)).bounds(lower=lambda k: bounds[k][0], upper=lambda k: bounds[k][1])
    model = LXModel("m").add_variable(x)
    model.maximize(LXNonLinearExpression().add_piecewise(x, wiggle, num_segments=5, adaptive=False))
    best = 0.0
    for lo, hi in bounds.values():
        points = np.linspace(lo, hi, 6)
        best += max(wiggle(p) for p in points)  # a maximum of an interpolant is at a breakpoint
    assert optimum(linearized(model)).objective_value == pytest.approx(best)

    given = LXModel("m").add_variable(var("y", 0, 10))
    y = given.variables[0]
    given.minimize(LXNonLinearExpression().add_piecewise(y, lambda v: abs(v - 3), breakpoints=[1, 3, 8]))
    with pytest.warns(
        UserWarning, match=r"restricts y to \[1\.0, 8\.0\], narrower than its bounds \[0\.0, 10\.0\]"
    ):
        lm = LXLinearizer(given, ORTOOLS_CAPABILITIES).linearize_model()
    assert optimum(lm).objective_value == pytest.approx(0.0)


def test_piecewise_errors():
    y = var("y", 0, 10)
    cases = [
        ({"breakpoints": [1, 3, 8], "x_min": 0}, r"Give either breakpoints or x_min/x_max for y, not both"),
        ({"breakpoints": [3, 1]}, r"breakpoints for y must contain at least two strictly increasing values"),
        ({"num_segments": 0}, r"num_segments must be an integer >= 1 for y, got 0"),
        ({"method": "spline"}, r"Unknown piecewise-linear method: spline"),
    ]
    for kwargs, message in cases:
        model = LXModel("m").add_variable(y).minimize(LXNonLinearExpression().add_piecewise(y, abs, **kwargs))
        with pytest.raises(ModelError, match=message):
            linearized(model)
    free = var("f", lower=0)
    model = LXModel("m").add_variable(free).minimize(LXNonLinearExpression().add_piecewise(free, abs))
    with pytest.raises(
        ModelError, match=r"Cannot determine domain for piecewise-linear approximation of f\. "
    ):
        linearized(model)
    model = (
        LXModel("m").add_variable(y).minimize(LXNonLinearExpression().add_piecewise(y, lambda v: 1 / (v - 5)))
    )
    with pytest.raises(
        ModelError, match=r"Failed to evaluate function at breakpoints: float division by zero"
    ):
        linearized(model, adaptive_breakpoints=False, pwl_num_segments=10)


def test_ex07_piecewise_linearizer_names_counts_and_breakpoints():
    # examples/07: LumiX 0.3.2 prints aux_pwl_time_1_out, 62 auxiliary variables, 35 constraints;
    # minimizing the exp interpolant at time >= 3.3 gives 27.300746607 there.
    time = var("time", 0, 10, data=["t"])
    linearizer = LXPiecewiseLinearizer(LXLinearizerConfig(pwl_num_segments=30, adaptive_breakpoints=True))
    out = LXNonLinearFunctions.exp(time, linearizer, segments=30)
    assert (out.name, len(linearizer.auxiliary_vars), len(linearizer.auxiliary_constraints)) == (
        "aux_pwl_time_1_out",
        62,
        35,
    )
    model = LXModel("m").add_variables(time, *linearizer.auxiliary_vars)
    model.add_constraints(*linearizer.auxiliary_constraints, row("lo", lin((time, 1.0)), ">=", 3.3))
    model.minimize(lin((out, 1.0)))
    assert optimum(model).objective_value == pytest.approx(27.300746607, abs=1e-8)
    canon = model.to_canonical()
    x_row = canon.matrix[canon.row("aux_pwl_time_1_x")].toarray().ravel()
    breakpoints = -x_row[[canon.column(f"aux_pwl_time_1_lam{i}") for i in range(31)]]
    # LumiX 0.3.2's adaptive breakpoints, denser where exp curves
    assert breakpoints[[1, 5, 15, 29, 30]] == pytest.approx(
        [0.667345833, 3.326461856, 8.247738256, 9.922447923, 10]
    )
    second = LXNonLinearFunctions.sqrt(time, linearizer, segments=4)
    assert second.name == "aux_pwl_time_2_out"


def test_nonlinear_functions_on_their_domains():
    x = var("x", 0, 10)
    linearizer = LXPiecewiseLinearizer(LXLinearizerConfig())
    with pytest.raises(
        ValueError, match=r"Failed to evaluate function at breakpoints: log is undefined at x = 0\.0"
    ):
        LXNonLinearFunctions.log(x, linearizer)
    with pytest.raises(ValueError, match=r"tan has a pole at 1\.5708 inside \[0\.0, 10\.0\]"):
        LXNonLinearFunctions.tan(x, linearizer)
    with pytest.raises(
        ValueError, match=r"approximate_function takes a single variable; 'v' has 2 instances"
    ):
        LXNonLinearFunctions.sqrt(var("v", 0, 1, data=[1, 2]), linearizer)
    out = LXNonLinearFunctions.custom(x, lambda v: v * v, linearizer, segments=4, adaptive=False)
    model = (
        LXModel("m")
        .add_variables(x, *linearizer.auxiliary_vars)
        .add_constraints(*linearizer.auxiliary_constraints)
    )
    model.add_constraint(row("at", lin((x, 1.0)), "==", 3.0))
    model.minimize(lin((out, 1.0)))
    assert optimum(model).objective_value == pytest.approx(
        np.interp(3.0, [0, 2.5, 5, 7.5, 10], [0, 6.25, 25, 56.25, 100])
    )


# -- indicators ---------------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["objective", "constraint"])
@pytest.mark.parametrize(("condition", "sense"), [(True, "<="), (False, "<="), (True, ">="), (True, "==")])
def test_indicator_against_enumeration(condition, sense, place):
    # maximize y + 4 b with b == condition  =>  y (sense) 3, y in [0, 10] integer; the indicator
    # sits in the objective or in a constraint (whose own row, 4 b <= 4, always holds)
    b, y = var("b", kind="binary"), var("y", 0, 10, "integer")
    model = LXModel("m").add_variables(b, y)
    expr = LXNonLinearExpression().add_indicator(b, condition, lin((y, 1.0)), sense=sense, rhs=3)
    if place == "objective":
        model.maximize(expr.add_linear(lin((y, 1.0), (b, 4.0))))
    else:
        model.add_constraint(row("link", expr.add_linear(lin((b, 4.0))), "<=", 4.0))
        model.maximize(lin((y, 1.0), (b, 4.0)))
    holds = {"<=": lambda v: v <= 3, ">=": lambda v: v >= 3, "==": lambda v: v == 3}[sense]
    best = brute(
        [(0, 1), range(11)], lambda bb, v: bb != condition or holds(v), lambda bb, v: v + 4 * bb, True
    )
    assert optimum(linearized(model)).objective_value == pytest.approx(best)


def test_indicator_row_is_lumix_big_m_row():
    # LumiX 0.3.2: b => y <= 3 with y in [0, 10] is the row y + 7 b <= 10
    b, y = var("b", kind="binary"), var("y", 0, 10)
    model = LXModel("m").add_variables(b, y)
    model.maximize(
        LXNonLinearExpression().add_linear(lin((y, 1.0))).add_indicator(b, True, lin((y, 1.0)), rhs=3)
    )
    canon = linearized(model).to_canonical()
    i = canon.row("aux_ind_b_1_le")
    assert canon.matrix[i].toarray().ravel().tolist() == [7.0, 1.0]
    assert canon.row_upper[i] == 10.0


def test_indicator_needs_a_single_binary():
    y = var("y", 0, 10)
    model = LXModel("m").add_variables(y, var("i", 0, 1, "integer"))
    model.maximize(LXNonLinearExpression().add_indicator(model.variables[1], True, lin((y, 1.0))))
    with pytest.raises(ModelError, match=r"An indicator needs a binary variable; 'i' is integer"):
        linearized(model)
    with pytest.raises(ValueError, match=r"sense must be '<=', '>=' or '==', not '<'"):
        LXIndicatorTerm(y, True, lin((y, 1.0)), "<")


# -- per-instance rules -------------------------------------------------------------------------


def test_indexed_rows_take_their_own_item():
    # |x[k]| <= 2 + s per k: each row holds its own |x[k]| only
    data = items(0, 0, 0)
    x, s = family("x", data, -5, 5), var("s", 0, 10)
    model = LXModel("m").add_variables(x, s)
    model.add_constraint(
        per_item("cap", LXNonLinearExpression().add_abs(x).add_linear(lin((s, -1.0))), "<=", 2.0, data)
    )
    model.add_constraint(row("spread", lin((x, 1.0)), ">=", 7.0))  # x[1] + x[2] + x[3] >= 7
    model.minimize(lin((s, 1.0)))
    canon = linearized(model).to_canonical()
    for k in (1, 2, 3):
        used = {canon.col_names[j] for j in canon.matrix[canon.row(f"cap[{k}]")].indices}
        assert used == {f"aux_abs_x_1_z[{k}]", "s"}
    assert optimum(linearized(model)).objective_value == pytest.approx(7 / 3 - 2)  # x = 7/3 each


def test_rows_of_the_data_type_outside_a_family_take_nothing(caplog):
    # x exists for items 1 and 2 only; the row of item 3 has no |x| of its own and takes none
    data = items(0, 0, 0)
    x, s = family("x", data[:2], -5, 5), var("s", 0, 10)
    model = LXModel("m").add_variables(x, s)
    model.add_constraint(
        per_item("cap", LXNonLinearExpression().add_abs(x).add_linear(lin((s, -1.0))), "<=", 2.0, data)
    )
    with caplog.at_level("WARNING", logger="lumix.expand"):
        canon = linearized(model).to_canonical()
    used = {canon.col_names[j] for j in canon.matrix[canon.row("cap[3]")].indices}
    assert used == {"s"}
    assert (
        "Rows of constraint 'cap' are of the same type as variable 'x' but not among the instances"
        in caplog.text
    )


def test_a_term_on_families_with_different_keys():
    x, y = var("x", 0, 1, data=[1, 2]), var("y", 0, 1, data=[1, 3])
    model = LXModel("m").add_variables(x, y).maximize(LXNonLinearExpression().add_product(x, y))
    with pytest.raises(
        ModelError, match=r"The objective: a nonlinear term combines variable families with different "
    ):
        linearized(model)


MIXED_VARIABLES = (
    "x d n b s g t aux_prod_b_x_2_z aux_max_x_3_z aux_max_x_3_pick0 "
    + " ".join(f"aux_pwl_t_4_seg{i}" for i in range(6))
    + " "
    + " ".join(f"aux_pwl_t_4_delta{i}" for i in range(6))
    + " aux_pwl_t_4_out aux_prod_g_s_5_z aux_abs_d_6_z aux_prod_n_x_7_bit0 aux_prod_n_x_7_bit1 "
    "aux_prod_n_x_7_bit2 aux_prod_n_x_7_z aux_prod_n_x_7_bit0_z aux_prod_n_x_7_bit1_z aux_prod_n_x_7_bit2_z "
    "aux_min_x_d_8_z"
).split()


def mixed_model():
    """Every technique on indexed and single variables (the script run on LumiX 0.3.2)."""
    data = items(2.0, -3.0, 4.5)
    x, d = family("x", data, -10, 10), family("d", data, -20, 20)
    n, b = family("n", data, 0, 5, "integer"), family("b", data, kind="binary")
    s, g, t = var("s", 0, 8), var("g", kind="binary"), var("t", 0, 4)
    m = LXModel("mixed").add_variables(x, d, n, b, s, g, t)
    m.add_constraint(per_item("dev", lin((d, 1.0), (x, -1.0)), "==", lambda i: -i.target, data))
    m.add_constraint(
        per_item("close", LXNonLinearExpression().add_abs(d).add_linear(lin((s, -1.0))), "<=", 1.0, data)
    )
    m.add_constraint(row("prod_total", LXNonLinearExpression().add_product(n, x), ">=", 3.0))
    m.add_constraint(row("min_x", LXNonLinearExpression().add_min(x, d, coefficients=[1.0, 0.5]), ">=", -2.0))
    m.add_constraint(row("cap_n", LXLinearExpression().sum_over(n), "<=", 6))
    objective = (
        LXNonLinearExpression()
        .add_linear(lin((s, -2.0), (n, 0.3)))
        .add_product(b, x, coeff=1.5)
        .add_max(x, coefficients=[-1.0])
        .add_piecewise(t, lambda v: math.sin(v) * 3 + v, num_segments=6, method="incremental")
        .add_indicator(g, True, lin((t, 1.0)), sense="<=", rhs=1.5)
        .add_product(g, s, coeff=0.5)
    )
    return m.maximize(objective)


def test_mixed_model_names_counts_and_optimum_are_lumix_0_3_2s():
    model = mixed_model()
    linearizer = LXLinearizer(model, ORTOOLS_CAPABILITIES, LXLinearizerConfig())
    lm = linearizer.linearize_model()
    assert linearizer.get_statistics() == {
        "bilinear_terms": 7,
        "piecewise_terms": 1,
        "absolute_terms": 3,
        "minmax_terms": 6,
        "indicator_terms": 1,
        "auxiliary_variables": 26,
        "auxiliary_constraints": 89,
    }
    assert [v.name for v in lm.variables] == MIXED_VARIABLES
    rows = [c.name for c in lm.constraints]
    assert rows[:7] == [
        "dev",
        "close",
        "prod_total",
        "min_x",
        "cap_n",
        "aux_ind_g_1_le",
        "aux_prod_b_x_2_ub[1]",
    ]
    assert rows[7:10] == ["aux_prod_b_x_2_lb[1]", "aux_prod_b_x_2_ub_y[1]", "aux_prod_b_x_2_lb_y[1]"]
    assert rows[-2:] == ["aux_min_x_d_8_bound0[3]", "aux_min_x_d_8_bound1[3]"] and len(rows) == 5 + 89
    assert lm.name == "mixed_linearized" and model.name == "mixed" and len(model.variables) == 7
    solution = optimum(lm)
    assert solution.objective_value == pytest.approx(15.713054, abs=1e-6)
    assert solution.variables["x"] == pytest.approx({1: 7.5, 2: -7.5, 3: 10.0})
    assert solution.variables["n"] == pytest.approx({1: 4.0, 2: 2.0, 3: 0.0})
    assert (solution.variables["s"], solution.variables["t"]) == pytest.approx((4.5, 1.5))
    assert not solution.relaxation
    # compiling with a linearization gives the same arrays as the linearized model
    direct, via_model = compile_model(model, linearization=LXLinearizerConfig()), lm.to_canonical()
    assert (direct.col_names, direct.row_names) == (via_model.col_names, via_model.row_names)
    assert (direct.matrix != via_model.matrix).nnz == 0 and direct.n_rows == 3 + 3 + 3 + 89
    assert np.array_equal(direct.objective, via_model.objective)


# -- ex06 and the model the linearizer returns ---------------------------------------------------


def rectangle():
    """examples/06_mccormick_bilinear/rectangle_area.py: maximize length * width."""
    length = var("length", 2.0, 10.0, data=["dim"])
    width = var("width", 2.0, 10.0, data=["dim"])
    model = LXModel("rectangle_area").add_variables(length, width)
    model.add_constraint(row("min_perimeter", lin((length, 2.0), (width, 2.0)), ">=", 20.0))
    return model.maximize(LXNonLinearExpression().add_product(length, width)), length, width


def test_ex06_rectangle_area_as_lumix_prints_it():
    # LumiX 0.3.2: needs linearization True; statistics below; area 100.0 at length = width = 10
    model, length, width = rectangle()
    config = LXLinearizerConfig(mccormick_tighten_bounds=True, verbose_logging=True)  # defaults: no warning
    linearizer = LXLinearizer(model, ORTOOLS_CAPABILITIES, config)
    assert ORTOOLS_CAPABILITIES.needs_linearization_for_bilinear() and linearizer.needs_linearization()
    with pytest.warns(
        UserWarning, match=r"The product length\[dim\] \* width\[dim\] of two continuous variables"
    ):
        lm = linearizer.linearize_model()
    stats = linearizer.get_statistics()
    assert (stats["bilinear_terms"], stats["auxiliary_variables"], stats["auxiliary_constraints"]) == (
        1,
        1,
        4,
    )
    assert [v.name for v in lm.variables] == ["length", "width", "aux_prod_length_width_1_z"]
    assert [c.name for c in lm.constraints] == ["min_perimeter"] + [
        f"aux_prod_length_width_1_mc{i}" for i in range(1, 5)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solution = LXOptimizer().use_solver("ortools").solve(lm)
    assert not [w for w in caught if "McCormick" in str(w.message)]  # warned about once, above
    assert solution.objective_value == pytest.approx(100.0)
    assert solution.get_mapped(length)["dim"] * solution.get_mapped(width)["dim"] == pytest.approx(100.0)
    assert solution.variables["aux_prod_length_width_1_z"] == pytest.approx(100.0)
    assert solution.relaxation is True


def test_needs_linearization():
    model, length, width = rectangle()
    assert LXLinearizer(model, ORTOOLS_CAPABILITIES).needs_linearization()
    quadratic = LXModel("q").add_variables(length, width)
    quadratic.maximize(LXQuadraticExpression().add_quadratic(length, width))
    assert LXLinearizer(quadratic, ORTOOLS_CAPABILITIES).needs_linearization()
    assert not LXLinearizer(quadratic, GUROBI_CAPABILITIES).needs_linearization()
    plain = LXModel("p").add_variables(length, width).maximize(lin((length, 1.0)))
    plain.add_constraint(row("c", LXNonLinearExpression().add_linear(lin((width, 1.0))), "<=", 3))
    assert not LXLinearizer(plain, ORTOOLS_CAPABILITIES).needs_linearization()
    stats = LXLinearizer(plain, ORTOOLS_CAPABILITIES).get_statistics()
    assert set(stats.values()) == {0}


def test_a_model_with_nonlinear_terms_needs_a_linearization():
    model, length, width = rectangle()
    with pytest.raises(ValueError, match=rf"^The objective has nonlinear terms; {CALL}$"):
        model.to_canonical()
    model.add_constraint(row("c1", LXNonLinearExpression().add_abs(length), "<=", 9))
    with pytest.raises(ModelError, match=rf"^Constraint 'c1' has nonlinear terms; {CALL}$"):
        LXOptimizer().solve(model)
    indicator = LXModel("i").add_variables(length, var("b", kind="binary"))
    indicator.maximize(
        LXNonLinearExpression().add_indicator(indicator.variables[1], True, lin((length, 1.0)))
    )
    with pytest.raises(
        ModelError, match=rf"^The objective has indicator terms, which are constraints; {CALL}$"
    ):
        indicator.to_canonical()
    with pytest.raises(
        ModelError, match=r"^Constraint 'q' is quadratic; quadratic expressions are supported only"
    ):
        LXConstraint("q").expression(LXQuadraticExpression().add_squared(length))
    with pytest.raises(
        TypeError, match=r"add_abs\(\) takes an LXVariable, got LXLinearExpression\. To apply it"
    ):
        LXNonLinearExpression().add_abs(lin((length, 1.0)))


# -- quadratic objectives -----------------------------------------------------------------------


def test_quadratic_objective_is_kept_for_the_solver_and_refused_by_ortools():
    x = var("x", 0, 4, data=[1, 2])
    model = LXModel("q").add_variable(x)
    quad = LXQuadraticExpression().add_quadratic(x, x, lambda a, b: a * b) + lin((x, 1.0)) + 2.0
    quad = quad - LXQuadraticExpression().add_squared(x, lambda a: 1.0)  # cancels x[1]^2
    model.minimize(quad)
    canon = model.to_canonical()
    first, second, coeffs = canon.objective_quadratic
    # pairs (i, j) with i <= j, summed: x1 x1: 1 - 1 = 0 (dropped), x1 x2: 2 + 2, x2 x2: 4 - 1
    assert (first.tolist(), second.tolist(), coeffs.tolist()) == ([0, 1], [1, 1], [4.0, 3.0])
    assert canon.objective.tolist() == [1.0, 1.0] and canon.objective_constant == 2.0
    with pytest.raises(
        ValueError, match=r"^OR-Tools has no quadratic objective; call enable_linearization\(\)"
    ):
        LXOptimizer().solve(model)
    with pytest.raises(ModelError, match=r"Constraint 'c' is quadratic"):
        model.add_constraint(LXConstraint("c").expression(quad))


def test_quadratic_objective_with_linearization_becomes_exact_products():
    # maximize 2 n1 n2 - n1^2 - 3 n2 with integer n in [0, 4], n1 + n2 <= 5: enumerated
    n = var("n", 0, 4, "integer", data=[1, 2])
    model = LXModel("q").add_variable(n)
    model.add_constraint(row("cap", LXLinearExpression().sum_over(n), "<=", 5))
    quad = LXQuadraticExpression().add_quadratic_term(
        LXQuadraticTerm(n, n, lambda a, b: 1.0 if a != b else 0.0)
    )
    model.maximize(
        quad + (-1) * LXQuadraticExpression().add_squared(n, lambda a: 1.0 if a == 1 else 0.0) - lin((n, 3.0))
    )
    best = brute(
        [range(5), range(5)], lambda a, b: a + b <= 5, lambda a, b: 2 * a * b - a * a - 3 * a - 3 * b, True
    )
    lm = linearized(model)
    assert [v.name for v in lm.variables][1:3] == ["aux_prod_n_1_bit0", "aux_prod_n_1_bit1"]
    assert lm.to_canonical().objective_quadratic is None
    assert optimum(lm).objective_value == pytest.approx(best)
    # a solver that takes quadratic objectives keeps them
    kept = LXLinearizer(model, GUROBI_CAPABILITIES).linearize_model()
    assert kept.to_canonical().objective_quadratic is not None and len(kept.variables) == 1


# -- configuration ------------------------------------------------------------------------------


def test_config_checks_and_deprecations():
    with pytest.raises(ValueError, match=r"^pwl_num_segments must be an integer >= 1, got 0$"):
        LXLinearizerConfig(pwl_num_segments=0)
    with pytest.warns(DeprecationWarning, match=r"^LXLinearizerConfig\.prefer_sos2 has no effect") as caught:
        LXLinearizerConfig(prefer_sos2=False)
    assert caught[0].filename == __file__
    assert LXLinearizationMethod("mccormick") is LXLinearizationMethod.MCCORMICK
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LXLinearizerConfig(pwl_num_segments=30, adaptive_breakpoints=True, prefer_sos2=True)


def test_bilinear_linearizer_of_single_variables():
    b, y = var("b", kind="binary"), var("y", 0, 6)
    linearizer = LXBilinearLinearizer(LXLinearizerConfig())
    z = linearizer.linearize_bilinear(LXBilinearTerm(b, y))
    assert z.name == "aux_prod_b_y_1_z" and len(linearizer.auxiliary_constraints) == 4
    model = (
        LXModel("m")
        .add_variables(b, y, *linearizer.auxiliary_vars)
        .add_constraints(*linearizer.auxiliary_constraints)
    )
    model.maximize(lin((z, 2.0), (b, -5.0), (y, -1.0)))
    assert optimum(model).objective_value == pytest.approx(max(2 * 6 - 5 - 6, 0.0))


# -- copies, pickles and scenarios --------------------------------------------------------------


def budget_model():
    """maximize sum_k f(x[k]) with a concave piecewise f (a lambda) and sum x <= budget."""
    keys = ["p", "q"]
    x = var("x", 0, 10, data=keys)
    model = LXModel("budget").add_variable(x)
    model.add_constraint(row("budget", LXLinearExpression().sum_over(x), "<=", 8.0))
    weight = {"p": 1.0, "q": 2.0}
    model.maximize(
        LXNonLinearExpression()
        .add_piecewise(x, lambda v: math.sqrt(v), num_segments=10, adaptive=False)
        .add_linear(LXLinearExpression().add_term(x, lambda k: -0.05 * weight[k]))
    )
    return model


def test_copies_and_pickles_of_a_linearized_model_solve_the_same():
    lm = linearized(budget_model())
    expected = optimum(lm).objective_value
    assert optimum(copy.deepcopy(lm)).objective_value == pytest.approx(expected)
    restored = pickle.loads(pickle.dumps(lm))
    assert type(restored).__name__ == "LXLinearizedModel" and restored.linearization is not None
    assert optimum(restored).objective_value == pytest.approx(expected)
    assert [v.name for v in restored.variables] == [v.name for v in lm.variables]


def test_orm_backed_linearized_model_copies_detached(sqlite_session):
    # three products from the database share a budget of 10 units of x in [0, 9]; the value of
    # each is profit(windows) * sqrt(x), interpolated on 6 segments, with the windows row read
    # in the function's closure. The interpolant is concave, so the optimum takes segments by
    # decreasing slope until the budget is spent.
    from tests.conftest import SAProduct

    windows = sqlite_session.get(SAProduct, 2)
    x = LXVariable[SAProduct, float]("x").continuous().bounds(lower=0, upper=9)
    x.from_model(SAProduct, session=sqlite_session).indexed_by(lambda p: p.id)
    model = LXModel("orm").add_variable(x)
    model.add_constraint(row("budget", LXLinearExpression().sum_over(x), "<=", 10.0))
    value = lambda v: windows.profit * math.sqrt(v)  # noqa: E731
    model.maximize(LXNonLinearExpression().add_piecewise(x, value, num_segments=6, adaptive=False))
    lm = linearized(model)
    points = np.linspace(0, 9, 7)
    slopes = sorted((np.diff([value(p) for p in points]) / 1.5).tolist() * 3, reverse=True)
    budget, greedy = 10.0, 0.0
    for slope in slopes:
        step = min(1.5, budget)
        greedy, budget = greedy + slope * step, budget - step
    expected = optimum(lm).objective_value
    assert expected == pytest.approx(greedy)
    copied, pickled = copy.deepcopy(lm), pickle.dumps(lm)
    sqlite_session.close()
    assert optimum(copied).objective_value == pytest.approx(expected)
    assert optimum(pickle.loads(pickled)).objective_value == pytest.approx(expected)


def test_pickled_linearized_model_solves_in_a_fresh_interpreter(tmp_path):
    lm = linearized(budget_model())
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(lm))
    script = (
        "import pickle, sys\nfrom lumix import LXOptimizer\n"
        "model = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "print(repr(LXOptimizer().solve(model).objective_value))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert float(done.stdout) == pytest.approx(optimum(lm).objective_value)


def test_linearized_model_in_a_scenario_session():
    lm = linearized(budget_model())
    canon = lm.to_canonical()
    session = ScenarioSession(canon, lm)
    changed = session.solve([("constraint", "budget", "rhs_set", 5.0, None)])
    fresh_model = budget_model()
    fresh_model.get_constraint("budget").rhs_value = 5.0
    fresh = optimum(linearized(fresh_model)).objective_value
    assert changed.method == "incremental"
    assert changed.objective_value == pytest.approx(fresh)

    def smaller_budget(model):
        model.get_constraint("budget").rhs_value = 5.0

    by_callable = session.solve(functions=[smaller_budget])
    assert by_callable.method == "incremental"
    assert by_callable.objective_value == pytest.approx(fresh)
    assert session.solve().objective_value == pytest.approx(optimum(lm).objective_value)
