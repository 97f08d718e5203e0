"""Analyzers: LXScenarioAnalyzer, LXWhatIfAnalyzer and LXSensitivityAnalyzer (RHS ranging).

Wyndor (see tests/conftest.py): optimum 36 at doors=2, windows=6; shadow prices plant1 0,
plant2 1.5, plant3 1. Textbook RHS ranges (Hillier & Lieberman): plant1's rhs 4 may drop by
2 (to the activity 2) and rise without limit; plant2's 12 may move within [6, 18]; plant3's
18 within [12, 24].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumix import (
    LXOptimizer,
    LXScenario,
    LXScenarioAnalyzer,
    LXSensitivityAnalyzer,
    LXWhatIfAnalyzer,
    ScenarioError,
)
from tests.conftest import WYNDOR_OPTIMUM, matrix_model, wyndor_model, wyndor_products, wyndor_resources


def solve_with_capacity(name: str, capacity: float) -> float | None:
    """Independent path: rebuild Wyndor with one resource's capacity changed and solve."""
    resources = wyndor_resources()
    for r in resources:
        if r.name == name:
            r.capacity = capacity
    model, _, _ = wyndor_model(wyndor_products(), resources)
    return LXOptimizer().solve(model).objective_value


# -- LXScenarioAnalyzer ------------------------------------------------------------------------


def test_scenario_analyzer_serial_and_parallel_agree(wyndor):
    model, _, _ = wyndor
    analyzer = LXScenarioAnalyzer(model, LXOptimizer())
    analyzer.add_scenarios(
        LXScenario("more_plant2").modify_constraint_rhs("capacity[plant2]", set_value=18),
        LXScenario("less_everything").modify_constraint_rhs("capacity", multiply=0.5),
    )
    serial = analyzer.run_all_scenarios()
    parallel = LXScenarioAnalyzer(model, LXOptimizer(), n_jobs=2)
    parallel.add_scenarios(*analyzer.scenarios.values())
    par = parallel.run_all_scenarios()
    assert list(serial) == ["baseline", "more_plant2", "less_everything"]
    assert serial["baseline"].objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert serial["more_plant2"].objective_value == pytest.approx(solve_with_capacity("plant2", 18))
    # halving every capacity halves the LP optimum
    assert serial["less_everything"].objective_value == pytest.approx(WYNDOR_OPTIMUM / 2)
    for name in serial:
        assert par[name].objective_value == pytest.approx(serial[name].objective_value, rel=1e-9)
    assert analyzer.get_best_scenario() == "more_plant2"
    assert analyzer.get_best_scenario(maximize=False) == "less_everything"
    table = analyzer.compare_scenarios()
    assert "more_plant2" in table and "Baseline Objective: 36.00" in table


def test_scenario_analyzer_run_one_and_unknown(wyndor):
    model, _, _ = wyndor
    analyzer = LXScenarioAnalyzer(model).add_scenario(
        LXScenario("doors").modify_variable_bound("production[1]", upper=1)
    )
    # doors <= 1: doors 1, windows 6 (plant2), plant3 has 18 - 3 - 12 = 3 left for 1.5 frames
    # -> 3 + 30 + 1.5 = 34.5
    assert analyzer.run_scenario("doors").objective_value == pytest.approx(34.5)
    with pytest.raises(KeyError, match="'nope'.*'doors'"):
        analyzer.run_scenario("nope")
    analyzer.add_scenario(LXScenario("bad").modify_constraint_rhs("capacty", add=1))
    with pytest.raises(ScenarioError, match=r"capacty.*closest: 'capacity'"):
        analyzer.run_all_scenarios()


def test_serial_analyzer_solves_in_process_without_the_runner_or_a_pickle(wyndor, monkeypatch):
    """The default (serial) analyzer needs no registered runner (a checkout on ``sys.path``
    that is not pip-installed) and neither copies nor pickles the model."""
    from lumix import LXModel
    from lumix.analysis import _executor

    model, _, _ = wyndor
    monkeypatch.setattr(_executor, "entry_points", lambda group: [])
    _executor.scenario_runner.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("a serial analyzer copied or pickled the model")

    monkeypatch.setattr(LXModel, "__deepcopy__", refuse)
    monkeypatch.setattr(LXModel, "__getstate__", refuse)
    analyzer = LXScenarioAnalyzer(model).add_scenario(
        LXScenario("more_plant2").modify_constraint_rhs("capacity[plant2]", set_value=18)
    )
    results = analyzer.run_all_scenarios()
    monkeypatch.undo()
    _executor.scenario_runner.cache_clear()
    assert results["baseline"].objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert results["more_plant2"].objective_value == pytest.approx(solve_with_capacity("plant2", 18))
    assert results["more_plant2"].shadow_prices  # keep="full": duals as LumiX gives them


def test_parallel_analyzer_without_a_runner_says_how_to_get_one(wyndor, monkeypatch):
    from lumix.analysis import _executor

    model, _, _ = wyndor
    monkeypatch.setattr(_executor, "entry_points", lambda group: [])
    _executor.scenario_runner.cache_clear()
    analyzer = LXScenarioAnalyzer(model, n_jobs=2).add_scenario(LXScenario("same"))
    try:
        with pytest.raises(ImportError, match="executor=runner.run_scenarios"):
            analyzer.run_all_scenarios()
    finally:
        monkeypatch.undo()
        _executor.scenario_runner.cache_clear()


def test_analyzers_run_in_parallel_through_an_executor(wyndor):
    from runner import run_scenarios

    model, _, _ = wyndor
    calls = []

    def executor(*args, **kwargs):
        calls.append(kwargs["n_jobs"])
        return run_scenarios(*args, **kwargs)

    scenario = LXScenario("less_everything").modify_constraint_rhs("capacity", multiply=0.5)
    analyzer = LXScenarioAnalyzer(model, executor=executor).add_scenario(scenario)
    solved = analyzer.run_all_scenarios()
    assert solved["less_everything"].objective_value == pytest.approx(WYNDOR_OPTIMUM / 2)
    whatif = LXWhatIfAnalyzer(model, executor=executor, n_jobs=2)
    curve = whatif.sensitivity_range("capacity[plant2]", 6, 18, num_points=3)
    assert [v for v, _ in curve] == [6, 12, 18]
    assert curve[1][1] == pytest.approx(WYNDOR_OPTIMUM)
    assert calls == [1, 2]


def test_sensitivity_to_parameter(wyndor):
    model, _, _ = wyndor
    analyzer = LXScenarioAnalyzer(model)
    out = analyzer.sensitivity_to_parameter("capacity", [0.5, 1.0, 2.0])
    assert list(out) == [0.5, 1.0, 2.0]
    for factor, solution in out.items():
        assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM * factor)


# -- LXWhatIfAnalyzer --------------------------------------------------------------------------


def test_whatif_rhs_changes_match_rebuilt_models(wyndor):
    model, _, _ = wyndor
    whatif = LXWhatIfAnalyzer(model, LXOptimizer())
    assert whatif.get_baseline_solution().objective_value == pytest.approx(WYNDOR_OPTIMUM)
    cases = [
        (whatif.increase_constraint_rhs("capacity[plant2]", by=3), solve_with_capacity("plant2", 15)),
        (whatif.decrease_constraint_rhs("capacity[plant3]", by=2), solve_with_capacity("plant3", 16)),
        (whatif.increase_constraint_rhs("capacity[plant3]", to=20), solve_with_capacity("plant3", 20)),
        (whatif.relax_constraint("capacity[plant2]", by_percent=0.25), solve_with_capacity("plant2", 15)),
        (whatif.tighten_constraint("capacity[plant2]", by=6), solve_with_capacity("plant2", 6)),
    ]
    for result, expected in cases:
        assert result.new_objective == pytest.approx(expected, rel=1e-9)
        assert result.delta_objective == pytest.approx(expected - WYNDOR_OPTIMUM, abs=1e-9)
        assert result.original_objective == pytest.approx(WYNDOR_OPTIMUM)
    # the model itself is unchanged
    assert LXOptimizer().solve(model).objective_value == pytest.approx(WYNDOR_OPTIMUM)


def test_whatif_family_percent_and_bounds(wyndor):
    model, _, _ = wyndor
    whatif = LXWhatIfAnalyzer(model)
    # +10 % on every capacity scales the LP optimum by 1.1
    result = whatif.increase_constraint_rhs("capacity", by_percent=0.1)
    assert result.new_objective == pytest.approx(WYNDOR_OPTIMUM * 1.1)
    assert result.delta_percentage == pytest.approx(10.0)
    bound = whatif.modify_variable_bound("production", upper=1)
    # every product <= 1: 3 + 5 + 1 = 9
    assert bound.new_objective == pytest.approx(9.0)
    results = whatif.compare_changes(
        [("capacity[plant2]", "increase", 3), ("capacity[plant3]", "decrease", 2)]
    )
    assert [r.new_objective for r in results] == pytest.approx(
        [solve_with_capacity("plant2", 15), solve_with_capacity("plant3", 16)]
    )
    with pytest.raises(ValueError, match="Unknown change type: grow"):
        whatif.compare_changes([("capacity", "grow", 1)])
    with pytest.raises(ValueError, match="exactly one of"):
        whatif.increase_constraint_rhs("capacity", by=1, to=3)


def test_infeasible_whatif_has_nan_delta(wyndor):
    model, x, _ = wyndor
    whatif = LXWhatIfAnalyzer(model)
    result = whatif.modify_variable_bound("production[1]", lower=5)  # doors >= 5 > plant1's 4
    assert result.new_solution.status == "infeasible"
    assert result.new_objective is None and math.isnan(result.delta_objective)


def test_whatif_round_off_is_no_change(wyndor, monkeypatch):
    """A re-solve that differs from the baseline by round-off only reports +0.00 %, as LumiX
    0.3.2's pct_change does (the production-planning tutorial's step 7 prints it)."""
    model, _, _ = wyndor
    whatif = LXWhatIfAnalyzer(model)
    base = whatif.get_baseline_solution()
    nudged = LXOptimizer().solve(model)
    nudged.objective_value = base.objective_value * (1 - 1e-15)
    result = whatif._result("nudged", nudged, [])
    assert result.delta_objective < 0
    assert f"{result.delta_percentage:+.2f}" == "+0.00"


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_find_bottlenecks_confirmed_by_resolves(wyndor, n_jobs):
    model, _, _ = wyndor
    found = LXWhatIfAnalyzer(model, n_jobs=n_jobs).find_bottlenecks(test_amount=1.0, top_n=2)
    # relaxing plant2 by 1 gains 1.5, plant3 gains 1; plant1 has slack
    assert [name for name, _ in found] == ["capacity[plant2]", "capacity[plant3]"]
    assert [gain for _, gain in found] == pytest.approx([1.5, 1.0])


def test_sensitivity_range_sweep(wyndor):
    model, _, _ = wyndor
    points = LXWhatIfAnalyzer(model, n_jobs=2).sensitivity_range("capacity[plant2]", 0, 24, 5)
    assert [v for v, _ in points] == pytest.approx([0, 6, 12, 18, 24])
    assert [obj for _, obj in points] == pytest.approx(
        [solve_with_capacity("plant2", v) for v in (0, 6, 12, 18, 24)]
    )


# -- LXSensitivityAnalyzer ---------------------------------------------------------------------


def test_wyndor_rhs_ranging_textbook(wyndor):
    model, _, _ = wyndor
    solution = LXOptimizer().solve(model)
    analyzer = LXSensitivityAnalyzer(model, solution)
    ranges = analyzer.rhs_ranging()
    assert ranges["capacity[plant1]"] == (pytest.approx(2.0), math.inf)
    assert ranges["capacity[plant2]"] == pytest.approx((6.0, 6.0))
    assert ranges["capacity[plant3]"] == pytest.approx((6.0, 6.0))
    plant2 = analyzer.analyze_constraint("capacity[plant2]")
    assert plant2.shadow_price == pytest.approx(1.5) and plant2.is_binding
    assert (plant2.allowable_decrease, plant2.allowable_increase) == pytest.approx((6.0, 6.0))
    assert analyzer.identify_bottlenecks() == ["capacity[plant2]", "capacity[plant3]"]
    assert set(analyzer.get_binding_constraints()) == {"capacity[plant2]", "capacity[plant3]"}
    frames = analyzer.analyze_variable("production[3]")
    assert frames.reduced_cost == pytest.approx(-1.0) and frames.is_at_bound and not frames.is_basic
    assert set(analyzer.get_non_basic_variables()) == {"production[3]"}
    assert set(analyzer.analyze_constraint_family("capacity")) == {"plant1", "plant2", "plant3"}
    with pytest.raises(ValueError, match=r"Constraint 'capacity' is indexed \(3 rows\)"):
        analyzer.analyze_constraint("capacity")
    report = analyzer.generate_report()
    assert "Found 2 bottleneck constraints:\n  • capacity[plant2]: shadow price = 1.500000" in report


def test_ranging_refuses_mip(products, resources):
    model, _, _ = wyndor_model(products, resources, integer=True)
    analyzer = LXSensitivityAnalyzer(model, LXOptimizer().solve(model))
    with pytest.raises(Exception, match="needs an LP"):
        analyzer.rhs_ranging()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_rhs_ranging_against_parametric_resolves(seed):
    """Inside the reported range the objective moves with slope = shadow price (tightness of
    the ends is checked on the textbook example above)."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    A = rng.integers(1, 6, (m, n)).astype(float).tolist()
    b = rng.integers(5, 30, m).astype(float).tolist()
    c = rng.integers(1, 10, n).astype(float).tolist()
    upper = rng.integers(3, 10, n).astype(float).tolist()
    model = matrix_model(A, b, c, [0.0] * n, upper)
    solution = LXOptimizer().solve(model)
    ranges = LXSensitivityAnalyzer(model, solution).rhs_ranging()

    def objective_with(i: int, rhs: float) -> float | None:
        b2 = list(b)
        b2[i] = rhs
        return LXOptimizer().solve(matrix_model(A, b2, c, [0.0] * n, upper)).objective_value

    for i in range(m):
        name = f"le[{i}]"
        dual = solution.shadow_prices[name]
        decrease, increase = ranges[name]
        for step in (-min(decrease, 40.0) * 0.99, min(increase, 40.0) * 0.99):
            if step:
                got = objective_with(i, b[i] + step)
                assert got == pytest.approx(solution.objective_value + dual * step, rel=1e-7, abs=1e-7)
