"""``lumix.solvers.ortools``: backends, options, statuses, duals, and the persistent re-solve."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from lumix import LXSolution, ORToolsSolver
from lumix.solvers import RawSolution, solve_canonical
from tests.conftest import (
    WYNDOR_OPTIMUM,
    WYNDOR_PRODUCTION,
    WYNDOR_REDUCED_COSTS,
    WYNDOR_SHADOW_PRICES,
    direct_wyndor,
    matrix_model,
    wyndor_model,
)


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= rel * max(1.0, abs(b))


# -- backends and options -------------------------------------------------------------------------


def test_lp_uses_glop_and_mip_uses_scip(products, resources):
    lp = wyndor_model(products, resources)[0].to_canonical()
    mip = wyndor_model(products, resources, integer=True)[0].to_canonical()
    assert ORToolsSolver(lp).backend == "GLOP"
    assert ORToolsSolver(mip).backend == "SCIP"
    assert ORToolsSolver(mip, solver="cp-sat").backend == "CP_SAT"


def test_unknown_solver_name(products, resources):
    canon = wyndor_model(products, resources)[0].to_canonical()
    with pytest.raises(ValueError, match=r"solver='gurobi' is not known; expected one of"):
        ORToolsSolver(canon, solver="gurobi")


@pytest.mark.parametrize("integer", [False, True])
def test_options_are_accepted(products, resources, integer):
    canon = wyndor_model(products, resources, integer=integer)[0].to_canonical()
    raw = ORToolsSolver(canon, time_limit=30, gap_tolerance=1e-6, threads=2).solve()
    assert raw.status == "optimal"
    assert raw.objective_value == pytest.approx(WYNDOR_OPTIMUM)


def test_wyndor_as_mip_against_direct_scip(products, resources):
    # the LP optimum (2, 6, 0) is integral: the MIP optimum is also 36
    canon = wyndor_model(products, resources, integer=True)[0].to_canonical()
    raw = ORToolsSolver(canon).solve()
    assert raw.objective_value == pytest.approx(direct_wyndor(products, resources, "SCIP"), rel=1e-6)
    assert raw.x.tolist() == pytest.approx([2.0, 6.0, 0.0])
    assert raw.duals is None and raw.reduced_costs is None
    assert raw.gap == pytest.approx(0.0, abs=1e-6)


def test_cp_sat_solves_a_pure_integer_model(products, resources):
    canon = wyndor_model(products, resources, integer=True)[0].to_canonical()
    solution = solve_canonical(canon, solver="cp-sat")
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)


# -- statuses ---------------------------------------------------------------------------------------

# x, y >= 0 (integers for the MIP):
#   infeasible: x + y <= 1 and x + y >= 2
#   unbounded:  maximize x + y with x - y <= 1 (y grows forever)
STATUS_CASES = {
    "infeasible": dict(A=[[1, 1], [1, 1]], b=[1, 2], senses=["<=", ">="]),
    "unbounded": dict(A=[[1, -1]], b=[1], senses=["<="]),
}


@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
@pytest.mark.parametrize("status", ["infeasible", "unbounded"])
def test_infeasible_and_unbounded(status, integer):
    case = STATUS_CASES[status]
    model = matrix_model(
        case["A"], case["b"], [1, 1], [0, 0], [np.inf, np.inf], senses=case["senses"], integer=integer
    )
    canon = model.to_canonical()
    solver = ORToolsSolver(canon)
    assert solver.backend == ("SCIP" if integer else "GLOP")
    raw = solver.solve()
    assert raw.status == status
    assert raw.objective_value is None
    assert raw.x is None and not raw.has_values
    solution = solve_canonical(canon)
    assert solution.status == status
    assert solution.objective_value is None
    assert not solution.is_feasible() and not solution.is_optimal()
    assert solution.variables == {}
    with pytest.raises(KeyError, match=rf"the solution is '{status}' and has no variable values"):
        solution.get_variable("x")
    assert "Objective: n/a" in solution.summary()


# -- duals and reduced costs ------------------------------------------------------------------------


def test_wyndor_duals_and_reduced_costs(wyndor):
    solution = solve_canonical(wyndor[0].to_canonical())
    assert isinstance(solution, LXSolution)
    assert solution.status == "optimal" and solution.is_optimal() and solution.is_feasible()
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.variables == {"production": pytest.approx(WYNDOR_PRODUCTION)}
    assert solution.shadow_prices == pytest.approx(WYNDOR_SHADOW_PRICES)
    assert solution.reduced_costs == pytest.approx(WYNDOR_REDUCED_COSTS)
    assert solution.get_shadow_price("capacity[plant2]") == pytest.approx(1.5)
    assert solution.get_reduced_cost("production[3]") == pytest.approx(-1.0)
    assert solution.get_shadow_price("nope") is None


def test_minimization_duals_are_d_objective_d_rhs():
    # minimize 2 x0 + 3 x1 + 5 x2
    #   demand:  x0 + x1 + x2 >= 4     (ge[0])
    #   cap:     x0           <= 3     (le[1])
    # optimum: x0 = 3, x1 = 1, cost 9. One more unit of demand costs 3 (x1): dual 3.
    # One more unit of cap saves 1 (x0 replaces x1): dual -1.
    # Reduced cost of x2: 5 - 3 = 2; x0, x1 are basic: 0.
    model = matrix_model(
        [[1, 1, 1], [1, 0, 0]],
        [4, 3],
        [2, 3, 5],
        [0, 0, 0],
        [np.inf] * 3,
        senses=[">=", "<="],
        maximize=False,
    )
    solution = solve_canonical(model.to_canonical())
    assert solution.objective_value == pytest.approx(9.0)
    assert solution.variables["x"] == pytest.approx({0: 3.0, 1: 1.0, 2: 0.0})
    assert solution.shadow_prices == pytest.approx({"ge[0]": 3.0, "le[1]": -1.0})
    assert solution.reduced_costs == pytest.approx({"x[0]": 0.0, "x[1]": 0.0, "x[2]": 2.0})


def test_to_solution_names_a_raw_solution(wyndor):
    canon = wyndor[0].to_canonical()
    solver = ORToolsSolver(canon)
    raw = solver.solve()
    assert isinstance(raw, RawSolution)
    assert raw.duals.tolist() == pytest.approx([0.0, 1.5, 1.0])
    solution = solver.to_solution(raw)
    assert solution.get_variable("production") == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.get_mapped(wyndor[1]) == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.mapped == {"production": pytest.approx(WYNDOR_PRODUCTION)}
    with pytest.raises(KeyError, match="the solution has no variable family 'nope'"):
        solution.get_variable("nope")


# -- persistent re-solve ----------------------------------------------------------------------------


def test_change_row_bound_resolve_and_revert(wyndor):
    canon = wyndor[0].to_canonical()
    solver = ORToolsSolver(canon)
    assert solver.solve().objective_value == pytest.approx(36.0)
    # plant3 capacity 18 -> 19: +1 * shadow price 1 = 37
    solver.set_row_bounds(canon.row("capacity[plant3]"), -np.inf, 19.0)
    assert solver.changed
    assert solver.solve().objective_value == pytest.approx(37.0)
    solver.revert()
    assert not solver.changed
    assert solver.solve().objective_value == pytest.approx(36.0)


def test_change_col_bounds_objective_and_coefficient(wyndor):
    canon = wyndor[0].to_canonical()
    solver = ORToolsSolver(canon)
    solver.solve()
    # windows fixed to 0: doors = 4 (plant1), profit 12; frames (18 - 12) / 2 = 3, profit 3: 15
    solver.set_col_bounds(canon.column("production[2]"), 0.0, 0.0)
    assert solver.solve().objective_value == pytest.approx(15.0)
    solver.revert()
    # frames profit 1 -> 4: per unit of plant3 doors 1, windows 2.5, frames 2; windows first
    # up to plant2's 6 (plant3 12), then frames (18 - 12) / 2 = 3: 30 + 12 = 42
    solver.set_objective_coefficient(canon.column("production[3]"), 4.0)
    assert solver.solve().objective_value == pytest.approx(42.0)
    solver.revert()
    # windows need 4 (not 2) of plant3: profit per unit of plant3 is doors 1, windows 1.25,
    # frames 0.5, so windows take all of it: w = 18 / 4 = 4.5 (2w = 9 <= 12): 22.5
    # (duals: plant3 1.25; reduced costs doors 3 - 3.75 < 0, frames 1 - 2.5 < 0)
    row, col = canon.row("capacity[plant3]"), canon.column("production[2]")
    assert solver.coefficient(row, col) == 2.0
    solver.set_coefficient(row, col, 4.0)
    assert solver.coefficient(row, col) == 4.0
    assert solver.solve().objective_value == pytest.approx(22.5)
    solver.revert()
    assert solver.coefficient(row, col) == 2.0
    assert solver.solve().objective_value == pytest.approx(36.0)


def test_set_coefficient_where_the_matrix_has_none(wyndor):
    canon = wyndor[0].to_canonical()
    solver = ORToolsSolver(canon)
    row, col = canon.row("capacity[plant1]"), canon.column("production[2]")
    assert solver.coefficient(row, col) == 0.0
    # windows now also use plant1 (1 each): d + w <= 4, 2w <= 12, 3d + 2w + 2f <= 18.
    # w = 4, f = (18 - 8) / 2 = 5, d = 0: 20 + 5 = 25 (duals plant1 4, plant3 0.5;
    # reduced cost of doors 3 - (4 + 1.5) < 0, so it is optimal)
    solver.set_coefficient(row, col, 1.0)
    assert solver.solve().objective_value == pytest.approx(25.0)
    solver.revert()
    assert solver.coefficient(row, col) == 0.0
    assert solver.solve().objective_value == pytest.approx(36.0)


def test_a_change_that_makes_the_model_infeasible_then_revert(wyndor):
    canon = wyndor[0].to_canonical()
    solver = ORToolsSolver(canon)
    solver.solve()
    solver.set_col_bounds(canon.column("production[1]"), 5.0, 5.0)  # doors = 5 > plant1's 4
    raw = solver.solve()
    assert (raw.status, raw.objective_value) == ("infeasible", None)
    solver.revert()
    assert solver.solve().objective_value == pytest.approx(36.0)


def test_widening_a_binary_looking_integer_column_on_scip():
    # An integer column with bounds [0, 1] is a binary in SCIP once solved; widening it to
    # [0, 5] used to leave SCIP ABNORMAL for good. maximize x0 + x1, x0 + x1 <= 10:
    # with x0 in [0, 1], x1 in [0, 3]: 4; x0 in [0, 5]: 8; back to [0, 1]: 4.
    canon = matrix_model([[1, 1]], [10], [1, 1], [0, 0], [1, 3], integer=True).to_canonical()
    solver = ORToolsSolver(canon)
    assert solver.solve().objective_value == pytest.approx(4.0)
    solver.set_col_bounds(0, 0.0, 5.0)
    assert solver.solve().objective_value == pytest.approx(8.0)
    solver.set_col_bounds(1, 2.0, 2.0)
    assert solver.solve().objective_value == pytest.approx(7.0)
    solver.revert()
    assert solver.solve().objective_value == pytest.approx(4.0)
    solver.set_col_bounds(0, 3.0, 4.0)
    solver.set_objective_coefficient(1, -1.0)
    assert solver.solve().objective_value == pytest.approx(4.0)


def random_problem(rng, integer):
    n, m = int(rng.integers(2, 7)), int(rng.integers(1, 6))
    return dict(
        A=rng.integers(-3, 6, size=(m, n)).astype(float),
        b=rng.integers(5, 30, size=m).astype(float),
        c=rng.integers(-2, 8, size=n).astype(float),
        lower=np.zeros(n),
        upper=rng.integers(1, 10, size=n).astype(float),
        integer=integer,
    )


def from_scratch(p):
    canon = matrix_model(p["A"], p["b"], p["c"], p["lower"], p["upper"], integer=p["integer"]).to_canonical()
    return solve_canonical(canon, gap_tolerance=0.0 if p["integer"] else None)


@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
@pytest.mark.parametrize("seed", range(12))
def test_persistent_resolve_equals_from_scratch(seed, integer):
    rng = np.random.default_rng(seed)
    original = random_problem(rng, integer)
    canon = matrix_model(
        original["A"], original["b"], original["c"], original["lower"], original["upper"], integer=integer
    ).to_canonical()
    solver = ORToolsSolver(canon, gap_tolerance=0.0 if integer else None)
    base = solver.solve()
    assert close(base.objective_value, from_scratch(original).objective_value)
    m, n = original["A"].shape
    for _ in range(4):
        p = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in original.items()}
        for _ in range(int(rng.integers(1, 6))):
            kind = int(rng.integers(4))
            if kind == 0:
                i = int(rng.integers(m))
                p["b"][i] = float(rng.integers(0, 30))
                solver.set_row_bounds(i, -np.inf, p["b"][i])
            elif kind == 1:
                j = int(rng.integers(n))
                p["lower"][j] = float(rng.integers(0, 3))
                p["upper"][j] = p["lower"][j] + float(rng.integers(0, 8))
                solver.set_col_bounds(j, p["lower"][j], p["upper"][j])
            elif kind == 2:
                j = int(rng.integers(n))
                p["c"][j] = float(rng.integers(-3, 9))
                solver.set_objective_coefficient(j, p["c"][j])
            else:
                i, j = int(rng.integers(m)), int(rng.integers(n))
                p["A"][i, j] = float(rng.integers(-3, 6))
                solver.set_coefficient(i, j, p["A"][i, j])
        warm = solver.solve()
        fresh = from_scratch(p)
        assert warm.status == fresh.status
        assert close(warm.objective_value, fresh.objective_value), (warm, fresh)
        solver.revert()
        again = solver.solve()
        assert again.status == base.status
        assert close(again.objective_value, base.objective_value)


def test_solve_canonical_builds_a_fresh_solver_each_time(wyndor):
    canon = wyndor[0].to_canonical()
    first = solve_canonical(canon)
    second = solve_canonical(canon)
    assert first.objective_value == second.objective_value == pytest.approx(36.0)
    assert first.solve_time >= 0


def test_a_tiny_time_limit_still_reports_a_status(wyndor):
    # a time limit is given in seconds; a tiny one becomes 1 ms, not "no limit"
    canon = wyndor[0].to_canonical()
    raw = ORToolsSolver(canon, time_limit=1e-9).solve()
    assert raw.status in ("optimal", "time_limit")
    assert (raw.objective_value is None) == (raw.status == "time_limit")


def test_status_table():
    from lumix.solvers.ortools import _STATUS

    assert _STATUS[pywraplp.Solver.OPTIMAL] == "optimal"
    assert _STATUS[pywraplp.Solver.FEASIBLE] == "feasible"
    assert _STATUS[pywraplp.Solver.INFEASIBLE] == "infeasible"
    assert _STATUS[pywraplp.Solver.UNBOUNDED] == "unbounded"
    assert _STATUS[pywraplp.Solver.ABNORMAL] == "abnormal"
    assert _STATUS[pywraplp.Solver.NOT_SOLVED] == "not_solved"
