"""Tests of runner/sweeps.py: the sweep generators and their parameters.

The model (``plan_model``) is the tiny production plan, worked out by hand::

    maximize 3 x0 + 2 x1                       (profit of tables, chairs)
    capacity[assembly]:  x0 +   x1 <= 12
    capacity[paint]:   2 x0 +   x1 <= 30
    0 <= x0, x1 <= 10                          (max_units)

x0 earns more per assembly hour (3 > 2) so it goes to its bound 10 and x1 takes the rest of
assembly: optimum 34 at (10, 2). Worked changes used below:

- every capacity * 0.5 (assembly 6, paint 15): x0 = 6, x1 = 0                 -> 18
- assembly + 4 (16):                           x0 = 10, x1 = 6                -> 42
- paint set 20 (data):  x0 + x1 = 12, 2 x0 + x1 = 20 -> x0 = 8, x1 = 4        -> 32
- both upper bounds * 0.4 (4):                 x0 = 4, x1 = 4                 -> 20
- x1 >= 5:                                     x0 = 7, x1 = 5                 -> 31
- assembly coefficient of x0 set 2 (2 x0 + x1 <= 12): x1 earns more per hour
  (2 > 1.5): x1 = 10, x0 = 1                                                  -> 23
- every profit * 2:                                                          -> 68
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.stats

import runner
from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable
from runner import run_scenarios
from runner.sweeps import (
    DataChange,
    Parameter,
    data_param,
    grid,
    latin_hypercube,
    monte_carlo,
    one_at_a_time,
    param,
    scenario_for,
)

OPTIMUM = 34.0


@dataclass
class Item:
    id: int
    name: str
    profit: float
    usage: dict[str, float] = field(default_factory=dict)
    max_units: float = 10.0


@dataclass
class Resource:
    name: str
    capacity: float


def plan_model() -> LXModel:
    """The tiny plan above: ``production[0|1]``, ``capacity[assembly|paint]``."""
    items = [
        Item(0, "tables", 3.0, {"assembly": 1.0, "paint": 2.0}),
        Item(1, "chairs", 2.0, {"assembly": 1.0, "paint": 1.0}),
    ]
    resources = [Resource("assembly", 12.0), Resource("paint", 30.0)]
    x = (
        LXVariable[Item, float]("production")
        .continuous()
        .bounds(lower=0, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .from_data(items)
        .cost(lambda p: p.profit)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage[r.name]))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    return LXModel("plan").add_variable(x).add_constraint(capacity).maximize()


# -- data changes (module level: picklable by reference) --------------------------------------------


def scale_capacity(model: LXModel, factor: float) -> None:
    for resource in model.get_constraint("capacity").get_instances():
        resource.capacity *= factor


def scale_profit(model: LXModel, factor: float) -> None:
    for item in model.get_variable("production").get_instances():
        item.profit *= factor


def set_paint(model: LXModel, hours: float) -> None:
    for resource in model.get_constraint("capacity").get_instances():
        if resource.name == "paint":
            resource.capacity = hours


def serial_objective(model: LXModel, *changes) -> float | None:
    """The independent path: ``copy.deepcopy``, change the copy's data, solve it alone."""
    copied = copy.deepcopy(model)
    for fn, value in changes:
        fn(copied, value)
    return LXOptimizer().solve(copied).objective_value


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


CAP = param("capacity", name="cap")
PRICE = param("production", "objective", name="price")
PAINT = data_param("paint_hours", set_paint)


def run(model: LXModel, scenarios, **kw):
    kw.setdefault("backend", "sequential")
    return run_scenarios(model, scenarios, progress=False, **kw)


# -- parameters ------------------------------------------------------------------------------------


def test_param_names_and_defaults():
    # default names: runner.columns.column_name (identifiers, no dots or brackets)
    assert param("capacity").name == "capacity_rhs_multiply"
    assert param("capacity[2]", "rhs", "add").name == "capacity_2_rhs_add"
    assert param("production", "upper", "set").name == "production_upper_set"
    coef = param("capacity", "coefficient", "set", variable="production[0]")
    assert coef.name == "capacity_production_0_coefficient_set"
    assert coef.variable == "production[0]"
    assert param("capacity", name="cap").name == "cap"
    data = data_param("paint_hours", set_paint)
    assert (data.on, data.apply, data.target) == ("data", set_paint, "")
    assert "paint_hours" in repr(data) and "set_paint" in repr(data)


def test_parameters_are_frozen_hashable_dict_keys():
    spec = {param("capacity"): [1.0], data_param("d", set_paint): [2.0]}
    assert spec[param("capacity")] == [1.0]
    assert spec[data_param("d", set_paint)] == [2.0]
    assert param("capacity") != param("capacity", how="add")
    with pytest.raises(AttributeError):
        param("capacity").how = "set"


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Parameter("x", "capacity", on="bogus"), ValueError, r"on='bogus' is not known"),
        (lambda: param("production", "lower", "add"), ValueError, r"how='add' does not apply to on='lower'"),
        (lambda: param("production", "upper", "add"), ValueError, r"how='add' does not apply to on='upper'"),
        (
            lambda: param("production", "objective", "add"),
            ValueError,
            r"how='add' does not apply to on='objective'",
        ),
        (lambda: param("capacity", "rhs", "divide"), ValueError, r"how='divide' does not apply to on='rhs'"),
        (lambda: param("capacity", "coefficient", "set"), ValueError, r"needs variable="),
        (lambda: param("", "rhs"), ValueError, r"needs a target such as 'capacity'"),
        (lambda: Parameter("d", on="data"), ValueError, r"on='data' needs apply=fn\(model, value\)"),
        (lambda: data_param("d", 3.0), ValueError, r"parameter 'd': on='data' needs apply"),
        (
            lambda: Parameter("x", "capacity", apply=set_paint),
            ValueError,
            r"apply is only used with on='data'",
        ),
        (lambda: param("capacity", variable="production"), ValueError, r"variable is only used with"),
        (lambda: Parameter(""), ValueError, r"name must be a non-empty string"),
    ],
)
def test_parameter_validation(make, error, match):
    with pytest.raises(error, match=match):
        make()


def _bad_shape(rng, n):
    return rng.uniform(0.0, 1.0, n + 1)


def _nan_draws(rng, n):
    return np.full(n, np.nan)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: grid({}), ValueError, r"grid\(\): needs at least one parameter"),
        (lambda: grid([CAP]), TypeError, r"expected a mapping \{Parameter: ...\}"),
        (lambda: grid({CAP: []}), ValueError, r"parameter 'cap': needs at least one value"),
        (lambda: grid({CAP: 1.0}), TypeError, r"parameter 'cap': expected a sequence of values"),
        (lambda: grid({CAP: "12"}), TypeError, r"expected a sequence of values"),
        (lambda: grid({CAP: [1.0, True]}), TypeError, r"expected a number, got True"),
        (lambda: grid({CAP: [1.0, float("nan")]}), ValueError, r"nan is not a finite number"),
        (lambda: grid({"capacity": [1.0]}), TypeError, r"keys must be Parameter objects .* 'capacity'"),
        (
            lambda: grid({param("capacity", name="a"): [1], param("production", "objective", name="a"): [1]}),
            ValueError,
            r"two parameters are named 'a'",
        ),
        (lambda: grid({CAP: [1.0]}, prefix=""), ValueError, r"prefix must be a non-empty string"),
        (lambda: one_at_a_time({CAP: 1.0}, {}), ValueError, r"ranges: needs at least one parameter"),
        (lambda: one_at_a_time({}, {CAP: [1.0]}), ValueError, r"base: needs at least one parameter"),
        (
            lambda: one_at_a_time({CAP: 1.0}, {CAP: [0.5], PRICE: [2.0]}),
            ValueError,
            r"'price' have a range but no base value",
        ),
        (lambda: one_at_a_time({CAP: 1.0}, {CAP: []}), ValueError, r"needs at least one value"),
        (lambda: latin_hypercube({CAP: (2.0, 1.0)}, 4), ValueError, r"'cap': low=2 > high=1"),
        (lambda: latin_hypercube({CAP: (0.5, 1.5)}, 0), ValueError, r"n=0 must be >= 1"),
        (lambda: latin_hypercube({CAP: (0.5, 1.5)}, -3), ValueError, r"n=-3 must be >= 1"),
        (lambda: latin_hypercube({CAP: (0.5, 1.5)}, 2.5), TypeError, r"n must be an integer"),
        (lambda: latin_hypercube({CAP: (0.5, 1.0, 1.5)}, 2), TypeError, r"a \(low, high\) pair; got tuple"),
        (lambda: latin_hypercube({CAP: (0.5, math.inf)}, 2), ValueError, r"inf is not a finite number"),
        (lambda: latin_hypercube({}, 2), ValueError, r"latin_hypercube\(\): needs at least one parameter"),
        (lambda: monte_carlo({CAP: scipy.stats.norm(1, 0.1)}, 0), ValueError, r"n=0 must be >= 1"),
        (lambda: monte_carlo({}, 3), ValueError, r"monte_carlo\(\): needs at least one parameter"),
        (lambda: monte_carlo({CAP: 1.0}, 3), TypeError, r"'cap': expected a frozen scipy.stats distribution"),
        (lambda: monte_carlo({CAP: _bad_shape}, 3), ValueError, r"expected 3 draws of shape \(3,\), got"),
        (lambda: monte_carlo({CAP: _nan_draws}, 3), ValueError, r"draw #0 is nan, not a finite number"),
        (lambda: scenario_for("s", {CAP: math.nan}), ValueError, r"scenario 's', parameter 'cap'"),
        (lambda: scenario_for("s", {CAP: "1.0"}), TypeError, r"expected a number, got '1.0'"),
    ],
)
def test_generator_validation(make, error, match):
    with pytest.raises(error, match=match):
        make()


# -- scenario_for: mapping of on/how to modifications -------------------------------------------------


def test_scenario_for_maps_every_kind():
    scenario = scenario_for(
        "s",
        {
            param("capacity", "rhs", "set"): 10,
            param("capacity[paint]", "rhs", "add"): 2,
            param("capacity", "rhs", "multiply"): 1.5,
            param("production", "lower", "set"): 1,
            param("production", "lower", "multiply"): 2,
            param("production[1]", "upper", "set"): 8,
            param("production", "upper", "multiply"): 0.5,
            param("production", "objective", "set"): 4,
            param("production[0]", "objective", "multiply"): 2,
            param("capacity", "coefficient", "set", variable="production[0]"): 3,
            param("capacity[paint]", "coefficient", "multiply", variable="production"): 0.5,
            PAINT: 25,
        },
    )
    assert scenario.spec == (
        ("constraint", "capacity", "rhs_set", 10.0, None),
        ("constraint", "capacity[paint]", "rhs_add", 2.0, None),
        ("constraint", "capacity", "rhs_multiply", 1.5, None),
        ("variable", "production", "bound_lower", 1.0, None),
        ("variable", "production", "bound_lower_multiply", 2.0, None),
        ("variable", "production[1]", "bound_upper", 8.0, None),
        ("variable", "production", "bound_upper_multiply", 0.5, None),
        ("objective", "production", "obj_set", 4.0, None),
        ("objective", "production[0]", "obj_multiply", 2.0, None),
        ("coefficient", "capacity", "coef_set", 3.0, "production[0]"),
        ("coefficient", "capacity[paint]", "coef_multiply", 0.5, "production"),
    )
    assert scenario.model_changes == [DataChange("paint_hours", set_paint, 25.0)]
    assert scenario.parameters["paint_hours"] == 25.0
    assert scenario.parameters["capacity_rhs_set"] == 10.0
    # each column holds the value as given: an int stays an int, the modification is a float
    assert type(scenario.parameters["capacity_rhs_set"]) is int
    assert type(scenario.parameters["capacity_rhs_multiply"]) is float
    assert all(type(m.value) is float for m in scenario.modifications)
    assert scenario.modifications[0].description == "capacity_rhs_set = 10"


@pytest.mark.parametrize(
    "values, expected",
    [
        ({param("capacity"): 0.5}, 18.0),
        ({param("capacity[assembly]", "rhs", "add"): 4}, 42.0),
        ({PAINT: 20}, 32.0),
        ({param("production", "upper", "multiply"): 0.4}, 20.0),
        ({param("production[1]", "lower", "set"): 5}, 31.0),
        ({param("capacity[assembly]", "coefficient", "set", variable="production[0]"): 2}, 23.0),
        ({param("production", "objective"): 2}, 68.0),
    ],
    ids=["rhs-multiply", "rhs-add", "data", "upper-multiply", "lower-set", "coefficient-set", "objective"],
)
def test_worked_changes(values, expected):
    results = run(plan_model(), [scenario_for("s", values)])
    assert results["baseline"].objective_value == pytest.approx(OPTIMUM)
    assert results["s"].status == "optimal"
    assert results["s"].objective_value == pytest.approx(expected, rel=1e-9)


def test_data_change_key_follows_the_value():
    """A journaled sweep must not mistake a data scenario of another value for done."""
    a, b, c = (scenario_for("s", {PAINT: v}) for v in (20, 25, 20))
    assert a.key != b.key
    assert a.key == c.key


# -- grid ---------------------------------------------------------------------------------------------


def test_grid_count_names_columns_and_serial_objectives():
    model = plan_model()
    scenarios = grid({CAP: [0.5, 1.0, 1.3], PRICE: [0.8, 2.0]})
    assert len(scenarios) == 6
    assert [s.name for s in scenarios] == [f"grid-{i:05d}" for i in range(6)]
    assert [(s.parameters["cap"], s.parameters["price"]) for s in scenarios] == [
        (0.5, 0.8), (0.5, 2.0), (1.0, 0.8), (1.0, 2.0), (1.3, 0.8), (1.3, 2.0),
    ]  # fmt: skip

    df = run(model, scenarios).to_dataframe()
    assert list(df["name"]) == ["baseline"] + [s.name for s in scenarios]
    assert {"cap", "price"} <= set(df.columns)
    rows = df.set_index("name")
    for s in scenarios:
        cap, price = s.parameters["cap"], s.parameters["price"]
        expected = serial_objective(model, (scale_capacity, cap), (scale_profit, price))
        assert close(rows.loc[s.name, "objective_value"], expected), s.name
        assert (rows.loc[s.name, "cap"], rows.loc[s.name, "price"]) == (cap, price)
    assert math.isnan(rows.loc["baseline", "cap"])
    assert rows.loc["grid-00000", "objective_value"] == pytest.approx(18.0 * 0.8)


def test_grid_with_a_data_parameter_matches_serial():
    model = plan_model()
    assembly = param("capacity[assembly]", "rhs", "add", name="assembly_extra")
    scenarios = grid({PAINT: [20.0, 30.0], assembly: [0.0, 4.0]}, prefix="data")
    assert [s.name for s in scenarios] == ["data-00000", "data-00001", "data-00002", "data-00003"]
    results = run(model, scenarios)
    for s in scenarios:
        paint, extra = s.parameters["paint_hours"], s.parameters["assembly_extra"]

        def change(m, _value, extra=extra):
            for r in m.get_constraint("capacity").get_instances():
                if r.name == "assembly":
                    r.capacity += extra

        expected = serial_objective(model, (set_paint, paint), (change, None))
        assert close(results[s.name].objective_value, expected), s.name
    assert results["data-00000"].objective_value == pytest.approx(32.0)
    assert results["baseline"].objective_value == pytest.approx(OPTIMUM)
    # the data change ran on the scenario's copy, never on the model given
    assert [r.capacity for r in model.get_constraint("capacity").get_instances()] == [12.0, 30.0]


def test_names_widen_past_five_digits():
    from runner.sweeps.designs import _names

    assert _names("grid", 3) == ["grid-00000", "grid-00001", "grid-00002"]
    wide = _names("grid", 100_001)
    assert (wide[0], wide[-1]) == ("grid-000000", "grid-100000")
    assert wide == sorted(wide) and len(set(wide)) == len(wide)


# -- one at a time ------------------------------------------------------------------------------------


def test_one_at_a_time_moves_one_parameter_and_carries_all():
    model = plan_model()
    base = {CAP: 1.0, PRICE: 1.0, PAINT: 30.0}
    ranges = {CAP: [0.5, 1.5], PRICE: [0.8, 1.2, 2.0]}
    scenarios = one_at_a_time(base, ranges)
    assert len(scenarios) == 1 + 2 + 3
    assert [s.name for s in scenarios] == ["oat-base"] + [f"oat-{i:05d}" for i in range(5)]
    center = {"cap": 1.0, "price": 1.0, "paint_hours": 30.0}
    assert scenarios[0].parameters == center
    moved = []
    for s in scenarios[1:]:
        assert set(s.parameters) == set(center)
        diff = {k: v for k, v in s.parameters.items() if v != center[k]}
        assert len(diff) == 1
        moved.append(next(iter(diff.items())))
    assert moved == [("cap", 0.5), ("cap", 1.5), ("price", 0.8), ("price", 1.2), ("price", 2.0)]
    assert len(one_at_a_time(base, ranges, include_base=False)) == 5

    df = run(model, scenarios).to_dataframe().set_index("name")
    assert {"cap", "price", "paint_hours"} <= set(df.columns)
    assert df.loc["oat-base", "objective_value"] == pytest.approx(OPTIMUM)
    assert df.loc["oat-00000", "objective_value"] == pytest.approx(18.0)
    for s in scenarios:
        expected = serial_objective(
            model, (scale_capacity, s.parameters["cap"]), (scale_profit, s.parameters["price"])
        )
        assert close(df.loc[s.name, "objective_value"], expected), s.name


# -- Latin hypercube ----------------------------------------------------------------------------------


def test_latin_hypercube_count_ranges_strata_and_seed():
    ranges = {CAP: (0.5, 1.5), PRICE: (0.8, 1.2), param("production", "upper", name="fixed"): (1.0, 1.0)}
    scenarios = latin_hypercube(ranges, 8, seed=7)
    assert len(scenarios) == 8
    assert [s.name for s in scenarios] == [f"lhs-{i:05d}" for i in range(8)]
    caps = np.array([s.parameters["cap"] for s in scenarios])
    prices = np.array([s.parameters["price"] for s in scenarios])
    assert ((caps >= 0.5) & (caps <= 1.5)).all() and ((prices >= 0.8) & (prices <= 1.2)).all()
    assert all(s.parameters["fixed"] == 1.0 for s in scenarios)
    # one scenario per stratum of every parameter
    assert sorted(np.floor((caps - 0.5) / 1.0 * 8).astype(int)) == list(range(8))
    assert sorted(np.floor((prices - 0.8) / 0.4 * 8).astype(int)) == list(range(8))

    again = latin_hypercube(ranges, 8, seed=7)
    assert [s.parameters for s in again] == [s.parameters for s in scenarios]
    assert [s.key for s in again] == [s.key for s in scenarios]
    other = latin_hypercube(ranges, 8, seed=8)
    assert [s.parameters for s in other] != [s.parameters for s in scenarios]
    assert [s.name for s in latin_hypercube({CAP: (0.5, 1.5)}, 2, prefix="cap")] == ["cap-00000", "cap-00001"]


def test_latin_hypercube_results_table():
    model = plan_model()
    scenarios = latin_hypercube({CAP: (0.5, 1.5), PRICE: (0.8, 1.2)}, 5, seed=1)
    df = run(model, scenarios).to_dataframe()
    assert len(df) == 6
    assert {"cap", "price"} <= set(df.columns)
    assert (df["status"] == "optimal").all()
    sample = df[df["name"] != "baseline"]
    assert sample["cap"].between(0.5, 1.5).all() and sample["price"].between(0.8, 1.2).all()


# -- Monte Carlo --------------------------------------------------------------------------------------


def uniform_capacity(rng, n):
    return rng.uniform(0.6, 1.4, n)


def test_monte_carlo_count_values_and_seed():
    dists = {CAP: uniform_capacity, PRICE: scipy.stats.norm(1.0, 0.05)}
    scenarios = monte_carlo(dists, 20, seed=3)
    assert len(scenarios) == 20
    assert [s.name for s in scenarios] == [f"mc-{i:05d}" for i in range(20)]
    caps = np.array([s.parameters["cap"] for s in scenarios])
    assert ((caps >= 0.6) & (caps <= 1.4)).all()
    assert len(set(caps.tolist())) == 20
    prices = np.array([s.parameters["price"] for s in scenarios])
    assert abs(prices.mean() - 1.0) < 0.05

    assert [s.parameters for s in monte_carlo(dists, 20, seed=3)] == [s.parameters for s in scenarios]
    assert [s.parameters for s in monte_carlo(dists, 20, seed=4)] != [s.parameters for s in scenarios]
    # each parameter draws from its own stream: a larger n begins with the same scenarios
    grown = monte_carlo(dists, 25, seed=3)
    assert [s.parameters for s in grown[:20]] == [s.parameters for s in scenarios]
    assert [s.key for s in grown[:20]] == [s.key for s in scenarios]


def test_monte_carlo_results_table_matches_serial():
    model = plan_model()
    scenarios = monte_carlo(
        {PRICE: scipy.stats.uniform(0.5, 1.0), data_param("cap_data", scale_capacity): uniform_capacity},
        4,
        seed=11,
        prefix="draw",
    )
    results = run(model, scenarios)
    df = results.to_dataframe()
    assert list(df["name"]) == ["baseline", "draw-00000", "draw-00001", "draw-00002", "draw-00003"]
    assert {"price", "cap_data"} <= set(df.columns)
    for s in scenarios:
        expected = serial_objective(
            model, (scale_profit, s.parameters["price"]), (scale_capacity, s.parameters["cap_data"])
        )
        assert close(results[s.name].objective_value, expected), s.name


# -- worker processes ---------------------------------------------------------------------------------


def test_loky_ships_data_parameters_and_matches_sequential():
    """Data parameters with a local lambda travel to loky workers (cloudpickle by value)."""
    model = plan_model()
    offset = 2.0
    paint = data_param("paint", lambda m, v: set_paint(m, v + offset))
    scenarios = latin_hypercube({paint: (14.0, 28.0), CAP: (0.6, 1.4)}, 6, seed=5)
    parallel = run(model, scenarios, backend="loky", n_jobs=2)
    serial = run(model, scenarios)
    assert parallel.failed.empty, parallel.failed.to_dict("records")
    for name in serial:
        assert close(parallel[name].objective_value, serial[name].objective_value), name
    pdf, sdf = parallel.to_dataframe(), serial.to_dataframe()
    assert list(pdf["paint"].dropna()) == list(sdf["paint"].dropna())
    s = scenarios[0]
    expected = serial_objective(
        model, (set_paint, s.parameters["paint"] + offset), (scale_capacity, s.parameters["cap"])
    )
    assert close(parallel[s.name].objective_value, expected)


def test_sweep_api_is_exported():
    for name in ("Parameter", "param", "data_param", "scenario_for", "grid", "one_at_a_time",
                 "latin_hypercube", "monte_carlo"):  # fmt: skip
        assert name in runner.__all__
        assert getattr(runner, name) is not None
