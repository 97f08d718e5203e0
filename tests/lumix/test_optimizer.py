"""``LXOptimizer`` and ``LXSolution``: the LumiX solving entry points."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from lumix import LXOptimizer, LXSolution
from tests.conftest import (
    WYNDOR_OPTIMUM,
    WYNDOR_PRODUCTION,
    WYNDOR_SHADOW_PRICES,
    direct_wyndor,
    wyndor_model,
    wyndor_resources,
)


def test_use_solver_and_enable_sensitivity_chain(wyndor):
    optimizer = LXOptimizer()
    assert optimizer.use_solver("ortools") is optimizer
    assert optimizer.enable_sensitivity() is optimizer
    assert optimizer.enable_sens
    solution = optimizer.solve(wyndor[0])
    assert isinstance(solution, LXSolution)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.shadow_prices == pytest.approx(WYNDOR_SHADOW_PRICES)


def test_options_set_once_apply_to_every_solve(wyndor):
    optimizer = LXOptimizer().use_solver("ortools", time_limit=30, gap_tolerance=1e-6, threads=2)
    assert optimizer.options == {"time_limit": 30, "gap_tolerance": 1e-6, "threads": 2}
    assert optimizer.solve(wyndor[0]).objective_value == pytest.approx(WYNDOR_OPTIMUM)


@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
def test_solve_arguments(products, resources, integer):
    model = wyndor_model(products, resources, integer=integer)[0]
    solution = LXOptimizer().solve(model, time_limit=10, gap_tolerance=0.0, threads=1)
    assert solution.status == "optimal"
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.objective_value == pytest.approx(
        direct_wyndor(products, resources, "SCIP" if integer else "GLOP"), rel=1e-9
    )
    if integer:
        assert solution.gap == pytest.approx(0.0, abs=1e-9)
        assert solution.shadow_prices == {} and solution.reduced_costs == {}
        assert "Gap:" in solution.summary()


def test_options_are_keyword_only(wyndor):
    with pytest.raises(TypeError):
        LXOptimizer().solve(wyndor[0], 10)


def test_solve_takes_a_canonical_model(wyndor):
    canon = wyndor[0].to_canonical()
    assert LXOptimizer().solve(canon).objective_value == pytest.approx(WYNDOR_OPTIMUM)


def test_cp_sat_by_name(products, resources):
    model = wyndor_model(products, resources, integer=True)[0]
    assert LXOptimizer().use_solver("cpsat").options == {"solver_name": "cpsat"}
    assert LXOptimizer().use_solver("cpsat").solve(model).objective_value == pytest.approx(36.0)
    assert LXOptimizer().use_solver("ortools", solver="scip").solve(model).objective_value == pytest.approx(
        36.0
    )


def test_unknown_solver_and_options(wyndor, caplog):
    """As in LumiX 0.3.2: the name is checked at the first solve; an unknown OR-Tools
    parameter is logged and ignored (more in test_solvers_more.py)."""
    optimizer = LXOptimizer().use_solver("foo")
    with pytest.raises(ValueError, match=r"^Unknown solver: foo$"):
        optimizer.solve(wyndor[0])
    solution = LXOptimizer().use_solver("ortools", timelimit=3).solve(wyndor[0])
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert "Unknown OR-Tools parameter 'timelimit' ignored" in caplog.text


def test_solution_fields_and_helpers(wyndor):
    model, x, _ = wyndor
    solution = LXOptimizer().solve(model)
    assert solution.status == "optimal"
    assert solution.is_optimal() and solution.is_feasible()
    assert solution.solve_time >= 0
    assert solution.gap is None
    assert solution.get_variable(x) == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.get_variable("production") == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.get_mapped(x) == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.get_reduced_cost("production[3]") == pytest.approx(-1.0)
    summary = solution.summary()
    assert "Status: optimal" in summary and "Objective: 36.000000" in summary
    again = pickle.loads(pickle.dumps(solution))
    assert again == solution


def test_a_shared_optimizer_does_not_mix_results_across_threads(products):
    # plant3 capacity c: the optimum is 36 + (c - 18) * 1 while windows are capped by plant2
    # (c in 12..22 keeps the same basis: doors = (c - 12) / 3 <= 4 needs c <= 24)
    optimizer = LXOptimizer()
    capacities = [12 + k * 0.5 for k in range(21)]

    def solve(capacity):
        resources = wyndor_resources()
        resources[2].capacity = capacity
        return capacity, optimizer.solve(wyndor_model(products, resources)[0])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(solve, capacities * 2))
    for capacity, solution in results:
        assert solution.objective_value == pytest.approx(36.0 + (capacity - 18.0)), capacity
        assert solution.variables["production"][1] == pytest.approx((capacity - 12.0) / 3.0)
