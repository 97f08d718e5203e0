"""Property tests: random small LPs and MIPs give what OR-Tools gives when written directly.

Every variable is bounded, so no problem is unbounded; mixed senses make some infeasible, and
then both sides must say so.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable, ORToolsSolver
from lumix.solvers import solve_canonical
from tests.conftest import matrix_model

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DIRECT_STATUS = {
    pywraplp.Solver.OPTIMAL: "optimal",
    pywraplp.Solver.FEASIBLE: "feasible",
    pywraplp.Solver.INFEASIBLE: "infeasible",
    pywraplp.Solver.UNBOUNDED: "unbounded",
}


@st.composite
def problems(draw, integer: bool):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 5))
    coef = st.integers(-5, 5)
    A = [[draw(coef) for _ in range(n)] for _ in range(m)]
    b = [draw(st.integers(-5, 20)) for _ in range(m)]
    senses = [draw(st.sampled_from(["<=", "<=", ">=", "=="])) for _ in range(m)]
    c = [draw(coef) for _ in range(n)]
    lower = [draw(st.integers(-3, 2)) for _ in range(n)]
    upper = [lo + draw(st.integers(0, 8)) for lo in lower]
    is_int = [integer and draw(st.booleans()) for _ in range(n)] if integer else [False] * n
    if integer and not any(is_int):
        is_int[0] = True
    return dict(
        A=A, b=b, senses=senses, c=c, lower=lower, upper=upper, is_int=is_int, maximize=draw(st.booleans())
    )


def direct(p) -> tuple[str, float | None]:
    """The problem written directly with pywraplp (GLOP for LPs, SCIP for MIPs)."""
    mip = any(p["is_int"])
    solver = pywraplp.Solver.CreateSolver("SCIP" if mip else "GLOP")
    xs = [
        (solver.IntVar if integer else solver.NumVar)(lo, up, f"x{j}")
        for j, (lo, up, integer) in enumerate(zip(p["lower"], p["upper"], p["is_int"], strict=True))
    ]
    for row, rhs, sense in zip(p["A"], p["b"], p["senses"], strict=True):
        lhs = sum(a * x for a, x in zip(row, xs, strict=True))
        solver.Add(lhs <= rhs if sense == "<=" else lhs >= rhs if sense == ">=" else lhs == rhs)
    objective = sum(cj * x for cj, x in zip(p["c"], xs, strict=True))
    solver.Maximize(objective) if p["maximize"] else solver.Minimize(objective)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    status = DIRECT_STATUS.get(solver.Solve(params), "other")
    return status, (solver.Objective().Value() if status == "optimal" else None)


def lumix_indexed(p) -> LXModel:
    """The problem as families over data: columns ``x[j]``, rows ``le/ge/eq[i]``."""
    model = matrix_model(
        p["A"], p["b"], p["c"], p["lower"], p["upper"], senses=p["senses"], maximize=p["maximize"]
    )
    x = model.get_variable("x")
    if any(p["is_int"]):
        # integrality per column: two families, split by a where filter
        model.variables.remove(x)
        cont = LXVariable[int, float]("x").bounds(lambda j: p["lower"][j], lambda j: p["upper"][j])
        cont.from_data(range(len(p["c"]))).where(lambda j: not p["is_int"][j])
        ints = LXVariable[int, int]("xi").integer().bounds(lambda j: p["lower"][j], lambda j: p["upper"][j])
        ints.from_data(range(len(p["c"]))).where(lambda j: p["is_int"][j])
        model.add_variables(cont, ints)
        for con in model.constraints:
            con.lhs = con.lhs + LXLinearExpression().add_term(ints, lambda j, i: p["A"][i][j])
        objective = (
            LXLinearExpression().add_term(cont, lambda j: p["c"][j]).add_term(ints, lambda j: p["c"][j])
        )
        model.maximize(objective) if p["maximize"] else model.minimize(objective)
    return model


def lumix_scalar(p) -> LXModel:
    """The same problem with one scalar variable per column and one scalar constraint per row."""
    xs = []
    for j, (lo, up, integer) in enumerate(zip(p["lower"], p["upper"], p["is_int"], strict=True)):
        v = LXVariable(f"v{j}").bounds(lower=lo, upper=up)
        xs.append(v.integer() if integer else v)
    model = LXModel("scalar").add_variables(*xs)
    for i, (row, rhs, sense) in enumerate(zip(p["A"], p["b"], p["senses"], strict=True)):
        expr = sum(
            (LXLinearExpression().add_term(x, a) for a, x in zip(row, xs, strict=True)), LXLinearExpression()
        )
        con = LXConstraint(f"r{i}").expression(expr).rhs(rhs)
        model.add_constraint({"<=": con.le, ">=": con.ge, "==": con.eq}[sense]())
    objective = sum(LXLinearExpression().add_term(x, cj) for cj, x in zip(p["c"], xs, strict=True))
    return model.maximize(objective) if p["maximize"] else model.minimize(objective)


def check(p, rel: float) -> None:
    want_status, want = direct(p)
    for build in (lumix_indexed, lumix_scalar):
        model = build(p)
        canon = model.to_canonical()
        assert canon.is_mip == any(p["is_int"])
        assert ORToolsSolver(canon).backend == ("SCIP" if any(p["is_int"]) else "GLOP")
        got = LXOptimizer().solve(model, gap_tolerance=0.0)
        assert got.status == want_status, (build.__name__, got, want)
        if want is None:
            assert got.objective_value is None
        else:
            assert math.isclose(got.objective_value, want, rel_tol=rel, abs_tol=rel), (
                build.__name__,
                got,
                want,
            )


@SETTINGS
@given(problems(integer=False))
def test_random_lp_matches_direct_glop(p):
    check(p, rel=1e-9)


@SETTINGS
@given(problems(integer=True))
def test_random_mip_matches_direct_scip(p):
    check(p, rel=1e-6)


@st.composite
def lp_with_changes(draw):
    n, m = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    A = np.array([[draw(st.integers(-3, 5)) for _ in range(n)] for _ in range(m)], dtype=float)
    b = np.array([draw(st.integers(0, 20)) for _ in range(m)], dtype=float)
    c = np.array([draw(st.integers(-3, 6)) for _ in range(n)], dtype=float)
    upper = np.array([draw(st.integers(0, 9)) for _ in range(n)], dtype=float)
    changes = draw(
        st.lists(
            st.tuples(
                st.sampled_from("rbok"), st.integers(0, m - 1), st.integers(0, n - 1), st.integers(-3, 9)
            ),
            min_size=1,
            max_size=6,
        )
    )
    return A, b, c, upper, changes


@SETTINGS
@given(lp_with_changes())
def test_persistent_lp_resolve_equals_from_scratch(case):
    A, b, c, upper, changes = case
    lower = np.zeros_like(upper)
    solver = ORToolsSolver(matrix_model(A, b, c, lower, upper).to_canonical())
    base = solver.solve()
    A2, b2, c2, lower2, upper2 = A.copy(), b.copy(), c.copy(), lower.copy(), upper.copy()
    for kind, i, j, value in changes:
        if kind == "r":
            b2[i] = value
            solver.set_row_bounds(i, -np.inf, float(value))
        elif kind == "b":
            lower2[j], upper2[j] = 0.0, float(abs(value))
            solver.set_col_bounds(j, 0.0, float(abs(value)))
        elif kind == "o":
            c2[j] = value
            solver.set_objective_coefficient(j, float(value))
        else:
            A2[i, j] = value
            solver.set_coefficient(i, j, float(value))
    warm = solver.solve()
    fresh = solve_canonical(matrix_model(A2, b2, c2, lower2, upper2).to_canonical())
    assert warm.status == fresh.status
    if fresh.objective_value is None:
        assert warm.objective_value is None
    else:
        assert math.isclose(warm.objective_value, fresh.objective_value, rel_tol=1e-9, abs_tol=1e-9)
    solver.revert()
    again = solver.solve()
    assert again.status == base.status
    if base.objective_value is not None:
        assert math.isclose(again.objective_value, base.objective_value, rel_tol=1e-9, abs_tol=1e-9)
