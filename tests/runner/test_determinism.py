"""Determinism: the same sweep gives the same objectives (1e-9 relative) for every backend and
n_jobs, in any order, and equal to a serial deepcopy-modify-solve of each scenario.

The sweep: 40 scenarios on the standard 30 x 6 model, 35 scaling each resource's capacity by
its own seeded random factor in [0.6, 1.4] (per-instance rhs_multiply) and 5 callables doing
the same through the model's data. Scaling by >= 0.6 keeps every capacity positive, so every
scenario is feasible (production = 0 fits) and bounded. The dask backend is tested with the
fault tests.
"""

from __future__ import annotations

import os
import random

import pytest
from joblib import parallel_config

from lumix import LXModel
from lumix.analysis import LXScenario
from runner import run_scenarios

from .conftest import close, production_model, serial_objective, standard_products, standard_resources

N_DECLARATIVE = 35
N_CALLABLE = 5
RESOURCES = [r.name for r in standard_resources()]


def _factors(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {name: round(rng.uniform(0.6, 1.4), 4) for name in RESOURCES}


def scale_capacities(factors: dict[str, float]):
    def apply(model: LXModel) -> None:
        con = model.get_constraint("capacity")
        old = con.rhs_func
        con.rhs(lambda r: old(r) * factors[r.name])

    return apply


def sweep() -> tuple[list, dict]:
    """(scenarios, name -> the capacity factors it applies)."""
    scenarios, factors = [], {}
    for i in range(N_DECLARATIVE):
        name = f"scale{i:02d}"
        factors[name] = _factors(i)
        scenario = LXScenario(name)
        for resource, factor in factors[name].items():
            scenario.modify_constraint_rhs(f"capacity[{resource}]", multiply=factor)
        scenarios.append(scenario)
    for i in range(N_CALLABLE):
        name = f"callable{i}"
        factors[name] = _factors(1000 + i)
        scenarios.append((name, scale_capacities(factors[name])))
    return scenarios, factors


@pytest.fixture(scope="module")
def model() -> LXModel:
    return production_model(standard_products(), standard_resources())


@pytest.fixture(scope="module")
def reference(model) -> dict[str, float]:
    """The serial path: each scenario on its own deepcopy, solved from scratch."""
    _, factors = sweep()
    found = {"baseline": serial_objective(model)}
    for name, f in factors.items():
        found[name] = serial_objective(model, scale_capacities(f))
    return found


def assert_same(results, reference) -> None:
    assert list(results) == ["baseline", *(n for n in reference if n != "baseline")]
    bad = {
        name: (r.objective_value, reference[name])
        for name, r in results.items()
        if r.status != "optimal" or not close(r.objective_value, reference[name])
    }
    assert not bad, bad


def test_the_sweep_is_not_trivial(reference):
    values = list(reference.values())
    assert all(v is not None and v > 0 for v in values)
    assert len({round(v, 6) for v in values}) == len(values)  # every scenario moves the optimum


@pytest.mark.parametrize(
    "backend, n_jobs",
    [("sequential", 1), ("threading", 1), ("threading", 2), ("loky", 1), ("loky", 2)],
    ids=lambda v: str(v),
)
def test_backends_and_n_jobs_agree_with_the_serial_path(model, reference, backend, n_jobs):
    scenarios, _ = sweep()
    # small batches, so with two workers batches interleave and every solver sees a mix
    results = run_scenarios(model, scenarios, backend=backend, n_jobs=n_jobs, batch_size=3, progress=False)
    assert_same(results, reference)
    methods = {r.method for r in results.values()}
    assert methods == {"incremental"}
    pids = {r.worker for r in results.values()}
    if backend == "loky":
        assert f"pid {os.getpid()}" not in pids  # solved in worker processes
        assert 1 <= len(pids) <= n_jobs
    else:
        assert pids == {f"pid {os.getpid()}"}


def test_joblib_parallel_config_chooses_the_backend(model, reference):
    scenarios, _ = sweep()
    with parallel_config(backend="threading", n_jobs=2):
        results = run_scenarios(model, scenarios, batch_size=5, progress=False)
    assert_same(results, reference)
    assert {r.worker for r in results.values()} == {f"pid {os.getpid()}"}


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_order_and_batching_do_not_change_objectives(model, reference, batch_size):
    scenarios, _ = sweep()
    rng = random.Random(batch_size)
    shuffled = scenarios[:]
    rng.shuffle(shuffled)
    results = run_scenarios(model, shuffled, backend="sequential", batch_size=batch_size, progress=False)
    names = [s.name if isinstance(s, LXScenario) else s[0] for s in shuffled]
    assert list(results) == ["baseline", *names]
    for name, r in results.items():
        assert close(r.objective_value, reference[name]), name


def test_repeated_runs_are_identical(model):
    scenarios, _ = sweep()
    first = run_scenarios(model, scenarios, backend="threading", n_jobs=2, batch_size=2, progress=False)
    second = run_scenarios(model, scenarios, backend="threading", n_jobs=2, batch_size=2, progress=False)
    for name in first:
        assert close(first[name].objective_value, second[name].objective_value), name
