"""Sweeps of goal, linearized and CP-SAT models: every backend gives the objectives of solving
each scenario's changed model afresh with ``LXOptimizer`` (an independent compile and solve).

Each sweep has declarative scenarios (capacity right-hand sides scaled per row) and one
callable scenario (the same change made to the model's data: recompiled and diffed into the
worker's persistent solver).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable
from lumix.analysis import LXScenario
from runner import run_scenarios

BACKENDS = [
    pytest.param({"backend": "sequential"}, id="sequential"),
    pytest.param({"backend": "threading", "n_jobs": 2}, id="threading"),
    pytest.param({"n_jobs": 2}, id="loky"),
]
FACTORS = [(0.7, 1.1, 1.0), (1.2, 0.9, 0.8), (1.0, 1.0, 1.3), (0.5, 1.4, 1.0)]


@dataclass(frozen=True)
class Item:
    id: int
    profit: float
    size: int


@dataclass(frozen=True)
class Plant:
    id: int
    capacity: float


ITEMS = [Item(0, 12.0, 3), Item(1, 9.0, 2), Item(2, 15.0, 5), Item(3, 7.0, 1)]
PLANTS = [Plant(0, 20.0), Plant(1, 14.0), Plant(2, 25.0)]


def _usage(item: Item, plant: Plant) -> float:
    return float(1 + (item.id + 2 * plant.id) % 4)


def _make(integer: bool) -> tuple[LXVariable, LXConstraint]:
    make = LXVariable[Item, float]("make").bounds(lower=0, upper=6).indexed_by(lambda i: i.id)
    make = (make.integer() if integer else make.continuous()).cost(lambda i: i.profit).from_data(ITEMS)
    capacity = (
        LXConstraint[Plant]("capacity")
        .expression(LXLinearExpression().add_term(make, _usage))
        .le()
        .rhs(lambda p: p.capacity)
        .from_data(PLANTS)
        .indexed_by(lambda p: p.id)
    )
    return make, capacity


def weighted_goal_model() -> LXModel:
    make, capacity = _make(integer=False)
    floor = (
        LXConstraint("volume").expression(LXLinearExpression().add_term(make)).ge().rhs(8.0).as_goal(1, 2.0)
    )
    capacity.as_goal(2, 1.0)
    return LXModel("weighted").add_variable(make).add_constraints(capacity, floor).maximize()


def sequential_goal_model() -> LXModel:
    return weighted_goal_model().set_goal_mode("sequential")


def linearized_model() -> tuple[LXModel, LXOptimizer]:
    from lumix import LXNonLinearExpression

    make, capacity = _make(integer=False)
    use = LXVariable("use_bonus").binary()
    bonus = LXVariable("bonus").continuous().bounds(lower=0, upper=10)
    earned = (
        LXConstraint("bonus_cap")
        .expression(
            LXNonLinearExpression()
            .add_linear(LXLinearExpression().add_term(bonus))
            .add_product(use, bonus, -1.0)
        )
        .le()
        .rhs(0.0)
    )
    need = (
        LXConstraint("bonus_needs_volume")
        .expression(LXLinearExpression().add_term(make).add_term(use, -10.0))
        .ge()
        .rhs(0.0)
    )
    objective = LXLinearExpression().add_term(make, lambda i: i.profit).add_term(bonus, 3.0)
    model = LXModel("linearized").add_variables(make, use, bonus).add_constraints(capacity, earned, need)
    return model.maximize(objective), LXOptimizer().enable_linearization()


def cpsat_model() -> tuple[LXModel, LXOptimizer]:
    make, capacity = _make(integer=True)
    return LXModel("cpsat").add_variable(make).add_constraint(capacity).maximize(), LXOptimizer().use_solver(
        "cpsat"
    )


def _scaled(factors: tuple[float, ...]):
    def apply(model: LXModel) -> None:
        model.get_constraint("capacity").from_data([Plant(p.id, p.capacity * factors[p.id]) for p in PLANTS])

    return apply


def _scenarios() -> list[Any]:
    found: list[Any] = []
    for n, factors in enumerate(FACTORS[:-1]):
        scenario = LXScenario(f"s{n}")
        for plant, factor in enumerate(factors):
            scenario.modify_constraint_rhs(f"capacity[{plant}]", multiply=factor)
        found.append(scenario)
    found.append(("callable", _scaled(FACTORS[-1])))
    return found


def _expected(model: LXModel, optimizer: LXOptimizer) -> dict[str, float | None]:
    """Each scenario's changed model built afresh and solved by ``optimizer``."""
    expected = {"baseline": optimizer.solve(copy.deepcopy(model)).objective_value}
    for name, factors in [*((f"s{n}", f) for n, f in enumerate(FACTORS[:-1])), ("callable", FACTORS[-1])]:
        changed = copy.deepcopy(model)
        _scaled(factors)(changed)
        expected[name] = optimizer.solve(changed).objective_value
    return expected


CASES = {
    "weighted goals": lambda: (weighted_goal_model(), LXOptimizer()),
    "sequential goals": lambda: (sequential_goal_model(), LXOptimizer()),
    "linearized": linearized_model,
    "cpsat": cpsat_model,
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("how", BACKENDS)
def test_sweep_matches_fresh_solves(case: str, how: dict[str, Any]) -> None:
    model, optimizer = CASES[case]()
    expected = _expected(model, optimizer)
    assert all(v is not None for v in expected.values())
    assert len({round(v, 6) for v in expected.values() if v is not None}) > 2  # the scenarios matter

    results = run_scenarios(model, _scenarios(), optimizer=optimizer, progress=False, **how)

    got = {name: r.objective_value for name, r in results.items()}
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-6, abs=1e-6), name
    assert {r.method for name, r in results.items() if name != "callable"} == {"incremental"}


def test_dask_sweeps_every_kind() -> None:
    """The same sweeps on a dask cluster (two process workers): the objectives of fresh solves."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
    with cluster, distributed.Client(cluster) as client:
        for case, make in CASES.items():
            model, optimizer = make()
            expected = _expected(model, optimizer)
            results = run_scenarios(model, _scenarios(), optimizer=optimizer, backend=client, progress=False)
            for name, value in expected.items():
                assert results[name].objective_value == pytest.approx(value, rel=1e-6, abs=1e-6), (case, name)
