"""Data scenarios by their dependencies (``lumix.dependencies``, method ``"data"``) against the
copy + recompile path (``LXOptimizer.data_scenarios("recompile")``): same objectives and values,
the data restored after each scenario, and a fallback (saying why) where the dependencies cannot
be known or followed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable
from lumix.errors import ModelError
from lumix.scenario import METHODS, ScenarioSession

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TAX = 0.1  # read by a callable of one model below: a global


class Material:
    def __init__(self, mid: int, unit_cost: float, stock: float) -> None:
        self.id, self.unit_cost, self.stock = mid, unit_cost, stock


class Usage:
    """A product's use of a material (a relationship object)."""

    def __init__(self, material: Material, units: float) -> None:
        self.material, self.units = material, units


class Product:
    def __init__(self, pid: int, price: float, max_units: float, uses: list[Usage]) -> None:
        self.id, self.price, self.max_units, self.uses = pid, price, max_units, uses
        self.active = True
        self.note = ""

    def material_cost(self) -> float:
        return sum(u.units * u.material.unit_cost for u in self.uses)

    def profit(self) -> float:
        return self.price - self.material_cost()

    def units_of(self, material: Material) -> float:
        return sum(u.units for u in self.uses if u.material is material)


def make_data() -> tuple[list[Product], list[Material]]:
    mats = [Material(1, 2.0, 60.0), Material(2, 3.5, 45.0), Material(3, 1.0, 80.0)]
    products = []
    for i in range(8):
        uses = [Usage(mats[i % 3], 1.0 + 0.25 * i), Usage(mats[(i + 1) % 3], 0.5 + 0.1 * i)]
        products.append(Product(i + 1, 12.0 + 1.5 * i, 10.0 + i, uses))
    return products, mats


def build(products: list[Product], mats: list[Material], *, cost=None, filtered: bool = False) -> LXModel:
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0, upper=lambda p: p.max_units)
        .indexed_by(lambda p: p.id)
        .cost(cost or (lambda p: p.profit()))
        .from_data(products)
    )
    if filtered:
        production = production.where(lambda p: p.active)
    materials = (
        LXConstraint[Material]("materials")
        .expression(LXLinearExpression().add_term(production, coeff=lambda p, m: p.units_of(m)))
        .le()
        .rhs(lambda m: m.stock)
        .from_data(mats)
        .indexed_by(lambda m: m.id)
    )
    demand = LXConstraint("demand").expression(LXLinearExpression().sum_over(production)).le().rhs(40.0)
    model = LXModel("data_deps").add_variable(production)
    model.add_constraints(materials, demand)
    return model.maximize()


def sessions(model: LXModel, keep: str = "values") -> tuple[ScenarioSession, ScenarioSession]:
    """The session under test and one that always copies and recompiles."""
    canon = model.to_canonical()
    fast = ScenarioSession(canon, model, keep=keep)
    slow = ScenarioSession(canon, model, LXOptimizer().data_scenarios("recompile").options, keep=keep)
    return fast, slow


def same(fast: ScenarioSession, slow: ScenarioSession, fn, name: str = "s", changes=()) -> str:
    """Solve ``fn`` both ways; the objectives and every value agree exactly. Returns the
    fast session's method."""
    a = fast.solve(changes, (fn,), name)
    b = slow.solve(changes, (fn,), name)
    assert b.method in ("incremental", "rebuilt")
    assert a.status == b.status
    assert a.objective_value == b.objective_value, (a, b)
    if a.solution is not None and b.solution is not None:
        assert a.solution.variables == b.solution.variables
    return a.method


# -- plain objects --------------------------------------------------------------------------------


def scale_prices(factor):
    def apply(model):
        for p in model.get_variable("production").get_instances():
            p.price *= factor

    return apply


def set_max_units(value):
    def apply(model):
        model.get_variable("production").get_instances()[2].max_units = value

    return apply


def set_stock(value):
    def apply(model):
        model.get_constraint("materials").get_instances()[1].stock = value

    return apply


def set_units(value):
    def apply(model):
        model.get_variable("production").get_instances()[3].uses[0].units = value

    return apply


def set_unit_cost(value):
    def apply(model):
        model.get_constraint("materials").get_instances()[0].unit_cost = value

    return apply


def set_note(value):
    def apply(model):
        for p in model.get_variable("production").get_instances():
            p.note = value

    return apply


@pytest.mark.parametrize(
    "make, values",
    [
        (scale_prices, [0.8, 1.1, 1.3]),  # objective costs
        (set_max_units, [0.0, 3.0, 40.0]),  # column bounds
        (set_stock, [5.0, 20.0, 200.0]),  # right-hand sides
        (set_units, [0.1, 4.0, 9.0]),  # coefficients, through a relationship object
        (set_unit_cost, [0.5, 6.0]),  # costs, through two relationship objects
        (set_note, ["x", "y"]),  # nothing the model reads
    ],
)
def test_fast_path_equals_copy_and_recompile(make, values):
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))
    baseline = fast.solve().objective_value
    for value in values:
        assert same(fast, slow, make(value)) == "data"
    assert fast.data_unusable is None and fast.data_fallbacks == {}
    assert fast.solve().objective_value == baseline  # the solver and the data were restored


def test_several_changes_and_declarative_changes_together():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))

    def both(model):
        scale_prices(1.2)(model)
        set_stock(25.0)(model)
        set_units(2.0)(model)

    rhs = (("constraint", "demand", "rhs_multiply", 0.7, None),)
    for _ in range(3):
        assert same(fast, slow, both, changes=rhs) == "data"


def test_the_users_model_is_never_changed():
    products, mats = make_data()
    prices = [p.price for p in products]
    fast, _ = sessions(build(products, mats))
    fast.solve((), (scale_prices(2.0),))
    fast.solve((), (set_units(7.0),))
    assert [p.price for p in products] == prices
    assert products[3].uses[0].units == 1.75


def test_a_callable_that_raises_midway_leaves_the_data_restored():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))
    baseline = fast.solve().objective_value

    def half_done(model):
        for i, p in enumerate(model.get_variable("production").get_instances()):
            if i == 4:
                raise RuntimeError("stop")
            p.price *= 3

    with pytest.raises(RuntimeError, match="stop"):
        fast.solve((), (half_done,))
    assert fast.solve().objective_value == baseline
    assert same(fast, slow, scale_prices(1.05)) == "data"
    copy_prices = [p.price for p in fast._dependencies.model.get_variable("production").get_instances()]
    assert copy_prices == [p.price for p in products]


def test_a_change_that_crosses_bounds_fails_as_the_compile_does():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))
    fast.solve((), (set_max_units(5.0),))  # verified once

    with pytest.raises(ModelError, match="lower bound"):
        slow.solve((), (set_max_units(-1.0),))
    with pytest.raises(ModelError, match="lower bound"):
        fast.solve((), (set_max_units(-1.0),))
    assert same(fast, slow, set_max_units(6.0)) == "data"


def test_each_callable_runs_once_per_scenario():
    """The first scenario of a code is checked against the changed copy recompiled, not by
    running its callable a second time (callables may have effects, e.g. count their calls)."""
    products, mats = make_data()
    fast, _ = sessions(build(products, mats))
    calls = []

    def data(model):
        calls.append("data")
        scale_prices(1.1)(model)

    def declaration(model):
        calls.append("declaration")
        model.get_constraint("demand").rhs_value *= 1.5

    methods = [fast.solve((), (fn,)).method for fn in (data, data, declaration, declaration, data)]
    assert calls == ["data", "data", "declaration", "declaration", "data"]
    assert methods == ["data", "data", "incremental", "incremental", "data"]


def test_a_read_the_recording_misses_is_caught_by_the_first_comparison():
    """``object.__getattribute__`` passes by the recording: the first scenario of the code is
    compared with copy + recompile, differs, and that code is copied and recompiled from then on."""
    products, mats = make_data()
    model = build(products, mats, cost=lambda p: object.__getattribute__(p, "price") - p.material_cost())
    fast, slow = sessions(model)
    for factor in (1.3, 0.7):
        assert same(fast, slow, scale_prices(factor)) == "incremental"
    assert list(fast.data_fallbacks.values()) == ["its numbers differ from those of the copy recompiled"]
    assert same(fast, slow, set_stock(10.0)) == "data"  # other code keeps the fast way


def test_methods_are_a_vocabulary():
    assert METHODS == ("incremental", "data", "rebuilt")


# -- fallbacks ------------------------------------------------------------------------------------


def test_a_callable_reading_a_global_is_copied_and_recompiled():
    products, mats = make_data()
    model = build(products, mats, cost=lambda p: p.price * (1 - TAX) - p.material_cost())
    fast, slow = sessions(model)
    assert same(fast, slow, scale_prices(1.1)) == "incremental"
    assert "TAX" in fast.data_unusable


def test_a_callable_returning_another_model_is_copied_and_recompiled():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))

    def replace(model):
        other_products, other_mats = make_data()
        for p in other_products:
            p.price *= 1.5
        return build(other_products, other_mats)

    assert same(fast, slow, replace) == "incremental"
    assert list(fast.data_fallbacks.values()) == ["a callable returns another model"]
    assert same(fast, slow, scale_prices(1.1)) == "data"  # other callables keep the fast way


def test_changing_a_filters_input_is_copied_and_recompiled():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats, filtered=True))

    def deactivate(model):
        model.get_variable("production").get_instances()[0].active = False

    assert same(fast, slow, deactivate) in ("incremental", "rebuilt")
    assert "instances or keys" in next(iter(fast.data_fallbacks.values()))
    assert same(fast, slow, scale_prices(0.9)) == "data"


def test_adding_an_instance_is_copied_and_recompiled():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))

    def add(model):
        var = model.get_variable("production")
        var._data.append(Product(99, 30.0, 5.0, [Usage(var._data[0].uses[0].material, 1.0)]))

    assert same(fast, slow, add) == "rebuilt"
    assert "list of data" in next(iter(fast.data_fallbacks.values()))
    assert same(fast, slow, scale_prices(0.9)) == "data"  # recorded again from a fresh copy


def test_mutating_a_list_the_model_reads_is_copied_and_recompiled():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))

    def drop_use(model):
        model.get_variable("production").get_instances()[2].uses.pop()

    assert same(fast, slow, drop_use) in ("incremental", "rebuilt")
    assert "list, dict or set" in next(iter(fast.data_fallbacks.values()))
    assert same(fast, slow, set_stock(30.0)) == "data"


def test_changing_a_declaration_is_copied_and_recompiled():
    products, mats = make_data()
    fast, slow = sessions(build(products, mats))

    def more_demand(model):
        model.get_constraint("demand").rhs_value *= 1.5

    assert same(fast, slow, more_demand) == "incremental"
    assert "declarations" in next(iter(fast.data_fallbacks.values()))
    assert same(fast, slow, scale_prices(1.1)) == "data"


def test_the_option_forces_copy_and_recompile_and_is_checked():
    products, mats = make_data()
    _, slow = sessions(build(products, mats))
    assert slow.solve((), (scale_prices(1.1),)).method == "incremental"
    assert slow.data_unusable == 'data_scenarios="recompile"'
    with pytest.raises(ValueError, match="data_scenarios"):
        LXOptimizer().data_scenarios("fast")
    with pytest.raises(ValueError, match="data_scenarios"):
        ScenarioSession(build(*make_data()).to_canonical(), None, {"data_scenarios": "x"})
    # the option is not a solver parameter
    solution = LXOptimizer().data_scenarios("recompile").solve(build(*make_data()))
    assert solution.objective_value == pytest.approx(slow.solve().objective_value)


# -- SQLAlchemy data (the README's model) ----------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_model():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import sweep_model
    finally:
        sys.path.remove(str(EXAMPLES))
    return sweep_model


def test_orm_data_through_relationships(sweep_model, tmp_path):
    model = sweep_model.factory(str(tmp_path / "p.db"), products=12, resources=4, materials=3)
    prices = [p.price for p in model.get_variable("production").get_instances()]
    fast, slow = sessions(model)
    baseline = fast.solve().objective_value

    def capacity(value):
        def apply(m):
            m.get_constraint("capacity").get_instances()[1].capacity = value

        return apply

    def hours(value):
        def apply(m):
            m.get_variable("production").get_instances()[5].resource_links[0].hours = value

        return apply

    def material_cost(value):
        def apply(m):
            m.get_variable("production").get_instances()[0].material_links[0].material.unit_cost = value

        return apply

    for factor in (0.9, 1.0, 1.07):
        assert same(fast, slow, lambda m, f=factor: sweep_model.scale_prices(m, f)) == "data"
    for value in (3.0, 50.0):
        assert same(fast, slow, capacity(value)) == "data"
        assert same(fast, slow, hours(value / 10)) == "data"
        assert same(fast, slow, material_cost(value / 5)) == "data"
    assert fast.solve().objective_value == baseline
    assert [p.price for p in model.get_variable("production").get_instances()] == prices


# -- the write hooks' lifetime ----------------------------------------------------------------


def hooked(cls: type) -> bool:
    """Whether ``cls`` carries a write hook (these classes define no ``__setattr__`` of their own)."""
    return "__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__


def test_the_write_hooks_come_off_the_data_classes_when_the_last_session_closes():
    import gc

    gc.collect()  # sessions earlier tests left: collected, their holds on the hooks given back
    assert not hooked(Product) and not hooked(Material)
    products, mats = make_data()
    model = build(products, mats)
    first, second = (ScenarioSession(model.to_canonical(), model) for _ in range(2))
    assert first.solve((), (scale_prices(1.1),), "a").method == "data"
    assert second.solve((), (scale_prices(1.2),), "b").method == "data"
    assert hooked(Product) and hooked(Material)
    first.close()
    assert hooked(Product)  # the second session still follows writes
    second.close()
    assert not hooked(Product) and not hooked(Material) and not hooked(Usage)
    other = Product(99, 1.0, 1.0, [])
    other.price = 5.0
    del other.note
    assert other.price == 5.0 and not hasattr(other, "note")
    assert first.solve((), (scale_prices(1.1),), "a").method == "data"  # recorded again
    del first
    gc.collect()  # a session dropped without close(): its hold is given back when collected
    assert not hooked(Product)


def test_a_class_with_its_own_setattr_gets_it_back():
    calls = []

    class Guarded(Product):
        def __setattr__(self, name, value):
            calls.append(name)
            super().__setattr__(name, value)

    own = Guarded.__dict__["__setattr__"]
    products = [Guarded(p.id, p.price, p.max_units, p.uses) for p in make_data()[0]]
    model = build(products, make_data()[1])
    session = ScenarioSession(model.to_canonical(), model)
    assert session.solve((), (scale_prices(1.1),), "a").method == "data"
    assert Guarded.__dict__["__setattr__"] is not own  # hooked
    session.close()
    assert Guarded.__dict__["__setattr__"] is own and not hooked(Product)
    calls.clear()
    Guarded(99, 1.0, 1.0, []).price = 2.0
    assert calls == ["id", "price", "max_units", "uses", "active", "note", "price"]
