"""``LXVariable``: every builder method, checked on the compiled columns."""

from __future__ import annotations

import numpy as np
import pytest

from lumix import (
    LXIndexDimension,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXVariable,
    LXVarType,
    ModelError,
)
from tests.conftest import Product, Resource, SAProduct


def compile_vars(*variables, objective=None):
    model = LXModel("vars").add_variables(*variables)
    if objective is not None:
        model.maximize(objective)
    return model.to_canonical()


def bounds_of(canon, family):
    cols = canon.family_columns(family)
    return canon.col_lower[cols].tolist(), canon.col_upper[cols].tolist()


# -- types and bounds ------------------------------------------------------------------------


def test_default_is_continuous_and_free(products):
    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id).from_data(products)
    assert x.var_type is LXVarType.CONTINUOUS
    canon = compile_vars(x)
    assert canon.col_names == ("x[1]", "x[2]", "x[3]")
    assert bounds_of(canon, "x") == ([-np.inf] * 3, [np.inf] * 3)
    assert not canon.col_integer.any()
    assert not canon.is_mip


def test_builders_return_the_variable():
    x = LXVariable("x")
    assert x.continuous() is x
    assert x.integer() is x
    assert x.binary() is x
    assert x.bounds(0, 1) is x
    assert x.indexed_by(lambda p: p) is x
    assert x.cost(lambda p: 1.0) is x
    assert x.where(lambda p: True) is x
    assert x.from_data([1]) is x


def test_integer_marks_columns_and_rounds_fractional_bounds_inward(products):
    x = (
        LXVariable[Product, int]("x")
        .integer()
        .bounds(lower=0.5, upper=7.9)
        .indexed_by(lambda p: p.id)
        .from_data(products)
    )
    assert x.var_type is LXVarType.INTEGER
    canon = compile_vars(x)
    assert canon.col_integer.all()
    assert canon.is_mip
    # an integer in [0.5, 7.9] is an integer in [1, 7]
    assert bounds_of(canon, "x") == ([1.0] * 3, [7.0] * 3)


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        (None, None, (0.0, 1.0)),
        (-5, 5, (0.0, 1.0)),  # intersected with [0, 1]
        (1, None, (1.0, 1.0)),  # fixed to one
        (None, 0.5, (0.0, 0.0)),  # a binary <= 0.5 is zero
    ],
)
def test_binary_intersects_bounds_with_zero_one(lower, upper, expected):
    before = LXVariable("before").bounds(lower=lower, upper=upper).binary()
    after = LXVariable("after").binary().bounds(lower=lower, upper=upper)
    canon = compile_vars(before, after)
    for name in ("before", "after"):
        j = canon.column(name)
        assert (canon.col_lower[j], canon.col_upper[j]) == expected
        assert canon.col_integer[j]
    assert before.var_type is LXVarType.BINARY


def test_bounds_as_numbers(products):
    x = LXVariable[Product, float]("x").bounds(lower=-2, upper=3.5).indexed_by(lambda p: p.id)
    canon = compile_vars(x.from_data(products))
    assert bounds_of(canon, "x") == ([-2.0] * 3, [3.5] * 3)


def test_bounds_as_per_instance_callables(products):
    x = (
        LXVariable[Product, float]("x")
        .bounds(lower=lambda p: p.min_units + p.id, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .from_data(products)
    )
    canon = compile_vars(x)
    assert bounds_of(canon, "x") == ([1.0, 2.0, 3.0], [10.0, 20.0, 30.0])


def test_callable_bounds_solve_to_the_bound(products):
    # maximize sum(x) with x[p] <= max_units(p): 10 + 20 + 30 = 60
    x = (
        LXVariable[Product, float]("x")
        .bounds(lower=0, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .from_data(products)
    )
    model = LXModel().add_variable(x).maximize(LXLinearExpression().sum_over(x))
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(60.0)
    assert solution.variables["x"] == pytest.approx({1: 10.0, 2: 20.0, 3: 30.0})


def test_lower_above_upper_names_the_column(products):
    x = (
        LXVariable[Product, float]("x")
        .bounds(lower=lambda p: 5.0 if p.id == 2 else 0.0, upper=1.0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
    )
    with pytest.raises(ModelError, match=r"x\[2\].*lower bound 5\.0 is above upper bound 1\.0"):
        compile_vars(x)


def test_bound_that_is_not_a_number():
    with pytest.raises(ModelError, match=r"variable 'x': lower bound must be a number, got 'zero'"):
        compile_vars(LXVariable("x").bounds(lower="zero"))


def test_nan_bound_names_family_key_and_callable(products):
    def upper_of(p):
        return float("nan") if p.id == 3 else 1.0

    x = LXVariable[Product, float]("x").bounds(upper=upper_of).indexed_by(lambda p: p.id)
    with pytest.raises(ModelError, match=r"x\[3\]'.*upper bound is nan.*upper_of at test_variables\.py:\d+"):
        compile_vars(x.from_data(products))


def test_bound_callable_that_raises_names_family_key_and_callable(products):
    def lower_of(p):
        return {1: 0.0, 2: 0.0}[p.id]

    x = LXVariable[Product, float]("x").bounds(lower=lower_of).indexed_by(lambda p: p.id)
    with pytest.raises(
        ModelError,
        match=r"variable 'x\[3\]': lower bound \(.*lower_of at test_variables\.py:\d+\) raised KeyError",
    ) as info:
        compile_vars(x.from_data(products))
    assert isinstance(info.value.__cause__, KeyError)


# -- data and indexing -------------------------------------------------------------------------


def test_indexed_by_names_columns_family_key(products):
    x = LXVariable[Product, float]("make").indexed_by(lambda p: p.name).from_data(products)
    canon = compile_vars(x)
    assert canon.col_names == ("make[doors]", "make[windows]", "make[frames]")
    assert canon.col_index == {"make": {"doors": 0, "windows": 1, "frames": 2}}
    assert x.index_key(products[1]) == "windows"


def test_from_data_takes_any_iterable_and_keeps_order(products):
    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id).from_data(reversed(products))
    assert [p.id for p in x.get_instances()] == [3, 2, 1]
    assert compile_vars(x).col_names == ("x[3]", "x[2]", "x[1]")


def test_from_data_without_indexed_by_uses_the_items_as_keys():
    x = LXVariable[int, float]("x").from_data([10, 20])
    assert compile_vars(x).col_names == ("x[10]", "x[20]")


def test_where_filters_instances(products):
    x = (
        LXVariable[Product, float]("x")
        .indexed_by(lambda p: p.id)
        .where(lambda p: p.profit >= 3)
        .from_data(products)
    )
    assert [p.id for p in x.get_instances()] == [1, 2]
    assert compile_vars(x).col_names == ("x[1]", "x[2]")


def test_cost_builds_the_objective(products):
    # maximize 3 x1 + 5 x2 + 1 x3 with 0 <= x <= 1: optimum 9
    x = (
        LXVariable[Product, float]("x")
        .bounds(0, 1)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    expr = x.cost_expression()
    assert isinstance(expr, LXLinearExpression)
    model = LXModel().add_variable(x).maximize()
    canon = model.to_canonical()
    assert canon.objective.tolist() == [3.0, 5.0, 1.0]
    assert LXOptimizer().solve(model).objective_value == pytest.approx(9.0)


def test_no_cost_means_no_cost_expression():
    assert LXVariable("x").cost_expression() is None


def test_scalar_variable_is_one_column_named_by_the_family():
    # maximize 2 y with y <= 4: optimum 8, y = 4
    y = LXVariable[None, float]("overtime").bounds(0, 4).cost(lambda _: 2.0)
    assert y.is_scalar
    model = LXModel().add_variable(y).maximize()
    canon = model.to_canonical()
    assert canon.col_names == ("overtime",)
    assert canon.col_index == {"overtime": {None: 0}}
    assert "overtime" in canon.scalar_families
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(8.0)
    assert solution.variables["overtime"] == pytest.approx(4.0)
    assert solution.get_variable(y) == pytest.approx(4.0)
    assert solution.get_mapped(y) == pytest.approx({None: 4.0})


def test_empty_data_gives_no_columns_when_allowed():
    # An empty family is an error unless meant (tests/lumix/test_bad_models.py); allowed, no columns.
    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id).from_data([], allow_empty=True)
    canon = compile_vars(x)
    assert canon.n_cols == 0
    assert canon.col_index == {"x": {}}


def test_name_must_be_a_nonempty_string():
    with pytest.raises(TypeError, match="non-empty name"):
        LXVariable("")
    with pytest.raises(TypeError, match="non-empty name"):
        LXVariable(None)


def test_duplicate_index_key_names_family_and_key(products):
    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id % 2).from_data(products)
    with pytest.raises(ModelError, match=r"variable 'x': duplicate index key 1"):
        compile_vars(x)


def test_unhashable_index_key(products):
    x = LXVariable[Product, float]("x").indexed_by(lambda p: [p.id]).from_data(products)
    with pytest.raises(ModelError, match=r"variable 'x': index key \[1\] is not hashable"):
        compile_vars(x)


def test_index_key_that_raises_names_family_instance_and_callable(products):
    def key_of(p):
        return p.id if p.id != 2 else p.missing

    x = LXVariable[Product, float]("x").indexed_by(key_of).from_data(products)
    with pytest.raises(
        ModelError,
        match=(
            r"variable 'x' \(instance Product\(id=2.*"
            r"index key \(.*key_of at test_variables\.py:\d+\) raised"
        ),
    ):
        compile_vars(x)


def test_filter_that_raises_names_family_instance_and_callable(products):
    def keep(p):
        return 1 / (p.id - 3) > -1

    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id).where(keep).from_data(products)
    with pytest.raises(
        ModelError,
        match=(
            r"variable 'x' \(instance Product\(id=3.*"
            r"filter \(.*keep at test_variables\.py:\d+\) raised ZeroDivisionError"
        ),
    ):
        compile_vars(x)


def test_indexed_family_without_data_source():
    x = LXVariable[Product, float]("x").indexed_by(lambda p: p.id)
    with pytest.raises(ModelError, match=r"variable 'x' has no data source; use \.from_data"):
        compile_vars(x)


# -- multi-indexed families ---------------------------------------------------------------------


def test_indexed_by_product_makes_every_combination(products, resources):
    assign = LXVariable[tuple, float]("assign").indexed_by_product(
        LXIndexDimension(Product, lambda p: p.id).from_data(products),
        LXIndexDimension(Resource, lambda r: r.name).from_data(resources[:2]),
    )
    assert assign.is_multi_indexed
    canon = compile_vars(assign)
    assert canon.col_names == (
        "assign[(1, 'plant1')]",
        "assign[(1, 'plant2')]",
        "assign[(2, 'plant1')]",
        "assign[(2, 'plant2')]",
        "assign[(3, 'plant1')]",
        "assign[(3, 'plant2')]",
    )
    assert canon.col_index["assign"][(2, "plant2")] == 3
    p, r = assign.get_instances()[3]
    assert (p.id, r.name) == (2, "plant2")
    assert assign.index_key((p, r)) == (2, "plant2")


def test_index_dimension_where_filters_one_dimension(products, resources):
    dim = LXIndexDimension(Product, lambda p: p.id).from_data(products).where(lambda p: p.id != 2)
    assert [p.id for p in dim.get_instances()] == [1, 3]
    assign = LXVariable("assign").indexed_by_product(
        dim, LXIndexDimension(Resource, lambda r: r.name).from_data(resources[:1])
    )
    assert compile_vars(assign).col_names == ("assign[(1, 'plant1')]", "assign[(3, 'plant1')]")


def test_three_dimensions(products, resources):
    periods = LXIndexDimension(int, lambda t: t).from_data([1, 2])
    v = LXVariable("v").indexed_by_product(
        LXIndexDimension(Product, lambda p: p.id).from_data(products[:1]),
        LXIndexDimension(Resource, lambda r: r.name).from_data(resources[:1]),
        periods,
    )
    assert compile_vars(v).col_names == ("v[(1, 'plant1', 1)]", "v[(1, 'plant1', 2)]")


def test_where_multi_and_cost_multi_receive_one_argument_per_dimension(products, resources):
    # columns only where the product uses the resource; cost = usage * profit; 0 <= v <= 1
    # (1,plant1) 1*3=3, (1,plant3) 3*3=9, (2,plant2) 2*5=10, (2,plant3) 2*5=10, (3,plant3) 2*1=2
    # maximize their sum: 34
    seen = []

    def uses(p, r):
        seen.append((type(p).__name__, type(r).__name__))
        return r.name in p.usage

    v = (
        LXVariable("v")
        .bounds(0, 1)
        .indexed_by_product(
            LXIndexDimension(Product, lambda p: p.id).from_data(products),
            LXIndexDimension(Resource, lambda r: r.name).from_data(resources),
        )
        .where_multi(uses)
        .cost_multi(lambda p, r: p.usage[r.name] * p.profit)
    )
    model = LXModel().add_variable(v).maximize()
    canon = model.to_canonical()
    assert set(seen) == {("Product", "Resource")}
    assert canon.col_names == (
        "v[(1, 'plant1')]",
        "v[(1, 'plant3')]",
        "v[(2, 'plant2')]",
        "v[(2, 'plant3')]",
        "v[(3, 'plant3')]",
    )
    assert canon.objective.tolist() == [3.0, 9.0, 10.0, 10.0, 2.0]
    assert LXOptimizer().solve(model).objective_value == pytest.approx(34.0)


def test_cost_on_a_multi_indexed_family_spreads_the_dimensions(products, resources):
    v = LXVariable("v").indexed_by_product(
        LXIndexDimension(Product, lambda p: p.id).from_data(products[:2]),
        LXIndexDimension(Resource, lambda r: r.name).from_data(resources[:1]),
    )
    v.cost(lambda p, r: p.id * 10 + r.capacity)
    canon = compile_vars(v, objective=v.cost_expression())
    assert canon.objective.tolist() == [14.0, 24.0]


def test_indexed_by_join_pairs_primary_with_related(products, resources):
    by_name = {r.name: r for r in resources}
    route = (
        LXVariable("route")
        .indexed_by_join(
            Product,
            Resource,
            lambda p: [by_name[n] for n in p.usage],
            key_func=lambda p, r: (p.name, r.name),
        )
        .from_data(products)
    )
    assert route.is_multi_indexed
    canon = compile_vars(route)
    assert canon.col_names == (
        "route[('doors', 'plant1')]",
        "route[('doors', 'plant3')]",
        "route[('windows', 'plant2')]",
        "route[('windows', 'plant3')]",
        "route[('frames', 'plant3')]",
    )
    assert [(p.id, r.name) for p, r in route.get_instances()][:2] == [(1, "plant1"), (1, "plant3")]


def test_indexed_by_join_where_filters_primaries(products, resources):
    by_name = {r.name: r for r in resources}
    route = (
        LXVariable("route")
        .indexed_by_join(
            Product, Resource, lambda p: [by_name[n] for n in p.usage], lambda p, r: (p.id, r.name)
        )
        .where(lambda p: p.id == 2)
        .from_data(products)
    )
    assert compile_vars(route).col_names == ("route[(2, 'plant2')]", "route[(2, 'plant3')]")


def test_join_function_that_raises_names_the_primary(products):
    def related(p):
        raise LookupError(f"no resources for {p.name}")

    route = LXVariable("route").indexed_by_join(Product, Resource, related).from_data(products)
    with pytest.raises(
        ModelError, match=r"variable 'route' \(primary Product\(id=1.*join function \(.*related at"
    ):
        compile_vars(route)


def test_join_without_key_func_needs_hashable_instances(products, resources):
    # dataclasses with eq=True are unhashable: the (primary, related) key cannot be used
    route = (
        LXVariable("route").indexed_by_join(Product, Resource, lambda p: resources[:1]).from_data(products)
    )
    with pytest.raises(ModelError, match=r"variable 'route': index key .* is not hashable"):
        compile_vars(route)


def test_dimension_key_that_raises_names_the_dimension_key_function(products, resources):
    def resource_key(r):
        return r.code

    v = LXVariable("v").indexed_by_product(
        LXIndexDimension(Product, lambda p: p.id).from_data(products),
        LXIndexDimension(Resource, resource_key).from_data(resources),
    )
    with pytest.raises(
        ModelError, match=r"variable 'v' .*index key \(.*resource_key at test_variables\.py:\d+\)"
    ):
        compile_vars(v)


def test_dimension_without_data_names_the_family(resources):
    v = LXVariable("v").indexed_by_product(
        LXIndexDimension(Product, lambda p: p.id),
        LXIndexDimension(Resource, lambda r: r.name).from_data(resources),
    )
    with pytest.raises(ModelError, match=r"variable 'v': dimension Product has no data source"):
        compile_vars(v)


def test_indexed_by_product_takes_dimensions():
    with pytest.raises(TypeError, match="LXIndexDimension"):
        LXVariable("v").indexed_by_product(LXIndexDimension(Product, lambda p: p.id), [1, 2])


# -- ORM sources (the SQL side is in test_orm_sources.py) --------------------------------------


def test_from_model_with_type_and_session(sqlite_session):
    x = LXVariable("x").indexed_by(lambda p: p.id).from_model(SAProduct, session=sqlite_session)
    assert x.model_type is SAProduct
    assert compile_vars(x).col_names == ("x[1]", "x[2]", "x[3]")


def test_from_model_session_takes_the_type_from_the_alias(sqlite_session):
    x = LXVariable[SAProduct, float]("x").indexed_by(lambda p: p.id).from_model(sqlite_session)
    assert x.model_type is SAProduct
    assert [p.name for p in x.get_instances()] == ["doors", "windows", "frames"]


def test_from_model_session_without_a_declared_type(sqlite_session):
    with pytest.raises(TypeError, match=r"variable 'x': from_model\(session\) needs the data type"):
        LXVariable("x").from_model(sqlite_session)


def test_from_model_rejects_other_things():
    with pytest.raises(TypeError, match="from_model.*takes a model class.*got int"):
        LXVariable("x").from_model(42)
