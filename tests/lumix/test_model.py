"""``LXModel``: families, lookup, objectives."""

from __future__ import annotations

import pytest

from lumix import (
    LXCanonicalModel,
    LXConstraint,
    LXLinearExpression,
    LXModel,
    LXObjectiveSense,
    LXOptimizer,
    LXVariable,
    ModelError,
)
from tests.conftest import WYNDOR_OPTIMUM, Product, direct_wyndor


@pytest.fixture
def x(products):
    return (
        LXVariable[Product, float]("production")
        .bounds(0, 10)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )


@pytest.fixture
def y():
    return LXVariable("overtime").bounds(0, 2).cost(lambda _: -4.0)


def test_add_and_get_variables_and_constraints(x, y):
    c1 = LXConstraint("a").expression(LXLinearExpression().add_term(x)).rhs(1)
    c2 = LXConstraint("b").expression(LXLinearExpression().add_term(y)).rhs(1)
    model = LXModel("plan")
    assert model.add_variable(x) is model
    assert model.add_variables(y) is model
    assert model.add_constraint(c1) is model
    assert model.add_constraints(c2) is model
    assert model.variables == [x, y]
    assert model.constraints == [c1, c2]
    assert model.get_variable("overtime") is y
    assert model.get_constraint("b") is c2
    assert repr(model) == "LXModel('plan', 2 variable families, 2 constraint families)"
    assert "Variable Families: 2" in model.summary()


def test_unknown_variable_name_suggests_close_matches(x, y):
    model = LXModel("plan").add_variables(x, y)
    with pytest.raises(
        ModelError,
        match=r"model 'plan' has no variable family named 'prodution'; did you mean 'production'\?",
    ):
        model.get_variable("prodution")
    with pytest.raises(
        ModelError, match=r"has no variable family named 'zzz' \(known: production, overtime\)"
    ):
        model.get_variable("zzz")


def test_unknown_constraint_name_suggests_close_matches(x):
    c = LXConstraint("capacity").expression(LXLinearExpression().add_term(x)).rhs(1)
    model = LXModel("plan").add_variable(x).add_constraint(c)
    with pytest.raises(ModelError, match=r"no constraint named 'capacty'; did you mean 'capacity'\?"):
        model.get_constraint("capacty")
    with pytest.raises(ModelError, match=r"known: none"):
        LXModel("empty").get_constraint("capacity")


def test_duplicate_family_names(x):
    model = LXModel("plan").add_variable(x)
    with pytest.raises(ModelError, match=r"model 'plan' already has a variable family 'production'"):
        model.add_variable(LXVariable("production"))
    c = LXConstraint("c").expression(LXLinearExpression()).rhs(1)
    model.add_constraint(c)
    with pytest.raises(ModelError, match=r"model 'plan' already has a constraint 'c'"):
        model.add_constraint(LXConstraint("c"))


def test_add_rejects_other_objects():
    with pytest.raises(TypeError, match="add_variable\\(\\) takes an LXVariable, got str"):
        LXModel().add_variable("x")
    with pytest.raises(TypeError, match="add_constraint\\(\\) takes an LXConstraint, got int"):
        LXModel().add_constraint(1)
    with pytest.raises(
        TypeError,
        match="the objective must be an LXLinearExpression, LXQuadraticExpression or "
        "LXNonLinearExpression, got float",
    ):
        LXModel().maximize(1.0)


def test_maximize_without_argument_sums_the_costs(x, y):
    # maximize 3 p1 + 5 p2 + 1 p3 - 4 overtime, 0 <= p <= 10, 0 <= overtime <= 2: 90
    model = LXModel().add_variables(x, y).maximize()
    assert model.objective_sense is LXObjectiveSense.MAXIMIZE
    canon = model.to_canonical()
    assert canon.objective.tolist() == [3.0, 5.0, 1.0, -4.0]
    assert canon.sense is LXObjectiveSense.MAXIMIZE
    assert LXOptimizer().solve(model).objective_value == pytest.approx(90.0)


def test_minimize_without_argument_sums_the_costs(x, y):
    # minimize the same: everything 0 except overtime = 2: -8
    model = LXModel().add_variables(x, y).minimize()
    assert model.to_canonical().sense is LXObjectiveSense.MINIMIZE
    assert LXOptimizer().solve(model).objective_value == pytest.approx(-8.0)


def test_costs_are_read_when_compiling(x, y):
    model = LXModel().add_variables(x).maximize()
    model.add_variable(y)  # added after maximize(): still part of the objective
    assert model.to_canonical().objective.tolist() == [3.0, 5.0, 1.0, -4.0]
    assert isinstance(model.objective_expr, LXLinearExpression)


def test_maximize_and_minimize_with_an_expression(x, y):
    expr = LXLinearExpression().add_term(x, lambda p: p.id).add_term(y, 1.0).add_constant(5)
    model = LXModel().add_variables(x, y).maximize(expr)
    assert model.objective_expr is expr
    # 10*(1+2+3) + 2 + 5 = 67
    assert LXOptimizer().solve(model).objective_value == pytest.approx(67.0)
    model.minimize(expr)
    # all zero: 5
    assert LXOptimizer().solve(model).objective_value == pytest.approx(5.0)


def test_objective_expr_can_be_assigned(x):
    model = LXModel().add_variable(x).maximize()
    model.objective_expr = LXLinearExpression().add_term(x, 2.0)
    assert model.to_canonical().objective.tolist() == [2.0, 2.0, 2.0]


def test_maximize_without_any_cost_is_an_error():
    model = LXModel("plan").add_variable(LXVariable("z").bounds(0, 1)).maximize()
    with pytest.raises(
        ModelError, match=r"model 'plan': maximize\(\) was called without an expression, but no variable"
    ):
        model.to_canonical()


def test_no_objective_is_a_feasibility_problem(x):
    model = LXModel().add_variable(x)
    canon = model.to_canonical()
    assert canon.sense is None
    assert not canon.objective.any()
    solution = LXOptimizer().solve(model)
    assert solution.status == "optimal"
    assert solution.objective_value == pytest.approx(0.0)


def test_to_canonical(wyndor):
    model, _, _ = wyndor
    canon = model.to_canonical()
    assert isinstance(canon, LXCanonicalModel)
    assert canon.name == "wyndor"


def test_wyndor_end_to_end(products, resources, wyndor):
    model, x, _ = wyndor
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.objective_value == pytest.approx(direct_wyndor(products, resources))
    assert solution.get_variable(x) == pytest.approx({1: 2.0, 2: 6.0, 3: 0.0})
