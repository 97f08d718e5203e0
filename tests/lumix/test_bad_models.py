"""Bad model input fails with a ``ModelError`` naming the place (issue 9, items 5, 6 and 8):
families without data, column / row name collisions, and right-hand sides, bounds and costs
that are not finite numbers. Each group is one table: bad input -> error class and fragments."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from lumix import (
    LXConstraint,
    LXIndexDimension,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXVariable,
    ModelError,
    SolverError,
)
from lumix.solvers.ortools import solve_canonical
from tests.conftest import Base, Product, Resource, SAProduct, wyndor_products, wyndor_resources


def production(data: list[Product] | None = None, **from_data: Any) -> LXVariable:
    return (
        LXVariable[Product, float]("production")
        .bounds(lower=0, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_data(wyndor_products() if data is None else data, **from_data)
    )


def capacity(x: LXVariable, data: list[Resource] | None = None, **from_data: Any) -> LXConstraint:
    return (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(wyndor_resources() if data is None else data, **from_data)
        .indexed_by(lambda r: r.name)
    )


def wyndor(x: LXVariable | None = None, *constraints: LXConstraint) -> LXModel:
    x = production() if x is None else x
    model = LXModel("wyndor").add_variable(x)
    for c in constraints or (capacity(x),):
        model.add_constraint(c)
    return model.maximize()


def empty_sqlite(tmp_path: Any) -> Session:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    Base.metadata.create_all(engine)  # the tables exist, without rows
    return Session(engine)


def raises(build: Callable[[], Any], error: type, fragments: list[str]) -> None:
    with pytest.raises(error) as info:
        build()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


# -- item 5: families without data -------------------------------------------------------------

EMPTY = "; pass allow_empty=True to from_data/from_model if an empty family is meant"


def _empty_variable(**kw: Any) -> LXModel:
    x = production([], **kw)
    return wyndor(x, LXConstraint("cap").expression(LXLinearExpression().add_term(x)).le().rhs(1))


def _empty_constraint(**kw: Any) -> LXModel:
    # Wyndor: 36 with the capacity rows, 160 (every product at max_units) if they were
    # dropped without a word, as the tester saw (27 became 102 in their model).
    x = production()
    return wyndor(x, capacity(x, [], **kw))


def _empty_dimension(**kw: Any) -> LXModel:
    products = LXIndexDimension(Product, lambda p: p.id).from_data(wyndor_products())
    resources = LXIndexDimension(Resource, lambda r: r.name).from_data([], **kw)
    pair = LXVariable[tuple, float]("pair").bounds(0, 1).indexed_by_product(products, resources)
    return LXModel("m").add_variable(pair).maximize(LXLinearExpression().add_multi_term(pair))


def _empty_join_primaries(**kw: Any) -> LXModel:
    x = (
        LXVariable[Product, float]("use")
        .bounds(0, 1)
        .indexed_by_join(Product, str, lambda p: list(p.usage), key_func=lambda p, r: (p.id, r))
        .from_data([], **kw)
    )
    return LXModel("m").add_variable(x).maximize(LXLinearExpression().add_multi_term(x))


def _empty_table(tmp_path: Any, **kw: Any) -> LXModel:
    session = empty_sqlite(tmp_path)
    x = (
        LXVariable[SAProduct, float]("production")
        .bounds(0, 1)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_model(SAProduct, session=session, **kw)
    )
    return LXModel("m").add_variable(x).maximize()


EMPTY_FAMILIES = [
    ("variable", _empty_variable, ["variable 'production' has no data (from_data got an empty list)", EMPTY]),
    (
        "constraint",
        _empty_constraint,
        ["constraint 'capacity' has no data (from_data got an empty list)", EMPTY],
    ),
    (
        "dimension",
        _empty_dimension,
        ["variable 'pair': dimension Resource has no data (its Resource data is an empty list)", EMPTY],
    ),
    ("join primaries", _empty_join_primaries, ["variable 'use' has no data (from_data got an empty list)"]),
]


@pytest.mark.parametrize(("case", "build", "fragments"), EMPTY_FAMILIES, ids=[c[0] for c in EMPTY_FAMILIES])
def test_a_family_without_data_is_an_error(
    case: str, build: Callable[..., LXModel], fragments: list[str]
) -> None:
    raises(lambda: build().to_canonical(), ModelError, fragments)


@pytest.mark.parametrize(("case", "build", "fragments"), EMPTY_FAMILIES, ids=[c[0] for c in EMPTY_FAMILIES])
def test_allow_empty_compiles_the_family_to_nothing(
    case: str, build: Callable[..., LXModel], fragments: list[str]
) -> None:
    canon = build(allow_empty=True).to_canonical()
    family = fragments[0].split("'")[1]
    index = canon.row_index if case == "constraint" else canon.col_index
    assert index[family] == {}


def test_an_empty_orm_table_is_an_error_unless_allowed(tmp_path: Any) -> None:
    raises(
        lambda: _empty_table(tmp_path).to_canonical(),
        ModelError,
        ["variable 'production' has no data (the SAProduct table is empty)", EMPTY],
    )
    assert _empty_table(tmp_path, allow_empty=True).to_canonical().n_cols == 0


def test_a_dropped_constraint_family_no_longer_changes_the_objective() -> None:
    with pytest.raises(ModelError, match="constraint 'capacity' has no data"):
        LXOptimizer().solve(_empty_constraint())
    x = production()
    full = wyndor(x, capacity(x))
    assert LXOptimizer().solve(full).objective_value == pytest.approx(36.0)
    allowed = LXOptimizer().solve(_empty_constraint(allow_empty=True))
    assert allowed.objective_value == pytest.approx(3 * 10 + 5 * 20 + 1 * 30)


def test_a_filter_that_keeps_nothing_is_allowed() -> None:
    # The data is there; the filter is the model's logic, so no allow_empty is needed.
    x = production().where(lambda p: p.profit > 100)
    c = capacity(x).rhs(lambda r: r.capacity)
    canon = wyndor(x, c).to_canonical()
    assert canon.n_cols == 0 and canon.n_rows == 3


@pytest.mark.parametrize(
    "copier", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))], ids=["copy", "pickle"]
)
def test_allow_empty_survives_copy_and_pickle(copier: Callable[[Any], Any]) -> None:
    allowed = copier(_empty_constraint(allow_empty=True))
    assert allowed.get_constraint("capacity")._allow_empty is True
    assert allowed.to_canonical().n_rows == 0
    refused = copier(_empty_constraint())
    with pytest.raises(ModelError, match="constraint 'capacity' has no data"):
        refused.to_canonical()
    dim = copier(LXIndexDimension(Resource, lambda r: r.name).from_data([], allow_empty=True))
    assert dim._allow_empty is True


def test_a_pickle_without_the_flag_reads_as_not_allowed() -> None:
    # A family pickled before allow_empty existed has no such key in its state.
    x = production([], allow_empty=True)
    del x.__dict__["_allow_empty"]
    clone = pickle.loads(pickle.dumps(x))
    assert "_allow_empty" not in clone.__dict__ and clone._allow_empty is False
    with pytest.raises(ModelError, match="variable 'production' has no data"):
        LXModel("m").add_variable(clone).maximize().to_canonical()


# -- item 6: two columns or rows with the same name --------------------------------------------


@dataclasses.dataclass
class Keyed:
    key: Any


def _keys(*keys: Any) -> list[Keyed]:
    return [Keyed(k) for k in keys]


def _var(name: str, keys: list[Any] | None) -> LXVariable:
    x = LXVariable[Keyed, float](name).bounds(0, 1)
    return x if keys is None else x.indexed_by(lambda k: k.key).from_data(_keys(*keys))


def _vars(*families: tuple[str, list[Any] | None]) -> LXModel:
    model = LXModel("m")
    for name, keys in families:
        model.add_variable(_var(name, keys))
    return model


def _rows(*families: tuple[str, list[Any] | None]) -> LXModel:
    x = _var("x", None)
    model = LXModel("m").add_variable(x)
    for name, keys in families:
        c = LXConstraint[Keyed](name).expression(LXLinearExpression().add_term(x)).le().rhs(1)
        model.add_constraint(c if keys is None else c.indexed_by(lambda k: k.key).from_data(_keys(*keys)))
    return model


NAME_COLLISIONS = [
    (
        "variable keys 1 and '1'",
        lambda: _vars(("x", [1, "1"])),
        ["variable 'x': keys 1 and '1' both give the column name 'x[1]'; make the keys distinct"],
    ),
    (
        "family 'x[1]' beside x key 1",
        lambda: _vars(("x", [1, 2]), ("x[1]", None)),
        ["column 'x[1]' of variable family 'x[1]' collides with variable 'x' key 1", "rename"],
    ),
    (
        "family 'x' key 1 after family 'x[1]'",
        lambda: _vars(("x[1]", None), ("x", [1])),
        ["column 'x[1]' of variable 'x' key 1 collides with variable family 'x[1]'"],
    ),
    (
        "indexed family 'x[1]' beside x key '1][2'",
        lambda: _vars(("x", ["1][2"]), ("x[1]", [2])),
        ["column 'x[1][2]' of variable 'x[1]' key 2 collides with variable 'x' key '1][2'"],
    ),
    (
        "constraint keys 1 and '1'",
        lambda: _rows(("c", [1, "1"])),
        ["constraint 'c': keys 1 and '1' both give the row name 'c[1]'; make the keys distinct"],
    ),
    (
        "constraint 'c[1]' beside c key 1",
        lambda: _rows(("c", [1]), ("c[1]", None)),
        ["row 'c[1]' of constraint family 'c[1]' collides with constraint 'c' key 1"],
    ),
]


@pytest.mark.parametrize(("case", "build", "fragments"), NAME_COLLISIONS, ids=[c[0] for c in NAME_COLLISIONS])
def test_two_columns_or_rows_with_one_name_are_an_error(
    case: str, build: Callable[[], LXModel], fragments: list[str]
) -> None:
    raises(lambda: build().to_canonical(), ModelError, fragments)


def test_distinct_names_and_a_variable_and_constraint_sharing_one_compile() -> None:
    canon = _rows(("c", [1, 2]), ("d", None)).add_variable(_var("y", [1, "2"])).to_canonical()
    assert canon.col_names == ("x", "y[1]", "y[2]")
    assert canon.row_names == ("c[1]", "c[2]", "d")
    assert _rows(("x", None)).to_canonical().row_names == ("x",)


# -- item 8: right-hand sides, bounds and costs ------------------------------------------------


def _rhs(value: Any, sense: str = "le") -> LXModel:
    x = production()
    c = LXConstraint("total").expression(LXLinearExpression().add_term(x))
    return wyndor(x, getattr(c, sense)().rhs(value))


def _rhs_per_row(func: Callable[[Resource], Any]) -> LXModel:
    x = production()
    return wyndor(x, capacity(x).rhs(func))


def _bound(lower: Any = 0, upper: Any = None) -> LXModel:
    return wyndor(production().bounds(lower, upper))


def boom(*args: Any) -> float:
    raise ValueError("no price for this one")


def _cost(func: Callable[..., Any]) -> LXModel:
    return wyndor(production().cost(func))


BAD_NUMBERS = [
    (
        "rhs inf",
        lambda: _rhs(math.inf),
        ["constraint 'total': right-hand side is inf; right-hand sides must be"],
    ),
    ("rhs '1e400'", lambda: _rhs("1e400"), ["constraint 'total': right-hand side '1e400' is not a number"]),
    ("rhs -inf on <=", lambda: _rhs(-math.inf), ["constraint 'total': right-hand side is -inf"]),
    ("rhs -inf on >=", lambda: _rhs(-math.inf, "ge"), ["constraint 'total': right-hand side is -inf"]),
    ("rhs nan", lambda: _rhs(math.nan, "eq"), ["constraint 'total': right-hand side is nan"]),
    ("rhs '12'", lambda: _rhs("12"), ["constraint 'total': right-hand side '12' is not a number"]),
    ("rhs True", lambda: _rhs(True), ["constraint 'total': right-hand side True is not a number"]),
    (
        "rhs np.True_",
        lambda: _rhs(np.True_),
        ["constraint 'total': right-hand side np.True_ is not a number"],
    ),
    (
        "rhs callable inf",
        lambda: _rhs_per_row(lambda r: math.inf if r.name == "plant3" else r.capacity),
        ["constraint 'capacity[plant3]': right-hand side is inf (", "<lambda> at test_bad_models.py:"],
    ),
    (
        "rhs callable '12'",
        lambda: _rhs_per_row(lambda r: "12"),
        ["constraint 'capacity[plant1]': right-hand side '12' is not a number (", "<lambda> at"],
    ),
    (
        "rhs callable True",
        lambda: _rhs_per_row(lambda r: True),
        ["constraint 'capacity[plant1]': right-hand side True is not a number"],
    ),
    (
        "rhs callable None",
        lambda: _rhs_per_row(lambda r: None),
        ["constraint 'capacity[plant1]': right-hand side None is not a number"],
    ),
    (
        "lower bound '0'",
        lambda: _bound("0"),
        ["variable 'production': lower bound must be a number, got '0'"],
    ),
    (
        "lower bound True",
        lambda: _bound(True),
        ["variable 'production': lower bound must be a number, got True"],
    ),
    (
        "upper bound np.True_",
        lambda: _bound(0, np.True_),
        ["variable 'production': upper bound must be a number, got np.True_"],
    ),
    (
        "bound callable True",
        lambda: _bound(lambda p: True),
        ["variable 'production': lower bound of 1 is True, not a number"],
    ),
    (
        "cost f(*args) raises",
        lambda: _cost(boom),
        [
            "variable 'production[1]': cost (boom at test_bad_models.py:",
            "raised ValueError: no price for this one",
        ],
    ),
    (
        "cost lambda raises",
        lambda: _cost(lambda p: 1 / (p.id - 2)),
        ["variable 'production[2]': cost (", "<lambda> at test_bad_models.py:", "raised ZeroDivisionError"],
    ),
    ("cost '5'", lambda: _cost(lambda p: "5"), ["coefficient of production[1] is '5', not a number"]),
]


@pytest.mark.parametrize(("case", "build", "fragments"), BAD_NUMBERS, ids=[c[0] for c in BAD_NUMBERS])
def test_right_hand_sides_bounds_and_costs_must_be_numbers(
    case: str, build: Callable[[], LXModel], fragments: list[str]
) -> None:
    raises(lambda: build().to_canonical(), ModelError, fragments)


def test_finite_numbers_of_any_numeric_type_are_accepted() -> None:
    for value in (18, 18.0, np.float32(18), np.int64(18)):
        canon = _rhs(value).to_canonical()
        assert canon.row_upper[canon.row("total")] == 18.0
    assert _bound(np.int64(1), 2.5).to_canonical().col_lower.tolist() == [1.0, 1.0, 1.0]


def test_a_star_args_cost_is_called_with_the_instance() -> None:
    canon = _cost(lambda *a: a[0].profit).to_canonical()
    assert canon.objective.tolist() == [3.0, 5.0, 1.0]


def test_a_star_args_coefficient_in_a_row_family_still_gets_the_row() -> None:
    x = production()
    c = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda *a: a[0].usage.get(a[1].name, 0.0)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(wyndor_resources())
        .indexed_by(lambda r: r.name)
    )
    assert wyndor(x, c).to_canonical().matrix.toarray().tolist() == [[1, 0, 0], [0, 2, 0], [3, 2, 2]]


def test_a_solver_rejection_names_the_row() -> None:
    # The compile refuses -inf; a canonical model changed afterwards still gets a named row.
    canon = _rhs(10).to_canonical()
    bad = dataclasses.replace(canon, row_upper=np.full(canon.n_rows, -np.inf))
    raises(lambda: solve_canonical(bad), SolverError, ["constraint #0 ('total')"])
