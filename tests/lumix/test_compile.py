"""``lumix.compile``: the canonical arrays, how callables are called, and every bad-input error."""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from lumix import (
    LXCanonicalModel,
    LXConstraint,
    LXLinearExpression,
    LXModel,
    LXObjectiveSense,
    LXVariable,
    ModelError,
    compile_model,
)
from tests.conftest import Product, Resource, wyndor_model

# -- the canonical model -------------------------------------------------------------------------


def test_wyndor_arrays(wyndor):
    model, _, _ = wyndor
    canon = compile_model(model)
    assert isinstance(canon, LXCanonicalModel)
    assert canon.col_names == ("production[1]", "production[2]", "production[3]")
    assert isinstance(canon.col_lower, np.ndarray) and canon.col_lower.dtype == float
    assert canon.col_lower.tolist() == [0.0, 0.0, 0.0]
    assert np.isposinf(canon.col_upper).all()
    assert canon.col_integer.dtype == bool and not canon.col_integer.any()
    assert canon.objective.tolist() == [3.0, 5.0, 1.0]
    assert canon.objective_constant == 0.0
    assert canon.sense is LXObjectiveSense.MAXIMIZE
    assert sp.isspmatrix_csr(canon.matrix) or isinstance(canon.matrix, sp.csr_array)
    assert canon.matrix.shape == (3, 3)
    assert canon.matrix.toarray().tolist() == [[1, 0, 0], [0, 2, 0], [3, 2, 2]]
    # explicit zeros (frames on plant1, plant2, ...) are not stored
    assert canon.matrix.nnz == 5
    assert canon.row_names == ("capacity[plant1]", "capacity[plant2]", "capacity[plant3]")
    assert np.isneginf(canon.row_lower).all()
    assert canon.row_upper.tolist() == [4.0, 12.0, 18.0]
    assert canon.row_sense.tolist() == ["<=", "<=", "<="]
    assert canon.col_index == {"production": {1: 0, 2: 1, 3: 2}}
    assert canon.row_index == {"capacity": {"plant1": 0, "plant2": 1, "plant3": 2}}
    assert canon.scalar_families == frozenset()
    assert (canon.n_cols, canon.n_rows, canon.is_mip) == (3, 3, False)


def test_name_lookups(wyndor):
    canon = wyndor[0].to_canonical()
    assert canon.column("production[2]") == 1
    assert canon.row("capacity[plant3]") == 2
    assert canon.family_columns("production").tolist() == [0, 1, 2]
    assert canon.family_rows("capacity").tolist() == [0, 1, 2]
    with pytest.raises(KeyError, match=r"model 'wyndor' has no column 'production\[9\]'"):
        canon.column("production[9]")
    with pytest.raises(KeyError, match=r"has no row 'capacity'"):
        canon.row("capacity")


def test_several_families_get_consecutive_positions(products, resources):
    x = LXVariable[Product, float]("x").bounds(0, 1).indexed_by(lambda p: p.id).from_data(products)
    s = LXVariable("slack").bounds(0, 5)
    b = LXVariable[Resource, int]("open").binary().indexed_by(lambda r: r.name).from_data(resources)
    c1 = LXConstraint("total").expression(LXLinearExpression().sum_over(x).add_term(s, -1)).eq().rhs(0)
    c2 = (
        LXConstraint[Resource]("link")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0)).add_term(b, -10))
        .le()
        .rhs(0)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    model = (
        LXModel().add_variables(x, s, b).add_constraints(c1, c2).minimize(LXLinearExpression().sum_over(b))
    )
    canon = model.to_canonical()
    assert canon.col_names == (
        "x[1]",
        "x[2]",
        "x[3]",
        "slack",
        "open[plant1]",
        "open[plant2]",
        "open[plant3]",
    )
    assert canon.col_index == {
        "x": {1: 0, 2: 1, 3: 2},
        "slack": {None: 3},
        "open": {"plant1": 4, "plant2": 5, "plant3": 6},
    }
    assert canon.col_integer.tolist() == [False] * 4 + [True] * 3
    assert canon.is_mip
    assert canon.row_names == ("total", "link[plant1]", "link[plant2]", "link[plant3]")
    assert canon.row_index == {"total": {None: 0}, "link": {"plant1": 1, "plant2": 2, "plant3": 3}}
    assert canon.scalar_families == frozenset({"slack", "total"})
    assert canon.matrix.toarray().tolist() == [
        [1, 1, 1, -1, 0, 0, 0],
        [1, 0, 0, 0, -10, 0, 0],
        [0, 2, 0, 0, 0, -10, 0],
        [3, 2, 2, 0, 0, 0, -10],
    ]
    assert canon.row_lower.tolist()[0] == 0.0 and canon.row_upper.tolist()[0] == 0.0
    assert canon.objective.tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_objective_constant(products):
    x = LXVariable[Product, float]("x").bounds(0, 1).indexed_by(lambda p: p.id).from_data(products)
    canon = (
        LXModel().add_variable(x).minimize(LXLinearExpression().add_term(x).add_constant(7)).to_canonical()
    )
    assert canon.objective_constant == 7.0
    assert canon.sense is LXObjectiveSense.MINIMIZE


def test_compiling_twice_gives_equal_arrays(wyndor):
    a, b = compile_model(wyndor[0]), compile_model(wyndor[0])
    assert a.col_names == b.col_names and a.row_names == b.row_names
    assert (a.matrix != b.matrix).nnz == 0
    assert np.array_equal(a.objective, b.objective)


def test_copied_data_gives_the_same_model(products, resources):
    # the same model built from deep copies of the data compiles to the same arrays
    a = wyndor_model(products, resources)[0].to_canonical()
    b = wyndor_model(copy.deepcopy(products), copy.deepcopy(resources))[0].to_canonical()
    assert a.col_names == b.col_names and a.row_names == b.row_names
    assert (a.matrix != b.matrix).nnz == 0


# -- how callables are called ------------------------------------------------------------------------


def counting(func):
    @functools.wraps(func)
    def wrapper(*args):
        wrapper.calls += 1
        return func(*args)

    wrapper.calls = 0
    return wrapper


def test_row_independent_callables_run_once_per_instance_per_compile(products, resources):
    coeff = counting(lambda p: p.id)
    cost = counting(lambda p: p.profit)
    key = counting(lambda p: p.id)
    x = LXVariable[Product, float]("x").indexed_by(key).from_data(products).cost(cost)
    c = (
        LXConstraint[Resource]("cap")
        .expression(LXLinearExpression().add_term(x, coeff))
        .rhs(1)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    model = LXModel().add_variable(x).add_constraint(c).maximize()
    canon = model.to_canonical()
    assert canon.matrix.toarray().tolist() == [[1, 2, 3]] * 3
    # 3 products: the one-argument coefficient is not re-evaluated for each of the 3 rows
    assert (coeff.calls, cost.calls, key.calls) == (3, 3, 3)
    model.to_canonical()
    assert (coeff.calls, cost.calls, key.calls) == (6, 6, 6)


def test_row_aware_callables_run_once_per_pair(products, resources):
    coeff = counting(lambda p, r: p.usage.get(r.name, 0.0))
    rhs = counting(lambda r: r.capacity)
    model, x, _ = wyndor_model(products, resources)
    model.get_constraint("capacity").lhs = LXLinearExpression().add_term(x, coeff)
    model.get_constraint("capacity").rhs(rhs)
    model.to_canonical()
    assert (coeff.calls, rhs.calls) == (9, 3)


class Usage:
    """A callable object: its arity comes from ``__call__`` (without ``self``)."""

    def __call__(self, p, r):
        return p.usage.get(r.name, 0.0)


@pytest.mark.parametrize(
    "coeff",
    [
        pytest.param(lambda p, r: p.usage.get(r.name, 0.0), id="lambda"),
        pytest.param(Usage(), id="callable-object"),
        pytest.param(
            functools.partial(lambda scale, p, r: scale * p.usage.get(r.name, 0.0), 1.0), id="partial"
        ),
        pytest.param(lambda *args: args[0].usage.get(args[1].name, 0.0), id="varargs"),
    ],
)
def test_row_aware_callables_of_every_shape(products, resources, coeff):
    model, x, _ = wyndor_model(products, resources)
    model.get_constraint("capacity").lhs = LXLinearExpression().add_term(x, coeff)
    assert model.to_canonical().matrix.toarray().tolist() == [[1, 0, 0], [0, 2, 0], [3, 2, 2]]


@pytest.mark.parametrize(
    "coeff",
    [
        pytest.param(lambda p, scale=2.0: scale * p.id, id="default-argument"),
        pytest.param(functools.partial(lambda scale, p: scale * p.id, 2.0), id="partial"),
        pytest.param(lambda p, *, scale=2.0: scale * p.id, id="keyword-only"),
    ],
)
def test_one_argument_callables_of_every_shape(products, resources, coeff):
    # optional parameters do not make a callable row-aware
    model, x, _ = wyndor_model(products, resources)
    model.get_constraint("capacity").lhs = LXLinearExpression().add_term(x, coeff)
    assert model.to_canonical().matrix.toarray().tolist() == [[2, 4, 6]] * 3


def test_builtin_without_signature_counts_as_one_argument():
    x = LXVariable[float, float]("x").from_data([1.5, -2.0])
    canon = LXModel().add_variable(x).maximize(LXLinearExpression().add_term(x, abs)).to_canonical()
    assert canon.objective.tolist() == [1.5, 2.0]


# -- bad input: each error names the place --------------------------------------------------------


def plant_no(r):
    return int(r.name[-1])


def capacity_model(products, resources, coeff):
    x = LXVariable[Product, float]("production").bounds(0).indexed_by(lambda p: p.id).from_data(products)
    c = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, coeff))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(plant_no)
    )
    return LXModel().add_variable(x).add_constraint(c)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_coefficient_names_row_column_and_callable(products, resources, bad):
    def usage(p, r):
        return bad if (p.id, r.name) == (2, "plant3") else p.usage.get(r.name, 0.0)

    model = capacity_model(products, resources, usage)
    with pytest.raises(
        ModelError,
        match=(
            r"constraint 'capacity\[3\]': coefficient of production\[2\] is -?(nan|inf) "
            r"\(from .*usage at test_compile\.py:\d+\)"
        ),
    ):
        model.to_canonical()


def test_nan_from_a_lambda_names_the_lambda_and_line(products, resources):
    model = capacity_model(products, resources, lambda p, r: float("nan") if p.id == 3 else 1.0)
    with pytest.raises(
        ModelError,
        match=(
            r"capacity\[1\]': coefficient of production\[3\] is nan "
            r"\(from .*<lambda> at test_compile\.py:\d+\)"
        ),
    ):
        model.to_canonical()


def test_non_finite_number_coefficient(products, resources):
    model = capacity_model(products, resources, math.inf)
    with pytest.raises(ModelError, match=r"constraint 'capacity\[1\]': coefficient of production is inf"):
        model.to_canonical()


def test_nan_in_the_objective_names_the_column(products):
    x = LXVariable[Product, float]("production").indexed_by(lambda p: p.id).from_data(products)
    x.cost(lambda p: math.nan if p.id == 2 else p.profit)
    with pytest.raises(
        ModelError, match=r"the objective: coefficient of production\[2\] is nan \(from .*<lambda> at"
    ):
        LXModel().add_variable(x).maximize().to_canonical()


def test_coefficient_that_raises_names_row_column_and_callable(products, resources):
    def usage(p, r):
        return p.usage[r.name]  # KeyError for products that do not use the resource

    with pytest.raises(
        ModelError,
        match=(
            r"constraint 'capacity\[1\]': coefficient of production\[2\] "
            r"\(.*usage at test_compile\.py:\d+\) raised KeyError: 'plant1'"
        ),
    ) as info:
        capacity_model(products, resources, usage).to_canonical()
    assert isinstance(info.value.__cause__, KeyError)


def test_model_error_is_a_value_error(products, resources):
    with pytest.raises(ValueError):
        capacity_model(products, resources, math.nan).to_canonical()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda ps, rs: LXModel().add_variable(LXVariable("x").indexed_by(lambda p: p.id)),
            r"variable 'x' has no data source",
            id="variable-without-data",
        ),
        pytest.param(
            lambda ps, rs: LXModel().add_variable(
                LXVariable("x").indexed_by(lambda p: p.id % 2).from_data(ps)
            ),
            r"variable 'x': duplicate index key 1",
            id="duplicate-column-key",
        ),
        pytest.param(
            lambda ps, rs: LXModel().add_variable(LXVariable("x").indexed_by(lambda p: {p.id}).from_data(ps)),
            r"variable 'x': index key \{1\} is not hashable",
            id="unhashable-column-key",
        ),
        pytest.param(
            lambda ps, rs: capacity_model(ps, rs, 1.0).add_constraint(
                LXConstraint("dup")
                .expression(LXLinearExpression())
                .rhs(0)
                .from_data(rs)
                .indexed_by(lambda r: 1)
            ),
            r"constraint 'dup': duplicate index key 1",
            id="duplicate-row-key",
        ),
        pytest.param(
            lambda ps, rs: capacity_model(ps, rs, 1.0).add_constraint(
                LXConstraint("rows")
                .expression(LXLinearExpression())
                .rhs(0)
                .from_data(rs)
                .indexed_by(lambda r: [r])
            ),
            r"constraint 'rows': index key \[Resource\(.*\)\] is not hashable",
            id="unhashable-row-key",
        ),
        pytest.param(
            lambda ps, rs: capacity_model(ps, rs, 1.0).add_constraint(LXConstraint("no_expr").rhs(1)),
            r"constraint 'no_expr' has no expression",
            id="constraint-without-expression",
        ),
        pytest.param(
            lambda ps, rs: capacity_model(ps, rs, 1.0).add_constraint(
                LXConstraint("no_rhs").expression(LXLinearExpression())
            ),
            r"constraint 'no_rhs' has no right-hand side",
            id="constraint-without-rhs",
        ),
        pytest.param(
            lambda ps, rs: capacity_model(ps, rs, 1.0).add_constraint(
                LXConstraint("ghost").expression(LXLinearExpression().add_term(LXVariable("nope"))).rhs(1)
            ),
            r"constraint 'ghost': variable 'nope' is not part of the model",
            id="unknown-variable",
        ),
    ],
)
def test_bad_input_table(products, resources, build, message):
    with pytest.raises(ModelError, match=message):
        build(products, resources).to_canonical()


def test_errors_survive_pickling(products, resources):
    import pickle

    with pytest.raises(ModelError) as info:
        capacity_model(products, resources, math.nan).to_canonical()
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ModelError
    assert str(again) == str(info.value)


# -- module boundaries: core -> expand <- compile ------------------------------------------------


def _modules_after_import(module: str) -> set[str]:
    """The ``lumix`` modules loaded by importing ``module`` alone, in a fresh interpreter whose
    ``lumix`` package is a bare namespace (its ``__init__``, which imports everything, not run)."""
    import json
    import pathlib
    import subprocess
    import sys

    import lumix

    code = (
        "import importlib, json, sys, types\n"
        f"pkg = types.ModuleType('lumix'); pkg.__path__ = [{str(pathlib.Path(lumix.__file__).parent)!r}]\n"
        "sys.modules['lumix'] = pkg\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('lumix.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_expand_imports_nothing_from_core():
    loaded = _modules_after_import("lumix.expand")
    assert "lumix.expand" in loaded
    assert not {m for m in loaded if m.startswith(("lumix.core", "lumix.compile"))}


def test_core_does_not_import_the_compiler():
    loaded = _modules_after_import("lumix.core")
    assert "lumix.expand" in loaded  # get_instances() goes down to expand
    assert "lumix.compile" not in loaded


def test_compile_is_expand_then_passes_then_arrays(wyndor):
    from lumix.compile import assemble
    from lumix.expand import expand_model
    from lumix.passes import apply_passes

    model, _, _ = wyndor
    expanded = expand_model(model)
    assert [(b.name, b.keys, b.start) for b in expanded.columns] == [("production", [1, 2, 3], 0)]
    assert [(b.name, b.keys, b.sense) for b in expanded.rows] == [
        ("capacity", ["plant1", "plant2", "plant3"], "<=")
    ]
    assert expanded.rows[0].rhs == [4.0, 12.0, 18.0]
    assert apply_passes(model, expanded) is expanded  # a model without goals needs no pass
    assert assemble(expanded).content_hash == compile_model(model).content_hash
