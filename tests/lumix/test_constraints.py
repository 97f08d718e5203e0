"""``LXConstraint``: senses, right-hand sides, data sources and indexing, on the compiled rows."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from lumix import (
    LXConstraint,
    LXConstraintSense,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXVariable,
    ModelError,
)
from tests.conftest import WYNDOR_OPTIMUM, Product, Resource, SAProduct, SAResource


@pytest.fixture
def x(products):
    return LXVariable[Product, float]("x").bounds(0, 10).indexed_by(lambda p: p.id).from_data(products)


def compile_with(x, *constraints):
    return LXModel("c").add_variable(x).add_constraints(*constraints).to_canonical()


def total(x):
    return LXLinearExpression().sum_over(x)


@pytest.mark.parametrize(
    ("sense", "lower", "upper", "code"),
    [("le", -np.inf, 7.0, "<="), ("ge", 7.0, np.inf, ">="), ("eq", 7.0, 7.0, "==")],
)
def test_sense_sets_row_bounds(x, sense, lower, upper, code):
    c = getattr(LXConstraint("total").expression(total(x)), sense)().rhs(7)
    assert (
        c.sense is {"le": LXConstraintSense.LE, "ge": LXConstraintSense.GE, "eq": LXConstraintSense.EQ}[sense]
    )
    canon = compile_with(x, c)
    assert canon.row_names == ("total",)
    assert (canon.row_lower[0], canon.row_upper[0]) == (lower, upper)
    assert canon.row_sense.tolist() == [code]
    assert canon.matrix.toarray().tolist() == [[1.0, 1.0, 1.0]]
    assert "total" in canon.scalar_families
    assert canon.row_index == {"total": {None: 0}}


def test_default_sense_is_le(x):
    c = LXConstraint("total").expression(total(x)).rhs(1)
    assert c.sense is LXConstraintSense.LE
    assert repr(c) == "LXConstraint('total', <=)"


def test_builders_return_the_constraint(x):
    c = LXConstraint("c")
    assert c.expression(total(x)) is c
    assert c.le() is c and c.ge() is c and c.eq() is c
    assert c.rhs(1) is c
    assert c.from_data([]) is c
    assert c.indexed_by(lambda r: r) is c


def test_attributes(x):
    expr = total(x)
    c = LXConstraint("c").expression(expr).ge().rhs(3)
    assert (c.name, c.lhs, c.sense, c.rhs_value, c.rhs_func) == ("c", expr, LXConstraintSense.GE, 3, None)
    f = lambda r: r.capacity
    c.rhs(f)
    assert (c.rhs_value, c.rhs_func) == (None, f)


def test_rhs_per_row_from_data_indexed_by(x, resources):
    c = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    assert c.is_indexed
    assert [r.name for r in c.get_instances()] == ["plant1", "plant2", "plant3"]
    canon = compile_with(x, c)
    assert canon.row_names == ("capacity[plant1]", "capacity[plant2]", "capacity[plant3]")
    assert canon.row_upper.tolist() == [4.0, 12.0, 18.0]
    assert canon.row_index == {"capacity": {"plant1": 0, "plant2": 1, "plant3": 2}}
    assert canon.matrix.toarray().tolist() == [[1, 0, 0], [0, 2, 0], [3, 2, 2]]


def test_number_rhs_applies_to_every_row(x, resources):
    c = LXConstraint("cap").expression(total(x)).rhs(9).from_data(resources).indexed_by(lambda r: r.name)
    canon = compile_with(x, c)
    assert canon.row_upper.tolist() == [9.0, 9.0, 9.0]


def test_assigning_rhs_value_changes_the_compiled_row_and_the_optimum(products, resources):
    from tests.conftest import wyndor_model

    model, _, _ = wyndor_model(products, resources)
    limit = LXConstraint("limit").expression(LXLinearExpression().sum_over(model.get_variable("production")))
    model.add_constraint(limit.le().rhs(100))
    # the limit does not bind: Wyndor's optimum 36 at (2, 6, 0)
    assert LXOptimizer().solve(model).objective_value == pytest.approx(WYNDOR_OPTIMUM)
    # doors + windows + frames <= 4: with plant1..3 the best is windows = 4 (profit 20)
    # (check: doors=2, windows=2 gives 16; windows=4 uses plant2 8 <= 12, plant3 8 <= 18)
    model.get_constraint("limit").rhs_value = 4
    canon = model.to_canonical()
    assert canon.row_upper[canon.row("limit")] == 4.0
    assert LXOptimizer().solve(model).objective_value == pytest.approx(20.0)


def test_constant_in_the_expression_moves_to_the_bound(x):
    c = LXConstraint("c").expression(total(x).add_constant(2)).ge().rhs(5)
    canon = compile_with(x, c)
    assert (canon.row_lower[0], canon.row_upper[0]) == (3.0, np.inf)


def test_constraint_from_model_with_type_and_session(x, sqlite_session):
    c = (
        LXConstraint("cap")
        .expression(total(x))
        .rhs(lambda r: r.capacity)
        .from_model(SAResource, session=sqlite_session)
        .indexed_by(lambda r: r.name)
    )
    canon = compile_with(x, c)
    # rows in primary-key order although inserted as plant3, plant1, plant2
    assert canon.row_names == ("cap[plant1]", "cap[plant2]", "cap[plant3]")
    assert canon.row_upper.tolist() == [4.0, 12.0, 18.0]


def test_constraint_from_model_session_takes_the_declared_type(x, sqlite_session):
    c = (
        LXConstraint[SAResource]("cap")
        .expression(total(x))
        .rhs(lambda r: r.capacity)
        .from_model(sqlite_session)
        .indexed_by(lambda r: r.name)
    )
    assert c.model_type is SAResource
    assert compile_with(x, c).row_names == ("cap[plant1]", "cap[plant2]", "cap[plant3]")


def test_one_argument_term_over_rows_of_the_variables_type_uses_the_rows_own_column(products):
    # x[p] >= min(p) per product: rows are *copies* of the data; matching is by key, not identity
    x = LXVariable[Product, float]("x").bounds(0, 10).indexed_by(lambda p: p.id).from_data(products)
    rows = copy.deepcopy(products)
    for p in rows:
        p.min_units = p.id
    c = (
        LXConstraint[Product]("minimum")
        .expression(LXLinearExpression().add_term(x, lambda p: 2.0 * p.id))
        .ge()
        .rhs(lambda p: p.min_units)
        .from_data(rows)
        .indexed_by(lambda p: p.name)
    )
    canon = compile_with(x, c)
    assert canon.row_names == ("minimum[doors]", "minimum[windows]", "minimum[frames]")
    assert canon.matrix.toarray().tolist() == [[2, 0, 0], [0, 4, 0], [0, 0, 6]]
    assert canon.row_lower.tolist() == [1.0, 2.0, 3.0]


def test_a_row_without_a_matching_column_gets_no_term(products):
    x = (
        LXVariable[Product, float]("x")
        .indexed_by(lambda p: p.id)
        .where(lambda p: p.id != 2)
        .from_data(products)
    )
    c = (
        LXConstraint[Product]("own")
        .expression(LXLinearExpression().add_term(x))
        .rhs(1)
        .from_data(copy.deepcopy(products))
        .indexed_by(lambda p: p.id)
    )
    canon = compile_with(x, c)
    assert canon.matrix.toarray().tolist() == [[1, 0], [0, 0], [0, 1]]


def test_two_argument_term_receives_variable_instance_and_row_instance(products):
    rows = copy.deepcopy(products)
    calls = []

    def coeff(p, row):
        calls.append((p, row))
        return 1.0 if p.id <= row.id else 0.0

    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id).from_data(products)
    c = (
        LXConstraint[Product]("cumulative")
        .expression(LXLinearExpression().add_term(x, coeff))
        .le()
        .rhs(5)
        .from_data(rows)
        .indexed_by(lambda p: p.id)
    )
    canon = compile_with(x, c)
    # every (column, row) pair: lower triangular
    assert canon.matrix.toarray().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert len(calls) == 9
    assert all(any(p is q for q in products) for p, _ in calls)
    assert all(any(r is q for q in rows) for _, r in calls)


def test_one_argument_term_over_rows_of_another_type_sums_every_column(x, resources):
    c = (
        LXConstraint[Resource]("cap")
        .expression(LXLinearExpression().add_term(x, lambda p: p.id))
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    assert compile_with(x, c).matrix.toarray().tolist() == [[1, 2, 3]] * 3


def test_plain_value_rows_select_their_own_column():
    # plain ints as data: row 0 is x's instance 0, so it takes only x[0], as in LumiX 0.3.2
    # (its canonical rows are c[0]: {x[0]: 1}, c[1]: {x[1]: 1}); a value that is not an
    # instance (2) takes every column, as any row of another kind does
    x = LXVariable[int, float]("x").from_data([0, 1])
    c = (
        LXConstraint("c")
        .expression(LXLinearExpression().add_term(x))
        .rhs(1)
        .from_data([0, 1, 2])
        .indexed_by(lambda r: r)
    )
    assert compile_with(x, c).matrix.toarray().tolist() == [[1, 0], [0, 1], [1, 1]]


# -- errors -----------------------------------------------------------------------------------


def test_expression_must_be_an_expression():
    with pytest.raises(
        TypeError,
        match=r"constraint 'c': expression\(\) takes an LXLinearExpression or an "
        r"LXNonLinearExpression, got int",
    ):
        LXConstraint("c").expression(3)


def test_name_must_be_a_nonempty_string():
    with pytest.raises(TypeError, match="non-empty name"):
        LXConstraint("")


def test_constraint_without_expression(x):
    with pytest.raises(ModelError, match=r"constraint 'c' has no expression; call \.expression"):
        compile_with(x, LXConstraint("c").le().rhs(1))


def test_constraint_without_rhs(x):
    with pytest.raises(ModelError, match=r"constraint 'c' has no right-hand side; call \.rhs"):
        compile_with(x, LXConstraint("c").expression(total(x)))


def test_callable_rhs_needs_rows(x):
    with pytest.raises(ModelError, match=r"constraint 'c': rhs is a callable but the constraint has no data"):
        compile_with(x, LXConstraint("c").expression(total(x)).rhs(lambda r: 1.0))


def test_data_without_indexed_by(x, resources):
    c = LXConstraint("c").expression(total(x)).rhs(1).from_data(resources)
    with pytest.raises(ModelError, match=r"constraint 'c' has data but no indexed_by"):
        compile_with(x, c)


def test_indexed_by_without_data(x):
    c = LXConstraint("c").expression(total(x)).rhs(1).indexed_by(lambda r: r.name)
    with pytest.raises(ModelError, match=r"constraint 'c' has no data source"):
        compile_with(x, c)


def test_duplicate_row_key(x, resources):
    c = LXConstraint("cap").expression(total(x)).rhs(1).from_data(resources).indexed_by(lambda r: r.name[:5])
    with pytest.raises(ModelError, match=r"constraint 'cap': duplicate index key 'plant'"):
        compile_with(x, c)


def test_unhashable_row_key(x, resources):
    c = LXConstraint("cap").expression(total(x)).rhs(1).from_data(resources).indexed_by(lambda r: {r.name})
    with pytest.raises(ModelError, match=r"constraint 'cap': index key \{'plant1'\} is not hashable"):
        compile_with(x, c)


def test_row_key_that_raises(x, resources):
    def row_key(r):
        return r.id

    c = LXConstraint("cap").expression(total(x)).rhs(1).from_data(resources).indexed_by(row_key)
    with pytest.raises(
        ModelError,
        match=(
            r"constraint 'cap' \(row Resource\(name='plant1'.*"
            r"index key \(.*row_key at test_constraints\.py"
        ),
    ):
        compile_with(x, c)


def test_rhs_that_raises_names_row_and_callable(x, resources):
    def capacity_of(r):
        return {"plant1": 4.0, "plant2": 12.0}[r.name]

    c = (
        LXConstraint("cap")
        .expression(total(x))
        .rhs(capacity_of)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    with pytest.raises(
        ModelError,
        match=(
            r"constraint 'cap\[plant3\]': right-hand side "
            r"\(.*capacity_of at test_constraints\.py:\d+\) raised KeyError"
        ),
    ):
        compile_with(x, c)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), r"constraint 'cap\[plant2\]': right-hand side is nan"),
        ("lots", r"constraint 'cap\[plant2\]': right-hand side 'lots' is not a number"),
        (None, r"constraint 'cap\[plant2\]': right-hand side None is not a number"),
    ],
)
def test_bad_rhs_value_names_the_row(x, resources, value, message):
    c = (
        LXConstraint("cap")
        .expression(total(x))
        .rhs(lambda r: value if r.name == "plant2" else 1.0)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    with pytest.raises(ModelError, match=message):
        compile_with(x, c)


def test_from_model_session_without_declared_type(sqlite_session):
    with pytest.raises(TypeError, match=r"constraint 'c': from_model\(session\) needs the data type"):
        LXConstraint("c").from_model(sqlite_session)


def test_rows_of_orm_type_match_columns_of_same_type_by_key(sqlite_session):
    # x[p] <= p.id per product, variable and rows both read from the database
    x = LXVariable[SAProduct, float]("x").indexed_by(lambda p: p.id).from_model(sqlite_session)
    c = (
        LXConstraint[SAProduct]("cap")
        .expression(LXLinearExpression().add_term(x))
        .rhs(lambda p: p.id)
        .from_model(sqlite_session)
        .indexed_by(lambda p: p.id)
    )
    canon = compile_with(x, c)
    assert canon.matrix.toarray().tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert canon.row_upper.tolist() == [1.0, 2.0, 3.0]
