"""LumiX 0.3.2's smaller API (LUMIX_API_MORE.md §4 and §5): generic subscription,
``lumix.indexing``, ``LXLinearExpression.terms`` as LumiX's dict, ``keys=`` and the key filters,
the report texts, logging, row activity, the solution mapper and typed ORM queries.

The expected report texts (``REPORT`` ... ``COMPARE_SUBSET`` and the inline ones) were printed by
LumiX 0.3.2 (lumix-opt 0.3.2 in the reference venv) running the same model and calls as
``wyndor_plants`` and the tests below (Wyndor with one scalar constraint per plant, see
tests/conftest.py: optimum 36, shadow prices plant1 0, plant2 1.5, plant3 1, reduced cost of
frames -1), with the solve time set to 0.
"""

from __future__ import annotations

import copy
import io
import logging
import pickle
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import linprog

import lumix
from lumix import (
    LXCartesianProduct,
    LXConstraint,
    LXConstraintSense,
    LXIndexDimension,
    LXKeyFilter,
    LXLinearExpression,
    LXModel,
    LXModelLogger,
    LXOptimizer,
    LXORMContext,
    LXRowKeyFilter,
    LXScenario,
    LXScenarioAnalyzer,
    LXSensitivityAnalyzer,
    LXSolution,
    LXSolutionMapper,
    LXVariable,
    LXWhatIfAnalyzer,
    LXWhatIfResult,
    ModelError,
    disable_logging,
    enable_logging,
    row_activity,
)
from tests.conftest import WYNDOR_OPTIMUM, Product, Resource, SAProduct, wyndor_model

CAPACITY = {"plant1": 4.0, "plant2": 12.0, "plant3": 18.0}


REPORT = """\
Sensitivity Analysis Report
================================================================================

Model: wyndor
Objective Value: 36.00
Status: optimal
Solve Time: 0.000s

Constraint Sensitivity (Shadow Prices)
================================================================================

Constraint                        Shadow Price       Status
--------------------------------------------------------------------------------
plant2                                1.500000      Binding
plant3                                1.000000      Binding
plant1                                0.000000  Non-binding

Interpretation:
  • Shadow price = marginal value of relaxing constraint by 1 unit
  • Positive = relaxing increases objective (for maximization)
  • Binding = constraint is tight at optimum

Variable Sensitivity (Reduced Costs)
================================================================================

Variable                                 Value    Reduced Cost       Status
--------------------------------------------------------------------------------
production[3]                         0.000000       -1.000000     At bound
production[1]                         2.000000        0.000000     Interior
production[2]                         6.000000        0.000000     Interior

Interpretation:
  • Reduced cost = opportunity cost of forcing variable to increase
  • Zero reduced cost = variable in optimal basis
  • Non-zero = variable at bound, not economical to change

Identified Bottlenecks
================================================================================
Found 2 bottleneck constraints:
  • plant2: shadow price = 1.500000
  • plant3: shadow price = 1.000000"""


REPORT_BINDING_TOP_2 = """\
Sensitivity Analysis Report
================================================================================

Model: wyndor
Objective Value: 36.00
Status: optimal
Solve Time: 0.000s

Constraint Sensitivity (Shadow Prices)
================================================================================
Showing 2 binding constraints
Showing top 2 by shadow price magnitude

Constraint                        Shadow Price       Status
--------------------------------------------------------------------------------
plant2                                1.500000      Binding
plant3                                1.000000      Binding

Interpretation:
  • Shadow price = marginal value of relaxing constraint by 1 unit
  • Positive = relaxing increases objective (for maximization)
  • Binding = constraint is tight at optimum

Identified Bottlenecks
================================================================================
Found 2 bottleneck constraints:
  • plant2: shadow price = 1.500000
  • plant3: shadow price = 1.000000"""


REPORT_VARIABLES_TOP_1 = """\
Sensitivity Analysis Report
================================================================================

Model: wyndor
Objective Value: 36.00
Status: optimal
Solve Time: 0.000s

Variable Sensitivity (Reduced Costs)
================================================================================
Showing top 1 by reduced cost magnitude

Variable                                 Value    Reduced Cost       Status
--------------------------------------------------------------------------------
production[3]                         0.000000       -1.000000     At bound

Interpretation:
  • Reduced cost = opportunity cost of forcing variable to increase
  • Zero reduced cost = variable in optimal basis
  • Non-zero = variable at bound, not economical to change

Identified Bottlenecks
================================================================================
Found 2 bottleneck constraints:
  • plant2: shadow price = 1.500000
  • plant3: shadow price = 1.000000"""


SENSITIVITY_SUMMARY = """\
Sensitivity Summary
================================================================================
Binding constraints: 2
Bottlenecks (high shadow price): 2
Non-basic variables: 1

Top bottlenecks to address:
  • plant2: shadow price = 1.5000
  • plant3: shadow price = 1.0000
  • plant1: shadow price = 0.0000"""


COMPARE = """\
Scenario Comparison
================================================================================
Baseline Objective: 36.00 (optimal)

Scenario                             Objective       Status     vs Baseline
--------------------------------------------------------------------------------
more_plant2                              45.00      optimal         +25.00%
baseline                                 36.00      optimal               -
plus_plant1                              36.00      optimal          +0.00%
same                                     36.00      optimal          +0.00%
half_plant3                              22.50      optimal         -37.50%
too_many_doors                               -   infeasible               -

Scenario Descriptions:
--------------------------------------------------------------------------------
  more_plant2: No description
    • Set plant2 RHS to 18
  baseline: Original model without modifications
  plus_plant1: No description
    • Add 2 to plant1 RHS
  same: No description
    • Add 0 to plant1 RHS
  half_plant3: Half of plant 3
    • Multiply plant3 RHS by 0.5
  too_many_doors: No description
    • Set production lower bound to 5
    • Set production upper bound to 50"""


COMPARE_UNSORTED_NO_BASELINE = """\
Scenario Comparison
================================================================================
Baseline Objective: 36.00 (optimal)

Scenario                             Objective       Status     vs Baseline
--------------------------------------------------------------------------------
more_plant2                              45.00      optimal         +25.00%
half_plant3                              22.50      optimal         -37.50%
plus_plant1                              36.00      optimal          +0.00%
same                                     36.00      optimal          +0.00%
too_many_doors                               -   infeasible               -

Scenario Descriptions:
--------------------------------------------------------------------------------
  more_plant2: No description
    • Set plant2 RHS to 18
  half_plant3: Half of plant 3
    • Multiply plant3 RHS by 0.5
  plus_plant1: No description
    • Add 2 to plant1 RHS
  same: No description
    • Add 0 to plant1 RHS
  too_many_doors: No description
    • Set production lower bound to 5
    • Set production upper bound to 50"""


COMPARE_SUBSET = """\
Scenario Comparison
================================================================================
Baseline Objective: 36.00 (optimal)

Scenario                             Objective       Status     vs Baseline
--------------------------------------------------------------------------------
same                                     36.00      optimal          +0.00%

Scenario Descriptions:
--------------------------------------------------------------------------------
  same: No description
    • Add 0 to plant1 RHS"""


def wyndor_plants(products: list[Product]) -> LXModel:
    """Wyndor with the scalar constraints ``plant1..3`` (LumiX modifies families by name)."""
    x = LXVariable[Product, float]("production").continuous().bounds(lower=0).indexed_by(lambda p: p.id)
    x.from_data(products)
    model = LXModel[Product]("wyndor").add_variable(x)
    for plant, cap in CAPACITY.items():
        expr = LXLinearExpression().add_term(x, lambda p, plant=plant: p.usage.get(plant, 0.0))
        model.add_constraint(LXConstraint(plant).expression(expr).le().rhs(cap))
    return model.maximize(LXLinearExpression().add_term(x, lambda p: p.profit))


def objective_of(expr, *variables) -> list[float]:
    return LXModel().add_variables(*variables).maximize(expr).to_canonical().objective.tolist()


@pytest.fixture
def x(products):
    return LXVariable[Product, float]("x").bounds(0, 10).indexed_by(lambda p: p.id).from_data(products)


@pytest.fixture
def assign(products, resources):
    return (
        LXVariable("assign")
        .bounds(0, 1)
        .indexed_by_product(
            LXIndexDimension(Product, lambda p: p.id).from_data(products),
            LXIndexDimension(Resource, lambda r: r.name).from_data(resources),
        )
    )


# -- generic subscription (§4.1) ---------------------------------------------------------------


def test_subscripted_classes_are_ordinary_instances_that_copy_and_pickle(products):
    class Local:  # not importable: a type argument kept in the state could not be pickled
        pass

    model = wyndor_plants(products)
    typed = LXModel[Local]("typed")
    scenario = LXScenario[Local]("more").modify_constraint_rhs("plant2", add=1)
    solution = LXSolution[Local](36.0, "optimal", 0.0, variables={"x": 1.0})
    result = LXWhatIfResult[Local]("r", 1.0, 2.0, 1.0, 100.0, solution, solution)
    product = LXCartesianProduct[Local, Local](
        LXIndexDimension(Product, lambda p: p.id).from_data(products),
        LXIndexDimension(Product, lambda p: p.id).from_data(products),
    )
    expr = LXLinearExpression[Local]().add_term(model.get_variable("production"), 2.0)
    assert typed.__orig_class__ == LXModel[Local]  # set by typing; no runtime effect
    for obj in (typed, scenario, solution, result, product, expr):
        for clone in (copy.deepcopy(obj), pickle.loads(pickle.dumps(obj))):
            assert type(clone) is type(obj)
            assert "__orig_class__" not in clone.__dict__
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    assert pickle.loads(pickle.dumps(solution)) == solution
    analyzers = (
        LXScenarioAnalyzer[Local](model, LXOptimizer()),
        LXWhatIfAnalyzer[Local](model, LXOptimizer()),
        LXSensitivityAnalyzer[Local](model, LXOptimizer().solve(model)),
    )
    assert [a.model if hasattr(a, "model") else a.base_model for a in analyzers] == [model] * 3
    assert LXOptimizer().solve(pickle.loads(pickle.dumps(model))).objective_value == pytest.approx(
        WYNDOR_OPTIMUM
    )


# -- lumix.indexing (§4.2) ---------------------------------------------------------------------


def test_lumix_indexing_and_helpers_packages():
    import lumix.helpers
    import lumix.indexing
    from lumix.indexing.cartesian import LXCartesianProduct as FromCartesian
    from lumix.indexing.dimensions import LXIndexDimension as FromDimensions

    assert lumix.indexing.__all__ == ["LXIndexDimension", "LXCartesianProduct"]
    assert lumix.indexing.LXIndexDimension is FromDimensions is LXIndexDimension
    assert lumix.indexing.LXCartesianProduct is FromCartesian is LXCartesianProduct
    assert lumix.helpers.__all__ == []


def test_index_dimension_third_positional_argument_is_the_filter(products):
    dim = LXIndexDimension(Product, lambda p: p.id, lambda p: p.profit > 2, "big").from_data(products)
    assert [p.id for p in dim.get_instances()] == [1, 2]
    assert dim.label == "big"


def test_index_dimension_without_a_source_says_how_to_give_one():
    with pytest.raises(
        ValueError,
        match=r"^LXIndexDimension for Product has no data source\. "
        r"Use \.from_data\(data\) or \.from_model\(session\)$",
    ):
        LXIndexDimension(Product, lambda p: p.id).get_instances()


def test_cartesian_where_filters_combinations_when_expanded(assign, products, resources):
    product = assign._cartesian
    assert product.where(lambda p, r: r.name in p.usage) is product
    expected = [f"assign[({p.id}, '{r.name}')]" for p in products for r in resources if r.name in p.usage]
    assert list(LXModel().add_variable(assign).to_canonical().col_names) == expected
    assert len(expected) == 5
    assert [(p.id, r.name) for p, r in assign.get_instances()][:2] == [(1, "plant1"), (1, "plant3")]
    for clone in (copy.deepcopy(assign), pickle.loads(pickle.dumps(assign))):
        assert list(LXModel().add_variable(clone).to_canonical().col_names) == expected
    with pytest.raises(TypeError, match=r"LXCartesianProduct\.where\(\) takes a callable"):
        product.where(3)


def test_cartesian_where_that_raises_names_the_family(assign):
    assign._cartesian.where(lambda p, r: p.missing)
    with pytest.raises(ModelError, match=r"variable 'assign' \(instance .*\): filter .*AttributeError"):
        LXModel().add_variable(assign).to_canonical()


# -- LXLinearExpression.terms (§4.3) -----------------------------------------------------------


def _overtime_lp(products, resources, holding_cost):
    """production[p] >= 0 and overtime[r] in [0, 2] (extra capacity at ``holding_cost``):
    maximize profit - holding_cost * overtime s.t. usage . production - overtime[r] <= cap[r]."""
    x = (
        LXVariable[Product, float]("production")
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
    )
    overtime = LXVariable[Resource, float]("overtime").bounds(0, 2).indexed_by(lambda r: r.name)
    overtime.from_data(resources)
    lhs = LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)).add_term(overtime, -1.0)
    cap = LXConstraint("cap").expression(lhs).le().rhs(lambda r: r.capacity).from_data(resources)
    cap.indexed_by(lambda r: r.name)
    revenue = LXLinearExpression().add_term(x, lambda p: p.profit)
    holding = LXLinearExpression().add_term(overtime, lambda r: -holding_cost)
    return LXModel("overtime").add_variables(x, overtime).add_constraint(cap), revenue, holding


def test_terms_moved_between_expressions_as_upstream_ex11b_does(products, resources):
    model, revenue, holding = _overtime_lp(products, resources, 1.2)
    profit = LXLinearExpression()
    profit.terms = revenue.terms.copy()
    for name, term in holding.terms.items():
        profit.terms[name] = term
    assert list(profit.terms) == ["production", "overtime"] and list(revenue.terms) == ["production"]
    got = LXOptimizer().solve(model.maximize(profit))
    plain, revenue2, holding2 = _overtime_lp(products, resources, 1.2)
    same = LXOptimizer().solve(plain.maximize(revenue2 + holding2))
    # the same LP written for scipy: columns doors, windows, frames, overtime plant1..3
    c = -np.array([3.0, 5.0, 1.0, -1.2, -1.2, -1.2])
    a_ub = [[1, 0, 0, -1, 0, 0], [0, 2, 0, 0, -1, 0], [3, 2, 2, 0, 0, -1]]
    bounds = [(0, None)] * 3 + [(0, 2)] * 3
    direct = linprog(c, A_ub=a_ub, b_ub=[4, 12, 18], bounds=bounds, method="highs")
    assert got.objective_value == pytest.approx(-direct.fun) == pytest.approx(same.objective_value)
    assert got.objective_value > WYNDOR_OPTIMUM  # plant2's shadow price 1.5 beats the cost 1.2


def test_terms_is_lumixs_dict_of_tuples_with_merging(x, products):
    expr = LXLinearExpression().add_term(x, 1.0).add_term(x, lambda p: p.id, where=lambda p: p.id != 2)
    assert list(expr.terms) == ["x"]
    var, coeff, where = expr.terms["x"]
    assert var is x
    # an instance gets the coefficients whose filter keeps it: 1 + id, except id 2 (1 only)
    assert [coeff(p) for p in products] == [2.0, 1.0, 4.0]
    assert all(where(p) for p in products)
    assert objective_of(expr, x) == [2.0, 1.0, 4.0]
    single = LXLinearExpression().add_term(x, 2.5).terms["x"]
    assert single.coeff(products[0]) == 2.5 and single.where(products[0]) is True
    # moved into another expression and scaled: 2 * (1 + id), 2 * 1
    moved = LXLinearExpression()
    moved.terms["x"] = expr.terms["x"]
    assert objective_of(2 * moved, x) == [4.0, 2.0, 8.0]
    assert objective_of(moved, x) == [2.0, 1.0, 4.0]  # arithmetic returns new expressions


def test_merged_terms_keep_each_parts_row_rule(x, products):
    # rows are products: the one-argument part holds only the row's own column, the
    # (instance, row) part every column it gives a coefficient
    expr = LXLinearExpression().add_term(x, 1.0).add_term(x, lambda p, row: 10.0 if p.id > row.id else 0.0)
    assert list(expr.terms) == ["x"]
    c = LXConstraint("c").expression(expr).le().rhs(1).from_data(products).indexed_by(lambda p: p.id)
    matrix = LXModel().add_variable(x).add_constraint(c).to_canonical().matrix.toarray().tolist()
    assert matrix == [[1.0, 10.0, 10.0], [0.0, 1.0, 10.0], [0.0, 0.0, 1.0]]


def test_hand_written_terms_compile_and_bad_ones_name_the_entry(x):
    expr = LXLinearExpression(
        terms={"x": (x, lambda p: 2.0, lambda p: p.id > 1)}, constant=1.5, _multi_terms=[]
    )
    assert objective_of(expr, x) == [0.0, 2.0, 2.0]
    assert LXModel().add_variable(x).maximize(expr).to_canonical().objective_constant == 1.5
    expr.terms["x"] = (x, 1.0)
    with pytest.raises(
        ModelError, match=r"the objective: terms\['x'\]: expected a tuple \(LXVariable, coeff"
    ):
        objective_of(expr, x)
    expr.terms["x"] = (x, "2", None)
    with pytest.raises(
        ModelError, match=r"terms\['x'\]: the coefficient must be a number or a callable, got '2'"
    ):
        objective_of(expr, x)


def test_expressions_with_every_kind_of_term_copy_and_pickle(x, assign, products, resources):
    weights = {1: 1.0, 2: 2.0, 3: 4.0}  # captured by a lambda
    rows = (
        LXLinearExpression()
        .add_term(x, lambda p, r: p.usage.get(r.name, 0.0))
        .add_term(x, lambda p: weights[p.id], where=LXRowKeyFilter(x, lambda r: int(r.capacity) % 3 + 1))
        .add_multi_term(assign, lambda p, r: p.id, keys=[(1, "plant2"), (3, "plant3")])
    )
    c = LXConstraint("c").expression(-2 * rows + 1).le().rhs(lambda r: r.capacity).from_data(resources)
    c.indexed_by(lambda r: r.name)
    objective = LXLinearExpression().add_term(x, 1.0, keys=[1, 3]).add_term(x, lambda p: weights[p.id]) * 3
    model = LXModel("kinds").add_variables(x, assign).add_constraint(c).maximize(objective)
    canon = model.to_canonical()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert clone.to_canonical().content_hash == canon.content_hash
    # objective 3 * (1[keys 1, 3] + weights): x[1] 6, x[2] 6, x[3] 15
    assert canon.objective[:3].tolist() == [6.0, 6.0, 15.0]


# -- keys= and the key filters ------------------------------------------------------------------


def test_keys_keep_the_instances_with_those_keys(x, assign, products):
    assert objective_of(LXLinearExpression().add_term(x, lambda p: p.profit, keys=[1, 3]), x) == [
        3.0,
        0.0,
        1.0,
    ]
    assert objective_of(LXLinearExpression().sum_over(x, keys=[2, 99]), x) == [0.0, 1.0, 0.0]
    # columns (1,plant1) (1,plant2) (1,plant3) (2,plant1) ... (3,plant3)
    expr = LXLinearExpression().add_multi_term(
        assign, lambda p, r: 10 * p.id, keys=[(1, "plant2"), (3, "plant1")]
    )
    assert objective_of(expr, assign) == [0, 10, 0, 0, 0, 0, 30, 0, 0]
    keyed = LXLinearExpression().add_term(x, keys=[2]).terms["x"].where
    assert isinstance(keyed, LXKeyFilter) and [keyed(p) for p in products] == [False, True, False]
    assert repr(keyed) == "LXKeyFilter('x', 1 keys)"


def test_keys_narrow_a_same_type_row_to_its_own_column(x, products):
    # rows are products too: each row holds only its own column, and only for the keyed ones
    c = LXConstraint("own").expression(LXLinearExpression().add_term(x, 2.0, keys=[1, 2]))
    c.le().rhs(5).from_data(products).indexed_by(lambda p: p.id)
    matrix = LXModel().add_variable(x).add_constraint(c).to_canonical().matrix.toarray().tolist()
    assert matrix == [[2.0, 0, 0], [0, 2.0, 0], [0, 0, 0]]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"where": lambda p: True, "keys": [1]}, ValueError, r"^Pass either where= or keys=, not both$"),
        ({"keys": "ab"}, TypeError, r"^keys must be an iterable of index keys, not a single string; wrap"),
        ({"keys": [[1]]}, TypeError, r"^keys must be hashable; write indexed_by_product keys as tuples"),
        ({"keys": 3}, TypeError, r"^keys must be an iterable of index keys, got int"),
    ],
)
def test_bad_keys(x, kwargs, error, message):
    with pytest.raises(error, match=message):
        LXLinearExpression().add_term(x, **kwargs)


def test_product_keys_must_be_full_width_tuples(assign):
    with pytest.raises(
        TypeError, match=r"keys for the indexed_by_product variable 'assign' must be a list of tuples "
    ):
        LXLinearExpression().sum_over(assign, keys=[1])


def test_row_key_filter_picks_the_rows_instance_by_key(x, products, resources):
    owner = {"plant1": 1, "plant2": 2, "plant3": 3}
    pick = LXRowKeyFilter(x, lambda r: owner[r.name])
    expr = LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0), where=pick)
    c = LXConstraint("r").expression(expr).le().rhs(0).from_data(resources).indexed_by(lambda r: r.name)
    matrix = LXModel().add_variable(x).add_constraint(c).to_canonical().matrix.toarray().tolist()
    assert matrix == [[1.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0]]
    # without a row (the objective) it keeps every instance
    assert objective_of(LXLinearExpression().add_term(x, 1.0, where=pick), x) == [1.0, 1.0, 1.0]
    assert [pick(products[0]), pick(products[0], resources[0]), pick(products[1], resources[0])] == [
        True
    ] * 2 + [False]


def test_row_key_that_raises_names_the_row(x, resources):
    expr = LXLinearExpression().add_term(x, where=LXRowKeyFilter(x, lambda r: r.missing))
    c = LXConstraint("r").expression(expr).le().rhs(0).from_data(resources).indexed_by(lambda r: r.name)
    with pytest.raises(ModelError, match=r"constraint 'r\[plant1\]': row key of x .*AttributeError"):
        LXModel().add_variable(x).add_constraint(c).to_canonical()


# -- reports (§4.4-§4.7); texts printed by LumiX 0.3.2 ----------------------------------------


def test_solution_summary_lines():
    made = LXSolution(
        objective_value=12.5,
        status="optimal",
        solve_time=0.25,
        variables={"x": {1: 0.0, 2: 3.0}, "y": 0.0, "z": 1e-7, "w": 2},
        gap=0.0125,
        iterations=17,
        nodes=3,
    )
    assert made.summary() == (
        "Status: optimal\nObjective: 12.500000\nSolve time: 0.250s\nNon-zero variables: 2/4\n"
        "Gap: 1.25%\nIterations: 17\nNodes: 3"
    )
    goal = LXSolution(
        objective_value=2.0,
        status="optimal",
        solve_time=0.0,
        variables={"x": 1.0, "g1_pos_dev": {None: 0.0}, "g1_neg_dev": {None: 2.0}},
        goal_deviations={
            "g1": {"pos": {None: 0.0}, "neg": {None: 2.0}},
            "g2": {"pos": {1: 0.0, 2: 0.0}, "neg": {1: 1e-9, 2: 0.0}},
        },
    )
    assert goal.summary() == (
        "Status: optimal\nObjective: 2.000000\nSolve time: 0.000s\nNon-zero variables: 2/3\n"
        "\nGoal Constraints: 2\nGoals Satisfied: 1/2"
    )
    # on purpose unlike LumiX (0.000000): no solution, no objective
    assert "Objective: n/a\n" in LXSolution(None, "infeasible", 0.0).summary()


@pytest.fixture
def plants(products):
    model = wyndor_plants(products)
    solution = LXOptimizer().solve(model)
    solution.solve_time = 0.0
    return model, solution


def test_sensitivity_report_and_summary(plants):
    model, solution = plants
    analyzer = LXSensitivityAnalyzer(model, solution)
    assert (
        solution.summary()
        == "Status: optimal\nObjective: 36.000000\nSolve time: 0.000s\nNon-zero variables: 1/1"
    )
    assert analyzer.generate_report() == REPORT
    assert analyzer.generate_report(include_variables=False, include_binding_only=True, top_n=2) == (
        REPORT_BINDING_TOP_2
    )
    assert analyzer.generate_report(include_constraints=False, top_n=1) == REPORT_VARIABLES_TOP_1
    assert analyzer.generate_summary() == SENSITIVITY_SUMMARY


def test_sensitivity_listings_keep_model_order(plants):
    model, solution = plants
    analyzer = LXSensitivityAnalyzer(model, solution)
    assert list(analyzer.analyze_all_constraints()) == ["plant1", "plant2", "plant3"]
    assert analyzer.identify_bottlenecks() == ["plant2", "plant3"]
    # ties (to 9 digits) keep model order, whatever the solver's round-off
    solution.shadow_prices.update({"plant2": 1.0 - 1e-14, "plant3": 1.0 + 1e-14})
    assert analyzer.identify_bottlenecks() == ["plant2", "plant3"]
    assert [n for n, _ in analyzer.get_most_sensitive_constraints(top_n=3)] == ["plant2", "plant3", "plant1"]
    with pytest.raises(
        ValueError, match=r"^Variable 'production' is indexed \(3 instances\); analyze one instance"
    ):
        analyzer.analyze_variable("production")


def test_compare_scenarios_text(products):
    model = wyndor_plants(products)
    analyzer = LXScenarioAnalyzer[Product](model, LXOptimizer())
    analyzer.add_scenario(LXScenario[Product]("more_plant2").modify_constraint_rhs("plant2", set_value=18))
    half = LXScenario[Product]("half_plant3", description="Half of plant 3")
    analyzer.add_scenario(half.modify_constraint_rhs("plant3", multiply=0.5))
    analyzer.add_scenario(LXScenario[Product]("plus_plant1").modify_constraint_rhs("plant1", add=2))
    analyzer.add_scenario(LXScenario[Product]("same").modify_constraint_rhs("plant1", add=0))
    doors = LXScenario[Product]("too_many_doors").modify_variable_bound("production", lower=5)
    analyzer.add_scenario(doors.modify_variable_bound("production", upper=50))
    assert analyzer.compare_scenarios() == "No results available. Run scenarios first."
    analyzer.run_all_scenarios()
    assert analyzer.compare_scenarios() == COMPARE
    assert analyzer.compare_scenarios(include_baseline=False, sort_by_objective=False) == (
        COMPARE_UNSORTED_NO_BASELINE
    )
    assert analyzer.compare_scenarios(["same", "nope"]) == COMPARE_SUBSET
    assert analyzer.compare_scenarios(["baseline"], include_baseline=False) == "No scenarios to compare."


def test_default_descriptions_of_the_other_changes():
    scenario = (
        LXScenario("s")
        .modify_constraint_rhs("cap", add_percent=0.1)
        .modify_objective_coefficient("x", multiply=2)
        .modify_coefficient("cap", "x", set_value=3)
        .modify_constraint_rhs("cap", set_value=1, description="mine")
    )
    assert [m.description for m in scenario.modifications] == [
        "Add 10% to cap RHS",
        "Multiply x objective coefficient by 2",
        "Set coefficient of x in cap to 3",
        "mine",
    ]


def test_whatif_texts_and_compare_changes(plants):
    model, _ = plants
    whatif = LXWhatIfAnalyzer(model, LXOptimizer())
    results = whatif.compare_changes(
        [
            ("plant2", "increase", 3),
            ("plant3", "decrease", 2),
            ("plant1", "relax", 1),
            ("plant2", "tighten", 6),
        ],
        constraint_type="rhs",
    )
    assert [(r.description, round(r.new_objective, 6), round(r.delta_percentage, 2)) for r in results] == [
        ("Increase plant2 RHS by 3", 40.5, 12.5),
        ("Decrease plant3 RHS by -2", 34.0, -5.56),
        ("Relax plant1 RHS by 1", 36.0, 0.0),
        ("Tighten plant2 RHS by -6", 27.0, -25.0),
    ]
    with pytest.raises(ValueError, match=r"^Unknown change type: grow"):
        whatif.compare_changes([("plant2", "increase", 1), ("plant2", "grow", 1)])
    bound = whatif.modify_variable_bound("production", lower=0.5, upper=1)
    assert bound.description == "Modify production bounds (lower bound: 0 → 0.5, upper bound: None → 1)"
    assert [c.description for c in bound.changes_applied] == ["lower bound 0 → 0.5", "upper bound None → 1"]
    assert (
        whatif.decrease_constraint_rhs("plant3", by_percent=0.1).description
        == "Decrease plant3 RHS by -10.0%"
    )


# -- logging, row activity, mapping, ORM queries (§5) -----------------------------------------


def test_enable_and_disable_logging():
    lumix_logger = logging.getLogger("lumix")
    before = list(lumix_logger.handlers)
    stream = io.StringIO()
    try:
        enable_logging("debug", stream=stream, fmt="%(levelname)s %(name)s %(message)s")
        handler = enable_logging("DEBUG", stream=stream, fmt="%(levelname)s %(name)s %(message)s")
        assert [h for h in lumix_logger.handlers if h not in before] == [handler]  # replaced, not added
        assert lumix_logger.propagate is False
        log = LXModelLogger("lumix.test")
        log.log_solve_end("optimal", 36.0, solve_time=0.5)
        log.log_model_creation("wyndor", 3, 3)
        log.log_variable_creation("x", "continuous", 3)
        with pytest.raises(ValueError, match="Unknown logging level 'LOUD'"):
            enable_logging("LOUD")
        assert handler in lumix_logger.handlers  # a bad level changes nothing
    finally:
        disable_logging()
    assert lumix_logger.handlers == before and lumix_logger.propagate is True
    assert stream.getvalue().splitlines() == [
        "INFO lumix.test Solve completed: optimal | Objective: 36.0000 | Time: 0.50s",
        "INFO lumix.test Created model 'wyndor' with 3 variables and 3 constraints",
        "DEBUG lumix.test Created 3 continuous variable(s): x",
    ]


def test_row_activity(products, resources):
    model, x, _ = wyndor_model(products, resources)
    model.add_constraint(
        LXConstraint("doors").expression(LXLinearExpression().add_term(x, keys=[1])).ge().rhs(1)
    )
    model.add_constraint(
        LXConstraint("windows").expression(LXLinearExpression().add_term(x, keys=[2])).eq().rhs(6)
    )
    activity = row_activity(model, LXOptimizer().solve(model))
    # doors 2, windows 6, frames 0: plant1 2 <= 4, plant2 12 <= 12, plant3 18 <= 18
    expected = {
        "capacity[plant1]": (2.0, 4.0, 2.0, False),
        "capacity[plant2]": (12.0, 12.0, 0.0, True),
        "capacity[plant3]": (18.0, 18.0, 0.0, True),
        "doors": (2.0, 1.0, 1.0, False),
        "windows": (6.0, 6.0, 0.0, True),
    }
    assert list(activity) == list(expected)
    for name, (lhs, rhs, slack, binding) in expected.items():
        got = activity[name]
        assert (got.lhs, got.rhs, got.slack) == pytest.approx((lhs, rhs, slack), abs=1e-9), name
        assert got.binding is binding, name
    assert activity["doors"].sense is LXConstraintSense.GE
    assert row_activity(model, LXSolution(None, "infeasible", 0.0)) == {}
    partial = LXSolution(1.0, "optimal", 0.0, variables={"other": 1.0})
    assert row_activity(model, partial) == {}  # no values for production: every row left out


@dataclass(frozen=True)
class City:
    code: str


@dataclass(frozen=True)
class Depot:
    id: int


def test_solution_mapper():
    cities, depots = [City("a"), City("b")], [Depot(1), Depot(2)]
    flow = LXVariable("flow").indexed_by_product(
        LXIndexDimension(City, lambda c: c.code).from_data(cities),
        LXIndexDimension(Depot, lambda d: d.id).from_data(depots),
    )
    ship = LXVariable("ship").indexed_by(lambda c: c.code).from_data(cities)
    mapper = LXSolutionMapper()
    assert mapper.map_variable_to_models(ship, {"a": 1.0, "z": 2.0}, cities) == {City("a"): 1.0}
    assert mapper.map_variable_to_models(flow, {("a", 1): 1.0}, cities) == {}  # no indexed_by
    values = {("a", 2): 3.0, ("b", 1): 4.0, ("c", 1): 5.0, "a": 6.0}
    assert mapper.map_multi_indexed_variable(flow, values) == {
        (City("a"), Depot(2)): 3.0,
        (City("b"), Depot(1)): 4.0,
    }
    assert mapper.map_multi_indexed_variable(ship, values) == {}


def test_typed_orm_query(sqlite_session):  # the Wyndor rows (tests/conftest.py)
    query = LXORMContext(sqlite_session).query(SAProduct)
    assert [p.id for p in query.filter(lambda p: p.profit > 2).filter(lambda p: p.id != 1).all()] == [2]
    assert query.first().id == 2
    assert LXORMContext(sqlite_session).query(SAProduct).filter(lambda p: p.profit > 99).first() is None


def test_top_level_names():
    for name in (
        "LXVariableSensitivity",
        "LXConstraintSensitivity",
        "LXWhatIfChange",
        "LXKeyFilter",
        "LXRowKeyFilter",
        "LXSolutionMapper",
        "LXModelLogger",
        "enable_logging",
        "disable_logging",
        "LXORMContext",
        "LXTypedQuery",
    ):
        assert name in lumix.__all__ and hasattr(lumix, name)
    from lumix.solution import LXRowActivity
    from lumix.solution import LXSolution as FromSolution

    assert FromSolution is LXSolution and LXRowActivity is lumix.LXRowActivity
