"""``LXLinearExpression``: terms, filters, constants and arithmetic, on compiled rows/objectives."""

from __future__ import annotations

import numpy as np
import pytest

from lumix import LXConstraint, LXIndexDimension, LXLinearExpression, LXModel, LXVariable, ModelError
from lumix.core import LXMultiTerm, LXTerm
from tests.conftest import Product, Resource


@pytest.fixture
def x(products):
    return LXVariable[Product, float]("x").bounds(0, 10).indexed_by(lambda p: p.id).from_data(products)


@pytest.fixture
def y():
    return LXVariable("y").bounds(0, 1)


def objective_of(expr, *variables):
    """(objective vector, constant) of ``maximize(expr)`` over the given families."""
    canon = LXModel().add_variables(*variables).maximize(expr).to_canonical()
    return canon.objective.tolist(), canon.objective_constant


def rows_of(expr, x, resources):
    """Matrix and upper bounds of ``expr <= 0`` over the Resource rows."""
    c = LXConstraint("r").expression(expr).le().rhs(0).from_data(resources).indexed_by(lambda r: r.name)
    canon = LXModel().add_variable(x).add_constraint(c).to_canonical()
    return canon.matrix.toarray().tolist(), canon.row_upper.tolist()


# -- add_term ----------------------------------------------------------------------------------


def test_add_term_default_coefficient_is_one(x):
    expr = LXLinearExpression().add_term(x)
    assert isinstance(expr.terms["x"], LXTerm)
    assert objective_of(expr, x) == ([1.0, 1.0, 1.0], 0.0)


def test_add_term_with_a_number(x):
    assert objective_of(LXLinearExpression().add_term(x, 2.5), x) == ([2.5, 2.5, 2.5], 0.0)


def test_add_term_with_a_function_of_the_instance(x):
    assert objective_of(LXLinearExpression().add_term(x, lambda p: p.profit), x) == ([3.0, 5.0, 1.0], 0.0)


def test_add_term_with_a_function_of_instance_and_row(x, resources):
    matrix, _ = rows_of(LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)), x, resources)
    assert matrix == [[1, 0, 0], [0, 2, 0], [3, 2, 2]]


def test_add_term_with_a_one_argument_where(x):
    expr = LXLinearExpression().add_term(x, lambda p: p.profit, where=lambda p: p.id != 2)
    assert objective_of(expr, x) == ([3.0, 0.0, 1.0], 0.0)


def test_add_term_with_a_two_argument_where(x, resources):
    # only products that use the row's resource, each with coefficient 1
    expr = LXLinearExpression().add_term(x, where=lambda p, r: r.name in p.usage)
    matrix, _ = rows_of(expr, x, resources)
    assert matrix == [[1, 0, 0], [0, 1, 0], [1, 1, 1]]


def test_two_argument_where_with_one_argument_coefficient(x, resources):
    expr = LXLinearExpression().add_term(x, lambda p: 10 * p.id, where=lambda p, r: r.name == "plant3")
    matrix, _ = rows_of(expr, x, resources)
    assert matrix == [[0, 0, 0], [0, 0, 0], [10, 20, 30]]


def test_two_argument_coefficient_outside_a_constraint_family(x):
    with pytest.raises(
        ModelError, match=r"the objective: .*takes \(instance, row\) but the objective has no rows"
    ):
        objective_of(LXLinearExpression().add_term(x, lambda p, r: 1.0), x)


def test_add_term_rejects_non_variables_and_bad_coefficients(x):
    with pytest.raises(TypeError, match=r"add_term\(\) takes an LXVariable, got str"):
        LXLinearExpression().add_term("x")
    with pytest.raises(
        TypeError, match=r"add_term\(x\): the coefficient must be a number or a callable, got str"
    ):
        LXLinearExpression().add_term(x, "2")


def test_same_variable_twice_sums_coefficients(x):
    expr = LXLinearExpression().add_term(x, 1.0).add_term(x, lambda p: p.id)
    assert objective_of(expr, x) == ([2.0, 3.0, 4.0], 0.0)


def test_terms_that_cancel_leave_no_stored_entry(x, resources):
    expr = LXLinearExpression().add_term(x, 2.0).add_term(x, -2.0)
    c = LXConstraint("zero").expression(expr).le().rhs(1)
    canon = LXModel().add_variable(x).add_constraint(c).to_canonical()
    assert canon.matrix.nnz == 0


# -- add_multi_term / sum_over ------------------------------------------------------------------


@pytest.fixture
def assign(products, resources):
    return (
        LXVariable("assign")
        .bounds(0, 1)
        .indexed_by_product(
            LXIndexDimension(Product, lambda p: p.id).from_data(products[:2]),
            LXIndexDimension(Resource, lambda r: r.name).from_data(resources[:2]),
        )
    )


def test_add_multi_term_spreads_the_dimensions(assign):
    # columns (1,plant1) (1,plant2) (2,plant1) (2,plant2)
    expr = LXLinearExpression().add_multi_term(assign, lambda p, r: p.id * r.capacity)
    assert isinstance(expr._multi_terms[0], LXMultiTerm)
    assert objective_of(expr, assign) == ([4.0, 12.0, 8.0, 24.0], 0.0)


def test_add_multi_term_with_one_argument_gets_the_tuple(assign):
    expr = LXLinearExpression().add_multi_term(assign, lambda pr: pr[0].id)
    assert objective_of(expr, assign) == ([1.0, 1.0, 2.0, 2.0], 0.0)


def test_add_multi_term_where(assign):
    expr = LXLinearExpression().add_multi_term(assign, 3.0, where=lambda p, r: r.name == "plant2")
    assert objective_of(expr, assign) == ([0.0, 3.0, 0.0, 3.0], 0.0)


def test_sum_over_every_column(assign):
    assert objective_of(LXLinearExpression().sum_over(assign), assign) == ([1.0] * 4, 0.0)


def test_sum_over_where(assign, x):
    expr = (
        LXLinearExpression()
        .sum_over(assign, where=lambda p, r: p.id == 2)
        .sum_over(x, where=lambda p: p.id == 3)
    )
    assert objective_of(expr, assign, x) == ([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0], 0.0)


def test_multi_term_is_row_independent(assign, resources):
    # sum_over inside a constraint family adds every column to every row
    c = (
        LXConstraint("r")
        .expression(LXLinearExpression().sum_over(assign))
        .rhs(1)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    canon = LXModel().add_variable(assign).add_constraint(c).to_canonical()
    assert canon.matrix.toarray().tolist() == [[1.0] * 4] * 3


# -- constants and arithmetic ---------------------------------------------------------------------


def test_add_constant(x):
    expr = LXLinearExpression().add_term(x).add_constant(4).add_constant(0.5)
    assert expr.constant == 4.5
    assert objective_of(expr, x) == ([1.0] * 3, 4.5)


def test_add_expressions_and_numbers(x, y):
    e = LXLinearExpression().add_term(x, 2.0) + LXLinearExpression().add_term(y, 3.0) + 1
    assert objective_of(e, x, y) == ([2.0, 2.0, 2.0, 3.0], 1.0)
    assert objective_of(5 + LXLinearExpression().add_term(y), x, y) == ([0.0, 0.0, 0.0, 1.0], 5.0)


def test_subtract(x, y):
    e = LXLinearExpression().add_term(x, 2.0) - LXLinearExpression().add_term(y, 3.0).add_constant(1) - 2
    assert objective_of(e, x, y) == ([2.0, 2.0, 2.0, -3.0], -3.0)
    r = 10 - LXLinearExpression().add_term(y, 3.0)
    assert objective_of(r, x, y) == ([0.0, 0.0, 0.0, -3.0], 10.0)


def test_multiply_and_negate(x):
    base = LXLinearExpression().add_term(x, lambda p: p.id).add_constant(1)
    assert objective_of(base * 2, x) == ([2.0, 4.0, 6.0], 2.0)
    assert objective_of(3 * base, x) == ([3.0, 6.0, 9.0], 3.0)
    assert objective_of(-base, x) == ([-1.0, -2.0, -3.0], -1.0)
    assert objective_of(base, x) == ([1.0, 2.0, 3.0], 1.0)  # unchanged


def test_in_place_operators(x):
    e = LXLinearExpression().add_term(x)
    same = e
    e += 2
    e *= 3
    e += LXLinearExpression().add_term(x)
    assert e is same
    assert objective_of(e, x) == ([4.0, 4.0, 4.0], 6.0)


def test_sum_of_a_list(x, y):
    parts = [LXLinearExpression().add_term(x, lambda p, k=k: k * p.id) for k in (1, 2, 3)]
    parts.append(LXLinearExpression().add_term(y, 7.0))
    total = sum(parts)
    assert isinstance(total, LXLinearExpression)
    assert objective_of(total, x, y) == ([6.0, 12.0, 18.0, 7.0], 0.0)


def test_scaled_terms_keep_row_semantics(x, resources):
    e = LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)) * -1 + 0
    matrix, upper = rows_of(e, x, resources)
    assert matrix == [[-1, 0, 0], [0, -2, 0], [-3, -2, -2]]
    assert upper == [0.0, 0.0, 0.0]


def test_unsupported_operands(x):
    e = LXLinearExpression().add_term(x)
    with pytest.raises(TypeError):
        e * e
    with pytest.raises(TypeError):
        e + "1"
    with pytest.raises(TypeError):
        e - [1]


def test_copy_is_independent(x, y):
    original = LXLinearExpression().add_term(x).add_constant(1)
    clone = original.copy()
    clone.add_term(y, 5.0).add_constant(2)
    clone *= 2
    assert objective_of(original, x, y) == ([1.0, 1.0, 1.0, 0.0], 1.0)
    assert objective_of(clone, x, y) == ([2.0, 2.0, 2.0, 10.0], 6.0)


# -- errors -------------------------------------------------------------------------------------


def test_unknown_variable_in_an_expression(x):
    ghost = LXVariable("ghost").bounds(0, 1)
    c = LXConstraint("uses_ghost").expression(LXLinearExpression().add_term(ghost)).rhs(1)
    with pytest.raises(
        ModelError, match=r"constraint 'uses_ghost': variable 'ghost' is not part of the model; add it"
    ):
        LXModel().add_variable(x).add_constraint(c).to_canonical()


def test_unknown_variable_in_the_objective(x):
    ghost = LXVariable("ghost")
    with pytest.raises(ModelError, match=r"the objective: variable 'ghost' is not part of the model"):
        objective_of(LXLinearExpression().add_term(ghost), x)


def test_nan_number_coefficient_names_the_family(x):
    with pytest.raises(ModelError, match=r"the objective: coefficient of x is nan"):
        objective_of(LXLinearExpression().add_term(x, float("nan")), x)


def test_coefficient_that_is_not_a_number_names_key_and_callable(x):
    def label(p):
        return p.name

    with pytest.raises(
        ModelError, match=r"the objective: coefficient of x\[1\] is 'doors', not a number \(.*label at"
    ):
        objective_of(LXLinearExpression().add_term(x, label), x)


def test_where_filter_that_raises_names_the_term(x):
    def only(p):
        return {1: True}[p.id]

    with pytest.raises(
        ModelError, match=r"the objective \(term x\[2\]\): where filter \(.*only at test_expressions\.py"
    ):
        objective_of(LXLinearExpression().add_term(x, where=only), x)


def test_nothing_is_called_before_compiling(x, resources):
    def boom(*_):
        raise AssertionError("called while building")

    expr = LXLinearExpression().add_term(x, boom, where=boom).add_multi_term(x, boom, where=boom)
    c = LXConstraint("c").expression(expr).rhs(boom).from_data(resources).indexed_by(boom)
    model = LXModel().add_variable(x.cost(boom).where(boom)).add_constraint(c).maximize()
    with pytest.raises(ModelError, match="called while building"):
        model.to_canonical()


def test_empty_expression_compiles_to_an_empty_row(x):
    c = LXConstraint("empty").expression(LXLinearExpression()).le().rhs(3)
    canon = LXModel().add_variable(x).add_constraint(c).to_canonical()
    assert canon.matrix.nnz == 0
    assert canon.row_upper.tolist() == [3.0]
    assert np.isneginf(canon.row_lower).all()
