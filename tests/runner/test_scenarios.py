"""Every declarative change against an independent serial path, callables' incremental /
rebuilt paths, infeasible scenarios, and unknown targets raising before any worker starts.

The reference for each case is ``conftest.serial_objective``: ``copy.deepcopy(model)``, the
same change made on the ``LXModel`` copy (``rhs_value`` / ``rhs(...)``, ``bounds``, ``cost``,
the coefficient callable), then a fresh ``LXOptimizer().solve``. The runner applies the
declarative form to its persistent solver instead, so agreement checks both the change and
the revert between scenarios (every case runs in the same sweep, on the same solver).
"""

from __future__ import annotations

import os
import time

import pytest

import runner.api
from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable
from lumix.analysis import LXScenario, LXScenarioModification
from lumix.errors import ScenarioError
from runner import run_scenarios

from .conftest import child_pids, close, serial_objective

# -- serial modifiers of the LXModel copy ------------------------------------------------------


def rhs_family_value(value: float):
    def modify(model: LXModel) -> None:
        model.get_constraint("capacity").rhs_value = value  # LumiX: a number wins over rhs_func

    return modify


def rhs(change):
    """``capacity``'s rhs becomes ``change(resource, old_rhs)``."""

    def modify(model: LXModel) -> None:
        con = model.get_constraint("capacity")
        old = con.rhs_func
        con.rhs(lambda r: change(r, old(r)))

    return modify


def bounds(lower=None, upper=None):
    """``lower`` / ``upper``: ``f(product, old_bound)`` (``None``: keep the old bound)."""

    def modify(model: LXModel) -> None:
        var = model.get_variable("production")
        old_lo, old_up = var.lower_bound, var.upper_bound

        def value(bound, p):
            return bound(p) if callable(bound) else bound

        new_lo = old_lo if lower is None else (lambda p: lower(p, value(old_lo, p)))
        new_up = old_up if upper is None else (lambda p: upper(p, value(old_up, p)))
        var.bounds(lower=new_lo, upper=new_up)

    return modify


def cost(change):
    def modify(model: LXModel) -> None:
        var = model.get_variable("production")
        old = var.cost_func
        var.cost(lambda p: change(p, old(p)))

    return modify


def coefficient(change):
    """``usage(p, r)`` in ``capacity`` becomes ``change(p, r, old)``."""

    def modify(model: LXModel) -> None:
        expr = model.get_constraint("capacity").lhs
        term = expr.terms["production"]
        old = term.coeff
        expr.terms["production"] = term._replace(coeff=lambda p, r: change(p, r, old(p, r)))

    return modify


def _s(name: str) -> LXScenario:
    return LXScenario(name)


# name -> (declarative scenario, serial modifier of a deepcopy, method of the callable form)
CASES = {
    # right-hand sides, family and instance
    "rhs-set-family": (
        _s("rhs-set-family").modify_constraint_rhs("capacity", set_value=350),
        rhs_family_value(350),
    ),
    "rhs-add-family": (
        _s("rhs-add-family").modify_constraint_rhs("capacity", add=-50),
        rhs(lambda r, v: v - 50),
    ),
    "rhs-multiply-family": (
        _s("rhs-multiply-family").modify_constraint_rhs("capacity", multiply=0.8),
        rhs(lambda r, v: v * 0.8),
    ),
    "rhs-set-instance": (
        _s("rhs-set-instance").modify_constraint_rhs("capacity[r2]", set_value=250),
        rhs(lambda r, v: 250 if r.name == "r2" else v),
    ),
    "rhs-add-instance": (
        _s("rhs-add-instance").modify_constraint_rhs("capacity[r3]", add=120),
        rhs(lambda r, v: v + 120 if r.name == "r3" else v),
    ),
    "rhs-multiply-instance": (
        _s("rhs-multiply-instance").modify_constraint_rhs("capacity[r0]", multiply=1.5),
        rhs(lambda r, v: v * 1.5 if r.name == "r0" else v),
    ),
    "rhs-add-percent-family": (
        _s("rhs-add-percent-family").modify_constraint_rhs("capacity", add_percent=-0.15),
        rhs(lambda r, v: v - 0.15 * abs(v)),
    ),
    "rhs-add-percent-instance": (
        _s("rhs-add-percent-instance").modify_constraint_rhs("capacity[r5]", add_percent=0.25),
        rhs(lambda r, v: v + 0.25 * abs(v) if r.name == "r5" else v),
    ),
    "rhs-multiply-then-add": (  # applied in order, each on top of the previous
        _s("rhs-multiply-then-add")
        .modify_constraint_rhs("capacity[r4]", multiply=2)
        .modify_constraint_rhs("capacity[r4]", add=-500),
        rhs(lambda r, v: v * 2 - 500 if r.name == "r4" else v),
    ),
    # variable bounds
    "bound-upper-family": (
        _s("bound-upper-family").modify_variable_bound("production", upper=15),
        bounds(upper=lambda p, b: 15),
    ),
    "bound-lower-family": (
        _s("bound-lower-family").modify_variable_bound("production", lower=2),
        bounds(lower=lambda p, b: 2),
    ),
    "bound-both-instance": (
        _s("bound-both-instance").modify_variable_bound("production[4]", lower=5, upper=8),
        bounds(lower=lambda p, b: 5 if p.id == 4 else b, upper=lambda p, b: 8 if p.id == 4 else b),
    ),
    "bound-upper-instance-zero": (
        _s("bound-upper-instance-zero").modify_variable_bound("production[10]", upper=0),
        bounds(upper=lambda p, b: 0 if p.id == 10 else b),
    ),
    "bound-lower-multiply-custom": (
        _s("bound-lower-multiply-custom")
        .modify_variable_bound("production", lower=1)
        .add_custom_modification(LXScenarioModification("variable", "production", "bound_lower_multiply", 3)),
        bounds(lower=lambda p, b: 3),
    ),
    # objective coefficients
    "obj-set-family": (
        _s("obj-set-family").modify_objective_coefficient("production", set_value=10),
        cost(lambda p, c: 10),
    ),
    "obj-multiply-family": (
        _s("obj-multiply-family").modify_objective_coefficient("production", multiply=1.3),
        cost(lambda p, c: c * 1.3),
    ),
    "obj-set-instance": (
        _s("obj-set-instance").modify_objective_coefficient("production[5]", set_value=40),
        cost(lambda p, c: 40 if p.id == 5 else c),
    ),
    "obj-multiply-instance": (
        _s("obj-multiply-instance").modify_objective_coefficient("production[17]", multiply=0.1),
        cost(lambda p, c: c * 0.1 if p.id == 17 else c),
    ),
    # matrix coefficients: family x family, instance x instance, row x family, family x column
    "coef-set-all": (
        _s("coef-set-all").modify_coefficient("capacity", "production", set_value=1.0),
        coefficient(lambda p, r, a: 1.0),
    ),
    "coef-multiply-all": (
        _s("coef-multiply-all").modify_coefficient("capacity", "production", multiply=1.1),
        coefficient(lambda p, r, a: a * 1.1),
    ),
    "coef-set-instance": (
        _s("coef-set-instance").modify_coefficient("capacity[r0]", "production[25]", set_value=0.25),
        coefficient(lambda p, r, a: 0.25 if (r.name, p.id) == ("r0", 25) else a),
    ),
    "coef-multiply-row": (
        _s("coef-multiply-row").modify_coefficient("capacity[r2]", "production", multiply=2),
        coefficient(lambda p, r, a: a * 2 if r.name == "r2" else a),
    ),
    "coef-multiply-column": (
        _s("coef-multiply-column").modify_coefficient("capacity", "production[0]", multiply=0.5),
        coefficient(lambda p, r, a: a * 0.5 if p.id == 0 else a),
    ),
    "coef-set-zero": (  # the callable form drops the entry from the sparse matrix: rebuilt
        _s("coef-set-zero").modify_coefficient("capacity[r0]", "production[1]", set_value=0),
        coefficient(lambda p, r, a: 0.0 if (r.name, p.id) == ("r0", 1) else a),
    ),
    # several kinds at once
    "everything": (
        _s("everything")
        .modify_constraint_rhs("capacity", multiply=1.2)
        .modify_variable_bound("production[2]", upper=3)
        .modify_objective_coefficient("production[6]", multiply=2)
        .modify_coefficient("capacity[r5]", "production[6]", multiply=0.5),
        lambda m: [
            f(m)
            for f in (
                rhs(lambda r, v: v * 1.2),
                bounds(upper=lambda p, b: 3 if p.id == 2 else b),
                cost(lambda p, c: c * 2 if p.id == 6 else c),
                coefficient(lambda p, r, a: a * 0.5 if (r.name, p.id) == ("r5", 6) else a),
            )
        ],
    ),
    "infeasible": (
        _s("infeasible").modify_constraint_rhs("capacity[r1]", set_value=-1),
        rhs(lambda r, v: -1 if r.name == "r1" else v),
    ),
}
REBUILT_CALLABLES = {"coef-set-zero"}


@pytest.fixture(scope="module")
def reference():
    """The serial objective of every case (and of the baseline) on the standard model."""
    from .conftest import production_model, standard_products, standard_resources

    model = production_model(standard_products(), standard_resources())
    found = {"baseline": serial_objective(model)}
    found.update({name: serial_objective(model, modify) for name, (_, modify) in CASES.items()})
    return found


def test_reference_sanity(reference):
    base = reference["baseline"]
    assert base is not None and base > 0
    assert reference["infeasible"] is None
    # every case changes the optimum (a no-op modifier would make the comparison vacuous)
    for name, value in reference.items():
        if name != "baseline":
            assert value is None or not close(value, base), name
    # LP homogeneity in the costs: profits * 1.3 scale the optimum by 1.3
    assert close(reference["obj-multiply-family"], 1.3 * base)


@pytest.mark.parametrize("backend, n_jobs", [("sequential", 1), ("loky", 2)], ids=["sequential", "loky-2"])
def test_declarative_changes_match_the_serial_path(standard_model, reference, backend, n_jobs):
    scenarios = [scenario for scenario, _ in CASES.values()]
    results = run_scenarios(
        standard_model, scenarios, backend=backend, n_jobs=n_jobs, batch_size=4, progress=False
    )
    assert list(results) == ["baseline", *CASES]
    for name, r in results.items():
        assert r.method == "incremental", name
        assert close(r.objective_value, reference[name]), (name, r.objective_value, reference[name])
        assert r.status == ("infeasible" if name == "infeasible" else "optimal"), name
    assert results.failed.empty


def test_callable_changes_match_the_serial_path(standard_model, reference):
    scenarios = {name: modify for name, (_, modify) in CASES.items()}
    results = run_scenarios(standard_model, scenarios, backend="sequential", progress=False)
    for name, r in results.items():
        assert close(r.objective_value, reference[name]), (name, r.objective_value, reference[name])
        expected = "rebuilt" if name in REBUILT_CALLABLES else "incremental"
        assert r.method == expected, name


def test_infeasible_scenarios(tiny_model):
    def no_assembly(model: LXModel) -> None:
        model.get_constraint("capacity").rhs_value = -1

    scenarios = [
        LXScenario("declarative").modify_constraint_rhs("capacity[assembly]", set_value=-1),
        LXScenario("lower-bounds").modify_variable_bound("production", lower=7),  # 14 > 12 hours
        ("callable", no_assembly),
    ]
    results = run_scenarios(tiny_model, scenarios, backend="sequential", progress=False)
    for name in ("declarative", "lower-bounds", "callable"):
        r = results[name]
        assert (r.status, r.objective_value) == ("infeasible", None), name
        assert r.error is not None and "the solver reported infeasible" in r.error, name
    assert results.failed.empty
    # the solver was reverted after the infeasible ones: the baseline is intact
    again = run_scenarios(
        tiny_model, scenarios[::-1] + [LXScenario("plain")], backend="sequential", progress=False
    )
    assert close(again["plain"].objective_value, 34.0)


def test_callables_adding_structure_are_rebuilt(standard_model):
    def add_total(model: LXModel) -> None:
        x = model.get_variable("production")
        model.add_constraint(
            LXConstraint("total_output").expression(LXLinearExpression().sum_over(x)).le().rhs(100)
        )

    def add_overtime(model: LXModel) -> None:
        # overtime hours on r0 at 4 per hour, at most 50: capacity[r0] gains a column
        overtime = LXVariable("overtime").bounds(lower=0, upper=50).cost(lambda _: -4.0)
        model.add_variable(overtime)
        con = model.get_constraint("capacity")
        con.lhs.add_term(overtime, lambda _, r: -1.0 if r.name == "r0" else 0.0)

    def numbers_only(model: LXModel) -> None:
        model.get_constraint("capacity").rhs_value = 400

    scenarios = {"total": add_total, "overtime": add_overtime, "numbers": numbers_only}
    results = run_scenarios(standard_model, scenarios, backend="sequential", progress=False, keep="values")

    assert {n: r.method for n, r in results.items()} == {
        "baseline": "incremental",
        "total": "rebuilt",
        "overtime": "rebuilt",
        "numbers": "incremental",
    }
    for name, fn in scenarios.items():
        assert close(results[name].objective_value, serial_objective(standard_model, fn)), name
    base = results["baseline"].objective_value
    assert results["total"].objective_value < base  # the total binds
    assert sum(results["total"].solution.get_variable("production").values()) == pytest.approx(100.0)
    assert results["total"].solution.get_variable("production").keys() == set(range(30))
    assert "overtime" in results["overtime"].solution.variables


def test_modify_model_combined_with_declarative_changes(standard_model):
    """``LXScenario.modify_model(fn)`` changes the scenario's copy first, then the declarative
    changes apply on top: numbers only -> incremental; new structure -> rebuilt."""
    profits = cost(lambda p, c: c * 2 if p.id % 3 == 0 else c)
    cap = rhs(lambda r, v: v * 0.7 if r.name == "r0" else v)

    def add_total(model: LXModel) -> None:
        x = model.get_variable("production")
        model.add_constraint(LXConstraint("total").expression(LXLinearExpression().sum_over(x)).le().rhs(200))

    def both(*fns):
        return lambda m: [f(m) for f in fns]

    numbers = LXScenario("numbers").modify_model(profits).modify_constraint_rhs("capacity[r0]", multiply=0.7)
    structure = (
        LXScenario("structure").modify_model(add_total).modify_constraint_rhs("capacity[r0]", multiply=0.7)
    )
    results = run_scenarios(standard_model, [numbers, structure], backend="sequential", progress=False)

    assert results["numbers"].method == "incremental"
    assert close(results["numbers"].objective_value, serial_objective(standard_model, both(profits, cap)))
    assert results["structure"].method == "rebuilt"
    assert close(results["structure"].objective_value, serial_objective(standard_model, both(add_total, cap)))
    assert not close(results["structure"].objective_value, serial_objective(standard_model, add_total))


def test_declarative_scenarios_never_rerun_user_lambdas(monkeypatch):
    """DESIGN.md: lambdas are evaluated once per compile, never per declarative scenario."""
    from .conftest import production_model, standard_products, standard_resources

    calls = []
    products = standard_products()
    model = production_model(products, standard_resources())
    var = model.get_variable("production")
    old = var.cost_func
    var.cost(lambda p: calls.append(p.id) or old(p))
    scenarios = [LXScenario(f"s{k}").modify_constraint_rhs("capacity", multiply=1 + k / 10) for k in range(5)]
    run_scenarios(model, scenarios, backend="sequential", progress=False)
    assert len(calls) == len(products)  # the one compile in the parent


# -- unknown targets: ScenarioError before any worker starts -----------------------------------------


UNKNOWN = [
    (
        LXScenario("typo").modify_constraint_rhs("capacty", multiply=2),
        r"scenario 'typo': unknown constraint 'capacty' in model 'production'; closest: 'capacity'",
    ),
    (
        LXScenario("instance").modify_constraint_rhs("capacity[r9]", add=1),
        r"unknown constraint 'capacity\[r9\]'.*closest: 'capacity\[r\d\]'",
    ),
    (
        LXScenario("var").modify_variable_bound("prodution", upper=1),
        r"unknown variable 'prodution'.*closest: 'production'",
    ),
    (
        LXScenario("var-instance").modify_objective_coefficient("production[99]", multiply=2),
        r"unknown variable 'production\[99\]'.*closest: 'production\[\d+\]'",
    ),
    (
        LXScenario("coef-col").modify_coefficient("capacity[r1]", "produce[3]", set_value=1),
        r"unknown variable 'produce\[3\]'.*closest: .*'production\[3\]'",
    ),
    (
        LXScenario("coef-row").modify_coefficient("capacities", "production", set_value=1),
        r"unknown constraint 'capacities'.*closest: 'capacity'",
    ),
    (  # a variable named where a constraint belongs
        LXScenario("wrong-kind").modify_constraint_rhs("production", add=1),
        r"unknown constraint 'production'.*constraint families: capacity",
    ),
]


def _no_dispatch(*args, **kwargs):
    raise AssertionError("a worker was started for a sweep with an unknown target")


@pytest.mark.parametrize("bad, match", UNKNOWN, ids=[s.name for s, _ in UNKNOWN])
def test_unknown_targets_raise_before_any_worker(standard_model, monkeypatch, tmp_path, bad, match):
    monkeypatch.setattr(runner.api, "_dispatch", _no_dispatch)
    store = tmp_path / "journal.db"
    good = [LXScenario(f"ok{k}").modify_constraint_rhs("capacity", multiply=1.1) for k in range(3)]
    with pytest.raises(ScenarioError, match=match):
        run_scenarios(standard_model, [*good, bad], backend="loky", n_jobs=2, store=store, progress=False)
    assert not store.exists()  # nothing was journaled either


def test_unknown_target_fails_fast_with_the_real_pool(standard_model):
    # No monkeypatch: no worker process may appear, and no time is spent starting one.
    before = child_pids(os.getpid())
    start = time.perf_counter()
    bad = LXScenario("late-typo").modify_variable_bound("production[30]", upper=1)
    many = [LXScenario(f"ok{k}").modify_constraint_rhs("capacity", multiply=1.01) for k in range(200)]
    with pytest.raises(ScenarioError, match=r"'late-typo'.*production\[30\]"):
        run_scenarios(standard_model, [*many, bad], backend="loky", n_jobs=2, progress=False)
    elapsed = time.perf_counter() - start
    assert child_pids(os.getpid()) <= before
    assert elapsed < 2.0, elapsed  # starting loky workers and shipping the model takes longer


def test_scenario_error_is_a_model_error_and_value_error():
    from lumix.errors import ModelError

    assert issubclass(ScenarioError, ModelError) and issubclass(ScenarioError, ValueError)


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: LXScenario("x").modify_constraint_rhs("capacity"), ValueError, "give exactly one of"),
        (
            lambda: LXScenario("x").modify_constraint_rhs("capacity", add=1, multiply=2),
            ValueError,
            "exactly one",
        ),
        (lambda: LXScenario("x").modify_variable_bound("production"), ValueError, "lower and/or upper"),
        (lambda: LXScenario("x").modify_constraint_rhs("capacity", add="1"), TypeError, "must be a number"),
        (
            lambda: LXScenarioModification("constraint", "capacity", "obj_set", 1),
            ValueError,
            "does not apply to a constraint",
        ),
        (
            lambda: LXScenarioModification("coefficient", "capacity", "coef_set", 1),
            ValueError,
            "variable_name",
        ),
    ],
)
def test_malformed_modifications_raise_when_built(build, error, match):
    with pytest.raises(error, match=match):
        build()
